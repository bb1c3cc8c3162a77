/**
 * Contract conformance (CONTRACTS.md) of a fresh service, checked ONLY with the independent
 * verifier in ./independent-verifier.ts (which shares no code with src/).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import {
  EMPTY_ROOT,
  blockBodyHash,
  fromBase64Strict,
  fromHex32,
  hex,
  isContractTime,
  jcs,
  jcsBytes,
  leafHash,
  mth,
  openCheckpoint,
  openNote,
  parseDepositEntry,
  parseVerifierKey,
  rfcConsistencyProof,
  rfcInclusionPath,
  sha256,
  sm3,
  verifyCertificate,
  verifyConsistency,
  verifyInclusion,
  type CheckpointBody,
  type VerifierKey,
} from './independent-verifier.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

interface DepositView {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  receivedAt: string;
  block: number;
  certificateUrl: string;
}

interface BlockView {
  height: number;
  treeSize: number;
  rootHash: string;
  prevHash: string;
  time: string;
  checkpoint: string;
}

interface Work {
  file: Buffer;
  sha256: string;
  sm3: string;
}

interface Made {
  work: Work;
  /** What was sent (hashes possibly uppercase). */
  input: Json;
  status: number;
  res: DepositView;
}

const HEX64 = /^[0-9a-f]{64}$/;
const DEPOSIT_REQUIRED = ['id', 'index', 'sha256', 'receivedAt', 'block', 'certificateUrl'];
const DEPOSIT_ALLOWED = [...DEPOSIT_REQUIRED, 'sm3', 'size'];

const nonce = randomBytes(8).toString('hex');
let workCounter = 0;
function newWork(): Work {
  const file = Buffer.from(`work ${workCounter++} of run ${nonce}\n`, 'utf8');
  return { file, sha256: hex(sha256(file)), sm3: hex(sm3(file)) };
}

