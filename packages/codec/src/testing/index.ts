/**
 * `@ftpkit/codec/testing`: fast-check arbitraries for replies, commands and listing lines, and
 * `formatReply`, the inverse of the reply parser. Needs `fast-check` (an optional peer dependency).
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { ReplyParser } from '@ftpkit/codec';
 * import { arbReply, formatReply } from '@ftpkit/codec/testing';
 * fc.assert(fc.property(arbReply(), (reply) => {
 *   const [parsed] = new ReplyParser().push(formatReply(reply));
 *   return parsed.code === reply.code && parsed.text === reply.text;
 * }));
 * ```
 *
 * @module
 */
export { arbChunks, arbReply, arbReplyStream, formatReply } from './replies.js';
export type { ArbReplyOptions, FormatReplyOptions } from './replies.js';
export { arbCommand, arbSafeArgument, arbUnsafeArgument } from './commands.js';
export { arbDosListingLine, arbMlsdLine, arbUnixListingLine, plainListingEntry } from './listing.js';
export type { ListingLineSample, PlainListingEntry, UnixListingLineOptions } from './listing.js';
