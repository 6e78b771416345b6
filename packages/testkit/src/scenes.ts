/**
 * Scenes for fault tests over the scripted server: one server and one client per test, started and
 * stopped by the test hooks, with a check that the scenario left no socket, server or timer behind.
 *
 * Theory of operation: {@link scriptedScenes} wires `beforeEach`/`afterEach` so that a test only says
 * what the server does (`scenes.setup(...)`) and what it expects. After each test the client is
 * closed, the server stopped, and {@link leakCheck} compares the live resources of the process with
 * the count taken before. {@link rejectionOf} and {@link capturingGreeting} are small helpers the
 * fault suites share.
 *
 * @module
 */
import { startScriptedServer, type ScriptContext, type ScriptedServer, type ScriptedServerOptions } from '@ftpkit/test-server';

/** The resources a scenario can leak, as `process.getActiveResourcesInfo()` names them. */
const LEAKABLE = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout'] as const;

/** Live sockets, servers, TLS wraps and timers of this process, by kind. */
export function liveResources(): Record<(typeof LEAKABLE)[number], number> {
  const counts = { TCPSocketWrap: 0, TCPServerWrap: 0, TLSWrap: 0, Timeout: 0 };
  for (const name of process.getActiveResourcesInfo()) if (name in counts) counts[name as keyof typeof counts]++;
  return counts;
}

/**
 * Take a snapshot of {@link liveResources} now; `assertNone()` later waits (polling, up to
 * `timeoutMs`, default 1 s) for every kind to be back at or below it, and throws an Error naming what
 * is still open. Closing a socket takes a turn or two of the event loop, hence the wait.
 *
 * @example
 * ```ts
 * let leaks: LeakCheck;
 * beforeEach(() => { leaks = leakCheck(); });
 * afterEach(async () => { await server.close(); await leaks.assertNone(); });
 * ```
 */
export function leakCheck(): LeakCheck {
  const before = liveResources();
  return {
    before,
    assertNone: async (timeoutMs = 1000) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const now = liveResources();
        const over = LEAKABLE.filter((kind) => now[kind] > before[kind]);
        if (over.length === 0) return;
        if (performance.now() > deadline) throw new Error(`Leaked: ${over.map((k) => `${k} ${before[k]} → ${now[k]}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** See {@link leakCheck}. */
export interface LeakCheck {
  readonly before: ReturnType<typeof liveResources>;
  assertNone(timeoutMs?: number): Promise<void>;
}

/** The test runner's per-test hooks (vitest's, say): passed in, so the testkit needs no runner. */
export interface TestHooks {
  beforeEach(fn: () => unknown): void;
  afterEach(fn: () => unknown): void;
}

/** What scenes need of a client: whether it is closed, and how to close it. */
export interface SceneClient {
  readonly closed: boolean;
  close(): Promise<unknown>;
}

/** How {@link scriptedScenes} connects a client and checks that it still works. */
export interface SceneOptions<C extends SceneClient, X> {
  connect(server: ScriptedServer, extra: X | undefined): Promise<C>;
  /** Throw if the client, still open after a scenario, does not work (send a NOOP, say). */
  usable(client: C): Promise<void>;
}

/** One scripted server and at most one client per test. See {@link scriptedScenes}. */
export interface Scenes<C extends SceneClient, X> {
  /** This test's server (throws before `start`). */
  readonly server: ScriptedServer;
  /** Start this test's server. */
  start(options?: ScriptedServerOptions): Promise<ScriptedServer>;
  /** Start the server and connect a client to it. */
  setup(options?: ScriptedServerOptions, extra?: X): Promise<C>;
  /** Make `client` this test's client: checked and closed after the test. */
  keep(client: C): C;
}

/**
 * The frame of a fault-matrix test file. Before each test it takes a {@link leakCheck}; after it, a
 * client that is still open must pass `usable` (a scenario leaves the client usable or cleanly
 * closed), then the client and server are closed and no socket, server or timer may be left.
 *
 * @example
 * ```ts
 * const scenes = scriptedScenes({ beforeEach, afterEach }, {
 *   connect: (server) => Client.connect({ host: server.host, port: server.port }),
 *   usable: async (client) => void (await client.send('NOOP')),
 * });
 * test('421 greeting', async () => {
 *   await scenes.start({ greeting: '421 busy' });
 *   // ...
 * });
 * ```
 */
export function scriptedScenes<C extends SceneClient, X = never>(hooks: TestHooks, options: SceneOptions<C, X>): Scenes<C, X> {
  let server: ScriptedServer | undefined;
  let client: C | undefined;
  let leaks: LeakCheck | undefined;
  hooks.beforeEach(() => {
    leaks = leakCheck();
  });
  hooks.afterEach(async () => {
    try {
      if (client && !client.closed) await options.usable(client);
    } finally {
      await client?.close();
      await server?.close();
      client = server = undefined;
    }
    await leaks?.assertNone();
  });
  const scenes: Scenes<C, X> = {
    get server() {
      if (!server) throw new Error('scriptedScenes: no server started in this test');
      return server;
    },
    start: async (serverOptions) => (server = await startScriptedServer(serverOptions)),
    setup: async (serverOptions, extra) => scenes.keep(await options.connect(await scenes.start(serverOptions), extra)),
    keep: (c) => (client = c),
  };
  return scenes;
}

/** Resolves with the reason `promise` rejects with; rejects if it fulfils instead. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`Expected a rejection, got ${String(value)}`);
    },
    (err: unknown) => err,
  );
}

/**
 * A greeting that remembers the control connection's context, so a test can write to it (an
 * unsolicited 421, say) or reset it while the client is idle.
 */
export function capturingGreeting(text = '220 ftpkit scripted server'): { greeting: (ctx: ScriptContext) => string; readonly control: ScriptContext } {
  let captured: ScriptContext | undefined;
  return {
    greeting: (ctx) => {
      captured = ctx;
      return text;
    },
    get control() {
      if (!captured) throw new Error('capturingGreeting: no client has connected');
      return captured;
    },
  };
}
