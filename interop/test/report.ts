// interop/MATRIX.md: one row per cell, with its outcome and why, and the versions that produced it.
import type { CellResult } from '../src/cell.js';
import type { Cell } from './matrix.js';

export interface ReportInput {
  readonly cells: readonly Cell[];
  readonly results: ReadonlyMap<string, CellResult>;
  readonly serverVersions: ReadonlyMap<string, string>;
  readonly runtimeVersions: ReadonlyMap<string, string>;
  readonly wallSeconds: number;
}

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** Numbered notes, so that a reason shared by many rows is written once. */
class Notes {
  readonly #numbers = new Map<string, number>();
  ref(text: string): string {
    let number = this.#numbers.get(text);
    if (number === undefined) this.#numbers.set(text, (number = this.#numbers.size + 1));
    return `[${number}](#note-${number})`;
  }
  render(): string[] {
    return [...this.#numbers].map(([text, number]) => `<a id="note-${number}"></a>${number}. ${escape(text)}`);
  }
}

function outcome(cell: Cell, result: CellResult | undefined, notes: Notes): [string, string] {
  if (cell.notApplicable !== undefined) return ['n/a', notes.ref(cell.notApplicable)];
  if (result === undefined) return ['**FAIL**', 'no result: the runner stopped before this cell'];
  const failed = result.steps.find((step) => step.outcome === 'fail');
  if (failed) return ['**FAIL**', escape(`${failed.step}: ${failed.detail ?? ''}`)];
  const skipped = result.steps.filter((step) => step.outcome === 'skipped');
  const skips = skipped.map((step) => `${step.step} skipped ${notes.ref(step.detail ?? 'no reason given')}`).join('; ');
  // A cell that runs with the client's retry option says so, and why, and which steps needed it.
  const retried = result.steps.filter((step) => step.outcome === 'pass' && step.detail !== undefined);
  const retries = [
    ...(cell.retries === undefined ? [] : [`with retry ${notes.ref(cell.retries)}`]),
    ...retried.map((step) => `${step.step} ${escape(step.detail ?? '')}`),
  ].join('; ');
  return ['pass', [`${(result.ms / 1000).toFixed(1)} s`, ...(skips ? [skips] : []), ...(retries ? [retries] : [])].join('; ')];
}

export function renderMatrix(input: ReportInput): string {
  const notes = new Notes();
  const rows = input.cells.map((cell) => {
    const [result, detail] = outcome(cell, input.results.get(cell.id), notes);
    return `| ${cell.server} | ${cell.security} | ${cell.data} | ${cell.family} | ${cell.proxy} | ${cell.runtime} | ${result} | ${detail} |`;
  });
  const count = (test: (row: string) => boolean) => rows.filter(test).length;
  const passed = count((row) => row.includes('| pass |'));
  const failed = count((row) => row.includes('| **FAIL** |'));
  const na = count((row) => row.includes('| n/a |'));
  const list = (versions: ReadonlyMap<string, string>) => [...versions].map(([name, version]) => `- ${name}: ${version}`);
  return [
    '# Interop matrix',
    '',
    'Written by `pnpm test:interop` (interop/test/matrix.test.ts); do not edit by hand. Each runnable cell',
    'logs in to a real server on loopback and runs the same scenario: login, mkdir -p, upload, list, stat,',
    'download (SHA-256 checked), resumed download, resumed upload, rename, an aborted download and an',
    'aborted upload each followed by more work on the same session, rm -r, quit. TLS cells verify the',
    "server's certificate against the test CA. `explicit TLS 1.2` and `1.3` pin the server to that version,",
    "and the client too except on Deno, whose TLS has no version bounds.",
    'vsftpd and ProFTPD require TLS data connections to resume the control session in every TLS mode',
    'except `explicit, reuse optional`.',
    'Cells with a proxy go through a real proxy on loopback that requires credentials: Dante (SOCKS5,',
    'username and password) or tinyproxy (HTTP CONNECT, Basic). The control connection and every data',
    'connection are tunnels through it, with TLS inside; only passive data connections go through a proxy.',
    '',
    `**${rows.length} cells: ${passed} pass, ${failed} fail, ${na} not applicable** (wall time ${input.wallSeconds} s).`,
    '',
    'Servers:',
    ...list(input.serverVersions),
    '',
    'Runtimes:',
    ...list(input.runtimeVersions),
    '',
    '| server | security | data | family | proxy | runtime | result | detail |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Notes',
    '',
    ...notes.render(),
    '',
  ].join('\n');
}

/**
 * MATRIX.md has two writers: the matrix (this file's {@link renderMatrix}, the whole page) and the
 * Workers suite (`workers/`, its own section between these markers). Each keeps the other's part.
 */
const SECTION_BEGIN = '<!-- workers:begin -->';
const SECTION_END = '<!-- workers:end -->';

/** Where the Workers section of `page` lies, markers included; undefined when it has none. */
function sectionRange(page: string): [number, number] | undefined {
  const begin = page.indexOf(SECTION_BEGIN);
  const end = page.indexOf(SECTION_END);
  return begin >= 0 && end > begin ? [begin, end + SECTION_END.length] : undefined;
}

/** The Workers section of `page`, without its markers; empty when there is none. */
export function workersSection(page: string): string {
  const range = sectionRange(page);
  return range ? page.slice(range[0] + SECTION_BEGIN.length, range[1] - SECTION_END.length).trim() : '';
}

/** `page` with its Workers section replaced by `body` (appended at the end when it had none). */
export function withWorkersSection(page: string, body: string): string {
  const section = `${SECTION_BEGIN}\n${body.trim()}\n${SECTION_END}`;
  const range = sectionRange(page);
  if (range) return page.slice(0, range[0]) + section + page.slice(range[1]);
  return `${page.trimEnd()}\n\n${section}\n`;
}
