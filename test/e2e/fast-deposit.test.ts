/**
 * Hash-only JSON deposits are answered in front of express (src/adapters/http/fast-deposit.ts).
 * Each case here is sent twice: to `/v1/deposits`, which the fast path takes, and to
 * `/v1/deposits/`, which express routes to the same route handler (routes ignore a trailing
 * slash). Both answers must be the same: status, every header name in the same order, every
 * header value that does not name this one request, the body; and the access-log line. That
 * express did not see the first and did see the second is checked by counting express's handle.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/logging.js';
import { ConfigSchema } from '../../src/config.js';
import { startService, type Service } from '../../src/server.js';
import { createAccount, tempDir } from '../support/service.js';
import { GENEROUS_LIMITS } from '../support/limits.js';

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

/** One request over a fresh connection, headers as sent (names and order kept). */
function send(url: string, path: string, headers: Record<string, string>, body: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Header values that name this one request or this moment. */
const PER_REQUEST = new Set(['date', 'x-request-id', 'location', 'content-length', 'ratelimit', 'connection', 'keep-alive']);

function comparable(a: Answer) {
  let body: unknown = a.body;
  try {
    body = JSON.parse(a.body);
  } catch {
    // not JSON: compared as text
  }
  const o = body as Record<string, unknown> | null;
  if (o !== null && typeof o === 'object') for (const k of ['id', 'index', 'receivedAt', 'block', 'certificateUrl', 'sha256']) if (k in o) o[k] = typeof o[k];
  return {
    status: a.status,
    names: a.headers.map(([n]) => n),
    values: a.headers.filter(([n]) => !PER_REQUEST.has(n)),
    body: o,
  };
}

const hex = () => randomBytes(32).toString('hex');

describe('hash-only deposits in front of express', () => {
  let svc: Service;
  let dir: { path: string; remove: () => Promise<void> };
  let apiKey: string;
  const lines: string[] = [];
  let handled = 0;
  // express.application carries `handle`, which express's types do not declare.
  const application = express.application as unknown as { handle: (...args: unknown[]) => unknown };
  const original = application.handle;

  beforeAll(async () => {
    // Every request express sees goes through app.handle (copied onto each app when it is made).
    application.handle = function (this: unknown, ...args: unknown[]) {
      handled++;
      return original.apply(this, args);
    };
    dir = await tempDir();
    const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'info', ...GENEROUS_LIMITS, RATE_WRITE_PER_IP: 'off', RATE_WRITE_PER_KEY: '3/1h' });
    svc = await startService(config, createLogger('info', { write: (s: string) => void lines.push(s) }));
    apiKey = await fresh();
  }, 60_000);

  afterAll(async () => {
    application.handle = original;
    await svc?.close();
    await dir?.remove();
  });

  /** Sends to both paths (a fresh account each time, so rate budgets match) and returns [fast, express]. */
  async function both(headers: (key: string) => Record<string, string>, body: string | Buffer | (() => string)): Promise<[Answer, Answer]> {
    const out: Answer[] = [];
    for (const path of ['/v1/deposits', '/v1/deposits/']) {
      const { apiKey: key } = await createAccount(svc.url);
      const before = handled;
      out.push(await send(svc.url, path, headers(key), typeof body === 'function' ? body() : body));
      expect(handled - before, `express handled ${path}`).toBe(path === '/v1/deposits' ? 0 : 1);
    }
    return [out[0]!, out[1]!];
  }

  /** A fresh account's key: every test stays inside its own write budget (3 an hour here). */
  const fresh = async () => (await createAccount(svc.url)).apiKey;

  const json = (key: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}`, ...extra });

  it('answers a deposit with the same status, headers, body and access-log line as express', async () => {
    const [fast, slow] = await both((k) => json(k), () => JSON.stringify({ sha256: hex() }));
    expect(fast.status).toBe(201);
    expect(comparable(fast)).toEqual(comparable(slow));
    const h = new Map(fast.headers);
    expect(h.get('content-type')).toBe('application/json; charset=utf-8');
    expect(h.get('cache-control')).toBe('no-store');
    expect(h.get('ratelimit-policy')).toBe('"write-key";q=3;w=3600');
    expect(h.get('ratelimit')).toBe('"write-key";r=2;t=1200');
    const view = JSON.parse(fast.body) as { id: string };
    expect(h.get('location')).toBe(`/v1/deposits/${view.id}`);
    expect(Number(h.get('content-length'))).toBe(Buffer.byteLength(fast.body));
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reqId === h.get('x-request-id'));
    expect(line).toMatchObject({ msg: 'request', method: 'POST', route: '/v1/deposits', status: 201 });
    expect(typeof line?.account).toBe('string');
    expect(line?.ms).toBeGreaterThanOrEqual(0);
  });

  it('takes a charset, uppercase hex, metadata and size the same way (and stores what it answered)', async () => {
    const body = () => JSON.stringify({ sha256: hex().toUpperCase(), size: 12, metadata: { title: 'Ünïcode work' } });
    const [fast, slow] = await both((k) => json(k, { 'content-type': 'application/json; charset=UTF-8' }), body);
    expect(fast.status).toBe(201);
    expect(comparable(fast)).toEqual(comparable(slow));
    const view = JSON.parse(fast.body) as { id: string; sha256: string; size: number };
    expect(view.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(view.size).toBe(12);
    const got = await fetch(`${svc.url}/v1/deposits/${view.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(got.status).toBe(404); // another account's deposit: the fast path stored it under its own
  });

  it('keeps the idempotency contract on both paths, and across them', async () => {
    const key = `k-${randomBytes(6).toString('hex')}`;
    const apiKey = await fresh();
    const sha256 = hex();
    const first = await send(svc.url, '/v1/deposits', json(apiKey, { 'idempotency-key': key }), JSON.stringify({ sha256 }));
    const again = await send(svc.url, '/v1/deposits', json(apiKey, { 'idempotency-key': key }), JSON.stringify({ sha256 }));
    const viaExpress = await send(svc.url, '/v1/deposits/', json(apiKey, { 'idempotency-key': key }), JSON.stringify({ sha256 }));
    expect([first.status, again.status, viaExpress.status]).toEqual([201, 200, 200]);
    const id = (JSON.parse(first.body) as { id: string }).id;
    expect((JSON.parse(again.body) as { id: string }).id).toBe(id);
    expect((JSON.parse(viaExpress.body) as { id: string }).id).toBe(id);
    expect(comparable(again)).toEqual(comparable(viaExpress));
    const owner = await fetch(`${svc.url}/v1/deposits/${id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(((await owner.json()) as { id: string }).id).toBe(id);
  });

  const bad: [string, (k: string) => Record<string, string>, string | Buffer, number, string][] = [
    ['a bad hash', (k) => json(k), '{"sha256":"xyz"}', 400, 'invalid_request'],
    ['an unknown member', (k) => json(k), `{"sha256":"${'a'.repeat(64)}","x":1}`, 400, 'invalid_request'],
    ['invalid JSON', (k) => json(k), '{"sha256":', 400, 'invalid_request'],
    ['a JSON string (strict)', (k) => json(k), ' "abc"', 400, 'invalid_request'],
    ['only whitespace', (k) => json(k), '   ', 400, 'invalid_request'],
    ['an empty body', (k) => json(k), '', 400, 'invalid_request'],
    ['an array', (k) => json(k), '[]', 400, 'invalid_request'],
    ['a "__proto__" member', (k) => json(k), `{"sha256":"${'a'.repeat(64)}","metadata":{"__proto__":{"x":1}}}`, 400, 'invalid_request'],
    ['a bad Idempotency-Key', (k) => json(k, { 'idempotency-key': 'a\u00e9' }), `{"sha256":"${'a'.repeat(64)}"}`, 400, 'invalid_request'],
    ['an unknown key', () => json('clk_' + 'x'.repeat(40)), `{"sha256":"${'a'.repeat(64)}"}`, 401, 'unauthorized'],
    ['reserved metadata', (k) => json(k), `{"sha256":"${'a'.repeat(64)}","metadata":{"salt":"x"}}`, 400, 'invalid_request'],
  ];
  for (const [what, headers, body, status, code] of bad) {
    it(`answers ${what} with the same problem`, async () => {
      const [fast, slow] = await both(headers, body);
      expect(fast.status).toBe(status);
      expect((JSON.parse(fast.body) as { code: string }).code).toBe(code);
      expect(new Map(fast.headers).get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(comparable(fast)).toEqual(comparable(slow));
    });
  }

  it('drops a UTF-8 byte order mark as body-parser does', async () => {
    const body = () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ sha256: hex() }))]);
    const out: Answer[] = [];
    for (const path of ['/v1/deposits', '/v1/deposits/']) out.push(await send(svc.url, path, json(await fresh()), body()));
    expect(out.map((a) => a.status)).toEqual([201, 201]);
  });

  it('keeps a sane incoming X-Request-Id and logs it', async () => {
    const res = await send(svc.url, '/v1/deposits', json(await fresh(), { 'x-request-id': 'trace-123.abc' }), JSON.stringify({ sha256: hex() }));
    expect(new Map(res.headers).get('x-request-id')).toBe('trace-123.abc');
    expect(lines.some((l) => (JSON.parse(l) as { reqId?: string }).reqId === 'trace-123.abc')).toBe(true);
  });

  it('refuses over the key budget with the same 429, logged as unmatched, before reading the body', async () => {
    const out: Answer[] = [];
    for (const path of ['/v1/deposits', '/v1/deposits/']) {
      const key = await fresh();
      for (let i = 0; i < 3; i++) expect((await send(svc.url, path, json(key), JSON.stringify({ sha256: hex() }))).status).toBe(201);
      out.push(await send(svc.url, path, json(key), JSON.stringify({ sha256: hex() })));
    }
    const [fast, slow] = out as [Answer, Answer];
    expect(fast.status).toBe(429);
    const h = new Map(fast.headers);
    expect(h.get('retry-after')).toMatch(/^\d+$/);
    expect(h.get('ratelimit')).toMatch(/^"write-key";r=0;t=\d+$/);
    expect(comparable(fast)).toEqual(comparable(slow));
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reqId === h.get('x-request-id'));
    expect(line).toMatchObject({ route: 'unmatched', status: 429 });
  });

  it('leaves other forms to express: multipart, gzip, chunked, a session cookie, another path', async () => {
    const cases: [string, (key: string) => Record<string, string>][] = [
      ['/v1/deposits', (k) => ({ 'content-type': 'multipart/form-data; boundary=x', authorization: `Bearer ${k}` })],
      ['/v1/deposits', (k) => ({ ...json(k), 'content-encoding': 'gzip' })],
      ['/v1/deposits', () => ({ 'content-type': 'application/json' })],
      ['/v1/deposits', (k) => ({ ...json(k), authorization: `Basic ${k}` })],
      ['/v1/deposits?x=1', (k) => json(k)],
      ['/V1/deposits', (k) => json(k)],
      ['/v1/deposits', (k) => ({ 'content-type': 'text/plain', authorization: `Bearer ${k}` })],
    ];
    for (const [path, make] of cases) {
      const headers = make(await fresh());
      const before = handled;
      const res = await send(svc.url, path, headers, 'x');
      expect(handled - before, `${path} ${JSON.stringify(headers)}`).toBe(1);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });
  it('answers a revoked key the same 401 as express, also right after the key was used (in the auth cache)', async () => {
    const out: Answer[] = [];
    for (const path of ['/v1/deposits', '/v1/deposits/']) {
      const { apiKey: owner } = await createAccount(svc.url);
      const made = await fetch(`${svc.url}/v1/accounts/me/keys`, { method: 'POST', headers: { authorization: `Bearer ${owner}` } });
      expect(made.status).toBe(201);
      const { key, apiKey: second } = (await made.json()) as { key: { id: string }; apiKey: string };
      expect((await send(svc.url, path, json(second), JSON.stringify({ sha256: hex() }))).status).toBe(201);
      const revoked = await fetch(`${svc.url}/v1/accounts/me/keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${owner}` } });
      expect(revoked.status).toBe(204);
      out.push(await send(svc.url, path, json(second), JSON.stringify({ sha256: hex() })));
    }
    expect(out[0]!.status).toBe(401);
    expect(comparable(out[0]!)).toEqual(comparable(out[1]!));
  });

  it('answers Authorization and Content-Type variants the same on both paths, whichever takes them', async () => {
    const variants: ((k: string) => Record<string, string>)[] = [
      (k) => ({ 'content-type': 'application/json', authorization: `bearer ${k}` }),
      (k) => ({ 'content-type': 'application/json', authorization: `Bearer  ${k}` }),
      (k) => ({ 'content-type': 'application/json', authorization: `Bearer ${k} ` }),
      (k) => ({ 'content-type': 'application/json; foo=bar', authorization: `Bearer ${k}` }),
      (k) => ({ 'content-type': 'application/json;charset=utf-8', authorization: `Bearer ${k}` }),
      (k) => ({ 'content-type': 'APPLICATION/JSON', authorization: `Bearer ${k}` }),
    ];
    for (const make of variants) {
      const answers: Answer[] = [];
      for (const path of ['/v1/deposits', '/v1/deposits/']) answers.push(await send(svc.url, path, make(await fresh()), JSON.stringify({ sha256: hex() })));
      expect(comparable(answers[0]!), JSON.stringify(make('<key>'))).toEqual(comparable(answers[1]!));
    }
  });
});

describe('hash-only deposits over the per-IP budget', () => {
  let svc: Service;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    dir = await tempDir();
    const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'silent', ...GENEROUS_LIMITS, RATE_WRITE_PER_IP: '2/1h', RATE_WRITE_PER_KEY: '100/1h' });
    svc = await startService(config);
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    await dir?.remove();
  });

  it('refuses with the same 429 naming the address, and names only the IP bucket', async () => {
    const { apiKey } = await createAccount(svc.url);
    const json = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
    const ok = await send(svc.url, '/v1/deposits', json, JSON.stringify({ sha256: hex() }));
    expect(new Map(ok.headers).get('ratelimit-policy')).toBe('"write-ip";q=2;w=3600, "write-key";q=100;w=3600');
    expect((await send(svc.url, '/v1/deposits', json, JSON.stringify({ sha256: hex() }))).status).toBe(201);
    const fast = await send(svc.url, '/v1/deposits', json, JSON.stringify({ sha256: hex() }));
    const slow = await send(svc.url, '/v1/deposits/', json, JSON.stringify({ sha256: hex() }));
    expect(fast.status).toBe(429);
    const h = new Map(fast.headers);
    expect(h.get('ratelimit-policy')).toBe('"write-ip";q=2;w=3600');
    expect((JSON.parse(fast.body) as { detail: string }).detail).toMatch(/from this address/);
    expect(comparable(fast)).toEqual(comparable(slow));
  });
});
