/**
 * Which proxy, if any, a connection to a host goes through, the way curl decides it:
 *
 * 1. `--noproxy LIST`, else `no_proxy`, else `NO_PROXY`: a host on that list is reached directly
 *    (`*` is every host; `example.com` and `.example.com` match it and every name below it; an IP
 *    address matches itself, and an IPv4 range can be written as `10.0.0.0/8`).
 * 2. `--proxy URL` (an empty URL means none, whatever the environment says);
 * 3. else `ftp_proxy`, then `FTP_PROXY` (for ftp://, ftpes:// and ftps:// alike);
 * 4. else `all_proxy`, then `ALL_PROXY`.
 *
 * A proxy given without a scheme is `http://` (HTTP CONNECT), as in curl. The URL is handed to the
 * client's `proxy` option, which checks it; what is printed of it has its password masked.
 *
 * @module
 */

/** The proxy of a connection and where it came from (`--proxy`, `ALL_PROXY`, ...). */
export interface ProxyChoice {
  readonly url: string;
  readonly from: string;
}

/** The environment variables read, in order. */
const PROXY_VARIABLES = ['ftp_proxy', 'FTP_PROXY', 'all_proxy', 'ALL_PROXY'] as const;

/** `host:port` without a scheme is an HTTP proxy (curl's default). */
function withScheme(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) < 256)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** Whether `host` is on the no-proxy `list` (comma- or space-separated). */
export function bypassesProxy(host: string, list: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (entry === '') continue;
    if (entry === '*') return true;
    const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(entry);
    if (cidr) {
      const [net, address, bits] = [ipv4(cidr[1]!), ipv4(name), Number(cidr[2])];
      if (net === undefined || address === undefined || bits > 32) continue;
      const size = 2 ** (32 - bits);
      if (Math.floor(address / size) === Math.floor(net / size)) return true;
      continue;
    }
    const domain = entry.replace(/^\.+/, '');
    if (name === domain || name.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/**
 * The proxy for a connection to `host`: from `--proxy` or the environment, unless `--noproxy` or
 * `NO_PROXY` lists the host. Undefined: connect directly.
 */
export function chooseProxy(
  host: string,
  flags: { readonly proxy: string | undefined; readonly noproxy: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): ProxyChoice | undefined {
  const noproxy = flags.noproxy ?? env['no_proxy'] ?? env['NO_PROXY'];
  if (noproxy !== undefined && bypassesProxy(host, noproxy)) return undefined;
  if (flags.proxy !== undefined) return flags.proxy.trim() === '' ? undefined : { url: withScheme(flags.proxy.trim()), from: '--proxy' };
  for (const name of PROXY_VARIABLES) {
    const value = env[name]?.trim();
    if (value) return { url: withScheme(value), from: name };
  }
  return undefined;
}
