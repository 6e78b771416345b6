/**
 * The worker of the Workers suite, bundled as a user's worker is (the `workerd` export condition
 * picks `@ftpkit/transport/workers`) and run under workerd. It uses `@ftpkit/client` only, and no
 * `node:` module.
 *
 * Routes (the test sends the FTP server's settings as a JSON {@link Target} in `x-ftpkit-target`):
 * - `GET /file?path=P`: the file at P as the HTTP response, streamed as it downloads (what a user's
 *   worker does); `content-length` from SIZE.
 * - `POST /scenario` with `{ work, files, pool }`: log in, upload, list, download, `files` through a
 *   Pool of 3 at once (or the Client, one after the other, without `pool`), quit; answers one
 *   {@link StepReport} per step.
 * - `GET /limits`: what Workers refuse (active mode, a Pool of 4, a CA of one's own, a wrong
 *   certificate name, a local file), and with which error.
 * - `POST /reuse` with `{ sessions, transfers, together }`: `sessions` Clients, at once or one after
 *   the other, each listing up to `transfers` times in a row; answers how far each got (the TLS
 *   session reuse measurement).
 *
 * @module
 */
import { Client, InvalidArgumentError, LocalFileError, Pool, TlsError, type ClientOptions } from '@ftpkit/client';

/** The server to talk to, as the test sends it. */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly secure: false | 'explicit' | 'implicit';
  readonly epsv: boolean;
}

/** One step of the scenario, as the worker reports it. */
export interface StepReport {
  readonly step: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail?: string;
  readonly transcript?: readonly string[];
}

/** One session of `/reuse`: how many listings worked before the first failure, and that failure. */
export interface SessionReport {
  readonly ok: number;
  readonly error?: string;
}

/** What `/reuse` answers: one report per session, in the order they were started. */
export interface ReuseReport {
  readonly sessions: readonly SessionReport[];
}

interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

/** A Workers global: an identity stream that knows its length, so the response carries `content-length`. */
declare const FixedLengthStream: new (length: number) => TransformStream<Uint8Array, Uint8Array>;

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 4; depth++) {
    if (!(current instanceof Error)) {
      parts.push(String(current));
      break;
    }
    const code = (current as { code?: unknown }).code;
    parts.push(`${current.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${current.message}`);
    current = current.cause;
  }
  return parts.join(' ← ');
}

function optionsOf(target: Target, log?: ClientOptions['log']): ClientOptions {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    secure: target.secure,
    epsv: target.epsv,
    timeouts: { connect: 10_000, reply: 15_000, dataIdle: 15_000 },
    ...(log ? { log } : {}),
  };
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Deterministic bytes for an upload: the test computes the same. */
export function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/**
 * A file as the HTTP response: streamed while it downloads, the client closed once it is through.
 * A `FixedLengthStream` of the file's size gives the response its `content-length`.
 */
async function file(target: Target, path: string, ctx: Context): Promise<Response> {
  const client = await Client.connect(optionsOf(target));
  const size = await client.size(path);
  const { readable, writable } = new FixedLengthStream(size);
  ctx.waitUntil(
    client
      .openReadStream(path)
      .pipeTo(writable)
      .finally(() => client.close()),
  );
  return new Response(readable, { headers: { 'content-type': 'application/octet-stream' } });
}

async function scenario(target: Target, work: string, files: readonly string[], pool: boolean): Promise<StepReport[]> {
  const transcript: string[] = [];
  const log: ClientOptions['log'] = (entry) => {
    transcript.push(`${entry.direction} ${entry.text}`);
    if (transcript.length > 30) transcript.shift();
  };
  const data = pattern(256 * 1024 + 3, 7);
  let client: Client | undefined;
  const session = () => client as Client;
  const steps: [string, () => Promise<string | void>][] = [
    ['login', async () => void (client = await Client.connect(optionsOf(target, log)))],
    ['mkdir', () => session().mkdir(work, { recursive: true }).then(() => undefined)],
    [
      'upload',
      async () => {
        const result = await session().upload(data, `${work}/up.bin`);
        if (result.bytes !== data.length) throw new Error(`upload moved ${result.bytes} bytes, not ${data.length}`);
      },
    ],
    [
      'list',
      async () => {
        const entry = (await session().list(work)).find((e) => e.name === 'up.bin');
        if (entry?.size !== data.length) throw new Error(`the listing shows up.bin as ${JSON.stringify(entry)}`);
      },
    ],
    [
      'download',
      async () => {
        const got = await session().downloadToBytes(`${work}/up.bin`);
        if ((await sha256(got)) !== (await sha256(data))) throw new Error(`downloaded ${got.length} bytes that differ from the upload`);
      },
    ],
    [
      'three files',
      async () => {
        if (!pool) {
          // One session: the server refuses data connections of parallel sessions (see the caller).
          const sizes = [];
          for (const path of files) sizes.push((await session().downloadToBytes(path)).length);
          return `1 session, ${sizes.reduce((a, b) => a + b, 0)} bytes in ${files.length} files`;
        }
        const three = new Pool({ ...optionsOf(target, log), size: 3 });
        try {
          const got = await Promise.all(files.map((path) => three.downloadToBytes(path)));
          return `Pool of ${three.size}, ${got.reduce((n, bytes) => n + bytes.length, 0)} bytes in ${files.length} files`;
        } finally {
          await three.close();
        }
      },
    ],
    ['rm -r', () => session().rmdir(work, { recursive: true })],
    ['quit', () => session().close()],
  ];
  const reports: StepReport[] = [];
  try {
    for (const [step, run] of steps) {
      const started = Date.now();
      try {
        const detail = await run();
        reports.push({ step, ok: true, ms: Date.now() - started, ...(detail ? { detail } : {}) });
      } catch (error) {
        reports.push({ step, ok: false, ms: Date.now() - started, detail: describe(error), transcript: [...transcript] });
        break;
      }
    }
  } finally {
    if (client && !client.closed) await client.close().catch(() => undefined);
  }
  return reports;
}

