// Soak runs, not part of CI. `pnpm soak` (root) installs the test servers, builds the client and runs
// this on dist; FTPKIT_SOAK_MODE picks the run, `pnpm soak --help` prints what follows.
//
//   operations (default)  operations.mjs: clients run 10,000 mixed operations against a real vsftpd,
//                         every transfer checked by SHA-256; memory and handles must stay flat.
//   mirror                mirror.mjs: 1,000 files mirrored up and back down through a proxy that
//                         drops connections at random, with retry and verify on; every file compared
//                         by SHA-256, with drops, retries, bytes on the wire, wall time and peak RSS.
//
// Each run's file header lists its environment variables. The exit code is 1 on any failed check.
const USAGE = `pnpm soak [--help]: a soak run against a real vsftpd, picked by FTPKIT_SOAK_MODE.

FTPKIT_SOAK_MODE=operations (default): mixed operations, memory and handles sampled.
  FTPKIT_SOAK_OPS=10000  FTPKIT_SOAK_CLIENTS=4  FTPKIT_SOAK_ROUND=500  FTPKIT_SOAK_SEED=<random>

FTPKIT_SOAK_MODE=mirror: files mirrored up and back down through a proxy that drops connections at
random (retry and verify on), every file compared by SHA-256.
  FTPKIT_SOAK_FILES=1000       files (nested folders; mostly small, some several MiB; ~180 MiB per 1000)
  FTPKIT_SOAK_SEED=<random>    the files, their sizes and the drop schedule
  FTPKIT_SOAK_DROP_MS=500      mean time between drops
  FTPKIT_SOAK_ALL_SHARE=0.2    share of drops that reset every connection (else one data connection,
  FTPKIT_SOAK_CONTROL_SHARE=0.1  or one control connection)
  FTPKIT_SOAK_SESSIONS=4       Pool size
  FTPKIT_SOAK_SECURE=explicit  or plain
  FTPKIT_SOAK_RETRIES=20       retry.retries (failures in a row without progress)
  FTPKIT_SOAK_KEEP=1           keep the local folders

Exit code 1 on any failed check.`;

const MODES = { operations: './operations.mjs', mirror: './mirror.mjs' };

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
} else {
  const mode = process.env.FTPKIT_SOAK_MODE || 'operations';
  if (!Object.hasOwn(MODES, mode)) {
    console.error(`FTPKIT_SOAK_MODE=${mode}: not a soak run (${Object.keys(MODES).join(', ')}).\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    await import(MODES[mode]);
  }
}
