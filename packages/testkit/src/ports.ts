// Port blocks for servers that run side by side, in one test process or in several.
//
// Every server gets a block of BLOCK_SIZE consecutive ports: the control port first, then
// a few spare, then its passive range. Blocks lie below Linux's ephemeral range
// (net.ipv4.ip_local_port_range, 32768-60999 by default), so a client's outgoing ports never
// take a server's. A passive range of ~490 ports keeps apart the 4-tuples of successive data
// connections: with a 100-port range, a new data connection could hit a server port still in
// TIME_WAIT, and each such SYN cost a 1 s retransmit (research/servers-and-baseline.md §6).
//
// Blocks are claimed across processes with lock files created O_EXCL in a shared directory. A
// lock holds its owner's pid and is taken over once that process is gone. The control port is also
// bound once to check that nothing else (another program, a leaked server) holds it.
import { mkdirSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIRST_PORT = 10_000;
const END_PORT = 32_500; // exclusive; below 32768
const BLOCK_SIZE = 500;
const PASSIVE_OFFSET = 10;
const BLOCK_COUNT = Math.floor((END_PORT - FIRST_PORT) / BLOCK_SIZE);

/** Ports reserved for one server until {@link PortBlock.release}. */
export interface PortBlock {
  readonly control: number;
  /** The lock file that holds the block. */
  readonly lockFile: string;
  readonly passiveMin: number;
  readonly passiveMax: number;
  /** Gives the block back. Idempotent. */
  release(): Promise<void>;
}

function lockDir(): string {
  const dir = join(tmpdir(), 'ftpkit-testkit-ports');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryLock(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Taken. Take it over if its owner is gone (a crashed test run); the rm-then-create race with
  // another process doing the same is settled by the second O_EXCL create.
  const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(owner) && owner > 0 && processExists(owner)) return false;
  await rm(file, { force: true });
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch {
    return false;
  }
}

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Reserves a block of ports on `host` for one server: a control port and a passive range.
 * Throws when every block is taken.
 */
export async function reservePorts(host: string): Promise<PortBlock> {
  const dir = lockDir();
  const start = Math.floor(Math.random() * BLOCK_COUNT);
  for (let i = 0; i < BLOCK_COUNT; i++) {
    const base = FIRST_PORT + ((start + i) % BLOCK_COUNT) * BLOCK_SIZE;
    const lock = join(dir, `${base}.lock`);
    if (!(await tryLock(lock))) continue;
    if (!(await portIsFree(host, base))) {
      await rm(lock, { force: true });
      continue;
    }
    let released = false;
    return {
      control: base,
      lockFile: lock,
      passiveMin: base + PASSIVE_OFFSET,
      passiveMax: base + BLOCK_SIZE - 1,
      async release() {
        if (released) return;
        released = true;
        await rm(lock, { force: true });
      },
    };
  }
  throw new Error(`no free port block in ${FIRST_PORT}-${END_PORT - 1} (locks in ${dir})`);
}

/**
 * A port on 127.0.0.1 with nothing listening on it: one the system handed out and took back, so a
 * connection to it is refused. (Another process may take it meanwhile; tests use it at once.)
 */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
