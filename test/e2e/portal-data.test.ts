/**
 * The portal's data routes: GET /v1/accounts/me/deposits (own deposits only, newest first, paged
 * by an opaque cursor, searchable by metadata text or SHA-256 prefix) and GET /v1/stats/public
 * (totals and per-day deposits). Also: a store written before the per-account index and per-day
 * counters existed is indexed at start-up, so its deposits are listed and counted too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { P, prefixEnd } from '../../src/adapters/level/keys.js';
import { recordKey } from '../../src/adapters/level/registry.js';
import { INDEX_PROGRESS } from '../../src/adapters/records/deposit-index-progress-store.js';
import { ConfigSchema } from '../../src/config.js';
import { startService, type Service } from '../../src/server.js';
import { GENEROUS_LIMITS } from '../support/limits.js';
import { createAccount, startTestService, tempDir, type TestService } from '../support/service.js';

interface Listed {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  receivedAt: string;
  title?: string;
  fileName?: string;
}
interface Page {
  deposits: Listed[];
  next?: string;
}
interface PublicStats {
  deposits: { total: number; perDay: { date: string; count: number }[] };
  registrations: { applications: number; approved: number };
  organisations: { total: number };
  targets: { deposits: number; applications: number; organisations: number };
}

const hex = () => randomBytes(32).toString('hex');

async function call(url: string, path: string, key?: string, init: RequestInit = {}) {
  const res = await fetch(url + path, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string> | undefined) } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function depositJson(url: string, key: string, body: Record<string, unknown>): Promise<{ id: string; index: number }> {
  const r = await call(url, '/v1/deposits', key, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 201) throw new Error(`deposit: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: string; index: number };
}

async function depositBatch(url: string, key: string, items: Record<string, unknown>[]): Promise<{ id: string; index: number }[]> {
  const r = await call(url, '/v1/deposits/batch', key, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
  if (r.status !== 201) throw new Error(`batch: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { deposits: { id: string; index: number }[] }).deposits;
}

async function upload(url: string, key: string, bytes: Uint8Array, metadata: Record<string, unknown>): Promise<{ id: string; index: number; sha256: string }> {
  const form = new FormData();
  form.append('metadata', JSON.stringify(metadata));
  form.append('file', new Blob([bytes]), 'ignored-name.bin');
  const res = await fetch(`${url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; index: number; sha256: string };
}

/** Every page of the caller's list (following `next`), with the pages' sizes. */
async function all(url: string, key: string, query = ''): Promise<{ items: Listed[]; pages: number[] }> {
  const items: Listed[] = [];
  const pages: number[] = [];
  let after: string | undefined;
  for (let n = 0; n < 1000; n++) {
    const r = await call(url, `/v1/accounts/me/deposits?${query}${after ? `&after=${encodeURIComponent(after)}` : ''}`, key);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const page = r.body as Page;
    items.push(...page.deposits);
    pages.push(page.deposits.length);
    if (page.next === undefined) return { items, pages };
    after = page.next;
  }
  throw new Error('the list never ended');
}

