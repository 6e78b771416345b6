/**
 * `ftpkit doctor URL`: probe a server and say what works, what does not, and what to change.
 *
 * Theory of operation: the client's `diagnose` does the probing and decides what each result
 * means (its `recommendation`); this command only shows the report: one line per probe (`ok`,
 * `FAIL` with the reason, `-` where it does not apply), then what to change, what to know, and the
 * `ClientOptions` to connect with, never with the password. With `--json` the same report is the
 * command's document. It logs in as any command does (the URL, `~/.netrc`, a prompt), so the
 * probes see what a transfer would see. It exits 0 whenever something answered at the address,
 * whatever the report says is wrong (the report is the answer); an address where nothing answers
 * exits as a failed connection does (3).
 *
 * @module
 */
import type { Diagnosis, DiagnosisProbes, Probe } from '@ftpkit/client';
import type { Context } from './context.js';
import { UsageError } from './exit-codes.js';
import { parseTarget } from './target.js';

/** Each probe's line label, in the report's order. */
const LABELS: Readonly<Record<keyof DiagnosisProbes, string>> = {
  greeting: 'greeting',
  explicitTls: 'explicit TLS',
  implicitTls: 'implicit TLS',
  certificate: 'certificate',
  tlsVersions: 'TLS versions',
  login: 'login',
  features: 'FEAT',
  epsv: 'EPSV',
  pasv: 'PASV',
  pasvAddress: 'PASV address',
  active: 'active mode',
  tlsReuse: 'data TLS reuse',
  listAll: 'LIST -a',
  listTimeZone: 'LIST time zone',
};

const STATUS: Readonly<Record<Probe<unknown>['status'], string>> = { ok: 'ok', failed: 'FAIL', 'not-applicable': '-' };

/** Diagnose a server (see the module comment). */
export async function doctor(context: Context): Promise<Record<string, unknown>> {
  if (context.args.length !== 1) throw new UsageError('doctor takes one URL');
  const target = parseTarget(context.args[0]!);
  const report = await context.diagnose(target);
  for (const line of reportLines(report)) context.print(line);
  const greeting = report.probes.greeting;
  // Nothing answered: the connection's own failure, with its exit code (the report said where).
  if (!report.reachable && greeting.status === 'failed' && greeting.error !== undefined) throw greeting.error;
  return { doctor: reportJson(report) };
}

/** The report as text: the probes, then the verdict, the changes, the notes and the options. */
export function reportLines(report: Diagnosis): string[] {
  const width = Math.max(...Object.values(LABELS).map((label) => label.length));
  const lines: string[] = [];
  for (const [name, label] of Object.entries(LABELS) as [keyof DiagnosisProbes, string][]) {
    const probe = report.probes[name];
    lines.push(`${label.padEnd(width)}  ${STATUS[probe.status].padEnd(4)}  ${probe.status === 'ok' ? probe.summary : probe.reason}`);
  }
  const { summary, changes, notes, options } = report.recommendation;
  lines.push('', summary);
  if (changes.length > 1) lines.push('', 'Also change:', ...changes.slice(1).map((change) => `- ${change}`));
  if (notes.length > 0) lines.push('', 'Good to know:', ...notes.map((note) => `- ${note}`));
  if (options !== undefined) lines.push('', 'Recommended ClientOptions (add your password):', literal(options));
  return lines;
}

/** The report as the `--json` document: errors as their code and message. */
export function reportJson(report: Diagnosis): Record<string, unknown> {
  const probes = Object.fromEntries(
    Object.entries(report.probes).map(([name, probe]) => {
      if (probe.status !== 'failed' || probe.error === undefined) return [name, probe];
      const { error, ...rest } = probe;
      const code = (error as { code?: unknown }).code;
      return [name, { ...rest, error: { ...(typeof code === 'string' ? { code } : {}), message: error instanceof Error ? error.message : String(error) } }];
    }),
  );
  return { target: report.target, reachable: report.reachable, probes, recommendation: report.recommendation };
}

/** A value as a TypeScript literal, on one line: `{ host: 'a', port: 21 }`. */
function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value !== 'object' || value === null) return String(value);
  const fields = Object.entries(value).map(([key, field]) => `${key}: ${literal(field)}`);
  return `{ ${fields.join(', ')} }`;
}
