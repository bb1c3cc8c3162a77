/**
 * The capture proxy on its own (src/adapters/capture/proxy.ts): a CONNECT tunnel to an https
 * server records the server's certificate chain (read over its own TLS connection to the checked
 * address); with private addresses refused, CONNECT and plain requests to loopback, private and
 * metadata addresses, and names resolving there, get 403 and open no connection.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureProxy } from '../../src/adapters/capture/proxy.js';
import { pageServer, type PageServer } from '../support/capture.js';
import { makeTempDir, removeAllTempDirs } from '../support/proc.js';

let https: HttpsServer;
let httpsPort: number;
let certPem: string;
let counter: PageServer;

beforeAll(async () => {
  const dir = await makeTempDir('cl-proxy-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=evidence.test', '-addext', 'subjectAltName=DNS:evidence.test', '-keyout', join(dir.path, 'k.pem'), '-out', join(dir.path, 'c.pem')], { stdio: 'ignore' });
  certPem = readFileSync(join(dir.path, 'c.pem'), 'utf8');
  https = createHttpsServer({ key: readFileSync(join(dir.path, 'k.pem')), cert: certPem }, (_req, res) => res.end('tls page'));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', () => r()));
  httpsPort = (https.address() as AddressInfo).port;
  counter = await pageServer('127.0.0.1', (_req, res) => res.end('secret'));
});

afterAll(async () => {
  https?.closeAllConnections();
  await new Promise<void>((r) => (https ? https.close(() => r()) : r()));
  await counter?.close();
  await removeAllTempDirs();
});

/** Sends CONNECT host:port through the proxy; resolves to the status and the socket. */
function connectVia(proxyPort: number, target: string): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on('error', reject);
    req.end();
  });
}

function getVia(proxyPort: number, url: string): Promise<{ status: number; refused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method: 'GET', path: url }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, refused: res.headers['x-capture-refused'] === '1' });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('capture proxy', () => {
  it('tunnels https to the checked address and records the certificate chain the server presents', async () => {
    const proxy = new CaptureProxy({ allowPrivate: false, resolver: async () => ['127.0.0.1'], publicAddresses: new Set(['127.0.0.1']) });
    const port = await proxy.listen();
    try {
      const { status, socket } = await connectVia(port, `evidence.test:${httpsPort}`);
      expect(status).toBe(200);
      const body = await new Promise<string>((resolve, reject) => {
        const tls = tlsConnect({ socket, servername: 'evidence.test', rejectUnauthorized: false }, () => tls.write('GET / HTTP/1.1\r\nHost: evidence.test\r\nConnection: close\r\n\r\n'));
        let text = '';
        tls.on('data', (d: Buffer) => (text += d.toString()));
        tls.on('end', () => resolve(text));
        tls.on('error', reject);
      });
      expect(body).toContain('tls page');
    } finally {
      await proxy.close();
    }
    expect(proxy.connections).toMatchObject([{ method: 'CONNECT', host: 'evidence.test', port: httpsPort, resolved: ['127.0.0.1'], ip: '127.0.0.1' }]);
    expect(proxy.tls).toHaveLength(1);
    const rec = proxy.tls[0]!;
    expect(rec.error).toBeUndefined();
    expect(rec.authorized).toBe(false); // self-signed: recorded, and said so
    expect(rec.chainPem[0]!.replace(/\s/g, '')).toBe(certPem.replace(/\s/g, ''));
  });

  it('refuses tunnels and requests to special-purpose addresses without connecting', async () => {
    const proxy = new CaptureProxy({ allowPrivate: false, resolver: async (h) => (h === 'inside.test' ? ['10.9.8.7'] : h === 'loop.test' ? ['127.0.0.1'] : ['93.184.216.34']) });
    const port = await proxy.listen();
    try {
      for (const target of [`127.0.0.1:${counter.port}`, `[::1]:${counter.port}`, '169.254.169.254:443', `loop.test:${counter.port}`, 'inside.test:443', `[::ffff:127.0.0.1]:${counter.port}`]) {
        const { status, socket } = await connectVia(port, target);
        socket.destroy();
        expect(status, target).toBe(403);
      }
      for (const url of [`http://127.0.0.1:${counter.port}/`, 'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', `http://loop.test:${counter.port}/`, `http://[::ffff:7f00:1]:${counter.port}/`]) {
        const r = await getVia(port, url);
        expect(r, url).toEqual({ status: 403, refused: true });
      }
    } finally {
      await proxy.close();
    }
    expect(proxy.connections.every((c) => c.refused !== undefined && c.ip === undefined)).toBe(true);
    expect(proxy.connections).toHaveLength(11);
    expect(counter.connections).toBe(0);
  });
});
