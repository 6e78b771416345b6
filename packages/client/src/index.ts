/**
 * `@ftpkit/client`: an FTP and FTPS client for Node, Deno and Bun.
 *
 * @packageDocumentation
 */
export { Client } from './client.js';
export type {
  CallOptions,
  DirectoryTransferOptions,
  DirectoryTransferResult,
  Progress,
  TransferOptions,
  TransferResult,
} from './client.js';
export { parseUrl } from './options.js';
export type { ClientOptions, LogEntry, ResolvedOptions, SecureMode, Timeouts } from './options.js';
export { LocalFileError } from './transfers.js';
export type { DownloadDestination, NodeWritableLike, UploadSource } from './transfers.js';
export { safeLocalName } from './paths.js';
export {
  ConnectionError,
  FtpError,
  FtpReplyError,
  InvalidArgumentError,
  LocalProtocolError,
  NotFoundError,
  NotSupportedError,
  RemoteProtocolError,
  TimeoutError,
  TlsError,
  UnsafePathError,
  isAbortError,
  isFtpError,
} from './errors.js';
export type { HashAlgorithm, ListingEntry, Reply, ServerChecksum } from '@ftpkit/codec';
export { Pool } from './pool.js';
export type { MirrorOptions, MirrorResult } from './mirror.js';
export { applyChecksums, checksumCandidates, planMirror } from './mirror-plan.js';
export type { MirrorAction, MirrorPlan, MirrorPlanOptions, MirrorReason, TreeEntry } from './mirror-plan.js';
export { compileGlob } from './glob.js';
export type { Matcher } from './glob.js';
export { remotePath, walkLocal, walkRemote } from './trees.js';
export type { Walk } from './trees.js';
export { localChecksum } from './local-checksum.js';
export type { DownloadItem, ManyOptions, PoolDirectoryOptions, PoolDownloadOptions, PoolOptions, PoolStats, UploadItem } from './pool.js';
