/**
 * Request rate limits (docs/LIMITS.md): the default sign-up and TSA budgets against a burst of
 * 200 requests from one address, the other budgets with small quotas, per-key independence,
 * RateLimit headers, TRUST_PROXY and RATE_LIMITS=false.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { TimeStampResp } from '@peculiar/asn1-tsp';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';
import { buildQuery } from '../../src/adapters/tsa/tokens.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';

const DEFAULTS = ConfigSchema.parse({});
const running: TestService[] = [];
async function service(env: Record<string, string> = {}): Promise<TestService> {
  const svc = await startTestService(env, { defaultLimits: true });
  running.push(svc);
  return svc;
}
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
  bytes: Uint8Array;
}

async function send(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  let body: Record<string, unknown> | undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body, bytes };
}

const signUp = (url: string, i: number, headers: Record<string, string> = {}) =>
  send(`${url}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name: `Burst ${i}`, email: `burst${i}-${randomBytes(4).toString('hex')}@example.com`, kind: 'individual' }),
  });

const depositJson = (url: string, key: string) =>
  send(`${url}/v1/deposits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sha256: createHash('sha256').update(randomBytes(8)).digest('hex') }),
  });

function upload(url: string, key: string, bytes: Uint8Array): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'work.bin');
  return send(`${url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
}

/** Parses `"name";q=1;w=2, …` (RateLimit-Policy) or `"name";r=1;t=2, …` (RateLimit) into name → parameters. */
function fields(header: string | null): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const item of (header ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name, ...params] = item.split(';');
    expect(name).toMatch(/^"[a-z][a-z0-9-]*"$/);
    out.set(name!.slice(1, -1), Object.fromEntries(params.map((p) => [p.split('=')[0]!, Number(p.split('=')[1])])));
  }
  return out;
}

function expectRateLimited(a: Answer, policy: string, windowSeconds: number): void {
  expect(a.status).toBe(429);
  expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(a.body?.code).toBe('rate_limited');
  expect(a.body?.policy).toBe(policy);
  const retry = a.headers.get('retry-after');
  expect(retry).toMatch(/^[1-9][0-9]*$/);
  expect(Number(retry)).toBeLessThanOrEqual(windowSeconds);
  expect(fields(a.headers.get('ratelimit')).get(policy)).toEqual({ r: 0, t: Number(retry) });
}

describe('default budgets against a burst from one address', () => {
  it('200 sign-ups: the allowance is served 201, the rest 429 rate_limited with Retry-After', async () => {
    const svc = await service();
    const allowance = DEFAULTS.RATE_SIGNUP_PER_IP!;
    expect(allowance.quota).toBeLessThan(200);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => signUp(svc.url, i)));
    const created = answers.filter((a) => a.status === 201);
    const limited = answers.filter((a) => a.status === 429);
    expect(created.length).toBe(allowance.quota);
    expect(limited.length).toBe(200 - allowance.quota);
    expect(new Set(created.map((a) => (a.body?.account as { id: string }).id)).size).toBe(allowance.quota);
    for (const a of limited) expectRateLimited(a, 'signup-ip', allowance.windowSeconds);
    for (const a of answers) expect(fields(a.headers.get('ratelimit-policy')).get('signup-ip')).toEqual({ q: allowance.quota, w: allowance.windowSeconds });
    // Each 201 took one unit: together they counted the allowance down to 0.
    const remaining = created.map((a) => fields(a.headers.get('ratelimit')).get('signup-ip')!.r!).sort((x, y) => x - y);
    expect(remaining).toEqual(Array.from({ length: allowance.quota }, (_, i) => i));
  }, 60_000);

  it('200 POST /v1/tsa: the allowance gets granted tokens, the rest 429 with Retry-After', async () => {
    const svc = await service();
    const allowance = DEFAULTS.RATE_TSA_PER_IP!;
    expect(allowance.quota).toBeLessThan(200);
    const query = buildQuery(createHash('sha256').update('a document').digest(), randomBytes(8));
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => send(`${svc.url}/v1/tsa`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: query })),
    );
    // The bucket refills at quota per window while the burst runs (one token a second by default).
    const refilled = Math.ceil(((Date.now() - started) / 1000) * (allowance.quota / allowance.windowSeconds));
    const served = answers.filter((a) => a.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(allowance.quota);
    expect(served.length).toBeLessThanOrEqual(allowance.quota + refilled);
    for (const a of served) {
      expect(a.headers.get('content-type')).toBe('application/timestamp-reply');
      expect(AsnConvert.parse(a.bytes, TimeStampResp).status.status).toBe(0); // granted
    }
    const limited = answers.filter((a) => a.status !== 200);
    expect(limited.length).toBe(200 - served.length);
    for (const a of limited) expectRateLimited(a, 'tsa-ip', allowance.windowSeconds);
  }, 60_000);

  it('health and metrics probes are never limited and carry no RateLimit fields', async () => {
    const svc = await service({ RATE_READ_PER_IP: '2/1m' });
    for (let i = 0; i < 5; i++) {
      const a = await send(`${svc.url}/healthz`);
      expect(a.status).toBe(200);
      expect(a.headers.get('ratelimit')).toBeNull();
    }
  });
});

