// @ftpkit/test-server: a scriptable, fault-injecting FTP and FTPS server on loopback, for the tests of
// applications that speak FTP (with ftpkit or any other client).
export { startScriptedServer } from './server.js';
export type { CommandHandler, ScriptContext, ScriptedServer, ScriptedServerOptions } from './types.js';
export { pump, readAll, reset, sendAndClose, sendAndReset } from './data.js';
export { testCertificate } from './tls.js';
export type { TestCertificate } from './tls.js';
