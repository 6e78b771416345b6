/**
 * Line-ending conversion for ASCII-mode transfers (TYPE A).
 *
 * RFC 959 §3.1.1.1: in ASCII mode the wire carries CRLF line ends and each side converts to its own
 * convention. ftpkit's local convention is LF. Downloads turn CRLF into LF; uploads turn a bare LF
 * into CRLF (an existing CRLF is left alone, so converting twice changes nothing). A CR at the end of
 * one chunk is held back until the next chunk shows whether an LF follows.
 *
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;

/** A stateful converter: feed chunks in order, then `flush()` once. */
export interface LineEndingConverter {
  push(chunk: Uint8Array): Uint8Array;
  flush(): Uint8Array;
}

/** CRLF → LF, for downloads. */
export function crlfToLf(): LineEndingConverter {
  let pendingCr = false;
  return {
    push(chunk) {
      const out = new Uint8Array(chunk.length + 1);
      let n = 0;
      let i = 0;
      if (pendingCr) {
        pendingCr = false;
        if (chunk[0] !== LF) out[n++] = CR;
      }
      for (; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === CR) {
          if (i + 1 === chunk.length) {
            pendingCr = true;
            continue;
          }
          if (chunk[i + 1] === LF) continue;
        }
        out[n++] = b;
      }
      return out.subarray(0, n);
    },
    flush() {
      const tail = pendingCr ? Uint8Array.of(CR) : new Uint8Array(0);
      pendingCr = false;
      return tail;
    },
  };
}

/** Bare LF → CRLF, for uploads. */
export function lfToCrlf(): LineEndingConverter {
  let lastWasCr = false;
  return {
    push(chunk) {
      let extra = 0;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === LF && (i === 0 ? !lastWasCr : chunk[i - 1] !== CR)) extra++;
      const out = new Uint8Array(chunk.length + extra);
      let n = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === LF && (i === 0 ? !lastWasCr : chunk[i - 1] !== CR)) out[n++] = CR;
        out[n++] = b;
      }
      if (chunk.length > 0) lastWasCr = chunk[chunk.length - 1] === CR;
      return out;
    },
    flush: () => new Uint8Array(0),
  };
}

/** Apply a converter to an async iterable of chunks. */
export async function* convertChunks(source: AsyncIterable<Uint8Array>, converter: LineEndingConverter): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    const out = converter.push(chunk);
    if (out.length > 0) yield out;
  }
  const tail = converter.flush();
  if (tail.length > 0) yield tail;
}
