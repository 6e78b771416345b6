/**
 * Local checksums to compare with the server's (`checksum()`, `mirror` with `checksum`, and
 * `verify: 'checksum'` on transfers), in the algorithm the server chose.
 *
 * Theory of operation: one incremental {@link LocalHasher} per digest, fed chunk by chunk, so a
 * transfer hashes its bytes as they pass and a file is never held in memory or read twice. SHA and
 * MD5 come from node:crypto; CRC-32 (IEEE 802.3, as XCRC and HASH CRC32 compute it) is computed
 * here, since node:zlib has it only from Node 22. node:crypto stays behind this module, asked for
 * when a SHA or MD5 digest is made (io/fs.ts `builtin`), so CRC-32 needs no `node:` module at all.
 *
 * @module
 */
import type { HashAlgorithm } from '@ftpkit/codec';
import { builtin, localFileError, open } from './fs.js';

const NODE_NAMES: Readonly<Record<Exclude<HashAlgorithm, 'CRC32'>, string>> = { 'SHA-512': 'sha512', 'SHA-256': 'sha256', 'SHA-1': 'sha1', MD5: 'md5' };

let crcTable: Uint32Array | undefined;
function table(): Uint32Array {
  if (crcTable) return crcTable;
  crcTable = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable[n] = c >>> 0;
  }
  return crcTable;
}

/** CRC-32 state over chunks: start with `~0`, finish with `~crc >>> 0`. */
function crc32Update(crc: number, bytes: Uint8Array): number {
  const t = table();
  for (let i = 0; i < bytes.length; i++) crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return crc;
}

/** A digest computed chunk by chunk. `digest()` is the lower-case hex the server's checksum is compared with. */
export interface LocalHasher {
  update(bytes: Uint8Array): void;
  digest(): string;
}

/** A new incremental hasher for `algorithm`. */
export function localHasher(algorithm: HashAlgorithm): LocalHasher {
  if (algorithm === 'CRC32') {
    let crc = ~0;
    return {
      update: (bytes) => void (crc = crc32Update(crc, bytes)),
      digest: () => ((~crc) >>> 0).toString(16).padStart(8, '0'),
    };
  }
  const hash = builtin('node:crypto', `A local ${algorithm} digest`).createHash(NODE_NAMES[algorithm]);
  return { update: (bytes) => void hash.update(bytes), digest: () => hash.digest('hex') };
}

/**
 * Feed the first `length` bytes of a local file (all of it when undefined) to `into`, read with one
 * reused 1 MiB buffer. Resolves with the bytes read.
 */
export async function hashFile(file: string, into: (bytes: Uint8Array) => void, length = Infinity): Promise<number> {
  const handle = await open(file, 'r').catch((err: unknown) => {
    throw localFileError(err, 'read', file);
  });
  try {
    const buffer = new Uint8Array(1 << 20);
    let total = 0;
    while (total < length) {
      const want = Math.min(buffer.length, length - total);
      const { bytesRead } = await handle.read(buffer, 0, want, null).catch((err: unknown) => {
        throw localFileError(err, 'read', file);
      });
      if (bytesRead === 0) break;
      into(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return total;
  } finally {
    await handle.close();
  }
}

/**
 * The lower-case hex digest of a local file, to compare with the server's `checksum()`.
 *
 * @example
 * ```ts
 * const remote = await client.checksum('/pub/big.iso');
 * const same = (await localChecksum('./big.iso', remote.algorithm)) === remote.hash;
 * ```
 */
export async function localChecksum(file: string, algorithm: HashAlgorithm): Promise<string> {
  const hasher = localHasher(algorithm);
  await hashFile(file, (bytes) => hasher.update(bytes));
  return hasher.digest();
}
