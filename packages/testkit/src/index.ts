// @ftpkit/testkit: real FTP servers on loopback for ftpkit's interop tests, and an in-memory network with a manual clock for driver tests (private package).
export { serverCapabilities, startServer, testCaPem, SERVER_KINDS } from './servers.js';
export type { Capabilities, RunningServer, ServerKind, StartServerOptions, TlsVersion } from './servers.js';
export { startWorkerd, workerdPackage } from './workerd.js';
export type { RunningWorkerd, WorkerdOptions, WorkerModule } from './workerd.js';
export { startCutProxy } from './cut-proxy.js';
export { PROXY_KINDS, PROXY_PASSWORD, PROXY_REFUSED_HOST, PROXY_USER, startProxy } from './proxies.js';
export type { ProxyKind, RunningProxy, StartProxyOptions } from './proxies.js';
export { closedPort } from './ports.js';
export { seededRandom } from './random.js';
export type { CutOptions, CutProxy, CutProxyOptions, CutProxyTarget, CutReport, DropCounts, RandomDropOptions, RandomDropReport, RandomDrops } from './cut-proxy.js';
export { startDelayProxy, type DelayProxy, type DelayProxyOptions, type DelayProxyTarget } from './delay-proxy.js';
export { startIdleProxy, type Forgotten, type IdleProxy, type IdleProxyOptions, type IdleProxyTarget } from './idle-proxy.js';
export { startNatProxy, type NatProxy, type NatProxyOptions } from './nat-proxy.js';
export { makeFixtureTree, FIXTURE_TREE, FIXTURE_OLD_MTIME } from './fixture.js';
export type { FixtureEntry } from './fixture.js';
export { FTP_USER, FTP_PASSWORD } from './users.js';
// The scripted server is @ftpkit/test-server's, re-exported for ftpkit's own tests.
export { pump, readAll, reset, sendAndClose, sendAndReset, startScriptedServer, testCertificate } from '@ftpkit/test-server';
export type { CommandHandler, ScriptContext, ScriptedServer, ScriptedServerOptions, TestCertificate } from '@ftpkit/test-server';
export { capturingGreeting, leakCheck, liveResources, rejectionOf, scriptedScenes } from './scenes.js';
export type { LeakCheck, SceneClient, SceneOptions, Scenes, TestHooks } from './scenes.js';

export { brokenPasv, SSH_GREETING } from './scripted-faults.js';
export type { BrokenPasvOptions } from './scripted-faults.js';
export { fileTree, treeHandlers } from './scripted-tree.js';
export { FLAKY_FEATURES, flakyHandlers } from './scripted-flaky.js';
export type { FlakyCut, FlakyLog, FlakyOptions, FlakyTransfer } from './scripted-flaky.js';
export type { FileTree, ListFlagBehaviour, NlstBehaviour, TreeEntrySpec, TreeHandlersOptions } from './scripted-tree.js';
export { ManualClock } from './clock.js';
export { memoryPair, MemoryPort } from './memory.js';
export type { MemoryHost, MemoryPair, MemoryPairOptions } from './memory.js';
export { MemorySocket } from './memory-socket.js';
export type { SocketEvent } from './memory-socket.js';
