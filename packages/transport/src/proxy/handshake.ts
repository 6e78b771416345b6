/**
 * What the three proxy handshakes (SOCKS5, SOCKS4/4a, HTTP CONNECT) share: the target they open a
 * tunnel to, the steps a driver is told to take, and the engine that frames the proxy's replies.
 *
 * Theory of operation: a handshake is sans-IO. It hands out the bytes of its first request, then
 * takes the proxy's bytes as they come, in chunks of any size, and answers each with the next step:
 * bytes to send, "need more", "the tunnel is open" (with whatever the target already sent behind the
 * proxy's reply), or a failure as data ({@link ProxyFailure}). The driver (`tunnel.ts`) does the I/O
 * and turns a failure into an error that names the proxy. A handshake is a list of phases; each
 * phase reads one reply from the front of the buffer. A reply is bounded: a proxy that sends more
 * than the bound without completing one is a protocol failure, never unbounded memory. A proxy that
 * sends more than its reply before the client's next request is one too: no proxy may (RFC 1928 and
 * RFC 9110 §9.3.6 are request/response); only after the final reply do the target's bytes follow.
 *
 * @module
 */

/** The endpoint a tunnel is opened to: a host name (resolved by the proxy) or an IP literal. */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * Why a handshake failed, as a proxy said it or as it behaved:
 * - `'refused'`: the proxy refused the request by its rules;
 * - `'auth'`: it wants credentials, or refused the ones given;
 * - `'unreachable'`: it could not reach the target;
 * - `'protocol'`: it broke its protocol (a malformed, oversized or early reply, a close).
 */
export interface ProxyFailure {
  readonly reason: 'refused' | 'auth' | 'unreachable' | 'protocol';
  /** What happened, for a message; never credentials. */
  readonly detail: string;
}

/** What the driver does next. `send` comes before the state: write it, then act on `state`. */
export type HandshakeStep =
  | { readonly send: readonly Uint8Array[]; readonly state: 'more' }
  | { readonly send: readonly Uint8Array[]; readonly state: 'open'; readonly leftover: Uint8Array }
  | { readonly send: readonly Uint8Array[]; readonly state: 'failed'; readonly failure: ProxyFailure };

/**
 * One proxy handshake. Write `request` first; then feed every chunk the proxy sends to `receive`
 * until a step is `open` or `failed`. After that, `receive` is not to be called again.
 *
 * @example
 * ```ts
 * const handshake = socks5Handshake({ host: 'ftp.example.com', port: 21 });
 * await conn.write(handshake.request);
 * for (;;) {
 *   const step = handshake.receive((await conn.read()) ?? END);
 *   for (const bytes of step.send) await conn.write(bytes);
 *   if (step.state !== 'more') break;
 * }
 * ```
 */
export interface Handshake {
  readonly request: Uint8Array;
  /** Bytes from the proxy; {@link END} (an empty array) when it closed the connection. */
  receive(bytes: Uint8Array): HandshakeStep;
}

/** Fed to {@link Handshake.receive} when the proxy closed the connection. */
export const END: Uint8Array = new Uint8Array(0);

/** What a phase made of the bytes at the front of the buffer. */
export type PhaseResult =
  | { readonly kind: 'more' }
  /** A complete reply of `used` bytes: send `send` and wait for the next reply with `next`. */
  | { readonly kind: 'next'; readonly used: number; readonly send: Uint8Array; readonly next: Phase }
  /** The final reply, `used` bytes: the tunnel is open. */
  | { readonly kind: 'open'; readonly used: number }
  | { readonly kind: 'failed'; readonly failure: ProxyFailure };

/** Reads one reply from the front of `buffer` (which never holds more than the handshake's bound). */
export type Phase = (buffer: Uint8Array) => PhaseResult;

const NOTHING: readonly Uint8Array[] = Object.freeze([]);

/** `reason`'s failure with `detail`. */
export function failure(reason: ProxyFailure['reason'], detail: string): PhaseResult {
  return { kind: 'failed', failure: { reason, detail } };
}

/**
 * A handshake made of `first` (the phase that reads the reply to `request`) and what it leads to.
 * `maxReply` bounds one reply: more than that many bytes without a complete one is a failure.
 */
export function handshake(request: Uint8Array, first: Phase, maxReply: number): Handshake {
  let buffer: Uint8Array = END;
  let phase: Phase | undefined = first;
  return {
    request,
    receive(bytes: Uint8Array): HandshakeStep {
      if (phase === undefined) throw new TypeError('receive() after the handshake ended');
      const closed = bytes.byteLength === 0;
      buffer = concat(buffer, bytes);
      const send: Uint8Array[] = [];
      for (;;) {
        const result: PhaseResult = phase(buffer);
        if (result.kind === 'failed') return end({ send, state: 'failed', failure: result.failure });
        if (result.kind === 'open') {
          return end({ send, state: 'open', leftover: buffer.slice(result.used) });
        }
        if (result.kind === 'next') {
          if (result.used < buffer.byteLength) {
            return end({ send, state: 'failed', failure: { reason: 'protocol', detail: 'the proxy sent more than its reply before the next request' } });
          }
          buffer = END;
          phase = result.next;
          send.push(result.send);
          continue;
        }
        if (closed) return end({ send, state: 'failed', failure: { reason: 'protocol', detail: buffer.byteLength === 0 ? 'the proxy closed the connection without a reply' : 'the proxy closed the connection in the middle of its reply' } });
        if (buffer.byteLength >= maxReply) {
          return end({ send, state: 'failed', failure: { reason: 'protocol', detail: `the proxy's reply exceeds ${maxReply} bytes` } });
        }
        return { send: send.length === 0 ? NOTHING : send, state: 'more' };
      }
    },
  };

  function end(step: HandshakeStep): HandshakeStep {
    phase = undefined;
    buffer = END;
    return step;
  }
}

/** `a` then `b`, without a copy when either is empty. */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  if (b.byteLength === 0) return a;
  return bytesOf(a, b);
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Bytes of `parts` in one array. */
export function bytesOf(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Printable ASCII of what a proxy said, at most `max` characters, for a message. */
export function printable(text: string, max = 100): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}
