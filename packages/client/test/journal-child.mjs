// One run of a tree job with a journal, in a process of its own, for journal-kills.test.ts, which
// kills it at random points and starts it again. It runs the built package (dist/: `pnpm test`
// builds first). The job comes as JSON in argv[2]; the protocol log is appended, line by line and
// synchronously, to `job.log`, so a kill loses no line that was logged, and so are `P <bytes> <path>`
// (a file's bytes moved so far in this run, as they move) and `F <bytes> <path>` (a file finished).
// Prints the result as JSON.
import { appendFileSync } from 'node:fs';
import { Client, Pool } from '../dist/index.js';

const job = JSON.parse(process.argv[2]);
const log = (entry) => appendFileSync(job.log, `${process.pid} ${entry.direction} ${entry.text}\n`);
const login = { host: job.host, port: job.port, user: job.user, password: job.password, log, limitRate: job.limitRate };
const remote = job.pool ? new Pool({ ...login, size: job.pool }) : await Client.connect(login);
const note = (line) => appendFileSync(job.log, `${process.pid} ${line}\n`);
const options = {
  journal: job.journal,
  ...(job.verify ? { verify: job.verify } : {}),
  onProgress: (p) => note(`P ${p.file.bytes} ${p.path}`),
  onFile: (e) => e.phase === 'finish' && note(`F ${e.bytes} ${e.path}`),
};
note('START');
let result;
switch (job.call) {
  case 'downloadDir':
    result = await remote.downloadDir(job.remote, job.local, options);
    break;
  case 'uploadDir':
    result = await remote.uploadDir(job.local, job.remote, options);
    break;
  case 'mirror':
    result = await remote.mirror({ direction: job.direction, remote: job.remote, local: job.local, all: job.all === true, ...options });
    break;
  default:
    throw new Error(`unknown call ${job.call}`);
}
await remote.close();
process.stdout.write(`${JSON.stringify({ finishedEarlier: result.finishedEarlier ?? [], copied: result.copied?.length ?? result.files })}\n`);
