// Server processes: spawn with output to a log file, and stop a server together with the session
// processes it forked. vsftpd, ProFTPD and Pure-FTPd fork a process (or two) per session, and
// killing only the listener leaves live sessions running until their clients hang up; they are
// found through /proc by parent pid, before the listener dies and they are re-parented.
// Everything is killed by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/** A spawned server process. */
export interface ServerProcess {
  readonly pid: number;
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<string>;
  /** True once the process has exited. */
  hasExited(): boolean;
}

/** How to spawn a server. */
export interface SpawnSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** Also open fd 0 onto the log: vsftpd reports startup errors on fd 0 (an inetd habit). */
  readonly stdinToLog?: boolean;
  /** Files and directories to remove should the test process die with the server running. */
  readonly leftovers?: readonly string[];
}

// A test runner's worker can end without running 'exit' handlers (vitest's workers do), and a
// server that a test forgot to stop would outlive it. So each server gets a watchdog: a detached
// shell that polls the test process and, once that is gone, kills the server and removes its
// files. (The kernel's parent-death signal is no help: ProFTPD changes its effective uid, which
// clears it.) Sessions need no watchdog: their clients die with the test process.
const WATCHDOG = [
  'test_pid=$1 server_pid=$2; shift 2',
  'while kill -0 "$test_pid" 2>/dev/null; do kill -0 "$server_pid" 2>/dev/null || exit 0; sleep 0.5; done',
  'kill -KILL "$server_pid"; rm -rf -- "$@"',
].join('\n');

function startWatchdog(serverPid: number, leftovers: readonly string[]): ChildProcess {
  const args = ['-c', WATCHDOG, 'ftpkit-watchdog', String(process.pid), String(serverPid), ...leftovers];
  const watchdog = spawn('/bin/sh', args, { detached: true, stdio: 'ignore' });
  watchdog.on('error', () => undefined); // no /bin/sh: no watchdog, stop() still works
  watchdog.unref();
  return watchdog;
}

/** Spawns a server. Rejects if the command cannot be started at all (ENOENT, EACCES). */
export async function spawnServer(spec: SpawnSpec): Promise<ServerProcess> {
  const log = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: [spec.stdinToLog ? log : 'ignore', log, log],
    });
  } finally {
    closeSync(log); // the child has its own copies
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // spawn's 'spawn' event guarantees a pid.
  const pid = child.pid as number;
  const watchdog = startWatchdog(pid, spec.leftovers ?? []);
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      if (watchdog.pid !== undefined) sendSignal(watchdog.pid, 'SIGTERM');
      resolve(signal ?? `exit code ${code}`);
    });
  });
  return { pid, exited, hasExited: () => done };
}

/** State letter from /proc/PID/stat, or undefined when there is no such process. */
function procState(pid: number): { state: string; ppid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]) };
}

/** True while `pid` is a live process (a zombie counts as gone: it only waits to be reaped). */
export function isAlive(pid: number): boolean {
  const info = procState(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** `pid` and all its live descendants, parents before children. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procState(Number(name));
    if (!info || info.state === 'Z') continue;
    const siblings = children.get(info.ppid) ?? [];
    siblings.push(Number(name));
    children.set(info.ppid, siblings);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] as number) ?? []));
  return tree.filter(isAlive);
}

function sendSignal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops a server and its session processes: SIGTERM to each, SIGKILL to whatever is left after
 * `graceMs`, then waits until all are gone and the server has been reaped.
 */
export async function stopProcessTree(server: ServerProcess, graceMs = 5000): Promise<void> {
  if (!server.hasExited()) {
    // Freeze the listener so that it cannot fork a session between the snapshot and the signals.
    sendSignal(server.pid, 'SIGSTOP');
    const pids = processTree(server.pid);
    // Sessions first: a listener that died first would leave them to init, still serving.
    for (const pid of [...pids].reverse()) sendSignal(pid, 'SIGTERM');
    sendSignal(server.pid, 'SIGCONT');
    const deadline = Date.now() + graceMs;
    while (pids.some(isAlive) && Date.now() < deadline) await sleep(20);
    for (const pid of pids.filter(isAlive)) sendSignal(pid, 'SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (pids.some(isAlive)) {
      if (Date.now() > killDeadline) throw new Error(`processes survive SIGKILL: ${pids.filter(isAlive).join(' ')}`);
      await sleep(20);
    }
  }
  await server.exited;
}