/**
 * `sessions` sessions, all at once (`together`) or one after the other, each listing up to
 * `transfers` times over protected data connections and stopping at its first failure (vsftpd ends
 * the session there).
 */
async function reuse(target: Target, sessions: number, transfers: number, together: boolean): Promise<ReuseReport> {
  const one = async (): Promise<SessionReport> => {
    const client = await Client.connect(optionsOf(target));
    let ok = 0;
    try {
      for (let i = 0; i < transfers; i++) {
        await client.list('/');
        ok++;
      }
      return { ok };
    } catch (error) {
      return { ok, error: describe(error) };
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  const reports: SessionReport[] = [];
  if (together) reports.push(...(await Promise.all(Array.from({ length: sessions }, one))));
  else for (let i = 0; i < sessions; i++) reports.push(await one());
  return { sessions: reports };
}

/** What is refused on Workers, and how: each entry names the error a call gave, or `'none'`. */
async function limits(target: Target): Promise<Record<string, string>> {
  const outcome = async (run: () => unknown): Promise<string> => {
    try {
      await run();
      return 'none';
    } catch (error) {
      const kind =
        error instanceof InvalidArgumentError ? 'InvalidArgumentError' : error instanceof TlsError ? 'TlsError' : error instanceof LocalFileError ? 'LocalFileError' : 'other';
      return `${kind}: ${describe(error)}`;
    }
  };
  const options = optionsOf(target);
  return {
    defaultPoolSize: await (async () => {
      // Four calls at once on a pool of the default size: it opens as many sessions as it may.
      const pool = new Pool(options);
      try {
        await Promise.all([1, 2, 3, 4].map(() => pool.list('/')));
        return String(pool.stats.open);
      } finally {
        await pool.close();
      }
    })(),
    poolOf4: await outcome(() => new Pool({ ...options, size: 4 })),
    activeMode: await outcome(() => Client.connect({ ...options, mode: 'active' })),
    ownCa: await outcome(() => Client.connect({ ...options, secure: 'explicit', tls: { ca: ['-----BEGIN CERTIFICATE-----'] } })),
    wrongName: await outcome(() => Client.connect({ ...options, secure: 'explicit', tls: { servername: 'wrong.example' } })),
    toLocalFile: await outcome(async () => {
      const client = await Client.connect(options);
      try {
        await client.download('/f1.bin', './f1.bin');
      } finally {
        await client.close();
      }
    }),
  };
}

export default {
  async fetch(request: Request, _env: unknown, ctx: Context): Promise<Response> {
    const url = new URL(request.url);
    try {
      const target = JSON.parse(request.headers.get('x-ftpkit-target') ?? 'null') as Target | null;
      if (target === null) return new Response('x-ftpkit-target is missing', { status: 400 });
      if (request.method === 'GET' && url.pathname === '/file') return await file(target, url.searchParams.get('path') ?? '/', ctx);
      if (request.method === 'POST' && url.pathname === '/scenario') {
        const { work, files, pool } = (await request.json()) as { work: string; files: string[]; pool: boolean };
        return Response.json(await scenario(target, work, files, pool));
      }
      if (request.method === 'GET' && url.pathname === '/limits') return Response.json(await limits(target));
      if (request.method === 'POST' && url.pathname === '/reuse') {
        const { sessions, transfers, together } = (await request.json()) as { sessions: number; transfers: number; together: boolean };
        return Response.json(await reuse(target, sessions, transfers, together));
      }
      return new Response('not found', { status: 404 });
    } catch (error) {
      return new Response(describe(error), { status: 500 });
    }
  },
};
