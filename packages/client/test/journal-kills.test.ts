/**
 * Long unattended jobs (issue 18): a tree job with a `journal`, killed (SIGKILL) at random points and
 * started again with the same call, ends with every file byte-identical, copies a file in full again
 * only when a kill lost the earlier copy (at most the files in flight at each kill, one per session),
 * and resumes the files it was in the middle of.
 *
 * Each run is a process of its own (journal-child.mjs, on the built package) against a real vsftpd,
 * over a tree of 50 files: 45 of 0 B to 100 KiB and 5 of 2 to 5 MiB, at a `limitRate` of 4 MiB/s so a
 * run takes a few seconds and a kill falls in the middle of files. The first runs are killed a random
 * time after their first byte moved; then the job runs to its end. The child logs the protocol (REST) and, per file, the
 * bytes each run moved (`onProgress`), each line written synchronously, so a kill loses none.
 *
 * "Transferred in full" is a run that moved every byte of a file: a resumed run moves only the rest.
 * The seed is random and printed; FTPKIT_JOURNAL_SEED replays one.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seededRandom, startServer, type RunningServer } from '@ftpkit/testkit';

const KiB = 1024;
const MiB = 1024 * KiB;
const SEED = Number(process.env['FTPKIT_JOURNAL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CHILD = fileURLToPath(new URL('./journal-child.mjs', import.meta.url));
/** Runs that get a kill timer; a run that ends before its timer is not counted as killed. */
const KILL_ATTEMPTS = 6;
/**
 * A kill falls this long after the run's first byte moved (its start-up, slower on a busy machine,
 * does not count): within a file or between two, at 4 MiB/s.
 */
const KILL_AFTER_MS = { min: 0, max: 1200 };
const RATE = 4 * MiB;

interface Scenario {
  readonly name: string;
  readonly call: 'downloadDir' | 'uploadDir' | 'mirror';
  readonly direction: 'download' | 'upload';
  readonly pool?: number;
  readonly all?: boolean;
  readonly verify?: 'size';
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'downloadDir, verify size', call: 'downloadDir', direction: 'download', verify: 'size' },
  { name: 'uploadDir, verify size', call: 'uploadDir', direction: 'upload', verify: 'size' },
  { name: 'mirror download', call: 'mirror', direction: 'download' },
  { name: 'mirror upload, all', call: 'mirror', direction: 'upload', all: true },
  { name: 'mirror download on a Pool of 3', call: 'mirror', direction: 'download', pool: 3 },
];

/** What one job cost, over all its runs. */
interface Tally {
  kills: number;
  runs: number;
  /** The tree's bytes. */
  total: number;
  /** Bytes the runs moved, by the client's count (received, or sent). */
  moved: number;
  /** Bytes the transfers of the runs moved, by the server's count (vsftpd's log: what it wrote to or read from its sockets). */
  server: number;
  /** Transfers that went on from a byte past 0 (REST). */
  resumed: number;
}

/** Bytes of every transfer in vsftpd's log so far (`OK DOWNLOAD: Client "…", "/path", N bytes`, FAIL too). */
async function serverBytes(): Promise<number> {
  let sum = 0;
  for (const match of (await server.readLogs()).matchAll(/(?:OK|FAIL) (?:DOWNLOAD|UPLOAD): Client "[^"]*", "[^"]*", (\d+) bytes/g)) sum += Number(match[1]);
  return sum;
}
const tallies: Record<string, Tally> = {};

let server: RunningServer;
let work: string;
/** path → content, the same tree for every scenario. */
const TREE = new Map<string, Buffer>();

function makeTree(seed: number): void {
  const random = seededRandom(seed);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  for (let i = 0; i < 45; i++) TREE.set(`${i % 3 === 0 ? 'a/' : i % 3 === 1 ? 'b/c/' : ''}small-${i}.bin`, bytes(i === 0 ? 0 : 1 + Math.floor(random() * 100 * KiB)));
  for (let i = 0; i < 5; i++) TREE.set(`${i % 2 ? 'big/' : ''}big-${i}.bin`, bytes(2 * MiB + Math.floor(random() * 3 * MiB)));
}

async function writeTree(root: string): Promise<void> {
  for (const [path, content] of TREE) {
    const file = join(root, ...path.split('/'));
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, content);
  }
}

/** Every file under `root`, by `/`-separated path (a missing root is empty). */
async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else out.push(`${prefix}${entry.name}`);
    }
  };
  await walk(root, '');
  return out.sort();
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  makeTree(SEED);
  server = await startServer('vsftpd', { anonymous: false });
  work = await mkdtemp(join(tmpdir(), 'ftpkit-journal-kills-'));
  await writeTree(join(server.root, 'src'));
  await writeTree(join(work, 'src'));
});
afterAll(async () => {
  console.log(`journal-kills: seed ${SEED}; ${JSON.stringify(tallies)}`);
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * Run the child once; kill it `killAfter` ms after it logged its first byte moved, unless it ended.
 * Resolves with how it ended.
 */
function runOnce(job: { readonly log: string }, killAfter: number | undefined): Promise<{ killed: boolean; code: number | null; output: string; pid: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    let timer: NodeJS.Timeout | undefined;
    const moving = `${child.pid} P `;
    const poll =
      killAfter === undefined
        ? undefined
        : setInterval(() => {
            void readFile(job.log, 'utf8')
              .catch(() => '')
              .then((text) => {
                if (poll === undefined || timer !== undefined || !text.includes(moving)) return;
                clearInterval(poll);
                timer = setTimeout(() => child.kill('SIGKILL'), killAfter);
              });
          }, 10);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, output, pid: String(child.pid) });
    });
  });
}

