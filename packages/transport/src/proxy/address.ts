/**
 * IP literals as bytes, for the address fields of SOCKS requests: a target that is an IP literal is
 * sent as one (SOCKS5 ATYP 1 or 4, SOCKS4's DSTIP), anything else as a name for the proxy to resolve.
 * Pure: no runtime's resolver or `node:net` is asked, so it runs the same on Node, Deno and Bun.
 *
 * @module
 */

/** The 4 bytes of a dotted-quad IPv4 literal (`127.0.0.1`), or undefined. Leading zeros are refused (octal in some parsers). */
export function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[i] = value;
  }
  return out;
}

/**
 * The 16 bytes of an IPv6 literal (RFC 4291 §2.2: `::1`, `fe80::1`, `::ffff:127.0.0.1`), with or
 * without brackets, or undefined. A zone (`%eth0`) is refused: a proxy cannot use ours.
 */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!bare.includes(':') || !/^[0-9a-fA-F:.]+$/.test(bare)) return undefined;
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Bytes(piece);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  // An IPv4 tail is only allowed at the very end of the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((group, i) => {
    out[2 * i] = group >> 8;
    out[2 * i + 1] = group & 0xff;
  });
  return out;
}

/** The host as a URL or `Host:` header writes it: an IPv6 literal in brackets. */
export function hostForUrl(host: string): string {
  return ipv6Bytes(host) !== undefined && !host.startsWith('[') ? `[${host}]` : host;
}

/** `host` without the brackets of an IPv6 literal. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
