/**
 * `@ftpkit/client`: an FTP and FTPS client for Node, Deno and Bun.
 *
 * @packageDocumentation
 */
export { Client } from './client.js';
export { Pool } from './pool.js';
export { RemoteCalls } from './remote.js';
export type {
  CallOptions,
  ChecksumOptions,
  DirectoryTransferOptions,
  DirectoryTransferResult,
  FileEvent,
  MirrorAction,
  MirrorPlan,
  MirrorReason,
  MirrorOptions,
  MirrorResult,
  Progress,
  RecursiveOptions,
  RemoveOptions,
  SkippedEntry,
  TransferOptions,
  TransferResult,
  VerifyMethod,
  TreeOptions,
  TreeProgress,
} from './calls.js';
export type { DownloadItem, ManyOptions, PoolDirectoryOptions, PoolDownloadOptions, PoolOptions, PoolStats, UploadItem } from './pool.js';
export { diagnose } from './diagnose/diagnose.js';
export type { AddressScope } from './diagnose/address.js';
export type {
  CertificateDetail,
  DataDetail,
  DiagnoseOptions,
  Diagnosis,
  DiagnosisProbes,
  FeaturesDetail,
  GreetingDetail,
  ListAllBehaviour,
  ListAllDetail,
  ListZoneDetail,
  LoginDetail,
  PasvAddressDetail,
  PortKind,
  Probe,
  Recommendation,
  RecommendedOptions,
  TlsDetail,
  TlsReuseDetail,
  TlsVersionsDetail,
} from './diagnose/types.js';
export { parseUrl, parseUrlPath } from './options.js';
export type { ClientOptions, ClientTlsOptions, LogEntry, ResolvedOptions, SecureMode, Timeouts } from './options.js';
export type { ListTimeZone, ListTimeZoneState } from './time-zone.js';
export { lending } from './io/lending.js';
export type { DownloadDestination, NodeWritableLike } from './io/sinks.js';
export type { UploadSource } from './io/sources.js';
export { remoteJoin as remotePath, safeLocalName } from './io/paths.js';
export { localChecksum } from './io/local-checksum.js';
export { attemptsOf, isRetryable } from './retry.js';
export type { RetryEvent, RetryOptions, RetryPolicy } from './retry.js';
export { TRACING_CHANNELS } from './tracing.js';
export type { CommandTrace, ConnectTrace, LeaseTrace, ReplyTrace, TracedConnection, TransferTrace } from './tracing.js';
export type { TreeEntry } from './trees/plan.js';
export type { WatchEvent, WatchOptions } from './trees/watch.js';
export {
  ConnectionError,
  FtpError,
  FtpReplyError,
  InvalidArgumentError,
  JournalBusyError,
  JournalMismatchError,
  ListingHookError,
  LocalFileError,
  LocalProtocolError,
  NotFoundError,
  NotSupportedError,
  ProxyAuthError,
  ProxyError,
  ProxyRefusedError,
  PipeliningError,
  ProxyTargetError,
  RemoteProtocolError,
  SshServerError,
  TimeoutError,
  TlsError,
  TlsModeError,
  TooManyPreliminaryRepliesError,
  TreeDepthError,
  TreeLoopError,
  UnreadableListingError,
  UnsafePathError,
  VerifyError,
  isAbortError,
  isFtpError,
} from './errors.js';
export type { JournalField, LoopEvidence, ProxyErrorCode, TlsErrorReason } from './errors.js';
export type { PeerCertificate, Proxy, ProxyOptions, ProxyProtocol, TlsInfo } from '@ftpkit/transport';
export type { ConnectResult, HashAlgorithm, ListingEntry, ListingLineParser, ListingTimePrecision, Reply, ServerChecksum, TransferCommand } from '@ftpkit/codec';
