/**
 * The connect operation: greeting, TLS, login, features, UTF-8 and the initial TYPE.
 *
 * Theory of operation: RFC 959 §5.4's login sequence, with RFC 4217's TLS steps in front of it:
 *
 * ```text
 * greeting (120… then 220)
 *   → [explicit] AUTH TLS → 234 → startTls → tlsStarted
 *   → [login: false] done
 *   → [explicit|implicit] PBSZ 0 → 2xx → [protectData] PROT P → 2xx
 *   → USER → 230 | 331 → PASS → 230 | 202 | 332 → ACCT → 230
 *   → [ccc] CCC → 2xx → stopTls → tlsStopped
 *   → FEAT (and the selected HASH algorithm) → [UTF8 offered] OPTS UTF8 ON
 *   → TYPE I (or the asked type) → done
 * ```
 *
 * Any answer to AUTH TLS other than 234 fails with `TlsRefusedError` (curl CVE-2021-22946), and the
 * bytes that follow a 234 on the plaintext connection are discarded by `Session` (CVE-2021-22947). A
 * refused login closes the connection rather than leave it half logged in.
 *
 * @module
 */
import { commands, describeCommand, type Command } from '../commands.js';
import { FtpReplyError, TlsRefusedError } from '../errors.js';
import { parseFeatures } from '../feat.js';
import { parseHashFeature } from '../hash.js';
import type { Reply } from '../reply.js';
import { ABORTED, awaitEvent, call, expectCompletion, nextReply, refusal, type Context, type Program, type Sub } from './program.js';
import { pipeliningFor } from './pipelining.js';
import type { ConnectOperation } from './types.js';

export function* connectProgram(op: ConnectOperation, ctx: Context): Program {
  // RFC 959 §4.2: 120 means "ready in nnn minutes"; wait for the 220 that follows.
  let greeting = yield* nextReply(ctx, 'greeting');
  while (greeting.code === 120) greeting = yield* nextReply(ctx, 'greeting');
  if (greeting.code !== 220) throw new FtpReplyError(greeting);
  if (ctx.aborted) throw ABORTED;
  ctx.pipelining = pipeliningFor(ctx.options.pipelining, greeting);

  if (op.security === 'explicit') {
    const auth = commands.auth('TLS');
    const reply = yield* call(ctx, auth);
    // RFC 4217 §4: only 234 means the server is ready for the handshake. Anything else, even a 2xx
    // or a 230 "logged in", must fail when TLS was required (curl CVE-2021-22946).
    if (reply.code !== 234) throw new TlsRefusedError(reply, describeCommand(auth));
    yield { emit: { type: 'startTls' } };
    const event = yield* awaitEvent(ctx, 'tls', { during: 'during the TLS upgrade' });
    if (event.type === 'abort') throw ABORTED;
  }
  if (op.login === false) return Object.freeze({ kind: 'connect', greeting, welcome: greeting, features: new Map<string, string>(), utf8: false });
  if (op.security !== 'none') {
    ctx.secure = true;
    // RFC 4217 §8-9: PBSZ 0 must precede PROT; PROT P encrypts the data connections.
    yield* expectCompletion(ctx, commands.pbsz(0));
    if (op.protectData !== false) {
      yield* expectCompletion(ctx, commands.prot('P'));
      ctx.protectData = true;
    }
  }

  const welcome = yield* login(op, ctx);
  if (op.ccc === true) yield* clearControl(ctx);

  const featReply = yield* call(ctx, commands.feat());
  // RFC 2389 §3.2: 211 lists the features; anything else (5xx from servers without FEAT) means none.
  const features = featReply.code === 211 ? parseFeatures(featReply) : new Map<string, string>();
  // draft-bryan-ftpext-hash-02 §3: the `*` in FEAT's HASH line marks the algorithm in use.
  const hash = features.get('HASH');
  ctx.hashAlgorithm = hash === undefined ? undefined : parseHashFeature(hash).selected;

  let utf8 = false;
  if (op.utf8 !== false && features.has('UTF8')) {
    // RFC 2640 §3.2 via the OPTS UTF8 draft; several servers refuse it while speaking UTF-8 anyway
    // (Pure-FTPd 504, pyftpdlib 501), so a refusal is not an error.
    const reply = yield* call(ctx, commands.opts('UTF8 ON'));
    utf8 = reply.kind === 'completion';
    if (utf8) ctx.parser.encoding = 'utf8';
  }

  const type = op.type ?? 'I';
  yield* expectCompletion(ctx, commands.type(type));
  ctx.type = type;
  return Object.freeze({ kind: 'connect', greeting, welcome, features, utf8 });
}

/**
 * RFC 4217 §5 (the CCC of RFC 2228): once logged in, so that the credentials went over TLS, the
 * control connection goes back to plain text for the middleboxes that must read it. Its 2xx is the
 * last reply over TLS; the driver then ends TLS (close_notify both ways) and the session goes on in
 * plain text. The data connections keep the protection PROT set.
 */
function* clearControl(ctx: Context): Sub<void> {
  yield* expectCompletion(ctx, commands.ccc());
  yield { emit: { type: 'stopTls' } };
  const event = yield* awaitEvent(ctx, 'clearing', { during: 'while TLS was ending (CCC)' });
  if (event.type === 'abort') throw ABORTED;
  ctx.secure = false;
}

/** USER, then PASS and ACCT as the server asks (RFC 959 §5.4 login sequence). */
function* login(op: ConnectOperation, ctx: Context): Sub<Reply> {
  const user = commands.user(op.user);
  let reply = yield* call(ctx, user);
  let last: Command = user;
  let sentPass = false;
  let sentAcct = false;
  for (;;) {
    if (reply.code === 230 || (reply.code === 202 && sentPass)) return reply;
    if (reply.code === 331 && !sentPass) {
      last = commands.pass(op.password);
      sentPass = true;
    } else if (reply.code === 332 && !sentAcct && op.account !== undefined) {
      last = commands.acct(op.account);
      sentAcct = true;
    } else {
      throw refusal(reply, last);
    }
    reply = yield* call(ctx, last);
  }
}
