// The OpenTelemetry subscriber of the guide "Tracing and metrics" (docs-src/guides/tracing.md), run
// as the page shows it: its `// file: ftpkit-otel.ts` block is written out and imported, so the page
// and this test cannot drift. Real transfers against vsftpd over explicit FTPS (TLS session reuse
// required, as vsftpd's default) go through it into the SDK's in-memory span and metric exporters,
// and the spans and the metrics are checked: names, attributes (bytes, offset, resumed, data mode,
// the data connection's TLS), status, parents, and the sums.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Context, type ContextManager, type Meter, type Tracer } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, FtpReplyError } from '@ftpkit/client';
import { startServer, type RunningServer } from '@ftpkit/testkit';
// @ts-expect-error: a plain .mjs script without types
import { extractExamples } from '../scripts/doc-examples.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const guide = resolve(here, '../../../docs-src/guides/tracing.md');
/** Where the guide's block is written to be imported (gitignored; not .doc-examples/, which typecheck rewrites). */
const out = resolve(here, '../.guide-code');
const MiB = 1024 * 1024;

/** What the guide's block exports. */
interface GuideModule {
  instrumentFtpkit(options: { tracer?: Tracer; meter?: Meter }): () => void;
}

/**
 * A context manager over AsyncLocalStorage, as the Node SDK registers one (its package is not a
 * dependency here): enough for `startActiveSpan` to make the caller's span the parent of a
 * transfer's.
 */
class AsyncContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

let server: RunningServer;
let guideModule: GuideModule;

beforeAll(async () => {
  const block = (extractExamples(guide) as { name?: string; code: string }[]).find((b) => b.name === 'ftpkit-otel.ts');
  if (!block) throw new Error(`no "// file: ftpkit-otel.ts" block in ${guide}`);
  await mkdir(out, { recursive: true });
  const file = join(out, 'ftpkit-otel.ts');
  await writeFile(file, block.code);
  guideModule = (await import(pathToFileURL(file).href)) as GuideModule;
  server = await startServer('vsftpd', { fixture: true });
});
afterAll(async () => {
  await server?.stop();
  context.disable();
  await rm(out, { recursive: true, force: true });
});

/** The one metric `name` of `collected`, its data points as [attributes, value]. */
function points(collected: ResourceMetrics[], name: string): { attributes: Record<string, unknown>; value: unknown }[] {
  const metrics = collected.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).filter((m) => m.descriptor.name === name);
  expect(metrics.length, name).toBeGreaterThan(0);
  return metrics.at(-1)!.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value }));
}