describe('portal data routes', () => {
  let svc: TestService;
  let alice: string;
  let bob: string;
  const made: Record<'alice' | 'bob', { id: string; index: number; sha256: string }[]> = { alice: [], bob: [] };
  const photoBytes = randomBytes(20_000);

  beforeAll(async () => {
    svc = await startTestService();
    alice = (await createAccount(svc.url)).apiKey;
    bob = (await createAccount(svc.url)).apiKey;
    // Alice: one hash-only JSON deposit with a title and file name, a batch of 30, an upload.
    const s1 = hex();
    made.alice.push({ ...(await depositJson(svc.url, alice, { sha256: s1, metadata: { title: 'Autumn Poem 秋思', fileName: 'autumn.txt', description: 'A short poem' } })), sha256: s1 });
    const batch = Array.from({ length: 30 }, (_, i) => ({ sha256: hex(), ...(i % 10 === 0 ? { metadata: { title: `Batch song ${i}` } } : {}) }));
    const got = await depositBatch(svc.url, alice, batch);
    got.forEach((d, i) => made.alice.push({ ...d, sha256: batch[i]!.sha256 }));
    made.alice.push(await upload(svc.url, alice, photoBytes, { title: 'Harbour photo', fileName: 'harbour.jpg', workType: 'photographic' }));
    // Bob: interleaved with Alice's, including a title Alice also searches for.
    const s2 = hex();
    made.bob.push({ ...(await depositJson(svc.url, bob, { sha256: s2, metadata: { title: 'Autumn leaves' } })), sha256: s2 });
    const s3 = hex();
    made.alice.push({ ...(await depositJson(svc.url, alice, { sha256: s3 })), sha256: s3 });
  }, 60_000);
  afterAll(async () => {
    await svc?.stop();
  });

  it('lists only the caller\'s own deposits, newest first, with hashes, size, title and file name', async () => {
    const r = await call(svc.url, '/v1/accounts/me/deposits', alice);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const page = r.body as Page;
    expect(page.deposits).toHaveLength(20);
    expect(page.next).toEqual(expect.any(String));
    const indexes = page.deposits.map((d) => d.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => b - a));
    const newestFirst = [...made.alice].sort((a, b) => b.index - a.index);
    expect(page.deposits.map((d) => d.id)).toEqual(newestFirst.slice(0, 20).map((d) => d.id));
    const photo = page.deposits.find((d) => d.title === 'Harbour photo')!;
    expect(photo).toMatchObject({ fileName: 'harbour.jpg', size: photoBytes.length, sha256: createHash('sha256').update(photoBytes).digest('hex') });
    expect(photo.sm3).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(photo).sort()).toEqual(['fileName', 'id', 'index', 'receivedAt', 'sha256', 'size', 'sm3', 'title']);
    const bare = page.deposits[0]!;
    expect(bare.id).toBe(made.alice[made.alice.length - 1]!.id);
    expect(Object.keys(bare).sort()).toEqual(['id', 'index', 'receivedAt', 'sha256']);

    const b = (await call(svc.url, '/v1/accounts/me/deposits', bob)).body as Page;
    expect(b).toEqual({ deposits: [expect.objectContaining({ id: made.bob[0]!.id, title: 'Autumn leaves' })] });
  });

  it('pages with `next` through every deposit exactly once', async () => {
    for (const limit of [1, 7, 100]) {
      const { items, pages } = await all(svc.url, alice, `limit=${limit}`);
      expect(items.map((d) => d.id)).toEqual([...made.alice].sort((a, b) => b.index - a.index).map((d) => d.id));
      expect(new Set(items.map((d) => d.id)).size).toBe(made.alice.length);
      expect(pages.every((n) => n <= limit)).toBe(true);
    }
  });

  it('searches title, description and file name case-insensitively, and SHA-256 prefixes', async () => {
    const autumn = (await all(svc.url, alice, 'q=AUTUMN')).items;
    expect(autumn.map((d) => d.id)).toEqual([made.alice[0]!.id]); // Bob's "Autumn leaves" is not Alice's
    expect((await all(svc.url, alice, `q=${encodeURIComponent('秋思')}`)).items.map((d) => d.id)).toEqual([made.alice[0]!.id]);
    expect((await all(svc.url, alice, 'q=short%20POEM')).items.map((d) => d.id)).toEqual([made.alice[0]!.id]);
    expect((await all(svc.url, alice, 'q=.jpg')).items.map((d) => d.title)).toEqual(['Harbour photo']);
    const songs = await all(svc.url, alice, 'q=batch%20song&limit=2');
    expect(songs.items.map((d) => d.title)).toEqual(['Batch song 20', 'Batch song 10', 'Batch song 0']);
    const target = made.alice[12]!;
    const bySha = (await all(svc.url, alice, `q=${target.sha256.slice(0, 12).toUpperCase()}`)).items;
    expect(bySha.map((d) => d.id)).toEqual([target.id]);
    expect((await all(svc.url, bob, `q=${target.sha256.slice(0, 12)}`)).items).toEqual([]);
    expect((await all(svc.url, alice, 'q=nothing-like-this')).items).toEqual([]);
  });

  it('answers bad query input with 400 problem+json naming the field', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['after=not-a-cursor', 'after'],
      [`after=${Buffer.from('d12x').toString('base64url')}`, 'after'],
      [`q=${'x'.repeat(201)}`, 'q'],
      ['q=a&q=b', 'q'],
      ['colour=blue', 'colour'],
    ];
    for (const [query, field] of cases) {
      const r = await call(svc.url, `/v1/accounts/me/deposits?${query}`, alice);
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body, query).toMatchObject({ code: 'invalid_request', field });
    }
    expect((await call(svc.url, `/v1/accounts/me/deposits?q=${'x'.repeat(200)}`, alice)).status).toBe(200);
    expect((await call(svc.url, '/v1/accounts/me/deposits')).status).toBe(401);
  });

  it('serves public statistics whose per-day counts and totals match the deposits', async () => {
    const r = await call(svc.url, '/v1/stats/public');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('public, max-age=60');
    const s = r.body as PublicStats;
    const total = made.alice.length + made.bob.length;
    expect(s.deposits.total).toBe(total);
    expect(s.deposits.perDay).toHaveLength(90);
    const dates = s.deposits.perDay.map((d) => d.date);
    expect(dates).toEqual([...dates].sort());
    expect(dates[89]).toBe(new Date().toISOString().slice(0, 10));
    expect(new Date(`${dates[0]}T00:00:00Z`).getTime()).toBe(new Date(`${dates[89]}T00:00:00Z`).getTime() - 89 * 86_400_000);
    // Each deposit counts on the UTC day of its receivedAt.
    const listed = [...(await all(svc.url, alice, 'limit=100')).items, ...(await all(svc.url, bob, 'limit=100')).items];
    const want = new Map<string, number>();
    for (const d of listed) want.set(d.receivedAt.slice(0, 10), (want.get(d.receivedAt.slice(0, 10)) ?? 0) + 1);
    for (const day of s.deposits.perDay) expect(day.count, day.date).toBe(want.get(day.date) ?? 0);
    expect(s.deposits.perDay.reduce((n, d) => n + d.count, 0)).toBe(total);
    expect(s).toMatchObject({ registrations: { applications: 0, approved: 0 }, organisations: { total: 0 }, targets: { deposits: 2_000_000, applications: 100_000, organisations: 4_000 } });

    await createAccount(svc.url, { kind: 'organisation' });
    await depositJson(svc.url, bob, { sha256: hex() });
    const after = (await call(svc.url, '/v1/stats/public')).body as PublicStats;
    expect(after.deposits.total).toBe(total + 1);
    expect(after.deposits.perDay.reduce((n, d) => n + d.count, 0)).toBe(total + 1);
    expect(after.organisations.total).toBe(1);
  });
});

