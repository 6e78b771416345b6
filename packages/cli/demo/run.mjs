#!/usr/bin/env node
// `pnpm demo`: the ftpkit command line end to end against an embedded server, on loopback only.
//
// It starts ftp-srv (npm, pinned) on 127.0.0.1 with explicit FTPS, using @ftpkit/testkit's ftp-srv
// launcher: its server script carries the fix for ftp-srv 4.6.3's AUTH TLS race, it needs neither
// root nor apt, and it stops the server by pid. The certificate is the testkit's committed test CA
// and leaf (packages/test-server/fixtures/tls); the CA goes to the CLI with --ca, so the certificate is
// verified as it would be against a real server. Then it runs the real `ftpkit` binary, one visible
// command at a time: upload a generated folder with progress, list it, mirror it back into another
// folder (twice: the second run has nothing to do), compare sha256 checksums, delete it remotely,
// and print a summary. It exits 0 only if every step worked, and leaves nothing behind.
//
// `pnpm demo:proxy` (`--proxy`) runs the same flow through a local SOCKS5 proxy: Dante (Debian's
// dante-server, which packages/testkit/servers/install.sh installs), started by the testkit on
// 127.0.0.1 as the calling user (no root needed to run it, only to install it), passing
// connections to loopback only. Every command gets `--proxy socks5h://127.0.0.1:PORT`, so the
// control connection and every data connection are tunnels through it, with TLS inside.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy, startServer } from '@ftpkit/testkit';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const tty = process.stdout.isTTY;
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const started = performance.now();

const viaProxy = process.argv.includes('--proxy');
const work = await mkdtemp(join(tmpdir(), 'ftpkit-demo-'));
let server;
let proxy;
let failed = false;
try {
  // 1. A folder to upload: a small site with a few larger files, so the progress bars have work.
  const source = join(work, 'site');
  const files = {
    'index.html': '<!doctype html><title>ftpkit demo</title><h1>Hello over FTPS</h1>\n',
    'css/style.css': 'body { font-family: sans-serif; }\n',
    'docs/notes with spaces.txt': 'Names with spaces survive the round trip.\n',
    'docs/ünïcödé.txt': 'So do UTF-8 names (RFC 2640).\n',
    'img/photo-1.bin': randomBytes(6 * 1024 * 1024),
    'img/photo-2.bin': randomBytes(9 * 1024 * 1024),
    'data/archive.bin': randomBytes(24 * 1024 * 1024),
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(source, path, '..'), { recursive: true });
    await writeFile(join(source, path), content);
  }

  // 2. The server: ftp-srv on 127.0.0.1, explicit FTPS, a temporary root, no anonymous access.
  server = await startServer('ftp-srv', { tls: true, anonymous: false });
  const ca = join(work, 'ca.pem');
  await writeFile(ca, server.caPem);
  // Credentials go in a netrc file, as they would in ~/.netrc, so no password shows in the commands.
  const netrc = join(work, 'netrc');
  await writeFile(netrc, `machine ${server.host} login ${server.user} password ${server.password}\n`, { mode: 0o600 });
  const url = `ftpes://${server.user}@${server.host}:${server.port}`;
  console.log(bold(`ftpkit demo: ftp-srv ${server.version} on ${server.host}:${server.port}, explicit FTPS, root ${server.root}`));

  if (viaProxy) {
    proxy = await startProxy('dante').catch((err) => {
      throw new Error(`${err.message.split('\n')[0]}\n(Dante comes from Debian's dante-server: run \`bash packages/testkit/servers/install.sh\` as root once.)`);
    });
    console.log(bold(`through a SOCKS5 proxy: Dante ${proxy.version} on ${proxy.host}:${proxy.port} (control and data connections alike)`));
  }
  const proxyArgs = proxy ? ['--proxy', proxy.url.replace('socks5://', 'socks5h://')] : [];
  const ftpkit = (...args) => run([...args, '--ca', ca, '--netrc-file', netrc, ...proxyArgs]);

  // 3. The session.
  await ftpkit('put', '-r', source, `${url}/demo`);
  await ftpkit('ls', `${url}/demo`);
  await ftpkit('ls', `${url}/demo/img`);
  const back = join(work, 'downloaded');
  await ftpkit('mirror', `${url}/demo`, back);
  await ftpkit('mirror', `${url}/demo`, back); // nothing new: everything unchanged

  // 4. Checksums: every file came back byte for byte.
  step('verify sha256 checksums');
  const sent = await checksums(source);
  const received = await checksums(back);
  let bytes = 0;
  for (const [path, sum] of Object.entries(sent)) {
    const ok = received[path] === sum;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${sum.slice(0, 16)}…  ${path}`);
    if (!ok) throw new Error(`checksum mismatch for ${path}`);
    bytes += Buffer.byteLength(files[path]);
  }
  const extra = Object.keys(received).filter((p) => !(p in sent));
  if (extra.length > 0) throw new Error(`unexpected files downloaded: ${extra.join(', ')}`);

  // 5. Clean up remotely, and show the root is empty again.
  await ftpkit('rm', '-r', `${url}/demo`);
  await ftpkit('ls', `${url}/`);
  const remaining = await readdir(server.root);
  if (remaining.length > 0) throw new Error(`the server root still holds ${remaining.join(', ')}`);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const mib = (bytes / 1048576).toFixed(1);
  console.log(
    bold(
      `\nftpkit demo OK: ${Object.keys(files).length} files, ${mib} MiB uploaded and mirrored back over FTPS${proxy ? ' through a SOCKS5 proxy' : ''}, sha256 checksums match, remote cleaned up, ${seconds} s.`,
    ),
  );
} catch (err) {
  failed = true;
  console.error(`\nftpkit demo FAILED: ${err instanceof Error ? err.message : String(err)}`);
  if (server) console.error(dim(await server.readLogs().catch(() => '')));
  if (proxy) console.error(dim(await proxy.readLogs().catch(() => '')));
} finally {
  await proxy?.stop();
  await server?.stop();
  await rm(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;

function step(title) {
  console.log(`\n${bold(`== ${title}`)}`);
}

/** Run the real binary with the terminal passed through, so progress bars draw as they would. */
function run(args) {
  const shown = args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  step(`ftpkit ${shown}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: withoutProxyVariables(process.env) });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`ftpkit ${args[0]} exited with ${signal ?? code}`));
    });
  });
}

/** The calling shell's proxy variables do not apply: the demo says which proxy, if any, it uses. */
function withoutProxyVariables(env) {
  const out = { ...env };
  for (const name of ['ftp_proxy', 'FTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY']) delete out[name];
  return out;
}

async function checksums(root) {
  const out = {};
  const visit = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await visit(path);
      else out[relative(root, path).split('\\').join('/')] = createHash('sha256').update(await readFile(path)).digest('hex');
    }
  };
  await visit(root);
  return out;
}
