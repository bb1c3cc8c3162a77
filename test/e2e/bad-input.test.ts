/**
 * Bad input (CONTRACTS.md §2.3, §3, §4, §6): every bad request gets a 4xx RFC 9457
 * `application/problem+json` with type, title, status, detail and the right `code`, never a
 * 5xx, and leaves the log exactly as it was (tree size and block height unchanged).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { expectProblem, send, type Json, type Req } from '../support/problem.js';

const hex64 = () => randomBytes(32).toString('hex');

describe('bad input', () => {
  let svc: TestService;
  let url: string;
  let key: string;
  let keyB: string;
  let depositOfB: string;
  let size: number;
  let height: number;
  const ADMIN_KEY = 'admin-key-for-bad-input-tests-0123456789';

  const latest = async (): Promise<{ treeSize: number; height: number }> => {
    const r = await send(url, { path: '/v1/blocks/latest' });
    expect(r.status).toBe(200);
    const b = r.json as { treeSize: number; height: number };
    return { treeSize: b.treeSize, height: b.height };
  };

  /** Sends `r`, checks the problem, and checks the log did not move. */
  async function rejects(r: Req, status: number, code: string): Promise<Json> {
    const reply = await send(url, r);
    const p = expectProblem(reply, status, code);
    const now = await latest();
    expect(now, `${r.method ?? ''} ${r.path} changed the log`).toEqual({ treeSize: size, height });
    return p;
  }

  beforeAll(async () => {
    svc = await startTestService({ ADMIN_API_KEY: ADMIN_KEY });
    url = svc.url;
    key = (await createAccount(url)).apiKey;
    keyB = (await createAccount(url)).apiKey;
    for (let i = 0; i < 3; i++) {
      const r = await send(url, { path: '/v1/deposits', key, body: { sha256: hex64() } });
      expect(r.status).toBe(201);
    }
    const b = await send(url, { path: '/v1/deposits', key: keyB, body: { sha256: hex64() } });
    expect(b.status).toBe(201);
    depositOfB = (b.json as { id: string }).id;
    ({ treeSize: size, height } = await latest());
    expect(size).toBe(4);
  });

  afterAll(async () => {
    await svc?.stop();
  });

  // ---- POST /v1/deposits --------------------------------------------------------------------

  describe('POST /v1/deposits', () => {
    it('malformed JSON → 400 invalid_request', async () => {
      await rejects({ path: '/v1/deposits', key, raw: '{"sha256":' }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits', key, raw: "{'sha256':'ab'}" }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits', key, raw: '' }, 400, 'invalid_request');
    });

    it('wrong content type → 415 unsupported_media_type', async () => {
      const body = JSON.stringify({ sha256: hex64() });
      await rejects({ path: '/v1/deposits', key, raw: body, contentType: 'text/plain' }, 415, 'unsupported_media_type');
      await rejects({ path: '/v1/deposits', key, raw: body, contentType: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type');
      await rejects({ path: '/v1/deposits', key, raw: body, contentType: 'application/json; charset=latin1' }, 415, 'unsupported_media_type');
    });

    it.each([
      ['sha256 of 63 hex', { sha256: 'a'.repeat(63) }],
      ['sha256 of 65 hex', { sha256: 'a'.repeat(65) }],
      ['sha256 of 128 hex', { sha256: 'a'.repeat(128) }],
      ['sha256 not hex', { sha256: 'g'.repeat(64) }],
      ['sha256 with a space', { sha256: ' ' + 'a'.repeat(63) }],
      ['sha256 as a number', { sha256: 12345 }],
      ['sha256 missing', { size: 3 }],
      ['sm3 of 63 hex', { sha256: 'a'.repeat(64), sm3: 'b'.repeat(63) }],
      ['sm3 not hex', { sha256: 'a'.repeat(64), sm3: 'z'.repeat(64) }],
      ['sm3 null', { sha256: 'a'.repeat(64), sm3: null }],
      ['negative size', { sha256: 'a'.repeat(64), size: -1 }],
      ['float size', { sha256: 'a'.repeat(64), size: 1.5 }],
      ['size as a string', { sha256: 'a'.repeat(64), size: '10' }],
      ['size beyond 2^53', { sha256: 'a'.repeat(64), size: 2 ** 53 }],
      ['metadata an array', { sha256: 'a'.repeat(64), metadata: [1, 2] }],
      ['metadata a string', { sha256: 'a'.repeat(64), metadata: '{"a":1}' }],
      ['metadata a number', { sha256: 'a'.repeat(64), metadata: 5 }],
      ['metadata null', { sha256: 'a'.repeat(64), metadata: null }],
      ['metadata with salt', { sha256: 'a'.repeat(64), metadata: { title: 'x', salt: '00' } }],
      ['an unknown field', { sha256: 'a'.repeat(64), title: 'My Work' }],
      ['externalId on a single deposit', { sha256: 'a'.repeat(64), externalId: 'x' }],
      ['an array body', [{ sha256: 'a'.repeat(64) }]],
    ])('%s → 400 invalid_request', async (_name, body) => {
      await rejects({ path: '/v1/deposits', key, body }, 400, 'invalid_request');
    });

    it('names the bad field in the problem', async () => {
      expect((await rejects({ path: '/v1/deposits', key, body: { sha256: 'xyz' } }, 400, 'invalid_request')).detail).toMatch(/sha256/);
      expect((await rejects({ path: '/v1/deposits', key, body: { sha256: hex64(), size: -1 } }, 400, 'invalid_request')).detail).toMatch(/size/);
      expect((await rejects({ path: '/v1/deposits', key, body: { sha256: hex64(), metadata: { salt: 'a' } } }, 400, 'invalid_request')).detail).toMatch(/salt/);
    });

    it('metadata JSON cannot represent canonically (number overflowing to Infinity) → 400', async () => {
      await rejects({ path: '/v1/deposits', key, raw: `{"sha256":"${hex64()}","metadata":{"n":1e400}}` }, 400, 'invalid_request');
    });

    it.each([
      ['top level', '{"__proto__":{"title":"hidden"},"b":2}', (md: Json) => Object.keys(md).sort(), ['__proto__', 'b', 'salt']],
      [
        'inside an author',
        '{"authors":[{"name":"A","__proto__":{"x":1}}]}',
        (md: Json) => Object.keys((md.authors as Json[])[0]!).sort(),
        ['__proto__', 'name'],
      ],
    ])('a "__proto__" metadata member (%s) is rejected, never silently dropped from the hashed metadata', async (_where, metadata, keysOf, expected) => {
      const r = await send(url, { path: '/v1/deposits', key, raw: `{"sha256":"${hex64()}","metadata":${metadata}}` });
      expect(r.status, r.text).toBeLessThan(500);
      if (r.status === 201) {
        // Accepted: then the certificate's metadata (what metaSha256 covers) must still hold it.
        ({ treeSize: size, height } = await latest()); // a legitimate new entry: later checks start from here
        const id = (r.json as { id: string }).id;
        const cert = await send(url, { path: `/v1/deposits/${id}/certificate`, key });
        const md = (cert.json as { work: { metadata: Json } }).work.metadata;
        expect(keysOf(md), 'the depositor\'s "__proto__" member vanished from the committed metadata').toEqual(expected);
      } else {
        expectProblem(r, 400, 'invalid_request');
        expect(await latest()).toEqual({ treeSize: size, height });
      }
    });

    it('strings JCS cannot encode (lone surrogate) and nesting too deep → 400', async () => {
      await rejects({ path: '/v1/deposits', key, raw: `{"sha256":"${hex64()}","metadata":{"t":"\\ud800"}}` }, 400, 'invalid_request');
      const deep = '['.repeat(5000) + ']'.repeat(5000);
      await rejects({ path: '/v1/deposits', key, raw: `{"sha256":"${hex64()}","metadata":{"t":${deep}}}` }, 400, 'invalid_request');
    });

    it('a broken or unknown Content-Encoding → 400 / 415', async () => {
      const body = JSON.stringify({ sha256: hex64() });
      await rejects({ path: '/v1/deposits', key, raw: 'garbage', headers: { 'content-encoding': 'gzip' } }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits', key, raw: body, headers: { 'content-encoding': 'x-unknown' } }, 415, 'unsupported_media_type');
    });

    it('an over-long Idempotency-Key → 400', async () => {
      await rejects({ path: '/v1/deposits', key, body: { sha256: hex64() }, headers: { 'Idempotency-Key': 'k'.repeat(256) } }, 400, 'invalid_request');
    });

    it('an oversized body → 413 payload_too_large', async () => {
      const body = { sha256: hex64(), metadata: { blob: 'x'.repeat(300 * 1024) } };
      await rejects({ path: '/v1/deposits', key, body }, 413, 'payload_too_large');
    });
  });

  // ---- POST /v1/deposits/batch ----------------------------------------------------------------

  describe('POST /v1/deposits/batch', () => {
    const good = () => ({ sha256: hex64() });

    it('10,001 items → 400 invalid_request', async () => {
      const items = Array.from({ length: 10_001 }, good);
      expect((await rejects({ path: '/v1/deposits/batch', key, body: { items } }, 400, 'invalid_request')).detail).toMatch(/items/);
    });

    it('empty or missing items → 400 invalid_request', async () => {
      await rejects({ path: '/v1/deposits/batch', key, body: { items: [] } }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits/batch', key, body: {} }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits/batch', key, body: { items: good() } }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits/batch', key, body: [good()] }, 400, 'invalid_request');
    });

    it.each([
      ['a bad sha256', { sha256: 'nothex' }],
      ['a bad sm3', { sha256: 'a'.repeat(64), sm3: 'a'.repeat(10) }],
      ['a negative size', { sha256: 'a'.repeat(64), size: -5 }],
      ['metadata with salt', { sha256: 'a'.repeat(64), metadata: { salt: 'mine' } }],
      ['metadata not an object', { sha256: 'a'.repeat(64), metadata: 'x' }],
      ['an unknown field', { sha256: 'a'.repeat(64), name: 'Ada' }],
      ['an empty externalId', { sha256: 'a'.repeat(64), externalId: '' }],
      ['a non-string externalId', { sha256: 'a'.repeat(64), externalId: 7 }],
      ['an externalId with a lone surrogate', { sha256: 'a'.repeat(64), externalId: 'a\uD800' }],
    ])('ONE item with %s rejects the whole batch, nothing written', async (_name, bad) => {
      const items = [good(), good(), good(), bad, good()];
      await rejects({ path: '/v1/deposits/batch', key, body: { items } }, 400, 'invalid_request');
    });

    it('malformed JSON → 400, wrong content type → 415', async () => {
      await rejects({ path: '/v1/deposits/batch', key, raw: '{"items":[{"sha256":"aa"}' }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits/batch', key, raw: JSON.stringify({ items: [good()] }), contentType: 'text/csv' }, 415, 'unsupported_media_type');
    });

    it('an oversized body (> 32 MB) → 413 payload_too_large', async () => {
      const big = 'y'.repeat(1024 * 1024);
      const items = Array.from({ length: 33 }, () => ({ sha256: hex64(), metadata: { big } }));
      await rejects({ path: '/v1/deposits/batch', key, body: { items } }, 413, 'payload_too_large');
    });
  });

  // ---- public log endpoints -----------------------------------------------------------------

  describe('proof parameters', () => {
    /** N = the current tree size. */
    const sized = (q: string) => q.replace('N+1', String(size + 1)).replace('N', String(size));

    it.each([
      ['index=-1'],
      ['index=99999999999999999999'],
      ['index=9007199254740992'],
      ['index=abc'],
      ['index=1e3'],
      ['index=01'],
      ['index=1.0'],
      ['index=+1'],
      ['index=0x1'],
      ['index='],
      [''],
      ['index=N'],
      ['index=N+1'],
      ['index=0&treeSize=N+1'],
      ['index=0&treeSize=99999999999999999999'],
      ['index=0&treeSize=0'],
      ['index=2&treeSize=2'],
      ['index=0&treeSize=-1'],
      ['index=0&treeSize=1e3'],
      ['index=0&treeSize=01'],
      ['index=0&index=1'],
      ['index=0&foo=1'],
    ])('inclusion ?%s → 400 invalid_request', async (q) => {
      await rejects({ path: `/v1/log/proof/inclusion?${sized(q)}` }, 400, 'invalid_request');
    });

    it.each([
      ['from=-1&to=2'],
      ['from=1&to=-2'],
      ['from=0&to=99999999999999999999'],
      ['from=99999999999999999999&to=1'],
      ['from=abc&to=2'],
      ['from=1e3&to=2'],
      ['from=01&to=2'],
      ['from=1&to=02'],
      ['from=1&to=N+1'],
      ['from=3&to=2'],
      ['from=1'],
      ['to=2'],
      [''],
      ['from=1&to=2&to=3'],
    ])('consistency ?%s → 400 invalid_request', async (q) => {
      await rejects({ path: `/v1/log/proof/consistency?${sized(q)}` }, 400, 'invalid_request');
    });

    it('valid edge parameters are answered (not rejected)', async () => {
      expect((await send(url, { path: `/v1/log/proof/inclusion?index=3&treeSize=4` })).status).toBe(200);
      expect((await send(url, { path: `/v1/log/proof/consistency?from=4&to=4` })).status).toBe(200);
      expect((await send(url, { path: `/v1/log/proof/consistency?from=0&to=4` })).status).toBe(200);
    });
  });

  describe('entries and blocks', () => {
    it('an entry index past the tree → 404 not_found', async () => {
      await rejects({ path: `/v1/log/entries/${size}` }, 404, 'not_found');
      await rejects({ path: '/v1/log/entries/1000000' }, 404, 'not_found');
    });

    it.each(['-1', 'abc', '1e3', '01', '99999999999999999999', '1.5', '%20', '%ZZ'])('entry index %s → 400 invalid_request', async (i) => {
      await rejects({ path: `/v1/log/entries/${i}` }, 400, 'invalid_request');
    });

    it('a block height past the latest → 404 not_found', async () => {
      await rejects({ path: `/v1/blocks/${height + 1}` }, 404, 'not_found');
      await rejects({ path: '/v1/blocks/123456789' }, 404, 'not_found');
    });

    it.each(['-1', 'abc', '01', '99999999999999999999', 'latest2'])('block height %s → 400 invalid_request', async (h) => {
      await rejects({ path: `/v1/blocks/${h}` }, 400, 'invalid_request');
    });
  });

  // ---- auth and ownership ---------------------------------------------------------------------

  describe('authentication', () => {
    const routes = (id: string): Req[] => [
      { path: '/v1/deposits', body: { sha256: 'a'.repeat(64) } },
      { path: '/v1/deposits/batch', body: { items: [{ sha256: 'a'.repeat(64) }] } },
      { path: `/v1/deposits/${id}` },
      { path: `/v1/deposits/${id}/certificate` },
      { path: '/v1/accounts/me' },
    ];

    it('missing Authorization → 401 unauthorized', async () => {
      for (const r of routes(depositOfB)) await rejects(r, 401, 'unauthorized');
    });

    it('wrong or malformed API key → 401 unauthorized', async () => {
      for (const r of routes(depositOfB)) {
        await rejects({ ...r, key: 'clk_not-a-real-key' }, 401, 'unauthorized');
        await rejects({ ...r, key: key + 'x' }, 401, 'unauthorized');
        await rejects({ ...r, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }, 401, 'unauthorized');
        await rejects({ ...r, headers: { authorization: 'Bearer' } }, 401, 'unauthorized');
      }
    });

    it("another account's deposit → 404 not_found (and its owner sees it)", async () => {
      expect((await send(url, { path: `/v1/deposits/${depositOfB}`, key: keyB })).status).toBe(200);
      await rejects({ path: `/v1/deposits/${depositOfB}`, key }, 404, 'not_found');
      await rejects({ path: `/v1/deposits/${depositOfB}/certificate`, key }, 404, 'not_found');
    });

    it('an unknown deposit id → 404, a malformed one → 400 or 404', async () => {
      await rejects({ path: `/v1/deposits/dep_${'0'.repeat(20)}`, key }, 404, 'not_found');
      const r = await send(url, { path: '/v1/deposits/not-an-id', key });
      if (r.status === 404) expectProblem(r, 404, 'not_found');
      else expectProblem(r, 400, 'invalid_request');
    });
  });

  describe('routes and lookups', () => {
    it('an unknown route → 404 not_found', async () => {
      await rejects({ path: '/v1/nope' }, 404, 'not_found');
      await rejects({ path: '/v2/log/checkpoint' }, 404, 'not_found');
      await rejects({ method: 'DELETE', path: `/v1/deposits/${depositOfB}`, key: keyB }, 404, 'not_found');
      await rejects({ method: 'PUT', path: '/v1/log/checkpoint', raw: 'x', contentType: 'text/plain' }, 404, 'not_found');
    });

    it('prior-art lookup with a bad or missing sha256 → 400', async () => {
      await rejects({ path: '/v1/deposits?sha256=xyz' }, 400, 'invalid_request');
      await rejects({ path: `/v1/deposits?sha256=${'a'.repeat(63)}` }, 400, 'invalid_request');
      await rejects({ path: '/v1/deposits' }, 400, 'invalid_request');
      await rejects({ path: `/v1/deposits?sha256=${'a'.repeat(64)}&sha256=${'b'.repeat(64)}` }, 400, 'invalid_request');
    });
  });

  // ---- accounts -------------------------------------------------------------------------------

  describe('POST /v1/accounts', () => {
    const acct = (over: Json = {}) => ({ name: 'Bad Input', email: `b${randomBytes(6).toString('hex')}@example.com`, kind: 'individual', ...over });

    it.each([
      ['email', { email: 'not-an-email' }],
      ['email', { email: '' }],
      ['email', { email: 42 }],
      ['kind', { kind: 'robot' }],
      ['kind', { kind: undefined }],
      ['name', { name: '' }],
      ['name', { name: '   ' }],
      ['name', { name: 'n'.repeat(201) }],
      ['role', { role: 'superuser' }],
    ])('an invalid %s → 400 naming the field', async (field, over) => {
      const p = await rejects({ path: '/v1/accounts', body: acct(over) }, 400, 'invalid_request');
      expect(p.detail).toContain(field);
      if (p.field !== undefined) expect(p.field).toBe(field);
    });

    it('unknown fields, malformed JSON, wrong content type, oversized body', async () => {
      await rejects({ path: '/v1/accounts', body: acct({ password: 'x' }) }, 400, 'invalid_request');
      await rejects({ path: '/v1/accounts', raw: '{"name":"x",' }, 400, 'invalid_request');
      await rejects({ path: '/v1/accounts', raw: JSON.stringify(acct()), contentType: 'text/plain' }, 415, 'unsupported_media_type');
      await rejects({ path: '/v1/accounts', body: acct({ name: 'x'.repeat(300 * 1024) }) }, 413, 'payload_too_large');
    });

    it('a duplicate e-mail → 409 conflict (also in other letter case)', async () => {
      const email = `dup${randomBytes(6).toString('hex')}@example.com`;
      expect((await send(url, { path: '/v1/accounts', body: acct({ email }) })).status).toBe(201);
      await rejects({ path: '/v1/accounts', body: acct({ email }) }, 409, 'conflict');
      await rejects({ path: '/v1/accounts', body: acct({ email: email.toUpperCase() }) }, 409, 'conflict');
    });

    it('concurrent creations with one e-mail → exactly one 201, the others 409 conflict', async () => {
      // Three rounds of 10 racing requests: a check-then-write race shows up in at least one.
      for (let round = 0; round < 3; round++) {
        const email = `race${randomBytes(6).toString('hex')}@example.com`;
        const rs = await Promise.all(
          Array.from({ length: 10 }, (_, i) => send(url, { path: '/v1/accounts', body: acct({ email: i % 2 === 0 ? email : email.toUpperCase() }) })),
        );
        const created = rs.filter((r) => r.status === 201);
        expect(created.map((r) => (r.json as { account: { id: string } }).account.id), `round ${round}: accounts created for one e-mail`).toHaveLength(1);
        for (const r of rs.filter((r) => r.status !== 201)) expectProblem(r, 409, 'conflict');
      }
    });

    it('role admin without the admin key → 401 / 403; with it → 201', async () => {
      await rejects({ path: '/v1/accounts', body: acct({ role: 'admin' }) }, 401, 'unauthorized');
      await rejects({ path: '/v1/accounts', body: acct({ role: 'admin' }), key: 'clk_wrong' }, 401, 'unauthorized');
      await rejects({ path: '/v1/accounts', body: acct({ role: 'admin' }), key }, 403, 'forbidden');
      await rejects({ path: '/v1/accounts', body: acct({ role: 'platform' }), key }, 403, 'forbidden');
      const ok = await send(url, { path: '/v1/accounts', body: acct({ role: 'admin' }), key: ADMIN_KEY });
      expect(ok.status, ok.text).toBe(201);
      expect((ok.json as { account: { role: string } }).account.role).toBe('admin');
    });
  });

  // ---- POST /v1/verify ----------------------------------------------------------------------

  describe('POST /v1/verify with garbage', () => {
    const deep = (n: number): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = { a: v };
      return v;
    };
    const cert = (over: Json) => ({
      format: 'copyright-ledger/certificate@v1',
      deposit: { id: 'dep_00000000000000000000', receivedAt: '2026-01-01T00:00:00.000Z' },
      work: { sha256: 'a'.repeat(64), metadata: { salt: '0'.repeat(32) } },
      entry: { index: 0, bytes: 'e30=' },
      proof: { treeSize: 1, hashes: [] },
      checkpoint: 'x\n\n— x AAAAAAA=\n',
      logKey: 'x+00000000+AQ==',
      ...over,
    });

    it.each([
      ['{}', {}],
      ['[]', []],
      ['an array of junk', [1, 'a', null]],
      ['only the format', { format: 'copyright-ledger/certificate@v1' }],
      ['a cert of junk fields', cert({})],
      ['non-base64 entry bytes', cert({ entry: { index: 0, bytes: '!!!' } })],
      ['a huge index', cert({ entry: { index: 2 ** 53, bytes: 'e30=' } })],
      ['a negative tree size', cert({ proof: { treeSize: -1, hashes: [] } })],
      ['65 proof hashes', cert({ proof: { treeSize: 1, hashes: Array(65).fill('a'.repeat(64)) } })],
      ['a number checkpoint', cert({ checkpoint: 5 })],
      ['metadata deeply nested', cert({ work: { sha256: 'a'.repeat(64), metadata: deep(3000) } })],
      ['metadata null', cert({ work: { sha256: 'a'.repeat(64), metadata: null } })],
    ])('%s → 200 {valid:false} or 400, never 5xx', async (_name, body) => {
      const r = await send(url, { path: '/v1/verify', body });
      if (r.status === 200) {
        const v = r.json as { valid: unknown; checks: unknown };
        expect(v.valid).toBe(false);
        expect(Array.isArray(v.checks)).toBe(true);
        expect((v.checks as { ok: boolean }[]).some((c) => c.ok === false)).toBe(true);
      } else {
        expectProblem(r, 400, 'invalid_request');
      }
      expect(await latest()).toEqual({ treeSize: size, height });
    });

    it('non-JSON bodies → 400 / 415', async () => {
      await rejects({ path: '/v1/verify', raw: 'garbage' }, 400, 'invalid_request');
      await rejects({ path: '/v1/verify', raw: '"a string"' }, 400, 'invalid_request');
      await rejects({ path: '/v1/verify', raw: 'garbage', contentType: 'text/plain' }, 415, 'unsupported_media_type');
      await rejects({ path: '/v1/verify', raw: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) }, 400, 'invalid_request');
    });
  });
});

