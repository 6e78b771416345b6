// @ftpkit/testkit: real FTP servers on loopback for ftpkit's interop tests (private package).
export { startServer, testCaPem, SERVER_KINDS } from './servers.js';
export type { RunningServer, ServerKind, StartServerOptions, TlsVersion } from './servers.js';
export { makeFixtureTree, FIXTURE_TREE, FIXTURE_OLD_MTIME } from './fixture.js';
export type { FixtureEntry } from './fixture.js';
export { FTP_USER, FTP_PASSWORD } from './users.js';
export { readAll, sendAndClose, startScriptedServer } from './scripted.js';
export type { CommandHandler, ScriptContext, ScriptedServer, ScriptedServerOptions } from './scripted.js';