async function call(url: string, method: string, path: string, opts: { body?: unknown; key?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  const res = await fetch(url + path, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function getJson<T>(url: string, path: string, key?: string): Promise<T> {
  const r = await call(url, 'GET', path, key === undefined ? {} : { key });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
  return r.json as T;
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

function sortedKeys(o: object): string[] {
  return Object.keys(o).sort();
}

// ---------------------------------------------------------------------------------------------
// The verifier checks itself first, on the contract's example and RFC vectors
// ---------------------------------------------------------------------------------------------

const EXAMPLE_NOTE =
  'localhost/copyright-ledger\n1\nYSFJlawkz5Czl6kqMO+lGlvqEF2Wtrkwpxtp1IZq/cg=\nblock 1\ntime 2026-11-26T21:48:51.349Z\n' +
  'prev VlJEeEaa0aQM175fdVTr88NYqyOHZNofX4N28rr0wBU=\n\n' +
  '\u2014 localhost/copyright-ledger 1c56Z3Vq8lMw6/+1c9fECnJlx6H+8ExFfy+dDpKWTPaF4ZW57jJXvHv5oGDuIQr6h9WY4T9lh7yaDmvRGHavtwsekAA=\n';
const EXAMPLE_KEY = 'localhost/copyright-ledger+d5ce7a67+AccNxOVz4fIhaPqEeClFeeYglqrZK5WUY7WytSQsoKp9';

describe('independent verifier (self-check)', () => {
  it('verifies the example block of CONTRACTS.md §2.2 and rejects every single-character change', () => {
    const vk = parseVerifierKey(EXAMPLE_KEY);
    expect(vk.name).toBe('localhost/copyright-ledger');
    expect(vk.keyId.toString('hex')).toBe('d5ce7a67');
    const { cp, body } = openCheckpoint(EXAMPLE_NOTE, vk);
    expect(cp.treeSize).toBe(1n);
    expect(cp.height).toBe(1n);
    expect(cp.time).toBe('2026-11-26T21:48:51.349Z');
    expect(body).toBe(EXAMPLE_NOTE.slice(0, EXAMPLE_NOTE.indexOf('\n\n') + 1));
    let rejected = 0;
    for (let i = 0; i < EXAMPLE_NOTE.length; i++) {
      const c = EXAMPLE_NOTE[i] === 'A' ? 'B' : 'A';
      const mutated = EXAMPLE_NOTE.slice(0, i) + c + EXAMPLE_NOTE.slice(i + 1);
      expect(() => openCheckpoint(mutated, vk), `position ${i}`).toThrow();
      rejected++;
    }
    expect(rejected).toBe(EXAMPLE_NOTE.length);
    // A key with a wrong key id is refused.
    expect(() => parseVerifierKey(EXAMPLE_KEY.replace('+d5ce7a67+', '+d5ce7a68+'))).toThrow(/key id/);
  });

  it('RFC 9162: generated proofs verify for every (index|size) pair up to 24 leaves, changed ones do not', () => {
    const leaves = Array.from({ length: 24 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    expect(mth([])).toEqual(sha256());
    expect(mth(leaves.slice(0, 1))).toEqual(leaves[0]);
    expect(mth(leaves.slice(0, 2))).toEqual(sha256(Uint8Array.of(1), leaves[0]!, leaves[1]!));
    for (let n = 1; n <= leaves.length; n++) {
      const d = leaves.slice(0, n);
      const root = mth(d);
      for (let m = 0; m < n; m++) {
        const path = rfcInclusionPath(m, d);
        expect(verifyInclusion(BigInt(m), BigInt(n), d[m]!, path, root)).toBe(true);
        expect(verifyInclusion(BigInt(m), BigInt(n), sha256('x'), path, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(BigInt((m + 1) % n), BigInt(n), d[m]!, path, root)).toBe(false);
        if (path.length > 0) expect(verifyInclusion(BigInt(m), BigInt(n), d[m]!, path.slice(1), root)).toBe(false);
      }
      for (let m = 1; m <= n; m++) {
        const proof = rfcConsistencyProof(m, d);
        const old = mth(leaves.slice(0, m));
        expect(verifyConsistency(BigInt(m), BigInt(n), old, root, proof), `${m}->${n}`).toBe(true);
        if (m < n) {
          expect(verifyConsistency(BigInt(m), BigInt(n), sha256('x'), root, proof)).toBe(false);
          expect(verifyConsistency(BigInt(m), BigInt(n), old, sha256('x'), proof)).toBe(false);
          expect(verifyConsistency(BigInt(m), BigInt(n), old, root, proof.slice(0, -1))).toBe(false);
        }
      }
      expect(verifyConsistency(0n, BigInt(n), EMPTY_ROOT, root, [])).toBe(true);
    }
  });

  it('RFC 8785 JCS: the RFC examples (number formatting, UTF-16 key order, escapes)', () => {
    const parsed = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(jcs(parsed)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    const sorting = { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, '\u00f6': 7 };
    expect(jcs(sorting)).toBe('{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}');
  });
});

// ---------------------------------------------------------------------------------------------
// The live service
// ---------------------------------------------------------------------------------------------

describe('contract against a fresh service', () => {
  let svc: TestService;
  let url: string;
  let key: string;
  let accountId: string;
  const ACCOUNT_NAME = 'Ada Lovelace-Testperson';
  const ACCOUNT_EMAIL = `ada.${nonce}@example.com`;
  const SECRET_TITLE = 'Secret Title Ω of the work';
  const made: Made[] = [];
  let vk: VerifierKey;
  let keyLine: string;

  const RICH_METADATA: Json = {
    title: SECRET_TITLE,
    '\u20ac': 'euro',
    '\ud83d\ude00': 'emoji',
    '\ufb33': 'dalet',
    '\r': 'cr',
    '1': 'one',
    n: [333333333.33333329, 1e30, 4.5, 0.002, 1e-27, 0, -1, 1e21, 123456789012],
    s: '€$\u000f\nA\'B"\\\\"/\u2028\u0000',
    nested: { b: [true, false, null], a: {}, c: [] },
  };

  async function single(work: Work, extra: Json = {}, headers: Record<string, string> = {}, upper = false): Promise<Made> {
    const input: Json = { sha256: upper ? work.sha256.toUpperCase() : work.sha256, ...extra };
    const r = await call(url, 'POST', '/v1/deposits', { key, body: input, headers });
    if (r.status !== 201) throw new Error(`deposit: ${r.status} ${r.text}`);
    const m = { work, input, status: r.status, res: r.json as DepositView };
    made.push(m);
    return m;
  }

  async function batch(items: { work: Work; item: Json }[]): Promise<Made[]> {
    const r = await call(url, 'POST', '/v1/deposits/batch', { key, body: { items: items.map((i) => i.item) } });
    if (r.status !== 201) throw new Error(`batch: ${r.status} ${r.text}`);
    const deps = (r.json as { deposits: DepositView[] }).deposits;
    expect(deps).toHaveLength(items.length);
    const out = items.map((it, i) => ({ work: it.work, input: it.item, status: r.status, res: deps[i]! }));
    made.push(...out);
    return out;
  }

  const latest = () => getJson<BlockView>(url, '/v1/blocks/latest');

  beforeAll(async () => {
    svc = await startTestService();
    url = svc.url;
    ({ apiKey: key, id: accountId } = await createAccount(url, { name: ACCOUNT_NAME, email: ACCOUNT_EMAIL }));
    keyLine = (await call(url, 'GET', '/v1/log/key')).text.replace(/\n$/, '');
    vk = parseVerifierKey(keyLine);

    // 5 single deposits, one block each.
    await single(newWork()); // 0: hash only
    const w1 = newWork();
    await single(w1, { sm3: w1.sm3, size: w1.file.length, metadata: RICH_METADATA }); // 1: everything, JCS-hard metadata
    const w2 = newWork();
    await single(w2, { sm3: w2.sm3.toUpperCase(), size: w2.file.length }, {}, true); // 2: uppercase hex
    await single(newWork(), { metadata: { title: 'idempotent one' } }, { 'Idempotency-Key': 'idem-first' }); // 3
    const w4 = newWork();
    await single(w4, { size: w4.file.length }); // 4: size only

    // A batch of 20 (mixed fields, half with externalIds).
    await batch(
      Array.from({ length: 20 }, (_, i) => {
        const w = newWork();
        const item: Json = { sha256: w.sha256 };
        if (i % 2 === 0) item.sm3 = w.sm3;
        if (i % 3 === 0) item.size = w.file.length;
        if (i % 4 === 0) item.metadata = { title: `batch A ${i}`, i };
        if (i % 2 === 1) item.externalId = `ext-A-${i}`;
        return { work: w, item };
      }),
    );

    // 10 concurrent single deposits (the sequencer may group them).
    const works = Array.from({ length: 10 }, () => newWork());
    const rs = await Promise.all(works.map((w) => call(url, 'POST', '/v1/deposits', { key, body: { sha256: w.sha256, size: w.file.length } })));
    rs.forEach((r, i) => {
      if (r.status !== 201) throw new Error(`concurrent deposit: ${r.status} ${r.text}`);
      made.push({ work: works[i]!, input: { sha256: works[i]!.sha256, size: works[i]!.file.length }, status: r.status, res: r.json as DepositView });
    });

    // A batch of 14, all with externalIds.
    await batch(
      Array.from({ length: 14 }, (_, i) => {
        const w = newWork();
        return { work: w, item: { sha256: w.sha256, sm3: w.sm3, externalId: `ext-B-${i}` } };
      }),
    );

    // The same work as deposit 0 again: prior art has two deposits.
    await single(made[0]!.work, { metadata: { note: 'second deposit of the same work' } });
  });

  afterAll(async () => {
    await svc?.stop();
  });

  // ---- deposits API (§4) ----------------------------------------------------------------------

  it('answers every deposit with exactly the contract fields, lowercase hashes, fresh consecutive indexes', async () => {
    expect(made).toHaveLength(50);
    const indexes = made.map((m) => m.res.index).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Set(made.map((m) => m.res.id)).size).toBe(50);
    for (const m of made) {
      const r = m.res;
      expect(m.status).toBe(201);
      for (const k of DEPOSIT_REQUIRED) expect(r, k).toHaveProperty(k);
      for (const k of Object.keys(r)) expect(DEPOSIT_ALLOWED, `unexpected field ${k}`).toContain(k);
      expect(r.sha256).toBe(m.work.sha256);
      expect(r.sha256).toMatch(HEX64);
      if (m.input.sm3 !== undefined) expect(r.sm3).toBe(m.work.sm3);
      else expect(r).not.toHaveProperty('sm3');
      if (m.input.size !== undefined) expect(r.size).toBe(m.work.file.length);
      else expect(r).not.toHaveProperty('size');
      expect(isContractTime(r.receivedAt), r.receivedAt).toBe(true);
      expect(Number.isSafeInteger(r.block) && r.block >= 1).toBe(true);
      // GET by id (owner) gives the same deposit; certificateUrl opens the certificate.
      expect(await getJson<DepositView>(url, `/v1/deposits/${r.id}`, key)).toEqual(r);
    }
    const viaUrl = await call(url, 'GET', made[7]!.res.certificateUrl, { key });
    expect(viaUrl.status).toBe(200);
    expect((viaUrl.json as Json).deposit).toEqual({ id: made[7]!.res.id, receivedAt: made[7]!.res.receivedAt });
  });

  it('accepts hex in uppercase and stores it lowercase', async () => {
    const m = made[2]!;
    expect(m.input.sha256).toBe(m.work.sha256.toUpperCase());
    expect(m.input.sha256).not.toBe(m.work.sha256);
    expect(m.res.sha256).toBe(m.work.sha256);
    expect(m.res.sm3).toBe(m.work.sm3);
    const e = await getJson<{ entry: string }>(url, `/v1/log/entries/${m.res.index}`);
    const entry = parseDepositEntry(fromBase64Strict(e.entry));
    expect(entry.sha256).toBe(m.work.sha256);
    expect(entry.sm3).toBe(m.work.sm3);
  });

  it('prior-art lookup is public and returns id, index, receivedAt, block only, earliest first', async () => {
    const first = made[0]!;
    const second = made[49]!;
    expect(second.work).toBe(first.work);
    const r = await call(url, 'GET', `/v1/deposits?sha256=${first.work.sha256.toUpperCase()}`);
    expect(r.status).toBe(200);
    const deps = (r.json as { deposits: Json[] }).deposits;
    expect(deps).toEqual([
      { id: first.res.id, index: first.res.index, receivedAt: first.res.receivedAt, block: first.res.block },
      { id: second.res.id, index: second.res.index, receivedAt: second.res.receivedAt, block: second.res.block },
    ]);
    for (const d of deps) expect(sortedKeys(d)).toEqual(['block', 'id', 'index', 'receivedAt']);
    expect(first.res.index).toBeLessThan(second.res.index);
    const none = await call(url, 'GET', `/v1/deposits?sha256=${'0'.repeat(64)}`);
    expect(none.status).toBe(200);
    expect((none.json as { deposits: unknown[] }).deposits).toEqual([]);
  });

  it('Idempotency-Key: a repeat answers 200 with the first deposit and adds nothing', async () => {
    const before = await latest();
    const first = made[3]!;
    const r = await call(url, 'POST', '/v1/deposits', { key, body: first.input, headers: { 'Idempotency-Key': 'idem-first' } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual(first.res);
    const after = await latest();
    expect(after.treeSize).toBe(before.treeSize);
    expect(after.height).toBe(before.height);
  });

  it('Idempotency-Key: concurrent repeats create exactly one deposit', async () => {
    const before = await latest();
    const w = newWork();
    const rs = await Promise.all(
      Array.from({ length: 5 }, () => call(url, 'POST', '/v1/deposits', { key, body: { sha256: w.sha256 }, headers: { 'Idempotency-Key': `idem-conc-${nonce}` } })),
    );
    expect(rs.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    const ids = new Set(rs.map((r) => (r.json as DepositView).id));
    expect(ids.size).toBe(1);
    const created = rs.find((r) => r.status === 201)!;
    for (const r of rs) expect(r.json).toEqual(created.json);
    expect((await latest()).treeSize).toBe(before.treeSize + 1);
  });

  it('batch externalId: a repeat in another batch returns the same deposit and adds no entry', async () => {
    const before = await latest();
    const a1 = made.find((m) => m.input.externalId === 'ext-A-1')!;
    const b3 = made.find((m) => m.input.externalId === 'ext-B-3')!;
    const r = await call(url, 'POST', '/v1/deposits/batch', { key, body: { items: [b3.input, a1.input] } });
    expect(r.status).toBe(201);
    expect((r.json as { deposits: DepositView[] }).deposits).toEqual([b3.res, a1.res]);
    const after = await latest();
    expect(after.treeSize).toBe(before.treeSize);
    expect(after.height).toBe(before.height);
  });

  it('batch externalId: a repeat within one batch is the same deposit, one entry', async () => {
    const before = await latest();
    const w = newWork();
    const ext = `ext-dup-${nonce}`;
    const items = [{ sha256: w.sha256, externalId: ext }, { sha256: w.sha256, externalId: ext }];
    const r = await call(url, 'POST', '/v1/deposits/batch', { key, body: { items } });
    expect(r.status).toBe(201);
    const [d1, d2] = (r.json as { deposits: DepositView[] }).deposits;
    expect(d1).toBeDefined();
    expect(d2).toEqual(d1);
    expect((await latest()).treeSize).toBe(before.treeSize + 1);
    // And once more, in a third batch: nothing new.
    const again = await call(url, 'POST', '/v1/deposits/batch', { key, body: { items } });
    expect(again.status).toBe(201);
    expect((again.json as { deposits: DepositView[] }).deposits).toEqual([d1, d1]);
    expect((await latest()).treeSize).toBe(before.treeSize + 1);
  });

  it('batch externalId is idempotent per account: another account gets its own deposit', async () => {
    const before = await latest();
    const other = await createAccount(url);
    const a1 = made.find((m) => m.input.externalId === 'ext-A-1')!;
    const r = await call(url, 'POST', '/v1/deposits/batch', { key: other.apiKey, body: { items: [a1.input] } });
    expect(r.status).toBe(201);
    const [d] = (r.json as { deposits: DepositView[] }).deposits;
    expect(d!.id).not.toBe(a1.res.id);
    expect(d!.index).toBe(before.treeSize);
    expect((await latest()).treeSize).toBe(before.treeSize + 1);
  });

  // ---- the log (§2) --------------------------------------------------------------------------

  describe('the log, verified independently', () => {
    let blocks: BlockView[];
    let bodies: string[];
    let cps: CheckpointBody[];
    let entries: Buffer[];
    let leaves: Buffer[];
    let size: number;

    beforeAll(async () => {
      const top = await latest();
      blocks = await pool(
        Array.from({ length: top.height + 1 }, (_, h) => h),
        8,
        (h) => getJson<BlockView>(url, `/v1/blocks/${h}`),
      );
      bodies = [];
      cps = [];
      for (const b of blocks) {
        const o = openCheckpoint(b.checkpoint, vk);
        bodies.push(o.body);
        cps.push(o.cp);
      }
      size = top.treeSize;
      const es = await pool(
        Array.from({ length: size }, (_, i) => i),
        8,
        (i) => getJson<{ index: number; entry: string; leafHash: string }>(url, `/v1/log/entries/${i}`),
      );
      entries = es.map((e, i) => {
        expect(sortedKeys(e)).toEqual(['entry', 'index', 'leafHash']);
        expect(e.index).toBe(i);
        return fromBase64Strict(e.entry);
      });
      leaves = entries.map(leafHash);
      es.forEach((e, i) => expect(e.leafHash).toBe(hex(leaves[i]!)));
    });

    it('serves the verifier key in the contract format', async () => {
      const r = await call(url, 'GET', '/v1/log/key');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(r.text.replace(/\n$/, '')).not.toContain('\n');
      expect(keyLine).toMatch(/^localhost\/copyright-ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
      expect(vk.name).toBe('localhost/copyright-ledger');
      expect(vk.publicKey).toHaveLength(32);
      expect(vk.keyId.toString('hex')).toBe(hex(sha256('localhost/copyright-ledger\n', Uint8Array.of(1), vk.publicKey).subarray(0, 4)));
    });

    it('has several blocks, each signed, chained, rising and matching its JSON fields', () => {
      expect(blocks.length).toBeGreaterThanOrEqual(8);
      blocks.forEach((b, h) => {
        const cp = cps[h]!;
        expect(sortedKeys(b)).toEqual(['checkpoint', 'height', 'prevHash', 'rootHash', 'time', 'treeSize']);
        expect(b.height).toBe(h);
        expect(cp.height).toBe(BigInt(h));
        expect(cp.origin).toBe('localhost/copyright-ledger');
        expect(BigInt(b.treeSize)).toBe(cp.treeSize);
        expect(b.rootHash).toMatch(HEX64);
        expect(b.prevHash).toMatch(HEX64);
        expect(b.rootHash).toBe(hex(cp.rootHash));
        expect(b.prevHash).toBe(hex(cp.prevHash));
        expect(b.time).toBe(cp.time);
        expect(isContractTime(b.time)).toBe(true);
        // Body = everything before the blank line plus one "\n"; one signature line after it.
        expect(b.checkpoint).toBe(bodies[h] + '\n' + b.checkpoint.slice(bodies[h]!.length + 1));
        expect(b.checkpoint.slice(bodies[h]!.length + 1)).toMatch(/^\u2014 localhost\/copyright-ledger [A-Za-z0-9+/]+=*\n$/);
        if (h === 0) {
          expect(cp.treeSize).toBe(0n);
          expect(cp.rootHash).toEqual(sha256(''));
          expect(cp.prevHash).toEqual(Buffer.alloc(32));
        } else {
          const prev = cps[h - 1]!;
          expect(cp.prevHash, `prev of block ${h}`).toEqual(blockBodyHash(bodies[h - 1]!));
          expect(cp.treeSize >= prev.treeSize, `size of block ${h}`).toBe(true);
          expect(Date.parse(cp.time) >= Date.parse(prev.time), `time of block ${h}`).toBe(true);
          // Each committed batch adds entries (no empty blocks after block 0).
          expect(cp.treeSize > prev.treeSize).toBe(true);
        }
      });
    });

    it('serves the latest block at /v1/blocks/latest and its note at /v1/log/checkpoint', async () => {
      const top = blocks[blocks.length - 1]!;
      expect(await latest()).toEqual(top);
      const r = await call(url, 'GET', '/v1/log/checkpoint');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(r.text).toBe(top.checkpoint);
      expect(openNote(r.text, vk)).toBe(bodies[bodies.length - 1]);
    });

    it('every block root equals the RFC 9162 tree hash recomputed from the served entries', () => {
      expect(cps[cps.length - 1]!.treeSize).toBe(BigInt(entries.length));
      for (const cp of cps) expect(hex(mth(leaves.slice(0, Number(cp.treeSize))))).toBe(hex(cp.rootHash));
    });

    it('entry bytes are JCS of the §2.1 deposit object with exactly its keys and no plaintext personal data', () => {
      const byId = new Map(made.map((m) => [m.res.id, m]));
      entries.forEach((bytes, i) => {
        const e = parseDepositEntry(bytes); // JCS form, exact key set, lowercase hashes
        expect(bytes.equals(jcsBytes(e))).toBe(true);
        const text = bytes.toString('utf8');
        for (const secret of [SECRET_TITLE, 'Secret Title', ACCOUNT_NAME, ACCOUNT_EMAIL, 'idempotent one', 'batch A']) expect(text).not.toContain(secret);
        const m = byId.get(e.id as string);
        if (m === undefined) return; // deposits made by the later tests
        expect(m.res.index).toBe(i);
        expect(e.account).toBe(accountId);
        expect(e.receivedAt).toBe(m.res.receivedAt);
        const expected: Json = { v: 1, type: 'deposit', id: m.res.id, account: accountId, sha256: m.work.sha256 };
        if (m.input.sm3 !== undefined) expected.sm3 = m.work.sm3;
        if (m.input.size !== undefined) expected.size = m.work.file.length;
        expect(e).toMatchObject(expected);
        expect(sortedKeys(e)).toEqual(sortedKeys({ ...expected, metaSha256: 0, receivedAt: 0 }));
        // The deposit's block is the first block that covers the entry, committed after receipt.
        const cover = cps.findIndex((cp) => cp.treeSize > BigInt(i));
        expect(m.res.block).toBe(cover);
        expect(Date.parse(m.res.receivedAt) <= Date.parse(cps[cover]!.time)).toBe(true);
      });
    });

    it('consistency proofs between every pair of blocks verify and are exactly RFC 9162 PROOF(m, D[n])', async () => {
      const pairs: [number, number][] = [];
      for (let i = 0; i < cps.length; i++) for (let j = i; j < cps.length; j++) pairs.push([i, j]);
      await pool(pairs, 16, async ([i, j]) => {
        const a = cps[i]!;
        const b = cps[j]!;
        const p = await getJson<{ from: number; to: number; hashes: string[] }>(url, `/v1/log/proof/consistency?from=${a.treeSize}&to=${b.treeSize}`);
        expect(sortedKeys(p)).toEqual(['from', 'hashes', 'to']);
        expect(p.from).toBe(Number(a.treeSize));
        expect(p.to).toBe(Number(b.treeSize));
        const path = p.hashes.map((h) => fromHex32(h));
        expect(verifyConsistency(a.treeSize, b.treeSize, a.rootHash, b.rootHash, path), `blocks ${i} -> ${j}`).toBe(true);
        if (a.treeSize > 0n && a.treeSize < b.treeSize) {
          expect(p.hashes).toEqual(rfcConsistencyProof(Number(a.treeSize), leaves.slice(0, Number(b.treeSize))).map(hex));
        }
      });
      expect(pairs.length).toBe((cps.length * (cps.length + 1)) / 2);
    });

    it('consistency proofs between arbitrary tree sizes verify against recomputed roots', async () => {
      const pairs: [number, number][] = [];
      for (let m = 1; m <= size; m += 3) for (let n = m; n <= size; n += 7) pairs.push([m, n]);
      await pool(pairs, 16, async ([m, n]) => {
        const p = await getJson<{ hashes: string[] }>(url, `/v1/log/proof/consistency?from=${m}&to=${n}`);
        const ok = verifyConsistency(BigInt(m), BigInt(n), mth(leaves.slice(0, m)), mth(leaves.slice(0, n)), p.hashes.map((h) => fromHex32(h)));
        expect(ok, `${m} -> ${n}`).toBe(true);
      });
    });

    it('inclusion proofs of every entry verify at the latest size and at its covering block', async () => {
      const top = cps[cps.length - 1]!;
      await pool(entries, 8, async (bytes, i) => {
        const atLatest = await getJson<{ index: number; treeSize: number; leafHash: string; hashes: string[] }>(url, `/v1/log/proof/inclusion?index=${i}`);
        expect(sortedKeys(atLatest)).toEqual(['hashes', 'index', 'leafHash', 'treeSize']);
        expect(atLatest.index).toBe(i);
        expect(atLatest.treeSize).toBe(Number(top.treeSize));
        expect(atLatest.leafHash).toBe(hex(leafHash(bytes)));
        expect(verifyInclusion(BigInt(i), top.treeSize, leafHash(bytes), atLatest.hashes.map((h) => fromHex32(h)), top.rootHash), `entry ${i}`).toBe(true);
        expect(atLatest.hashes).toEqual(rfcInclusionPath(i, leaves.slice(0, Number(top.treeSize))).map(hex));

        const cover = cps.find((cp) => cp.treeSize > BigInt(i))!;
        const atBlock = await getJson<{ treeSize: number; hashes: string[] }>(url, `/v1/log/proof/inclusion?index=${i}&treeSize=${cover.treeSize}`);
        expect(atBlock.treeSize).toBe(Number(cover.treeSize));
        expect(verifyInclusion(BigInt(i), cover.treeSize, leafHash(bytes), atBlock.hashes.map((h) => fromHex32(h)), cover.rootHash)).toBe(true);
      });
    });

    // ---- certificates (§5) ---------------------------------------------------------------------

    it('every deposit certificate passes every §5 check of the independent verifier', async () => {
      const salts = new Set<string>();
      await pool(made, 8, async (m) => {
        const r = await call(url, 'GET', `/v1/deposits/${m.res.id}/certificate`, { key });
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/^application\/json/);
        const cert = r.json as Json;
        const v = verifyCertificate(cert, keyLine, m.work.file);
        expect(v.failures, m.res.id).toEqual([]);
        expect(v.valid).toBe(true);
        // With another file, the file check fails.
        const wrong = verifyCertificate(cert, keyLine, Buffer.concat([m.work.file, Buffer.from('x')]));
        expect(wrong.valid).toBe(false);
        expect(wrong.failures.join()).toMatch(/^file:/);

        const c = cert as {
          deposit: Json;
          work: { sha256: string; sm3?: string; size?: number; metadata: Json };
          entry: { index: number; bytes: string };
          proof: { treeSize: number; hashes: string[] };
          checkpoint: string;
          logKey: string;
        };
        // Plus `timestamp` once the built-in TSA's token is there (docs/TIMESTAMPS.md).
        expect(sortedKeys(cert).filter((k) => k !== 'timestamp')).toEqual(['checkpoint', 'deposit', 'entry', 'format', 'logKey', 'proof', 'work']);
        expect(c.deposit).toEqual({ id: m.res.id, receivedAt: m.res.receivedAt });
        expect(c.logKey).toBe(keyLine);
        expect(c.entry.index).toBe(m.res.index);
        expect(fromBase64Strict(c.entry.bytes).equals(entries[m.res.index]!)).toBe(true);
        // The checkpoint is the block the deposit names, or with a timestamp the first block at or
        // after it that has a token (docs/TIMESTAMPS.md); the proof is at its size.
        const height = 'timestamp' in cert ? Number(/\nblock (\d+)\n/.exec(c.checkpoint)![1]) : m.res.block;
        expect(height).toBeGreaterThanOrEqual(m.res.block);
        expect(c.checkpoint).toBe(blocks[height]!.checkpoint);
        expect(c.proof.treeSize).toBe(blocks[height]!.treeSize);
        expect(v.checkpoint!.treeSize).toBe(BigInt(c.proof.treeSize));
        // Work fields mirror the deposit; metadata = what was sent + a 128-bit hex salt.
        expect(c.work.sha256).toBe(m.work.sha256);
        expect(c.work.sm3).toBe(m.input.sm3 === undefined ? undefined : m.work.sm3);
        expect(c.work.size).toBe(m.input.size === undefined ? undefined : m.work.file.length);
        const { salt, ...rest } = c.work.metadata;
        expect(salt).toMatch(/^[0-9a-f]{32}$/);
        expect(rest).toEqual(m.input.metadata ?? {});
        salts.add(salt as string);
        const entry = parseDepositEntry(entries[m.res.index]!);
        expect(entry.metaSha256).toBe(hex(sha256(jcsBytes(c.work.metadata))));
      });
      expect(salts.size).toBe(made.length);
    });

    it('the rich-metadata certificate keeps metadata exactly (JCS hashing of unicode keys, numbers, escapes)', async () => {
      const m = made[1]!;
      const cert = await getJson<{ work: { metadata: Json } }>(url, `/v1/deposits/${m.res.id}/certificate`, key);
      const { salt, ...rest } = cert.work.metadata;
      expect(rest).toEqual(JSON.parse(JSON.stringify(RICH_METADATA)));
      const expectedHash = hex(sha256(jcs({ ...(JSON.parse(JSON.stringify(RICH_METADATA)) as Json), salt })));
      expect(parseDepositEntry(entries[m.res.index]!).metaSha256).toBe(expectedHash);
    });

    it('any single change to a certificate makes the independent verifier reject it', async () => {
      for (const m of [made[1]!, made[12]!, made[30]!]) {
        const original = await getJson<Json>(url, `/v1/deposits/${m.res.id}/certificate`, key);
        expect(verifyCertificate(original, keyLine, m.work.file).valid).toBe(true);
        const mutate = (fn: (c: any) => void): boolean => {
          const c = JSON.parse(JSON.stringify(original));
          fn(c);
          return verifyCertificate(c, keyLine, m.work.file).valid;
        };
        // Every byte of the entry.
        const bytes = fromBase64Strict((original.entry as { bytes: string }).bytes);
        for (let i = 0; i < bytes.length; i++) {
          expect(
            mutate((c) => {
              const b = Buffer.from(bytes);
              b[i] = b[i]! ^ 0x01;
              c.entry.bytes = b.toString('base64');
            }),
            `entry byte ${i}`,
          ).toBe(false);
        }
        // Every proof hash, and the proof's length.
        const hashes = (original.proof as { hashes: string[] }).hashes;
        expect(hashes.length).toBeGreaterThan(0);
        for (let i = 0; i < hashes.length; i++) {
          expect(mutate((c) => (c.proof.hashes[i] = c.proof.hashes[i].slice(0, -1) + (c.proof.hashes[i].endsWith('0') ? '1' : '0'))), `hash ${i}`).toBe(false);
        }
        expect(mutate((c) => c.proof.hashes.pop())).toBe(false);
        expect(mutate((c) => c.proof.hashes.push('0'.repeat(64)))).toBe(false);
        expect(mutate((c) => (c.proof.treeSize += 1))).toBe(false);
        // entry.index.
        expect(mutate((c) => (c.entry.index += 1))).toBe(false);
        if (m.res.index > 0) expect(mutate((c) => (c.entry.index -= 1))).toBe(false);
        // Every character of the checkpoint note.
        const note = original.checkpoint as string;
        for (let i = 0; i < note.length; i++) {
          const ch = note[i] === 'A' ? 'B' : 'A';
          expect(mutate((c) => (c.checkpoint = note.slice(0, i) + ch + note.slice(i + 1))), `checkpoint char ${i}`).toBe(false);
        }
        // Metadata values, salt, added and removed members.
        expect(mutate((c) => (c.work.metadata.salt = c.work.metadata.salt.replace(/^./, (x: string) => (x === '0' ? '1' : '0'))))).toBe(false);
        expect(mutate((c) => (c.work.metadata.extra = 1))).toBe(false);
        expect(mutate((c) => delete c.work.metadata.salt)).toBe(false);
        const userKeys = Object.keys((original.work as { metadata: Json }).metadata).filter((k) => k !== 'salt');
        for (const k of userKeys) {
          expect(mutate((c) => (c.work.metadata[k] = JSON.stringify(c.work.metadata[k]) + 'x')), `metadata.${k}`).toBe(false);
          expect(mutate((c) => delete c.work.metadata[k])).toBe(false);
        }
        // Work hashes and size, deposit fields, log key.
        expect(mutate((c) => (c.work.sha256 = c.work.sha256.replace(/.$/, (x: string) => (x === '0' ? '1' : '0'))))).toBe(false);
        expect(mutate((c) => (c.work.sm3 = '0'.repeat(64)))).toBe(false);
        expect(mutate((c) => (c.work.size = (c.work.size ?? 0) + 1))).toBe(false);
        expect(mutate((c) => (c.deposit.id = c.deposit.id.replace(/.$/, (x: string) => (x === '0' ? '1' : '0'))))).toBe(false);
        expect(mutate((c) => (c.deposit.receivedAt = '2000-01-01T00:00:00.000Z'))).toBe(false);
        expect(mutate((c) => (c.logKey = EXAMPLE_KEY))).toBe(false);
        // Pinned to another key, even an untouched certificate fails.
        expect(verifyCertificate(original, EXAMPLE_KEY, m.work.file).valid).toBe(false);
      }
    });

    it("POST /v1/verify agrees with the independent verifier on a good and a changed certificate", async () => {
      const m = made[1]!;
      const cert = await getJson<Json>(url, `/v1/deposits/${m.res.id}/certificate`, key);
      const good = await call(url, 'POST', '/v1/verify', { body: cert });
      expect(good.status).toBe(200);
      expect((good.json as { valid: boolean }).valid).toBe(true);
      const bad = JSON.parse(JSON.stringify(cert)) as { work: { metadata: Json } };
      bad.work.metadata.title = 'another title';
      expect(verifyCertificate(bad, keyLine).valid).toBe(false);
      const r = await call(url, 'POST', '/v1/verify', { body: bad });
      expect(r.status).toBe(200);
      expect((r.json as { valid: boolean }).valid).toBe(false);
    });
  });

  // ---- OpenAPI ---------------------------------------------------------------------------------

  it('/openapi.json is OpenAPI 3.1 and lists every contract path the service serves', async () => {
    const r = await call(url, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.json as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const contract: [string, string][] = [
      ['get', '/v1/log/checkpoint'],
      ['get', '/v1/log/key'],
      ['get', '/v1/log/entries/{index}'],
      ['get', '/v1/log/proof/inclusion'],
      ['get', '/v1/log/proof/consistency'],
      ['get', '/v1/blocks/{height}'],
      ['get', '/v1/blocks/latest'],
      ['post', '/v1/accounts'],
      ['post', '/v1/deposits'],
      ['get', '/v1/deposits'],
      ['post', '/v1/deposits/batch'],
      ['get', '/v1/deposits/{id}'],
      ['get', '/v1/deposits/{id}/certificate'],
      ['post', '/v1/verify'],
    ];
    const d = made[0]!.res;
    const concrete = (p: string) => p.replace('{index}', '0').replace('{height}', '0').replace('{id}', d.id);
    for (const [method, path] of contract) {
      // Served: the route exists (whatever the answer to this probe, it is not "no route").
      const probe = await call(url, method.toUpperCase(), concrete(path), { key, ...(method === 'post' ? { body: {} } : {}) });
      expect((probe.json as { detail?: string } | undefined)?.detail ?? '', `${method} ${path}`).not.toMatch(/^no route/);
      expect(doc.paths[path], path).toBeDefined();
      expect(doc.paths[path]![method], `${method} ${path}`).toBeDefined();
    }
  });
});