describe('overload', () => {
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService({ MAX_QUEUE_ENTRIES: '5' });
  });

  afterAll(async () => {
    await svc?.stop();
  });

  it('a batch larger than the queue → 503 overloaded with Retry-After, nothing written', async () => {
    const { apiKey } = await createAccount(svc.url);
    const before = (await send(svc.url, { path: '/v1/blocks/latest' })).json;
    const items = Array.from({ length: 10 }, () => ({ sha256: hex64() }));
    const r = await send(svc.url, { path: '/v1/deposits/batch', key: apiKey, body: { items } });
    expectProblem(r, 503, 'overloaded');
    const retry = r.headers.get('retry-after');
    expect(retry).toMatch(/^[1-9][0-9]*$/);
    expect((await send(svc.url, { path: '/v1/blocks/latest' })).json).toEqual(before);
    // What fits the queue is still accepted.
    const ok = await send(svc.url, { path: '/v1/deposits/batch', key: apiKey, body: { items: items.slice(0, 5) } });
    expect(ok.status, ok.text).toBe(201);
    expect(((await send(svc.url, { path: '/v1/blocks/latest' })).json as { treeSize: number }).treeSize).toBe(5);
  });
});

/** Found by the fuzz test (test/e2e/fuzz.test.ts): Node's HTTP parser answered these with a bare status line. */
describe('requests the HTTP parser rejects', () => {
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService();
  });

  afterAll(async () => {
    await svc?.stop();
  });

  /** Writes `raw` on a fresh connection and returns everything the server sends before closing it. */
  const rawExchange = (raw: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(svc.port, '127.0.0.1', () => socket.end(raw));
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });

  it('a request line or headers over the size limit → 431 problem+json invalid_request', async () => {
    const r = await send(svc.url, { path: `/v1/review/queue?${'x'.repeat(20_000)}=toString` });
    expectProblem(r, 431, 'invalid_request');
    const h = await send(svc.url, { path: '/healthz', headers: { 'x-big': 'y'.repeat(20_000) } });
    expectProblem(h, 431, 'invalid_request');
    expect((await send(svc.url, { path: '/healthz' })).status).toBe(200);
  });

  it('bytes that are not HTTP/1.1 → 400 problem+json invalid_request, and the connection is closed', async () => {
    for (const raw of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n']) {
      const text = await rawExchange(raw);
      expect(text, raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(text).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
      const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Json;
      expect(body).toMatchObject({ status: 400, code: 'invalid_request' });
    }
    expect((await send(svc.url, { path: '/healthz' })).status).toBe(200);
  });
});
