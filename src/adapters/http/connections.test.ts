/** Connection limits on a bare node:http server: a body that arrives late must not keep an idle keep-alive connection open for ever. */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applyConnectionLimits } from './connections.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function listen(keepAliveMs: number): Promise<number> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.keepAliveTimeout = keepAliveMs;
  applyConnectionLimits(server, { maxUploadBytes: 1 << 20, minUploadBytesPerSec: 1 << 20, bodyIdleMs: 30_000, headersTimeoutMs: 30_000, maxConnections: 100 });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** Sends a POST whose body follows its headers after `delayMs`; resolves with the socket once the answer is in. */
async function postSplit(port: number, delayMs: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - started)));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const answered = new Promise<void>((r) => socket.once('data', () => r()));
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n');
  await new Promise((r) => setTimeout(r, delayMs));
  socket.write('hello');
  await answered;
  return { socket, closed };
}

describe('applyConnectionLimits', () => {
  it('closes an idle keep-alive connection after keepAliveTimeout, also when the body came after the headers', async () => {
    const port = await listen(500);
    const { socket, closed } = await postSplit(port, 150);
    const t = await Promise.race([closed, new Promise<'open'>((r) => setTimeout(() => r('open'), 10_000))]);
    socket.destroy();
    expect(t).not.toBe('open');
  }, 20_000);
});
