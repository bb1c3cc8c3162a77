/**
 * Monitoring end to end (docs/ENFORCEMENT.md): a platform's batch is matched in the background
 * and the results reach its webhook with a verifiable HMAC-SHA256 signature; a failing receiver
 * is retried with exponential back-off, then the delivery is marked failed, while deposits are
 * answered as fast as ever; webhook URLs obey the capture SSRF rules.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFingerprint } from '../../src/adapters/fingerprint/extract.js';
import { verifyWebhookSignature } from '../../src/core/webhook-signature.js';
import { pageServer, type PageServer } from '../support/capture.js';
import { account } from '../support/registration.js';
import { startTestService, type TestService } from '../support/service.js';
import { alteredCopy, syntheticImage } from '../support/synthetic.js';

const ADMIN = 'admin-key-for-monitor-tests-00000';
let svc: TestService;
let owner: { key: string; id: string };
let platform: { key: string; id: string };
let image: Buffer;
let depositId: string;
const received: { headers: IncomingMessage['headers']; body: Buffer; at: number; path: string }[] = [];
let receiver: PageServer;

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const send = (key: string, method: string, path: string, body?: unknown) =>
  fetch(`${svc.url}${path}`, { method, headers: { ...auth(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  receiver = await pageServer('127.0.0.1', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks), at: Date.now(), path: req.url ?? '' });
      if (req.url === '/fail') setTimeout(() => res.writeHead(500).end('no'), 200);
      else res.writeHead(204).end();
    });
  });
  svc = await startTestService({ ADMIN_API_KEY: ADMIN, NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', MONITOR_WEBHOOK_BACKOFF_MS: '300', MONITOR_WEBHOOK_ATTEMPTS: '3', MONITOR_WEBHOOK_TIMEOUT_MS: '5000' });
  owner = await account(svc.url, ADMIN, { name: 'Photographer' });
  platform = await account(svc.url, ADMIN, { role: 'platform', kind: 'organisation', name: 'Platform' });
  image = await syntheticImage(4242, 800, 600);
  const form = new FormData();
  form.append('file', new Blob([image]), 'photo.png');
  const dep = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: auth(owner.key), body: form });
  depositId = ((await dep.json()) as { id: string }).id;
  await svc.enforcement.fingerprints.idle();
  expect((await send(owner.key, 'PUT', '/v1/matches/opt-in', { enabled: true })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

describe('monitoring', () => {
  it('a batch needs a webhook, and at most 1,000 items', async () => {
    expect((await send(platform.key, 'POST', '/v1/monitor/batch', { items: [{ sha256: 'a'.repeat(64) }] })).status).toBe(409);
    const many = Array.from({ length: 1001 }, () => ({ sha256: 'a'.repeat(64) }));
    expect((await send(platform.key, 'POST', '/v1/monitor/batch', { items: many })).status).toBe(400);
    expect((await send(platform.key, 'POST', '/v1/monitor/batch', { items: [{ sha256: 'a'.repeat(64), text: 'x' }] })).status).toBe(400);
  });

  it('delivers the matches to the webhook with a verifiable HMAC signature', async () => {
    const set = await send(platform.key, 'PUT', '/v1/monitor/webhook', { url: `${receiver.url}/hook` });
    expect(set.status).toBe(200);
    const { secret } = (await set.json()) as { secret: string };
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const copy = (await imageFingerprint(await alteredCopy(image))) as { phash: string; dhash: string };
    const items = [
      { ref: 'exact', sha256: createHash('sha256').update(image).digest('hex') },
      { ref: 'altered', imageHash: { phash: copy.phash, dhash: copy.dhash } },
      { ref: 'nothing', sha256: 'b'.repeat(64) },
      { ref: 'short', text: 'too short' },
    ];
    const sub = await send(platform.key, 'POST', '/v1/monitor/batch', { items });
    expect(sub.status).toBe(202);
    const batch = (await sub.json()) as { id: string };
    const got = await until('a delivery', async () => received.find((r) => r.path === '/hook'));
    const header = String(got.headers['x-cl-signature']);
    expect(header).toMatch(/^t=[0-9]+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(header, secret, got.body, Math.floor(Date.now() / 1000))).toBe(true);
    // Recomputed independently with node:crypto: HMAC-SHA256(secret, "<t>.<body>").
    const t = /t=([0-9]+)/.exec(header)![1]!;
    expect(createHmac('sha256', secret).update(`${t}.`).update(got.body).digest('hex')).toBe(/v1=([0-9a-f]+)/.exec(header)![1]);
    expect(verifyWebhookSignature(header, secret, Buffer.concat([got.body, Buffer.from(' ')]), Math.floor(Date.now() / 1000))).toBe(false);
    const payload = JSON.parse(got.body.toString('utf8')) as { type: string; batchId: string; results: { ref: string; matches?: { depositId: string; method: string }[]; error?: string }[] };
    expect(payload.type).toBe('monitor.batch.completed');
    expect(payload.batchId).toBe(batch.id);
    const byRef = new Map(payload.results.map((r) => [r.ref, r]));
    expect(byRef.get('exact')!.matches).toEqual([expect.objectContaining({ depositId, method: 'exact' })]);
    expect(byRef.get('altered')!.matches).toEqual([expect.objectContaining({ depositId, method: 'image-phash' })]);
    expect(byRef.get('nothing')!.matches).toEqual([]);
    expect(byRef.get('short')!.error).toMatch(/invalid_request/);
    const view = await until('delivered', async () => {
      const v = (await (await send(platform.key, 'GET', `/v1/monitor/batches/${batch.id}`)).json()) as { delivery: { status: string } };
      return v.delivery.status === 'delivered' ? v : undefined;
    });
    expect(view.delivery.status).toBe('delivered');
    expect((await send(owner.key, 'GET', `/v1/monitor/batches/${batch.id}`)).status).toBe(404);
  });

  it('a failing receiver is retried with back-off, then marked failed; deposits are not delayed meanwhile', async () => {
    await send(platform.key, 'PUT', '/v1/monitor/webhook', { url: `${receiver.url}/fail` });
    const sub = await send(platform.key, 'POST', '/v1/monitor/batch', { items: [{ sha256: createHash('sha256').update(image).digest('hex') }] });
    const batch = (await sub.json()) as { id: string };
    const times: number[] = [];
    let deposits = 0;
    type View = { delivery: { status: string; attempts: { status?: number }[] } };
    let final = undefined as View | undefined;
    while (final === undefined) {
      const t0 = Date.now();
      const d = await send(owner.key, 'POST', '/v1/deposits', { sha256: createHash('sha256').update(`x${deposits++}`).digest('hex') });
      expect(d.status).toBe(201);
      times.push(Date.now() - t0);
      const v = (await (await send(platform.key, 'GET', `/v1/monitor/batches/${batch.id}`)).json()) as View;
      if (v.delivery.status === 'failed') final = v;
      else await new Promise((r) => setTimeout(r, 50));
      if (deposits > 2000) throw new Error('the delivery never failed');
    }
    expect(final!.delivery.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
    const fails = received.filter((r) => r.path === '/fail').map((r) => r.at);
    expect(fails).toHaveLength(3);
    // Back-off 300 ms, then 600 ms (plus the receiver's 200 ms answer time).
    expect(fails[1]! - fails[0]!).toBeGreaterThanOrEqual(450);
    expect(fails[2]! - fails[1]!).toBeGreaterThanOrEqual(750);
    expect(deposits).toBeGreaterThan(3);
    // Deposits were answered while deliveries were failing: no deposit waited for a delivery.
    expect(Math.max(...times)).toBeLessThan(1_500);
  });

  it('webhook URLs follow the capture SSRF rules', async () => {
    const strict = await startTestService({ ADMIN_API_KEY: ADMIN });
    try {
      const p = await account(strict.url, ADMIN, { role: 'platform', kind: 'organisation' });
      for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.0.0.1/', 'http://[::1]/', 'file:///etc/passwd', 'http://169.254.169.254/latest']) {
        const res = await fetch(`${strict.url}/v1/monitor/webhook`, { method: 'PUT', headers: { ...auth(p.key), 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
        expect(res.status, url).toBe(400);
        expect(((await res.json()) as { code: string }).code).toBe('invalid_request');
      }
    } finally {
      await strict.stop();
    }
  });
});
