// The part of Cloudflare's `cloudflare:sockets` module the Workers adapter calls, declared here so
// that the package builds without the Workers type package and no Workers types leak into what users
// of the package see (the adapter's exported types never mention these). Shapes as workerd 1.2026
// implements them.
declare module 'cloudflare:sockets' {
  interface SocketAddress {
    hostname: string;
    port: number;
  }
  interface SocketOptions {
    /** `'starttls'`: plain until `startTls()`, which only a socket opened so may call. */
    secureTransport?: 'off' | 'on' | 'starttls';
    /** Default false: the peer's end of stream closes our sending side too. */
    allowHalfOpen?: boolean;
  }
  interface SocketInfo {
    /** `"127.0.0.1:21"` or `"[::1]:21"`. */
    remoteAddress?: string;
    localAddress?: string;
  }
  interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    /** Resolves once connected: for a socket that `startTls()` returned, once the handshake is done. */
    readonly opened: Promise<SocketInfo>;
    readonly closed: Promise<void>;
    close(): Promise<void>;
    startTls(options?: { expectedServerHostname?: string }): Socket;
  }
  export function connect(address: SocketAddress | string, options?: SocketOptions): Socket;
}
