#!/usr/bin/env node
// The "What doctor says about real servers" section of docs-src/guides/doctor.md, written by
// running `ftpkit doctor` rather than by hand, so that the page shows what the command prints.
//
//   node scripts/doctor-docs.mjs            run it and rewrite the section (pnpm --filter ftpkit docs:doctor)
//   node scripts/doctor-docs.mjs --check    run it and exit 1 if the committed section differs
//
// It starts each real server of @ftpkit/testkit (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib, ftp-srv;
// root and packages/testkit/servers/install.sh needed, as for the tests) with explicit FTPS and the
// fixture tree, and two scripted ones (an SSH server, a server whose PASV names another address),
// all on loopback, and runs the built binary (dist/bin.js) against each, the password in a netrc
// file so that no command shows it. What varies from run to run is made fixed: every port the
// testkit picked is shown as 2121. The output holds no times or durations. Both the write and the
// check go through the same text, so the check fails exactly when a run would change the page.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokenPasv, SERVER_KINDS, SSH_GREETING, startScriptedServer, startServer } from '@ftpkit/testkit';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const page = fileURLToPath(new URL('../../../docs-src/guides/doctor.md', import.meta.url));
const BEGIN = '<!-- doctor-docs:begin (written by packages/cli/scripts/doctor-docs.mjs; do not edit) -->';
const END = '<!-- doctor-docs:end -->';
const SHOWN_PORT = 2121;

/** Display names of the testkit's servers. */
const NAMES = { vsftpd: 'vsftpd', proftpd: 'ProFTPD', 'pure-ftpd': 'Pure-FTPd', pyftpdlib: 'pyftpdlib', 'ftp-srv': 'ftp-srv' };

/** Run the binary; resolves with its exit code and output. */
function ftpkit(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One example: the command as shown, and what it printed, with the port fixed. */
async function example(title, url, port, extra, files) {
  const shown = ['doctor', url, ...extra.shown];
  const r = await ftpkit(['doctor', url, ...extra.args, '--timeout', '15', '--netrc-file', files.netrc]);
  if (r.code !== 0) throw new Error(`ftpkit doctor ${url} exited ${r.code}: ${r.stderr}`);
  const fix = (text) => text.replaceAll(`:${port}`, `:${SHOWN_PORT}`).replaceAll(`port: ${port}`, `port: ${SHOWN_PORT}`);
  return [`### ${title}`, '', '```text', fix(`$ ftpkit ${shown.join(' ')}`), fix(r.stdout.trimEnd()), '```', ''].join('\n');
}

/** Every example, in the page's order. */
async function section() {
  const work = await mkdtemp(join(tmpdir(), 'ftpkit-doctor-docs-'));
  const files = { netrc: join(work, 'netrc'), ca: join(work, 'ca.pem') };
  const parts = [];
  try {
    for (const kind of SERVER_KINDS) {
      const server = await startServer(kind, { fixture: true });
      try {
        await writeFile(files.ca, server.caPem);
        await writeFile(files.netrc, `machine ${server.host} login ${server.user} password ${server.password}\n`, { mode: 0o600 });
        const url = `ftpes://${server.user}@${server.host}:${server.port}/`;
        parts.push(await example(`${NAMES[kind]} ${server.version}`, url, server.port, { shown: ['--ca', 'ca.pem'], args: ['--ca', files.ca] }, files));
      } finally {
        await server.stop();
      }
    }
    await writeFile(files.netrc, 'machine 127.0.0.1 login alice password secret\n', { mode: 0o600 });
    const ssh = await startScriptedServer({ greeting: SSH_GREETING });
    try {
      parts.push(await example('An SSH server', `ftp://alice@${ssh.host}:${ssh.port}/`, ssh.port, { shown: [], args: [] }, files));
    } finally {
      await ssh.close();
    }
    const nat = await startScriptedServer({ ...brokenPasv(), files: { 'report.csv': 'a,b\n' } });
    try {
      const title = 'A server whose PASV names another address (the scripted server, EPSV refused)';
      parts.push(await example(title, `ftp://alice@${nat.host}:${nat.port}/`, nat.port, { shown: [], args: [] }, files));
    } finally {
      await nat.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return parts.join('\n');
}

/** The page with `body` between the markers. */
function withSection(text, body) {
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin === -1 || end < begin) throw new Error(`${page} lacks the markers ${BEGIN} ... ${END}`);
  return `${text.slice(0, begin + BEGIN.length)}\n\n${body}\n${text.slice(end)}`;
}

const text = await readFile(page, 'utf8');
const next = withSection(text, await section());
if (process.argv.includes('--check')) {
  if (next !== text) {
    const was = text.split('\n');
    const now = next.split('\n');
    const at = now.findIndex((line, i) => line !== was[i]);
    console.error(`docs-src/guides/doctor.md is stale from line ${at + 1}:\n  committed: ${was[at]}\n  now:       ${now[at]}\nRun: pnpm --filter ftpkit docs:doctor`);
    process.exit(1);
  }
  console.log('docs-src/guides/doctor.md is up to date');
} else {
  await writeFile(page, next);
  console.log(`wrote ${page}`);
}