describe('a store written before the per-account index', () => {
  it('is indexed once at start-up: its deposits are listed and counted per day', async () => {
    const dir = await tempDir('cl-backfill-');
    const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'silent', ...GENEROUS_LIMITS });
    const logs: string[] = [];
    let svc: Service | undefined;
    try {
      svc = await startService(config, (m) => logs.push(m));
      const a = await createAccount(svc.url);
      const b = await createAccount(svc.url);
      const mine = await depositBatch(svc.url, a.apiKey, Array.from({ length: 25 }, (_, i) => ({ sha256: hex(), metadata: { title: `Old work ${i}` } })));
      const theirs = await depositJson(svc.url, b.apiKey, { sha256: hex() });
      mine.push(await depositJson(svc.url, a.apiKey, { sha256: hex(), metadata: { title: 'Last old work' } }));
      const before = (await call(svc.url, '/v1/stats/public')).body as PublicStats;
      await svc.close();
      svc = undefined;

      // Make it a store of an earlier version: no index records, no per-day counters, no marker.
      const store = await LevelLogStore.open(join(dir.path, 'ledger'));
      let removed = 0;
      const drop = async (gte: Uint8Array, lt: Uint8Array) => {
        for await (const k of store.db.keys({ gte, lt })) {
          await store.db.del(k);
          removed++;
        }
      };
      await drop(Uint8Array.of(P.accountDeposit), Uint8Array.of(P.accountDeposit + 1));
      const day = Uint8Array.from([P.counter, ...Buffer.from('deposits/day/')]);
      await drop(day, prefixEnd(day));
      await store.db.del(recordKey(INDEX_PROGRESS.space, INDEX_PROGRESS.key));
      await store.close();
      expect(removed, "index records and one per-day counter").toBe(mine.length + 2);

      svc = await startService(config, (m) => logs.push(m));
      const listed = await all(svc.url, a.apiKey, 'limit=10');
      expect(listed.items.map((d) => d.id)).toEqual([...mine].sort((x, y) => y.index - x.index).map((d) => d.id));
      expect(listed.items[0]!.title).toBe('Last old work');
      expect((await all(svc.url, b.apiKey)).items.map((d) => d.id)).toEqual([theirs.id]);
      expect((await all(svc.url, a.apiKey, 'q=old%20work%2024')).items.map((d) => d.title)).toEqual(['Old work 24']);
      const after = (await call(svc.url, '/v1/stats/public')).body as PublicStats;
      expect(after.deposits).toEqual(before.deposits);

      // New deposits after the backfill are listed and counted once; a second start changes nothing.
      const fresh = await depositJson(svc.url, a.apiKey, { sha256: hex() });
      await svc.close();
      svc = await startService(config, (m) => logs.push(m));
      const again = await all(svc.url, a.apiKey, 'limit=100');
      expect(again.items.map((d) => d.id)).toEqual([fresh.id, ...listed.items.map((d) => d.id)]);
      const last = (await call(svc.url, '/v1/stats/public')).body as PublicStats;
      expect(last.deposits.total).toBe(before.deposits.total + 1);
      expect(last.deposits.perDay.reduce((n, d) => n + d.count, 0)).toBe(before.deposits.total + 1);
    } finally {
      await svc?.close();
      await dir.remove();
    }
  }, 60_000);
});
