'use strict';
// ftp-srv (npm, pinned as a devDependency of @ftpkit/testkit) for @ftpkit/testkit.
//
// Started by src/launchers/ftp-srv.ts; by hand:
//   node ftp-srv-server.cjs --host 127.0.0.1 --port 2127 --root /tmp/r \
//     --passive-min 20000 --passive-max 20099 [--cert server.pem --key server-key.pem]
//     [--implicit-tls] [--tls-min TLSv1.2] [--tls-max TLSv1.3] [--no-anonymous]
//
// Users: --user/--password (default ftpuser/ftppass) read-write at --root, and anonymous
// read-only (a FileSystem whose writes answer 550). Explicit FTPS (AUTH TLS) when --cert is given;
// --implicit-tls makes the control port TLS from the first byte (ftp-srv's ftps:// mode).
//
// One fix to ftp-srv 4.6.3, below: its AUTH TLS race.
const fs = require('node:fs');
const tls = require('node:tls');
const { parseArgs } = require('node:util');
const FtpSrv = require('ftp-srv');
const registry = require('ftp-srv/src/commands/registry');

const { values: opt } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    root: { type: 'string' },
    'passive-min': { type: 'string' },
    'passive-max': { type: 'string' },
    user: { type: 'string', default: 'ftpuser' },
    password: { type: 'string', default: 'ftppass' },
    'no-anonymous': { type: 'boolean', default: false },
    cert: { type: 'string' },
    key: { type: 'string' },
    'implicit-tls': { type: 'boolean', default: false },
    'tls-min': { type: 'string' },
    'tls-max': { type: 'string' },
  },
});
for (const name of ['host', 'port', 'root', 'passive-min', 'passive-max']) {
  if (opt[name] === undefined) throw new Error(`--${name} is required`);
}

// ftp-srv 4.6.3's AUTH TLS replies 234 and wraps the socket in TLS only in the reply's write
// callback. A ClientHello that arrives in between reaches the command parser as an "FTP command"
// (502 with binary garbage) and the client's handshake fails with "wrong version number"
// (basic-ftp failed 20 of 30 logins, curl about 30% of them). Replacement: pause the raw socket
// before the 234 so the ClientHello stays buffered, then wrap. The TLSSocket drains the raw
// socket's buffer with read(), which also emits 'data', so the command parser is detached from the
// raw socket first and fed decrypted data only.
const originalAuth = registry.AUTH.handler;
registry.AUTH.handler = function authTls({ command } = {}) {
  if (String(command.arg).toUpperCase() !== 'TLS' || !this.server.options.tls || this.secure) {
    return originalAuth.apply(this, arguments);
  }
  const raw = this.commandSocket;
  raw.pause();
  return this.reply(234).then(() => {
    const parsers = raw.listeners('data');
    raw.removeAllListeners('data');
    const secure = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: tls.createSecureContext(this.server.options.tls),
    });
    secure.on('data', (chunk) => parsers.forEach((listener) => listener.call(raw, chunk)));
    for (const event of ['timeout', 'end', 'close', 'drain', 'error']) {
      secure.on(event, (...args) => raw.emit(event, ...args));
    }
    this.commandSocket = secure;
    this.secure = true;
  });
};

const denied = () => {
  throw new FtpSrv.ftpErrors.GeneralError('Permission denied: anonymous is read-only', 550);
};
class ReadOnlyFileSystem extends FtpSrv.FileSystem {
  write() { denied(); }
  mkdir() { denied(); }
  delete() { denied(); }
  rename() { denied(); }
  chmod() { denied(); }
}

// bunyan-shaped logger (ftp-srv calls child/trace/debug/info/warn/error): warnings and errors to
// stderr, which the launcher sends to the server's log file.
const logger = {
  child: () => logger,
  trace() {},
  debug() {},
  info() {},
  warn: (...args) => console.error('warn:', ...args),
  error: (...args) => console.error('error:', ...args),
};

const host = opt.host.includes(':') ? `[${opt.host}]` : opt.host;
const useTls = opt.cert !== undefined;
const server = new FtpSrv({
  url: `${opt['implicit-tls'] ? 'ftps' : 'ftp'}://${host}:${opt.port}`,
  pasv_url: opt.host,
  pasv_min: Number(opt['passive-min']),
  pasv_max: Number(opt['passive-max']),
  anonymous: !opt['no-anonymous'],
  greeting: 'ftp-srv ready',
  tls: useTls && {
    cert: fs.readFileSync(opt.cert),
    key: fs.readFileSync(opt.key),
    ...(opt['tls-min'] ? { minVersion: opt['tls-min'] } : {}),
    ...(opt['tls-max'] ? { maxVersion: opt['tls-max'] } : {}),
  },
  log: logger,
  timeout: 0,
});

server.on('login', ({ connection, username, password }, resolve, reject) => {
  if (username === opt.user && password === opt.password) return resolve({ root: opt.root });
  if (username === 'anonymous' && !opt['no-anonymous']) {
    return resolve({ fs: new ReadOnlyFileSystem(connection, { root: opt.root, cwd: '/' }) });
  }
  return reject(new FtpSrv.ftpErrors.GeneralError('Login incorrect', 530));
});
server.on('client-error', ({ context, error }) => console.error(`client-error (${context}):`, error?.message));

// ftp-srv installs its own SIGTERM handler (close every connection, then exit). Make sure the
// process goes even if a connection refuses to close.
process.on('SIGTERM', () => setTimeout(() => process.exit(0), 2000).unref());

server.listen().then(() => {
  const version = require('ftp-srv/package.json').version;
  console.log(`ftp-srv ${version} listening on ${opt.host} port ${opt.port}`);
});
