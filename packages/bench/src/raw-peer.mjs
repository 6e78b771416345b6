// The far end of the raw TCP ceiling (bench.mjs): a Node process on 127.0.0.1 that serves one
// connection, then exits. `send BYTES`: writes BYTES in 1 MiB writes, with back-pressure, then FIN.
// `recv`: reads until FIN, then closes. Prints `PORT` on stdout once it listens.
import { createServer } from 'node:net';

const [mode, bytesText] = process.argv.slice(2);
const total = Number(bytesText ?? 0);
const server = createServer({ allowHalfOpen: true }, async (socket) => {
  server.close();
  if (mode === 'send') {
    const chunk = Buffer.alloc(1 << 20, 1);
    for (let sent = 0; sent < total; ) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += part.length;
      if (!socket.write(part)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    socket.end();
  } else {
    socket.resume();
    socket.on('end', () => socket.end());
  }
  socket.on('close', () => process.exit(0));
  socket.on('error', () => process.exit(1));
});
server.listen({ host: '127.0.0.1', port: 0 }, () => console.log(server.address().port));
