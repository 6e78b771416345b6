"""pyftpdlib FTP/FTPS server for @ftpkit/testkit (Debian's python3-pyftpdlib 1.5.7).

Started by src/launchers/pyftpdlib.ts; not meant to be run by hand, but it can be:

    /usr/bin/python3 -u pyftpdlib_server.py --host 127.0.0.1 --port 2124 --root /tmp/r \\
        --passive-min 20000 --passive-max 20099 --cert server.pem --key server-key.pem

Run it with Debian's /usr/bin/python3: apt installs pyftpdlib into that interpreter's
dist-packages, which another python3 earlier on PATH (pyenv, a venv) does not see.

Users: USER/PASS from the command line with full rights, and anonymous read-only (unless
--no-anonymous). The process serves everything itself, as whoever started it: pyftpdlib's
DummyAuthorizer switches no uid.

Two things differ from a stock pyftpdlib 1.5.7, both in the classes below:
- The TLS data-connection bug of 1.5.7 (giampaolo/pyftpdlib#604, fixed upstream by PR #612 in
  1.5.8) is worked around: DTPHandler.readable() closes a data connection that becomes readable
  before its transfer command arrives. A client that starts the TLS handshake as soon as the data
  connection is up (curl, basic-ftp, ftpkit) sends its ClientHello exactly then, so every FTPS
  transfer failed. A TLS handshake in progress must keep the connection readable.
- --implicit-tls starts TLS as soon as a client connects, before the 220 greeting. pyftpdlib has
  no implicit FTPS of its own; this reuses its AUTH TLS machinery at connect time.
"""

import argparse
import logging
import sys

import pyftpdlib
from OpenSSL import SSL
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_DTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

TLS_VERSIONS = {"TLSv1.2": SSL.TLS1_2_VERSION, "TLSv1.3": SSL.TLS1_3_VERSION}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--passive-min", type=int, required=True)
    p.add_argument("--passive-max", type=int, required=True)
    p.add_argument("--user", default="ftpuser")
    p.add_argument("--password", default="ftppass")
    p.add_argument("--no-anonymous", action="store_true")
    p.add_argument("--cert", help="PEM certificate (chain); omit for plain FTP only")
    p.add_argument("--key", help="PEM private key of --cert")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--tls-min", choices=sorted(TLS_VERSIONS))
    p.add_argument("--tls-max", choices=sorted(TLS_VERSIONS))
    return p.parse_args(argv)


class ReadableWhileHandshakingDTP(TLS_DTPHandler):
    """TLS data handler with the fix of pyftpdlib PR #612 (issue #604)."""

    def readable(self):
        # A TLS handshake in progress must be serviced even before the transfer command: the
        # ClientHello is what made the socket readable.
        if self._ssl_accepting:
            return True
        return super().readable()


class ImplicitTlsHandler(TLS_FTPHandler):
    """Implicit FTPS: the control connection is TLS from its first byte."""

    def handle(self):
        self.secure_connection(self.ssl_context)
        # Queued greeting goes out once the handshake is done: SSLConnection retries the write.
        super().handle()


def tls_context(cert, key, tls_min, tls_max):
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.use_certificate_chain_file(cert)
    ctx.use_privatekey_file(key)
    ctx.set_options(SSL.OP_NO_COMPRESSION)
    if tls_min:
        ctx.set_min_proto_version(TLS_VERSIONS[tls_min])
    if tls_max:
        ctx.set_max_proto_version(TLS_VERSIONS[tls_max])
    return ctx


def main(argv):
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")

    authorizer = DummyAuthorizer()
    authorizer.add_user(args.user, args.password, args.root, perm="elradfmwMT")
    if not args.no_anonymous:
        authorizer.add_anonymous(args.root, perm="elr")

    if args.cert:
        base = ImplicitTlsHandler if args.implicit_tls else TLS_FTPHandler
        attrs = {
            "certfile": args.cert,
            "keyfile": args.key,
            "ssl_context": tls_context(args.cert, args.key, args.tls_min, args.tls_max),
            "dtp_handler": ReadableWhileHandshakingDTP,
        }
    else:
        base = FTPHandler
        attrs = {}
    handler = type("Handler", (base,), {
        **attrs,
        "authorizer": authorizer,
        "passive_ports": range(args.passive_min, args.passive_max + 1),
        "permit_foreign_addresses": False,
        "use_sendfile": True,  # plain transfers only; TLS ones cannot use sendfile
        "banner": "pyftpdlib %s ready." % pyftpdlib.__ver__,
    })

    server = FTPServer((args.host, args.port), handler)
    server.max_cons = 256
    server.max_cons_per_ip = 128
    print("pyftpdlib %s listening on %s port %d" % (pyftpdlib.__ver__, args.host, args.port),
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
