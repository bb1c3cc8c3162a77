/**
 * GET /v1/deposits/{id}/certificate (cached) and POST /v1/certificates (many at once): the same
 * bytes and headers as before, the same visibility, per-item not_found, 400 for bad bodies, and a
 * rate-limit cost of one unit per started 100 ids.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';

const ADMIN = 'admin-key-for-certificates-test';
const hex = () => randomBytes(32).toString('hex');

async function post(url: string, path: string, key: string | undefined, body: string, contentType = 'application/json') {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function get(url: string, path: string, key: string) {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function depositBatch(url: string, key: string, n: number): Promise<string[]> {
  const res = await post(url, '/v1/deposits/batch', key, JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ sha256: hex(), metadata: { title: `作品 ${i}` } })) }));
  expect(res.status).toBe(201);
  return (JSON.parse(res.text) as { deposits: { id: string }[] }).deposits.map((d) => d.id);
}

describe('certificates over HTTP', () => {
  let svc: TestService;
  let key: string;
  let other: string;

  beforeAll(async () => {
    svc = await startTestService({ ADMIN_API_KEY: ADMIN, TSA_MIN_INTERVAL_MS: '0' });
    key = (await createAccount(svc.url)).apiKey;
    other = (await createAccount(svc.url)).apiKey;
  });
  afterAll(async () => {
    await svc.stop();
  });

  it('POST /v1/certificates answers each certificate byte for byte as the single route does, in the order of ids', async () => {
    const mine = [...(await depositBatch(svc.url, key, 30)), ...(await depositBatch(svc.url, key, 5))];
    const [theirs] = await depositBatch(svc.url, other, 1);
    const unknown = 'dep_' + 'a'.repeat(20);
    const ids = [mine[7]!, theirs!, ...mine, unknown, mine[7]!];
    // The single route, first (built) and again (cached): same bytes, same headers as before.
    const single = new Map<string, string>();
    for (const id of mine) {
      const a = await get(svc.url, `/v1/deposits/${id}/certificate`, key);
      expect(a.status).toBe(200);
      expect(a.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(a.headers.get('content-disposition')).toBe(`attachment; filename="${id}.certificate.json"`);
      const b = await get(svc.url, `/v1/deposits/${id}/certificate`, key);
      // A token may have arrived in between (TSA_MIN_INTERVAL_MS=0): then the second is the stamped one.
      if (a.text !== b.text) expect((JSON.parse(a.text) as { timestamp?: unknown }).timestamp).toBeUndefined();
      single.set(id, b.text);
    }
    // Wait until every certificate carries its token, so both routes see the same final bytes.
    const deadline = Date.now() + 30_000;
    for (const id of mine) {
      for (;;) {
        const t = (await get(svc.url, `/v1/deposits/${id}/certificate`, key)).text;
        single.set(id, t);
        if ((JSON.parse(t) as { timestamp?: unknown }).timestamp !== undefined) break;
        if (Date.now() > deadline) throw new Error(`no timestamp for ${id}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const res = await post(svc.url, '/v1/certificates', key, JSON.stringify({ ids }));
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const notFound = (id: string) => JSON.stringify({ id, error: { code: 'not_found', title: 'No such deposit, or not yours' } });
    const expected = `{"certificates":[${ids.map((id) => single.get(id) ?? notFound(id)).join(',')}]}`;
    expect(res.text).toBe(expected);
    // The other account's deposit is not found for us, and found by its owner and by an admin.
    const theirsSingle = await get(svc.url, `/v1/deposits/${theirs}/certificate`, other);
    for (const k of [other, ADMIN]) {
      const r = await post(svc.url, '/v1/certificates', k, JSON.stringify({ ids: [theirs] }));
      expect(JSON.parse(r.text)).toEqual({ certificates: [JSON.parse(theirsSingle.text)] });
    }
    expect((await get(svc.url, `/v1/deposits/${theirs}/certificate`, key)).status).toBe(404);
  });

  it('bad requests: 400 for over 1,000 ids, a bad id, an empty list or malformed JSON; 401 without a key; 415 for other media types', async () => {
    const many = Array.from({ length: 1001 }, () => 'dep_' + randomBytes(10).toString('hex'));
    const cases: [string, number, string | undefined][] = [
      [JSON.stringify({ ids: many }), 400, 'ids'],
      [JSON.stringify({ ids: ['dep_00000000000000000000', 'nope'] }), 400, 'ids.1'],
      [JSON.stringify({ ids: [] }), 400, 'ids'],
      [JSON.stringify({ ids: ['dep_00000000000000000000'], more: 1 }), 400, 'more'],
      [JSON.stringify(['dep_00000000000000000000']), 400, undefined],
      ['{"ids": [', 400, undefined],
    ];
    for (const [body, status, field] of cases) {
      const r = await post(svc.url, '/v1/certificates', key, body);
      expect(r.status, body.slice(0, 60)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const p = JSON.parse(r.text) as { code: string; field?: string };
      expect(p.code).toBe('invalid_request');
      if (field !== undefined) expect(p.field).toBe(field);
    }
    const ok = Array.from({ length: 1000 }, () => 'dep_' + randomBytes(10).toString('hex'));
    const r = await post(svc.url, '/v1/certificates', key, JSON.stringify({ ids: ok }));
    expect(r.status).toBe(200);
    expect((JSON.parse(r.text) as { certificates: unknown[] }).certificates).toHaveLength(1000);
    expect((await post(svc.url, '/v1/certificates', undefined, JSON.stringify({ ids: ok.slice(0, 1) }))).status).toBe(401);
    expect((await post(svc.url, '/v1/certificates', key, 'ids=1', 'application/x-www-form-urlencoded')).status).toBe(415);
  });
});

describe('POST /v1/certificates and the read budget', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ RATE_READ_PER_IP: '1000000/1s', RATE_READ_PER_KEY: '25/1h', RATE_WRITE_PER_IP: '1000000/1s', RATE_WRITE_PER_KEY: '1000000/1s' });
  });
  afterAll(async () => {
    await svc.stop();
  });

  it('costs one unit per started 100 ids; over budget: 429 rate_limited with Retry-After', async () => {
    const { apiKey } = await createAccount(svc.url);
    const ids = (n: number) => Array.from({ length: n }, () => 'dep_' + randomBytes(10).toString('hex'));
    const a = await post(svc.url, '/v1/certificates', apiKey, JSON.stringify({ ids: ids(1000) })); // 10 units
    expect(a.status).toBe(200);
    expect(a.headers.get('ratelimit')).toMatch(/"read-key";r=24/); // the header shows the first unit only
    const b = await post(svc.url, '/v1/certificates', apiKey, JSON.stringify({ ids: ids(1) })); // 1 unit
    expect(b.status).toBe(200);
    const c = await post(svc.url, '/v1/certificates', apiKey, JSON.stringify({ ids: ids(1000) })); // 10 units: 13 left before it
    expect(c.status).toBe(200);
    const d = await post(svc.url, '/v1/certificates', apiKey, JSON.stringify({ ids: ids(500) })); // 5 units: 3 left
    expect(d.status).toBe(429);
    expect(d.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((JSON.parse(d.text) as { code: string }).code).toBe('rate_limited');
  });
});