describe.sequential('a tree job with a journal, killed at random points and run again', () => {
  for (const [index, scenario] of SCENARIOS.entries()) {
    test(`${scenario.name}: every file byte-identical, none moved twice in full but for a kill, partial files resumed`, { timeout: 180_000 }, async () => {
      const random = seededRandom(SEED + 1 + index);
      const dir = join(work, `job-${index}`);
      await mkdir(dir, { recursive: true });
      const remoteTarget = `/up-${index}`;
      const local = scenario.direction === 'download' ? join(dir, 'target') : join(work, 'src');
      const journal = join(dir, 'state', 'job.ftpkit-journal');
      const log = join(dir, 'log.txt');
      const job = {
        call: scenario.call,
        direction: scenario.direction,
        host: server.host,
        port: server.port,
        user: server.user,
        password: server.password,
        remote: scenario.direction === 'download' ? '/src' : remoteTarget,
        local,
        journal,
        log,
        limitRate: RATE,
        ...(scenario.pool ? { pool: scenario.pool } : {}),
        ...(scenario.all ? { all: true } : {}),
        ...(scenario.verify ? { verify: scenario.verify } : {}),
      };
      const tally: Tally = { kills: 0, runs: 0, total: 0, moved: 0, server: 0, resumed: 0 };
      tallies[scenario.name] = tally;
      const serverBefore = await serverBytes();
      let done = false;
      const killedRuns = new Set<string>();
      for (let run = 0; run < KILL_ATTEMPTS + 3 && !done; run++) {
        const killAfter = run < KILL_ATTEMPTS ? KILL_AFTER_MS.min + Math.floor(random() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min)) : undefined;
        const outcome = await runOnce(job, killAfter);
        tally.runs++;
        if (outcome.killed) {
          tally.kills++;
          killedRuns.add(outcome.pid);
        }
        else {
          expect(outcome.code, outcome.output).toBe(0);
          done = true;
        }
      }
      expect(done).toBe(true);
      // With these delays most kills land mid-job; a seed whose every timer came too late would show nothing.
      expect(tally.kills).toBeGreaterThanOrEqual(2);

      // Every file byte-identical, nothing else left behind, and the journal gone with the job.
      const targetRoot = scenario.direction === 'download' ? local : join(server.root, remoteTarget.slice(1));
      expect(await filesUnder(targetRoot)).toEqual([...TREE.keys()].sort());
      for (const [path, content] of TREE) expect(sha(await readFile(join(targetRoot, ...path.split('/')))), path).toBe(sha(content));
      expect(existsSync(journal)).toBe(false);

      // What each run moved of each file: the last `P` line of that run (its bytes so far).
      const lines = (await readFile(log, 'utf8')).split('\n');
      const moved = new Map<string, Map<string, number>>(); // path → run → bytes
      let rests = 0;
      for (const line of lines) {
        const progress = /^(\d+) P (\d+) (.+)$/.exec(line);
        if (progress) {
          const [, pid, bytes, path] = progress as unknown as [string, string, string, string];
          const runs = moved.get(path) ?? new Map<string, number>();
          moved.set(path, runs);
          runs.set(pid, Math.max(runs.get(pid) ?? 0, Number(bytes)));
        }
        const rest = /^\d+ > REST (\d+)$/.exec(line);
        if (rest && Number(rest[1]) > 0) rests++;
      }
      let total = 0;
      let sum = 0;
      // A run killed after a file's last bytes arrived but before they reached the disk logged the
      // file as moved in full, yet left less of it behind (seen in CI: a 101,858-byte file logged
      // whole by a killed run, then downloaded again from 0, at a time when a download's part file
      // was recorded only at its first checkpoint; it is now recorded before the first byte, which
      // leaves only the window between a byte's arrival and its write). So: a file is moved in full at most
      // once by runs that ended by themselves, and every further full move is one a kill lost; each
      // kill loses at most the files in flight then (one per session). Two killed runs may each move
      // the same file in full (seen in CI: a 25,959-byte file, the first kill landing in that window
      // and the second after the file was safe), so the bound is on the kills, not on each file.
      let lostToKills = 0;
      for (const [path, content] of TREE) {
        const byRun = [...(moved.get(path)?.entries() ?? [])];
        const runs = byRun.map(([, bytes]) => bytes);
        const full = byRun.filter(([, bytes]) => content.length > 0 && bytes === content.length);
        const fullKilled = full.filter(([pid]) => killedRuns.has(pid)).length;
        const whole = full.length - fullKilled;
        expect(whole, `${path} (${content.length} bytes) moved in full ${whole} times by runs that ended: ${runs.join(', ')}`).toBeLessThanOrEqual(1);
        lostToKills += Math.max(0, full.length - 1);
        total += content.length;
        sum += runs.reduce((a, b) => a + b, 0);
      }
      tally.total = total;
      tally.moved = sum;
      tally.resumed = rests;
      expect(lostToKills, 'full moves lost to kills (a file moved in full again)').toBeLessThanOrEqual(tally.kills * (scenario.pool ?? 1));
      tally.server = (await serverBytes()) - serverBefore;
      // Kills fell mid-file (files of MiBs at 4 MiB/s): some file went on from where it was, with REST.
      expect(rests, 'resumed transfers (REST > 0)').toBeGreaterThan(0);
      // Not asserted: `sum >= total`. The `P` lines are what each run logged before it was killed,
      // so a killed run moved more than its last line says (seen: an upload's logged runs summed to
      // 22,829,886 of 23,039,601 bytes, and the server's SIZE, where the next run resumed, was past
      // them). Completeness is the byte-identical check above. The same lag means the check on
      // `whole` can miss a run killed after it finished a file but before it logged the last bytes.
    });
  }
});