test("the guide's subscriber turns real transfers into spans and metrics", async () => {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncContextManager());
  const tracer = tracerProvider.getTracer('tracing-guide-test');
  const stop = guideModule.instrumentFtpkit({ tracer, meter: meterProvider.getMeter('tracing-guide-test') });

  const bytes = randomBytes(MiB + 11);
  const ca = server.caPem;
  try {
    await tracer.startActiveSpan('nightly job', async (job) => {
      await using client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, secure: 'explicit', tls: { ca, servername: 'localhost' } });
      await client.upload(bytes, '/otel.bin');
      expect((await client.downloadToBytes('/otel.bin')).length).toBe(MiB + 11);
      let rest = 0;
      await client.download('/otel.bin', (chunk) => void (rest += chunk.length), { startAt: MiB });
      expect(rest).toBe(11);
      await expect(client.downloadToBytes('/missing.bin')).rejects.toBeInstanceOf(FtpReplyError);
      job.end();
    });
  } finally {
    stop();
  }
  await reader.forceFlush();

  const spans = spanExporter.getFinishedSpans();
  const job = spans.find((s) => s.name === 'nightly job')!;
  const transfers = spans.filter((s) => s.name.startsWith('FTP '));
  // Shown in the test's output: the traces of real transfers, as an exporter would send them.
  console.log(
    'spans of the tracing guide test:\n' +
      transfers.map((s: ReadableSpan) => `  ${s.name} ${JSON.stringify(s.attributes)} ${SpanStatusCode[s.status.code]} ${(s.duration[0] * 1e3 + s.duration[1] / 1e6).toFixed(1)} ms`).join('\n'),
  );
  expect(transfers.map((s) => s.name)).toEqual(['FTP STOR', 'FTP RETR', 'FTP RETR', 'FTP RETR']);
  const common = {
    'server.address': server.host,
    'server.port': server.port,
    'ftp.data.mode': 'passive',
    'user.name': server.user,
    'ftp.tls.protocol': expect.stringMatching(/^TLSv1\.[23]$/),
    'ftp.tls.resumed': true, // vsftpd requires it (require_ssl_reuse), and Node resumes
  };
  expect(transfers.map((s) => s.attributes)).toEqual([
    { ...common, 'ftp.command': 'STOR', 'ftp.direction': 'upload', 'ftp.argument': '/otel.bin', 'ftp.transfer.offset': 0, 'ftp.transfer.resumed': false, 'ftp.transfer.bytes': MiB + 11, 'ftp.reply.code': 226 },
    { ...common, 'ftp.command': 'RETR', 'ftp.direction': 'download', 'ftp.argument': '/otel.bin', 'ftp.transfer.offset': 0, 'ftp.transfer.resumed': false, 'ftp.transfer.bytes': MiB + 11, 'ftp.reply.code': 226 },
    { ...common, 'ftp.command': 'RETR', 'ftp.direction': 'download', 'ftp.argument': '/otel.bin', 'ftp.transfer.offset': MiB, 'ftp.transfer.resumed': true, 'ftp.transfer.bytes': 11, 'ftp.reply.code': 226 },
    // Refused with a 550: no bytes; whether its data connection's TLS got under way first is timing, so not checked.
    expect.objectContaining({ 'ftp.command': 'RETR', 'ftp.argument': '/missing.bin', 'ftp.transfer.bytes': 0, 'ftp.transfer.resumed': false }),
  ]);
  for (const span of transfers) {
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.parentSpanContext?.spanId).toBe(job.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(job.spanContext().traceId);
  }
  expect(transfers.slice(0, 3).map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.UNSET, SpanStatusCode.UNSET]);
  const failed = transfers[3]!;
  expect(failed.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringContaining('550') });
  expect(failed.events.map((e) => e.name)).toEqual(['exception']);
  expect(failed.events[0]!.attributes?.['exception.type']).toBe('ERR_FTP_REPLY');

  const collected = metricExporter.getMetrics();
  const byBytes = points(collected, 'ftp.client.transfer.bytes');
  const sum = (filter: (a: Record<string, unknown>) => boolean): number =>
    byBytes.filter((p) => filter(p.attributes)).reduce((total, p) => total + (p.value as number), 0);
  expect(sum((a) => a['ftp.direction'] === 'upload')).toBe(MiB + 11);
  expect(sum((a) => a['ftp.direction'] === 'download' && a['error.type'] === undefined)).toBe(MiB + 11 + 11);
  expect(sum((a) => a['ftp.transfer.resumed'] === true)).toBe(11);
  expect(byBytes.every((p) => p.attributes['server.address'] === server.host && p.attributes['ftp.data.mode'] === 'passive')).toBe(true);
  expect(byBytes.filter((p) => p.attributes['error.type'] === 'ERR_FTP_REPLY')).toHaveLength(1);

  const durations = collected.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).filter((m) => m.descriptor.name === 'ftp.client.transfer.duration').at(-1)!;
  expect(durations.dataPointType).toBe(DataPointType.HISTOGRAM);
  expect(durations.descriptor.unit).toBe('s');
  const histograms = durations.dataPoints.map((p) => p.value as { count: number; sum: number });
  expect(histograms.reduce((n, h) => n + h.count, 0)).toBe(4);
  expect(histograms.every((h) => h.sum > 0 && h.sum < 60)).toBe(true);

  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
});
