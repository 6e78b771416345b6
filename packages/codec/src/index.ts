/**
 * `@ftpkit/codec`: the FTP protocol without I/O.
 *
 * Bytes in, replies and actions out. No sockets, no clocks, no dependencies and no runtime
 * globals, so it runs in Node, Deno, Bun, browsers, workers and bare engines such as QuickJS.
 *
 * @packageDocumentation
 */
export {
  FtpError,
  FtpReplyError,
  InvalidArgumentError,
  LocalProtocolError,
  PipeliningError,
  RemoteProtocolError,
  SshServerError,
  TlsModeError,
  TlsRefusedError,
  TooManyPreliminaryRepliesError,
  isFtpError,
} from './errors.js';
export type { CodecErrorCode } from './errors.js';
export { createReply, isFileSystemRefusal, isNotUnderstood, isSessionReuseRefusal, replyKind } from './reply.js';
export type { Reply, ReplyKind } from './reply.js';
export { DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_REPLY_BYTES, ReplyParser } from './reply-parser.js';
export type { ReplyParserOptions } from './reply-parser.js';
export { checkArgument, command, commands, describeCommand, encodeCommand } from './commands.js';
export type { Command, EncodeOptions, TransferType } from './commands.js';
export { decodeText, encodeText } from './text.js';
export type { TextEncodingName } from './text.js';
export { Session } from './session/session.js';
export { SESSION_TRANSITIONS } from './session/types.js';
export type {
  Action,
  CommandOperation,
  ConnectOperation,
  ConnectResult,
  Endpoint,
  EventType,
  Operation,
  OperationResult,
  QuitOperation,
  RenameOperation,
  ReplyResult,
  Security,
  SessionOptions,
  SessionState,
  TransferCommand,
  TransferOperation,
  WaitState,
} from './session/types.js';
export { formatEprt, formatPort, ipFamily, parseEprtArgument, parseEpsv, parsePasv, parsePortArgument } from './pasv.js';
export type { EpsvPort, HostPort } from './pasv.js';
export { formatOptsMlst, parseFeatures, parseMlstFeature } from './feat.js';
export type { Features, MlstFeature } from './feat.js';
export { parseAnnouncedSize, parseSizeReply } from './size.js';
export { HASH_ALGORITHMS, hashAlgorithm, parseHashFeature, parseHashReply, parseXHashReply, pickHashCommand } from './hash.js';
export type { HashAlgorithm, HashCommand, ServerChecksum } from './hash.js';
export { formatPwdReply, parsePwdReply } from './pwd.js';
export { detectListingFormat, listFlagRefused, parseListing, parseListingLine, parseStatListing } from './listing.js';
export type {
  ListingDateOrder,
  ListingEntry,
  ListingEntryType,
  ListingFormat,
  ListingLineParser,
  ListingResult,
  ListingTimePrecision,
  ParseListingOptions,
  TimeZoneOffsetFunction,
  UnparsedLine,
} from './listing.js';
export { DEFAULT_MAX_LISTING_LINE, ListingParser } from './listing-stream.js';
export { parseNameList } from './nlst.js';
export type { ListingParserOptions } from './listing-stream.js';
export { formatMlsdLine, parseFacts, parseMlsdLine, parseMlstReply } from './list/mlsd.js';
export { formatFtpTime, parseFtpTime, parseMdtmReply } from './time.js';
export type { FormatFtpTimeOptions } from './time.js';
