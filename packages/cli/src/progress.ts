/**
 * Transfer progress on stderr.
 *
 * On a terminal each transfer gets one line, redrawn in place with a carriage return at most ten
 * times a second: name, bar, percentage, bytes, rate and ETA. Elsewhere (a pipe, a log file) a
 * transfer prints one plain line when it ends, and a progress line every five seconds while it runs,
 * so logs stay readable.
 *
 * @module
 */
import type { Progress } from '@ftpkit/client';

/** One transfer being reported. */
export interface TransferMeter {
  /** Feed the client's `onProgress`. */
  readonly update: (progress: Progress) => void;
  /** The transfer finished: `bytes` moved in total. */
  done(bytes: number): void;
  /** The transfer failed: end the line so the error message starts on its own. */
  fail(): void;
}

/** Where progress goes. */
export interface ProgressReporter {
  start(label: string, total: number | undefined): TransferMeter;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const SILENT_METER: TransferMeter = { update: () => {}, done: () => {}, fail: () => {} };

/** A reporter that prints nothing (`--quiet`, `--json`). */
export const silentProgress: ProgressReporter = { start: () => SILENT_METER };

/**
 * Pick the terminal or the plain reporter for `stream`. With `concurrent` (`--parallel`), the
 * terminal shows a block of lines, one per running transfer, redrawn together.
 */
export function progressReporter(
  stream: ProgressStream,
  options: { readonly concurrent?: boolean; readonly now?: () => number } = {},
): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  if (!stream.isTTY) return plainReporter(stream, now);
  return options.concurrent ? ttyBlockReporter(stream, now) : ttyReporter(stream, now);
}

const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5000;

function ttyReporter(stream: ProgressStream, now: () => number): ProgressReporter {
  return {
    start(label, total) {
      const started = now();
      let lastDraw = -Infinity;
      let bytes = 0;
      let known = total;
      let finished = false;
      const draw = (final: boolean) => {
        const elapsed = (now() - started) / 1000;
        const width = Math.max(40, (stream.columns || 80) - 1);
        stream.write(`\r${ttyLine(label, bytes, known, elapsed, final, width)}\x1b[K${final ? '\n' : ''}`);
      };
      return {
        update: (p) => {
          bytes = p.bytes;
          if (p.total !== undefined) known = p.total;
          const t = now();
          if (t - lastDraw < REDRAW_MS) return;
          lastDraw = t;
          draw(false);
        },
        done: (total) => {
          if (finished) return;
          finished = true;
          bytes = total;
          if (known === undefined || known < total) known = total;
          draw(true);
        },
        fail: () => {
          if (finished) return;
          finished = true;
          if (lastDraw !== -Infinity) stream.write('\n');
        },
      };
    },
  };
}

/**
 * Several transfers at once: the running ones form a block at the bottom, one line each. A redraw
 * moves the cursor to the block's first line (CSI n F), prints any transfer that just ended as a
 * permanent line above the block, the running ones below it, and erases what is left (CSI J).
 */
function ttyBlockReporter(stream: ProgressStream, now: () => number): ProgressReporter {
  interface Line {
    readonly label: string;
    readonly started: number;
    bytes: number;
    total: number | undefined;
  }
  const running: Line[] = [];
  let drawn = 0;
  let lastDraw = -Infinity;
  const text = (line: Line, final: boolean) =>
    ttyLine(line.label, line.bytes, line.total, (now() - line.started) / 1000, final, Math.max(40, (stream.columns || 80) - 1));
  const redraw = (force: boolean, ended?: Line) => {
    const t = now();
    if (!force && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    let out = drawn > 0 ? `\x1b[${drawn}F` : '\r';
    if (ended) out += `${text(ended, true)}\x1b[K\n`;
    for (const line of running) out += `${text(line, false)}\x1b[K\n`;
    drawn = running.length;
    stream.write(`${out}\x1b[J`);
  };
  const remove = (line: Line) => {
    const at = running.indexOf(line);
    if (at !== -1) running.splice(at, 1);
  };
  return {
    start(label, total) {
      const line: Line = { label, started: now(), bytes: 0, total };
      running.push(line);
      redraw(true);
      let finished = false;
      return {
        update: (p) => {
          line.bytes = p.bytes;
          if (p.total !== undefined) line.total = p.total;
          redraw(false);
        },
        done: (bytes) => {
          if (finished) return;
          finished = true;
          line.bytes = bytes;
          if (line.total === undefined || line.total < bytes) line.total = bytes;
          remove(line);
          redraw(true, line);
        },
        fail: () => {
          if (finished) return;
          finished = true;
          remove(line);
          redraw(true);
        },
      };
    },
  };
}

function plainReporter(stream: ProgressStream, now: () => number): ProgressReporter {
  return {
    start(label, total) {
      const started = now();
      let lastLine = started;
      let finished = false;
      return {
        update: (p) => {
          const t = now();
          if (t - lastLine < PLAIN_EVERY_MS) return;
          lastLine = t;
          const known = p.total ?? total;
          const pct = known ? ` ${percent(p.bytes, known)}` : '';
          stream.write(`${label}:${pct} ${formatBytes(p.bytes)}${known ? ` of ${formatBytes(known)}` : ''}, ${formatRate(p.bytes, (t - started) / 1000)}\n`);
        },
        done: (bytes) => {
          if (finished) return;
          finished = true;
          const seconds = (now() - started) / 1000;
          stream.write(`${label}: ${formatBytes(bytes)} in ${formatSeconds(seconds)} (${formatRate(bytes, seconds)})\n`);
        },
        fail: () => {
          finished = true;
        },
      };
    },
  };
}

/** The terminal line for one transfer, fitted to `width` columns. Exported for tests. */
export function ttyLine(label: string, bytes: number, total: number | undefined, seconds: number, final: boolean, width: number): string {
  const rate = formatRate(bytes, seconds);
  let stats: string;
  let bar = '';
  if (total !== undefined && total > 0) {
    const fraction = Math.min(1, bytes / total);
    const remaining = bytes > 0 && seconds > 0 ? ((total - bytes) * seconds) / bytes : undefined;
    const tail = final ? formatSeconds(seconds) : remaining === undefined ? 'ETA --' : `ETA ${formatSeconds(remaining)}`;
    stats = `${percent(bytes, total).padStart(4)} ${formatBytes(bytes)}/${formatBytes(total)} ${rate} ${tail}`;
    bar = `[${'#'.repeat(Math.round(fraction * 20)).padEnd(20, '-')}]`;
  } else {
    stats = `${formatBytes(bytes)} ${rate}${final ? ` ${formatSeconds(seconds)}` : ''}`;
  }
  // A fixed-width stats column keeps the name and bar still while the numbers change.
  stats = stats.padEnd(bar ? 46 : 30);
  const fixed = stats.length + (bar ? bar.length + 1 : 0) + 2;
  const room = Math.max(8, width - fixed);
  const name = label.length > room ? `…${label.slice(label.length - room + 1)}` : label.padEnd(room);
  return `${name} ${bar ? `${bar} ` : ''}${stats}`.slice(0, width).trimEnd();
}

function percent(bytes: number, total: number): string {
  return `${Math.floor((Math.min(bytes, total) / total) * 100)}%`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

function formatRate(bytes: number, seconds: number): string {
  return seconds > 0 ? `${formatBytes(Math.round(bytes / seconds))}/s` : '-- B/s';
}

/** `75` → `1m15s`, `0.25` → `0.3s`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