describe('separate budgets', () => {
  it('verify, upload, write and read each have their own budget, announced in RateLimit headers', async () => {
    const svc = await service({
      RATE_VERIFY_PER_IP: '3/1m',
      RATE_UPLOAD_PER_KEY: '2/1m',
      RATE_WRITE_PER_KEY: '4/1m',
      RATE_READ_PER_IP: '1000/1m',
    });
    const { apiKey } = await createAccount(svc.url);
    const verify = () => send(`${svc.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"format":"nope"}' });
    const v = [await verify(), await verify(), await verify()];
    for (const a of v) {
      expect(a.status).not.toBe(429);
      expect(fields(a.headers.get('ratelimit-policy')).get('verify-ip')).toEqual({ q: 3, w: 60 });
    }
    expectRateLimited(await verify(), 'verify-ip', 60);

    // Uploads: two, then the third refused before anything is stored.
    const before = svc.ledger.treeSize;
    expect((await upload(svc.url, apiKey, randomBytes(1000))).status).toBe(201);
    const second = await upload(svc.url, apiKey, randomBytes(1000));
    expect(second.status).toBe(201);
    const policies = fields(second.headers.get('ratelimit-policy'));
    expect(policies.get('upload-key')).toEqual({ q: 2, w: 60 });
    expect(policies.has('upload-ip')).toBe(true);
    expect(fields(second.headers.get('ratelimit')).get('upload-key')?.r).toBe(0);
    expectRateLimited(await upload(svc.url, apiKey, randomBytes(1000)), 'upload-key', 60);
    expect(svc.ledger.treeSize).toBe(before + 2n);

    // Hash-only deposits are writes: a budget of their own, not spent by the uploads.
    for (let i = 0; i < 4; i++) expect((await depositJson(svc.url, apiKey)).status).toBe(201);
    expectRateLimited(await depositJson(svc.url, apiKey), 'write-key', 60);

    // Reads still go through, and say which budget they draw on.
    const read = await send(`${svc.url}/v1/log/checkpoint`);
    expect(read.status).toBe(200);
    expect(fields(read.headers.get('ratelimit-policy')).get('read-ip')).toEqual({ q: 1000, w: 60 });
  }, 60_000);

  it('per-key budgets are independent: one key over budget, another key from the same address still served', async () => {
    const svc = await service({ RATE_WRITE_PER_KEY: '3/1m', RATE_WRITE_PER_IP: '100/1m' });
    const a = await createAccount(svc.url);
    const b = await createAccount(svc.url);
    for (let i = 0; i < 3; i++) expect((await depositJson(svc.url, a.apiKey)).status).toBe(201);
    expectRateLimited(await depositJson(svc.url, a.apiKey), 'write-key', 60);
    for (let i = 0; i < 3; i++) {
      const ok = await depositJson(svc.url, b.apiKey);
      expect(ok.status).toBe(201);
      expect(fields(ok.headers.get('ratelimit')).get('write-key')?.r).toBe(2 - i);
    }
    expectRateLimited(await depositJson(svc.url, b.apiKey), 'write-key', 60);
    // An unknown key has a bucket too (the limiter does not authenticate): it is answered 401, not 429.
    expect((await depositJson(svc.url, 'clk_not-a-real-key')).status).toBe(401);
  }, 60_000);

  it('the per-IP budget bounds what fresh (even made-up) keys can do from one address', async () => {
    const svc = await service({ RATE_WRITE_PER_KEY: '100/1m', RATE_WRITE_PER_IP: '5/1m' });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await depositJson(svc.url, `clk_made-up-${i}`));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expectRateLimited(answers[5]!, 'write-ip', 60);
  });
});

describe('the client address', () => {
  it('ignores X-Forwarded-For unless TRUST_PROXY says whom to trust', async () => {
    const svc = await service({ RATE_SIGNUP_PER_IP: '2/1h' });
    const spoof = (i: number) => signUp(svc.url, i, { 'x-forwarded-for': `203.0.113.${i}` });
    expect((await spoof(1)).status).toBe(201);
    expect((await spoof(2)).status).toBe(201);
    expectRateLimited(await spoof(3), 'signup-ip', 3600);
  });

  it('with TRUST_PROXY=loopback each forwarded client has its own bucket', async () => {
    const svc = await service({ RATE_SIGNUP_PER_IP: '2/1h', TRUST_PROXY: 'loopback' });
    const from = (ip: string, i: number) => signUp(svc.url, i, { 'x-forwarded-for': ip });
    expect((await from('203.0.113.7', 1)).status).toBe(201);
    expect((await from('203.0.113.7', 2)).status).toBe(201);
    expectRateLimited(await from('203.0.113.7', 3), 'signup-ip', 3600);
    expect((await from('203.0.113.8', 4)).status).toBe(201);
    // IPv6 clients count by their /64.
    expect((await from('2001:db8:1:2::1', 5)).status).toBe(201);
    expect((await from('2001:db8:1:2:ffff::9', 6)).status).toBe(201);
    expectRateLimited(await from('2001:db8:1:2::abcd', 7), 'signup-ip', 3600);
    expect((await from('2001:db8:1:3::1', 8)).status).toBe(201);
  });
});

describe('RATE_LIMITS=false', () => {
  it('limits nothing and sends no RateLimit fields', async () => {
    const svc = await service({ RATE_LIMITS: 'false', RATE_SIGNUP_PER_IP: '1/1h' });
    for (let i = 0; i < 3; i++) {
      const a = await signUp(svc.url, i);
      expect(a.status).toBe(201);
      expect(a.headers.get('ratelimit-policy')).toBeNull();
    }
  });
});

describe('configuration', () => {
  it('parses <quota>/<window> with units, off, and names a bad value', () => {
    const c = ConfigSchema.parse({ RATE_TSA_PER_IP: '10/30s', RATE_READ_PER_IP: 'off', RATE_VERIFY_PER_KEY: '5/2d', TRUST_PROXY: '2' });
    expect(c.RATE_TSA_PER_IP).toEqual({ quota: 10, windowSeconds: 30 });
    expect(c.RATE_READ_PER_IP).toBeNull();
    expect(c.RATE_VERIFY_PER_KEY).toEqual({ quota: 5, windowSeconds: 172_800 });
    expect(c.TRUST_PROXY).toBe(2);
    const bad = ConfigSchema.safeParse({ RATE_SIGNUP_PER_IP: 'lots' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['RATE_SIGNUP_PER_IP']);
    expect(ConfigSchema.parse({}).TRUST_PROXY).toBe(false);
  });
});
