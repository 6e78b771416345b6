/**
 * The network flags that take addresses: `--ftp-port` (curl's `-P ADDR[:PORT[-PORT]]`, active mode
 * behind a NAT or firewall) and `--interface` (the local address to connect from, by address or by
 * interface name, as curl's `--interface`).
 *
 * @module
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { UsageError } from './exit-codes.js';

/** What `--ftp-port` asks for: active mode, an address to advertise, a port range to listen on. */
export interface FtpPort {
  /** The address PORT/EPRT advertise (the client's `activeAddress`); undefined: the client's own. */
  readonly address: string | undefined;
  /** The ports to listen on (the client's `activePorts`); undefined: any free port. */
  readonly ports: { readonly min: number; readonly max: number } | undefined;
}

/**
 * Read `--ftp-port`: `-` (active mode on the control connection's address), an IPv4 address, an
 * IPv6 address (in brackets when ports follow), or a network interface's name, optionally followed
 * by `:PORT` or `:MIN-MAX`, as curl's `--ftp-port`. Host names are not taken: a NAT's public address
 * is an address.
 */
export function parseFtpPort(text: string, family: 4 | 6 | undefined): FtpPort {
  if (text === '-') return { address: undefined, ports: undefined };
  let address = text;
  let range: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    address = bracketed[1]!;
    range = bracketed[2];
  } else if (text.split(':').length === 2) {
    [address, range] = text.split(':') as [string, string];
  }
  if (address === '') throw new UsageError(`--ftp-port wants ADDR[:PORT[-PORT]] or -, not ${JSON.stringify(text)}`);
  return { address: addressOf(address, family, '--ftp-port'), ports: range === undefined ? undefined : portRange(range) };
}

/** `--interface`: an IP address, or the name of a network interface (its first address of `family`, IPv4 first). */
export function parseInterface(text: string, family: 4 | 6 | undefined): string {
  return addressOf(text, family, '--interface');
}

function addressOf(text: string, family: 4 | 6 | undefined, flag: string): string {
  if (isIP(text) !== 0) return text;
  const interfaces = networkInterfaces();
  const addresses = interfaces[text];
  if (addresses === undefined) {
    const names = Object.keys(interfaces).join(', ');
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is neither an IP address nor a network interface (${names})`);
  }
  // Link-local IPv6 addresses need a zone, which PORT, EPRT and a bind cannot carry.
  const usable = addresses.filter((a) => !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')));
  const wanted = family === 6 ? ['IPv6'] : family === 4 ? ['IPv4'] : ['IPv4', 'IPv6'];
  for (const kind of wanted) {
    const found = usable.find((a) => a.family === kind);
    if (found) return found.address;
  }
  throw new UsageError(`${flag}: the interface ${text} has no ${family === undefined ? 'usable' : `IPv${family}`} address`);
}

function portRange(text: string): { min: number; max: number } {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (!match || min < 1 || max > 65535 || min > max) {
    throw new UsageError(`--ftp-port wants a port or a range of ports from 1 to 65535 after the address (50000-50100), not ${JSON.stringify(text)}`);
  }
  return { min, max };
}
