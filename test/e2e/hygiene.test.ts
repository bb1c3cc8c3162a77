/**
 * Hygiene of a running service: a private DATA_DIR, certificate URLs that never come from the
 * Host header, security and caching headers, names and titles without control or bidi
 * formatting characters, and the connection limits (idle body, connection cap, request time).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimeoutMs } from '../../src/adapters/http/connections.js';
import { decodePdfQr } from '../support/qr.js';
import { account, api, application, deposit, submitted } from '../support/registration.js';
import { createAccount, startTestService, tempDir, type TestService } from '../support/service.js';

const run = promisify(execFile);

/** GET with a forged Host header (fetch does not let a caller set Host). */
function getWithHost(url: string, path: string, host: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET', headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function walk(dir: string): Promise<{ path: string; mode: number; dir: boolean }[]> {
  const out: { path: string; mode: number; dir: boolean }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = await stat(p);
    out.push({ path: p, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

/** Text of a PDF and the text of the QR code on its page. */
async function readPdf(dir: string, name: string, bytes: Buffer): Promise<{ text: string; qr: string | undefined }> {
  const path = join(dir, `${name}.pdf`);
  await writeFile(path, bytes);
  const text = (await run('pdftotext', ['-enc', 'UTF-8', path, '-'])).stdout;
  return { text, qr: await decodePdfQr(path) };
}

describe('a new DATA_DIR', () => {
  it('is created 0700 with every file under it 0600 and every directory 0700, after deposits and an upload', async () => {
    const parent = await tempDir('cl-modes-');
    const dataDir = join(parent.path, 'nested', 'store');
    const svc = await startTestService({ DATA_DIR: dataDir });
    try {
      const { apiKey } = await createAccount(svc.url);
      for (let i = 0; i < 3; i++) {
        const r = await api(svc.url, 'POST', '/v1/deposits', { key: apiKey, body: { sha256: randomBytes(32).toString('hex'), metadata: { title: `work ${i}` } } });
        expect(r.status).toBe(201);
      }
      const f = new FormData();
      f.append('file', new Blob([randomBytes(50_000)]), 'work.bin');
      const up = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: f });
      expect(up.status).toBe(201);
    } finally {
      await svc.close();
    }
    try {
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(parent.path, 'nested'))).mode & 0o777).toBe(0o700);
      const all = await walk(dataDir);
      // LevelDB's files, the keys and the kept original are all there.
      expect(all.some((e) => e.path.endsWith('log-key.pem'))).toBe(true);
      expect(all.some((e) => e.path.includes(join('ledger', 'CURRENT')))).toBe(true);
      expect(all.some((e) => !e.dir && e.path.includes(join('uploads', 'sha256')))).toBe(true);
      const wrong = all.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${e.mode.toString(8)} ${e.path}`);
      expect(wrong).toEqual([]);
    } finally {
      await parent.remove();
    }
  });
});

describe('certificate URLs and response headers', () => {
  let svc: TestService;
  let dir: { path: string; remove: () => Promise<void> };
  const ADMIN = 'admin-key-for-hygiene-tests-0123456789';

  beforeAll(async () => {
    svc = await startTestService({ ADMIN_API_KEY: ADMIN });
    dir = await tempDir('cl-host-');
  });
  afterAll(async () => {
    await svc.stop();
    await dir.remove();
  });

  it('never puts the Host header into an evidence certificate PDF', async () => {
    const { apiKey } = await createAccount(svc.url);
    const dep = await deposit(svc.url, apiKey, { metadata: { title: 'Host test' } });
    const res = await getWithHost(svc.url, `/v1/deposits/${dep}/certificate`, 'evil.example', { authorization: `Bearer ${apiKey}`, accept: 'application/pdf' });
    expect(res.status).toBe(200);
    const { text, qr } = await readPdf(dir.path, 'evidence', res.body);
    expect(qr).toBe(`${svc.url}/verify/${dep}`);
    expect(text).not.toContain('evil.example');
    expect(res.body.includes(Buffer.from('evil.example'))).toBe(false);
  });

  it('never puts the Host header into a registration certificate PDF', async () => {
    const creator = await account(svc.url, ADMIN);
    const reviewer = await account(svc.url, ADMIN, { role: 'reviewer' });
    const dep = await deposit(svc.url, creator.key);
    const id = await submitted(svc.url, creator.key, [dep]);
    expect((await api(svc.url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key })).status).toBe(200);
    const res = await getWithHost(svc.url, `/v1/registrations/${id}/certificate`, 'evil.example', { authorization: `Bearer ${creator.key}`, accept: 'application/pdf' });
    expect(res.status).toBe(200);
    const { text, qr } = await readPdf(dir.path, 'registration', res.body);
    expect(qr).toMatch(new RegExp(`^${svc.url.replace(/[.]/g, '\\.')}/v1/registry\\?number=`));
    expect(text).not.toContain('evil.example');
  });

  it('sends nosniff everywhere, no-store on key and private answers, and keeps public log answers cacheable', async () => {
    const created = await fetch(`${svc.url}/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Headers', email: 'h@example.com', kind: 'individual' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.headers.get('x-content-type-options')).toBe('nosniff');
    const { apiKey } = (await created.json()) as { apiKey: string };
    const me = await fetch(`${svc.url}/v1/accounts/me`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    const dep = await deposit(svc.url, apiKey);
    const mine = await fetch(`${svc.url}/v1/deposits/${dep}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(mine.headers.get('cache-control')).toBe('no-store');
    const unauth = await fetch(`${svc.url}/v1/accounts/me`);
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('cache-control')).toBe('no-store');

    for (const path of ['/v1/log/checkpoint', '/v1/log/key', '/v1/blocks/latest', '/healthz', '/no/such/route']) {
      const r = await fetch(svc.url + path);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      if (path.startsWith('/v1/')) expect(r.headers.get('cache-control'), path).toBeNull();
    }

    // The verify page keeps its own policy (inline styles) and nosniff.
    const page = await fetch(`${svc.url}/verify/${dep}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("style-src 'unsafe-inline'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses names and titles with control or bidi formatting characters, naming the field', async () => {
    const bad = ['Alice\u202Egpj.exe', 'Bob\u2066x\u2069', 'Eve\u200F', 'Mallory\u061C', 'tab\there', 'nul\u0000', 'c1\u0085'];
    for (const name of bad) {
      const r = await api(svc.url, 'POST', '/v1/accounts', { body: { name, email: 'x@example.com', kind: 'individual' } });
      expect(r.status, JSON.stringify(name)).toBe(400);
      expect(r.body).toMatchObject({ code: 'invalid_request', field: 'name' });
    }
    const org = await api(svc.url, 'POST', '/v1/accounts', { body: { name: 'ACME\u202D Ltd', email: 'o@example.com', kind: 'organisation' } });
    expect(org.body).toMatchObject({ code: 'invalid_request', field: 'name' });

    const { apiKey } = await createAccount(svc.url);
    const meta = async (metadata: unknown) => api(svc.url, 'POST', '/v1/deposits', { key: apiKey, body: { sha256: randomBytes(32).toString('hex'), metadata } });
    expect((await meta({ title: 'Song\u202E' })).body).toMatchObject({ code: 'invalid_request', field: 'metadata.title' });
    expect((await meta({ authors: [{ name: '\u2067Zed' }] })).body).toMatchObject({ code: 'invalid_request', field: 'metadata.authors.0.name' });
    expect((await meta({ rightsHolder: 'Co\u200E' })).body).toMatchObject({ code: 'invalid_request', field: 'metadata.rightsHolder' });
    // Ordinary Chinese, accented and emoji text passes; a description may hold newlines.
    expect((await meta({ title: '春江花月夜 Café 🎵', authors: [{ name: '张三' }], description: 'line one\nline two' })).status).toBe(201);

    const creator = await account(svc.url, ADMIN);
    const dep = await deposit(svc.url, creator.key);
    const reg = async (overrides: Record<string, unknown>) => api(svc.url, 'POST', '/v1/registrations', { key: creator.key, body: application([dep], overrides) });
    expect((await reg({ title: 'Night\u202E' })).body).toMatchObject({ code: 'invalid_request', field: 'title' });
    expect((await reg({ authors: [{ name: '李\u2066雷' }] })).body).toMatchObject({ code: 'invalid_request', field: 'authors.0.name' });
    const holder = (application([dep]).rightsHolders as Record<string, unknown>[])[0]!;
    expect((await reg({ rightsHolders: [{ ...holder, displayName: 'Studio\u202B' }] })).body).toMatchObject({ code: 'invalid_request', field: 'rightsHolders.0.displayName' });
    expect((await reg({})).status).toBe(201);
  });
});

describe('connection limits', () => {
  let svc: TestService;
  const open: Socket[] = [];

  beforeAll(async () => {
    svc = await startTestService({ BODY_IDLE_TIMEOUT_MS: '600', MAX_CONNECTIONS: '3' });
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await svc.stop();
  });

  const socket = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect(svc.port, '127.0.0.1', () => resolve(s));
      s.on('error', () => undefined);
      s.once('error', reject);
      open.push(s);
    });
  const closed = (s: Socket): Promise<number> => {
    const t0 = Date.now();
    return new Promise((resolve) => (s.destroyed ? resolve(0) : s.once('close', () => resolve(Date.now() - t0))));
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const head = (len: number) => `POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;

  it('closes a connection that stops sending in the middle of a body, but not one that trickles steadily', async () => {
    const body = JSON.stringify({ name: 'Trickle', email: 'trickle@example.com', kind: 'individual' });

    // Steady: one byte every 150 ms (well under the 600 ms idle limit, for three times as long
    // in all) is served in full.
    const steady = await socket();
    let answer = '';
    steady.on('data', (d: Buffer) => (answer += d.toString()));
    steady.write(head(body.length));
    for (const ch of body.slice(0, 12)) {
      steady.write(ch);
      await sleep(150);
      expect(steady.destroyed).toBe(false);
    }
    steady.write(body.slice(12));
    for (let i = 0; i < 100 && !answer.includes('\r\n\r\n'); i++) await sleep(50);
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    steady.destroy();

    // Stalled: half the body, then nothing: cut after the idle limit.
    const stalled = await socket();
    let got = '';
    stalled.on('data', (d: Buffer) => (got += d.toString()));
    stalled.write(head(body.length) + body.slice(0, 10));
    const ms = await Promise.race([closed(stalled), sleep(20_000).then(() => -1)]);
    expect(ms).toBeGreaterThanOrEqual(500);
    expect(got).toBe(''); // no answer: the request never completed
  });

  it('refuses connections beyond MAX_CONNECTIONS and serves the ones it holds', async () => {
    await sleep(200); // the sockets of the previous test are gone
    const held = [await socket(), await socket(), await socket()];
    await sleep(300);
    // The fourth is accepted by the kernel and closed by the server at once: no answer, ever.
    const extra = await socket().catch(() => undefined);
    if (extra !== undefined) {
      let got = '';
      extra.on('data', (d: Buffer) => (got += d.toString()));
      extra.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', () => undefined);
      const ms = await Promise.race([closed(extra), sleep(10_000).then(() => -1)]);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(got).toBe('');
    }
    // A held connection still gets answers.
    let answer = '';
    held[0]!.on('data', (d: Buffer) => (answer += d.toString()));
    held[0]!.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 100 && !answer.includes('"status":"ok"'); i++) await sleep(50);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    for (const s of held) s.destroy();
    await sleep(300);
    // Once they are gone, new connections are served again; the refusal was counted.
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    if (extra !== undefined) expect(await (await fetch(`${svc.url}/metrics`)).text()).toMatch(/^http_connections_refused_total [1-9]/m);
  });

  it('sizes the whole-request limit to the largest upload at the slowest rate served, never under 5 minutes', () => {
    // Defaults: 2 GiB at 256 KiB/s is 8192 s, plus a minute.
    expect(svc.server.requestTimeout).toBe(8_192_000 + 60_000);
    expect(svc.server.requestTimeout).toBeGreaterThan(300_000);
    expect(svc.server.headersTimeout).toBeLessThanOrEqual(30_000);
    expect(svc.server.maxConnections).toBe(3);
    expect(requestTimeoutMs(1024 * 1024, 256 * 1024)).toBe(300_000);
    expect(requestTimeoutMs(10 * 1024 ** 3, 1024 * 1024)).toBe(10_240_000 + 60_000);
  });
});
