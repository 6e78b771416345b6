import { startServer } from '@ftpkit/testkit';
const kind = process.argv[2];
const server = await startServer(kind, { fixture: true });
console.log(JSON.stringify({ port: server.port, root: server.root, pid: server.pid }));
process.on('SIGTERM', async () => { await server.stop(); process.exit(0); });
setTimeout(async () => { await server.stop(); process.exit(0); }, Number(process.argv[3] ?? 60000));
