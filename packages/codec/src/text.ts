/**
 * Text encoding and decoding without host APIs.
 *
 * Theory of operation: the codec frames bytes first and decodes each complete line second. Hosts
 * that have `TextDecoder`/`TextEncoder` (Node, Deno, Bun, browsers) use them; bare engines
 * (QuickJS, embedded interpreters) fall back to the small decoders here, which follow the WHATWG
 * Encoding Standard's UTF-8 error handling (each maximal invalid subpart becomes one U+FFFD), so the
 * result is identical either way.
 *
 * @module
 */

/** The control-connection text encodings the codec understands. RFC 2640 recommends UTF-8. */
export type TextEncodingName = 'utf8' | 'latin1';

interface HostDecoder {
  decode(input: Uint8Array): string;
}
interface HostEncoder {
  encode(input: string): Uint8Array;
}
type DecoderConstructor = new (label: string, options?: { ignoreBOM?: boolean }) => HostDecoder;
type EncoderConstructor = new () => HostEncoder;

const host = globalThis as { TextDecoder?: DecoderConstructor; TextEncoder?: EncoderConstructor };
// ignoreBOM: a line's text is not a document. By default TextDecoder drops a leading U+FEFF, which
// would silently alter a reply or a file name that starts with one, and disagree with the portable decoder.
const hostUtf8Decoder: HostDecoder | undefined = host.TextDecoder ? new host.TextDecoder('utf-8', { ignoreBOM: true }) : undefined;
const hostEncoder: HostEncoder | undefined = host.TextEncoder ? new host.TextEncoder() : undefined;

/** Decode bytes as UTF-8 (invalid sequences become U+FFFD) or latin1. */
export function decodeText(bytes: Uint8Array, encoding: TextEncodingName): string {
  if (encoding === 'latin1') return decodeLatin1(bytes);
  if (hostUtf8Decoder) return hostUtf8Decoder.decode(bytes);
  return isAscii(bytes) ? decodeLatin1(bytes) : decodeUtf8Portable(bytes);
}

/**
 * Encode a string. UTF-8 encodes lone surrogates as U+FFFD, as `TextEncoder` does. latin1 returns
 * `undefined` when a character is above U+00FF, so the caller can refuse it.
 */
export function encodeText(text: string, encoding: TextEncodingName): Uint8Array | undefined {
  if (encoding === 'latin1') return encodeLatin1(text);
  return hostEncoder ? hostEncoder.encode(text) : encodeUtf8Portable(text);
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

const CHUNK = 0x2000;

function decodeLatin1(bytes: Uint8Array): string {
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

function encodeLatin1(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

/** UTF-8 decoding per the WHATWG Encoding Standard, for engines without `TextDecoder`. */
export function decodeUtf8Portable(bytes: Uint8Array): string {
  const units: number[] = [];
  let out = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b0 = bytes[i]!;
    let cp = 0xfffd;
    let used = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if (b0 >= 0xc2 && b0 <= 0xf4) {
      const need = b0 < 0xe0 ? 1 : b0 < 0xf0 ? 2 : 3;
      // The allowed range of the second byte narrows for E0, ED, F0 and F4 (no overlongs, no
      // surrogates, nothing above U+10FFFF).
      const lo = b0 === 0xe0 ? 0xa0 : b0 === 0xf0 ? 0x90 : 0x80;
      const hi = b0 === 0xed ? 0x9f : b0 === 0xf4 ? 0x8f : 0xbf;
      let acc = b0 & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
      let k = 1;
      for (; k <= need; k++) {
        const b = i + k < n ? bytes[i + k]! : -1;
        const min = k === 1 ? lo : 0x80;
        const max = k === 1 ? hi : 0xbf;
        if (b < min || b > max) break;
        acc = (acc << 6) | (b & 0x3f);
      }
      if (k > need) {
        cp = acc;
        used = need + 1;
      } else {
        used = k; // a maximal invalid subpart becomes one replacement character
      }
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    i += used;
    if (units.length >= CHUNK) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode.apply(null, units);
}

/** UTF-8 encoding for engines without `TextEncoder`. */
export function encodeUtf8Portable(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
