// The test harness that runs INSIDE QuickJS, imported by scenarios as 'harness'.
//
// It relies on nothing but ECMAScript: no console, no timers, no TextEncoder. The host hands it one
// function for logging through a global that is removed again before any scenario runs, so the
// scenarios see the engine exactly as an embedder would.

const hostLog = globalThis.__ftpkitHostLog;
delete globalThis.__ftpkitHostLog;

const results = [];

/** Print a line on the host's stdout (the engine itself has no console). */
export function log(...parts) {
  if (hostLog) hostLog(parts.map((p) => (typeof p === 'string' ? p : show(p))).join(' '));
}

/** Run one synchronous test case and record its outcome. */
export function test(name, fn) {
  try {
    fn();
    results.push({ name, ok: true });
  } catch (err) {
    results.push({ name, ok: false, error: describeError(err) });
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message ?? 'expected a truthy value'}`);
}

/** Deep equality for primitives, arrays, Uint8Arrays and plain objects. */
export function equal(actual, expected, message) {
  if (!same(actual, expected)) {
    throw new Error(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Call `fn`, insist that it throws, and return what it threw. */
export function throws(fn, message) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error(`expected an exception${message ? `: ${message}` : ''}`);
}

/**
 * Bytes from a "binary string": each character is one byte (its code must be at most 0xFF). This
 * lets a scenario spell exact UTF-8 sequences such as '\xC3\xA9' without using the codec's encoder.
 */
export function bytes(binary) {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    const c = binary.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`bytes(): character ${i} is above 0xFF`);
    out[i] = c;
  }
  return out;
}

/** Concatenate byte arrays. */
export function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Called by the host once the scenario module has finished. */
export function report() {
  return JSON.stringify(results);
}

function same(a, b) {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((x, i) => same(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    if (a instanceof Date || b instanceof Date) {
      return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
    }
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return same(ka, kb) && ka.every((k) => same(a[k], b[k]));
  }
  return false;
}

function show(value) {
  if (value instanceof Uint8Array) {
    return `bytes[${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
  }
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  try {
    const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}

function describeError(err) {
  if (err instanceof Error) return `${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ''}`;
  return `thrown non-error: ${show(err)}`;
}
