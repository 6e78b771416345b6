/**
 * The stream between a `stoppable` TLS socket and its TCP socket, which can let go of the TCP
 * socket so that the connection goes on in plain text (FTP's CCC, RFC 4217 §5).
 *
 * Theory of operation: Node's TLS over a `net.Socket` takes that socket's handle for good, and its
 * shutdown sends close_notify and then a FIN. Over any other Duplex, Node's TLS (and Bun's) reads
 * and writes through the Duplex instead, and ending TLS ends the Duplex. This bridge is that
 * Duplex: it passes the TCP socket's bytes up, pausing the socket while the TLS layer has not read
 * them, and the TLS records down. The end of the TLS layer only means that close_notify was written:
 * a runtime may answer the peer's close_notify with its own at once (Bun does, whatever
 * `allowHalfOpen` says), and the peer may be clearing the channel. So the FIN waits for the owner:
 * {@link TcpBridge.endTcp} sends it once close_notify is out, and {@link TcpBridge.detach} gives the
 * socket back to go on in plain text. A TCP error tears the bridge and the TLS layer down; the
 * bridge's own end (Node's TLS destroys its stream once both of its sides ended) leaves the socket
 * to the owner, who destroys it with the connection.
 *
 * Bytes that reach the TLS layer after the peer's close_notify are dropped by it: a peer must not
 * send plain text before it has the client's close_notify (ProFTPD and Pure-FTPd do not).
 *
 * @internal
 * @module
 */
import { Duplex } from 'node:stream';
import type net from 'node:net';

export class TcpBridge extends Duplex {
  readonly #tcp: net.Socket;
  #detached = false;
  #tcpEnded = false;
  #finalled = false;
  /** Called when the TLS layer has ended its side (close_notify written). */
  #onFinal: (() => void)[] = [];
  /** Told when the TCP socket's FIN arrives (after the TLS layer has heard it as its end of stream). */
  onTcpEnd: (() => void) | undefined;

  constructor(tcp: net.Socket) {
    super({ allowHalfOpen: true });
    this.#tcp = tcp;
    tcp.on('data', this.#onData);
    tcp.on('end', this.#onEnd);
    tcp.on('error', this.#onError);
    tcp.on('close', this.#onClose);
  }

  /** The TCP socket sent its FIN (the peer ended the connection, not only TLS). */
  get tcpEnded(): boolean {
    return this.#tcpEnded;
  }

  /** Resolves once the TLS layer has ended its side: its close_notify is written (at once if it was). */
  tlsEnded(): Promise<void> {
    if (this.#finalled) return Promise.resolve();
    return new Promise((resolve) => this.#onFinal.push(resolve));
  }

  /** Send the TCP FIN once the TLS layer's close_notify is out: the connection's end, not only TLS's. */
  endTcp(): void {
    void this.tlsEnded().then(() => {
      if (!this.#detached) this.#tcp.end();
    });
  }

  /** Let go of the TCP socket, which goes on in plain text; the bridge is destroyed. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    const tcp = this.#tcp;
    tcp.off('data', this.#onData);
    tcp.off('end', this.#onEnd);
    tcp.off('error', this.#onError);
    tcp.off('close', this.#onClose);
    this.destroy();
  }

  override _read(): void {
    if (!this.#detached) this.#tcp.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#detached || this.#tcp.destroyed) {
      callback(new Error('The TCP connection is gone'));
      return;
    }
    this.#tcp.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finalled = true;
    const waiters = this.#onFinal;
    this.#onFinal = [];
    for (const resolve of waiters) resolve();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error !== null && !this.#detached) this.#tcp.destroy(error);
    callback(error);
  }

  #onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.#tcp.pause();
  };

  #onEnd = (): void => {
    this.#tcpEnded = true;
    this.push(null);
    this.onTcpEnd?.();
  };

  #onError = (error: Error): void => {
    this.destroy(error);
  };

  #onClose = (): void => {
    if (!this.destroyed) this.destroy();
  };
}
