/**
 * Tamper test: a store written by the real service, closed, then changed by one byte directly in
 * LevelDB. Records are found by their content (the bytes the contract says they hold), not by
 * the project's private key schema. `audit --data-dir` must exit 1 naming the entry or block.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Level } from 'level';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';
import { startService } from '../../src/server.js';
import { createAccount } from '../support/service.js';
import { makeTempDir, removeAllTempDirs, runCli, type TempDir } from '../support/proc.js';

const DEPOSITS = 8;

interface Deposited {
  id: string;
  index: number;
  sha256: string;
  block: number;
}

interface Store {
  dir: TempDir;
  deposits: Deposited[];
  logKey: string;
  /** Entry bytes by index, as served by GET /v1/log/entries/{index}. */
  entries: Buffer[];
}

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * A closed store with DEPOSITS hash-only deposits, one block each (blocks 1..DEPOSITS), then
 * `extra` more in one batch (one more block).
 */
async function makeStore(extra = 0): Promise<Store> {
  const dir = await makeTempDir('cl-tamper-');
  const service = await startService(ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'silent' }));
  try {
    const { apiKey } = await createAccount(service.url);
    const deposits: Deposited[] = [];
    for (let i = 0; i < DEPOSITS; i++) {
      const sha = randomBytes(32).toString('hex');
      const res = await fetch(`${service.url}/v1/deposits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sha256: sha, metadata: { title: `work ${i}` } }),
      });
      expect(res.status).toBe(201);
      const d = (await res.json()) as Deposited;
      expect(d).toMatchObject({ index: i, block: i + 1, sha256: sha });
      deposits.push({ id: d.id, index: d.index, sha256: sha, block: d.block });
    }
    if (extra > 0) {
      const res = await fetch(`${service.url}/v1/deposits/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items: Array.from({ length: extra }, () => ({ sha256: randomBytes(32).toString('hex') })) }),
      });
      expect(res.status).toBe(201);
    }
    const entries: Buffer[] = [];
    for (let i = 0; i < DEPOSITS + extra; i++) {
      const e = (await (await fetch(`${service.url}/v1/log/entries/${i}`)).json()) as { entry: string };
      entries.push(Buffer.from(e.entry, 'base64'));
    }
    return { dir, deposits, logKey: service.ledger.verifierKey, entries };
  } finally {
    await service.close();
  }
}

type Db = Level<Uint8Array, Uint8Array>;

async function withDb<T>(store: Store, fn: (db: Db) => Promise<T>): Promise<T> {
  const db: Db = new Level<Uint8Array, Uint8Array>(join(store.dir.path, 'ledger'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Every record whose value satisfies `match`. */
async function findValues(db: Db, match: (value: Buffer) => boolean): Promise<{ key: Uint8Array; value: Buffer }[]> {
  const found: { key: Uint8Array; value: Buffer }[] = [];
  for await (const [key, value] of db.iterator()) {
    const v = Buffer.from(value);
    if (match(v)) found.push({ key, value: v });
  }
  return found;
}

/** Replaces the ASCII character at `pos` with another one from `alphabet`. */
function flipChar(value: Buffer, pos: number, alphabet: string): Buffer {
  const out = Buffer.from(value);
  const c = String.fromCharCode(out[pos]!);
  expect(alphabet).toContain(c);
  out[pos] = alphabet.charCodeAt((alphabet.indexOf(c) + 1) % alphabet.length);
  expect(out.equals(value)).toBe(false);
  expect(out.length).toBe(value.length);
  return out;
}

/** `value` with its one occurrence of `from` replaced by `to` (same length). */
function replaceWithin(value: Buffer, from: Uint8Array, to: Uint8Array): Buffer {
  const at = value.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(value.indexOf(from, at + 1)).toBe(-1);
  const out = Buffer.from(value);
  out.set(to, at);
  return out;
}

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGITS = '0123456789';

const stores: Store[] = [];
async function freshStore(extra = 0): Promise<Store> {
  const s = await makeStore(extra);
  stores.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.dir.remove()));
});
afterAll(async () => {
  await removeAllTempDirs();
});

async function auditStore(store: Store) {
  return runCli(['audit', '--data-dir', store.dir.path, '--key', store.logKey]);
}

describe('tamper detection by audit --data-dir', () => {
  it('passes an untampered store', async () => {
    const store = await freshStore();
    const r = await auditStore(store);
    expect(r.text).toContain(`audit ok: ${DEPOSITS + 1} blocks, ${DEPOSITS} entries`);
    expect(r.code).toBe(0);
    // Without --key it reads the store's own key file.
    const own = await runCli(['audit', '--data-dir', store.dir.path]);
    expect(own.code).toBe(0);
  });

  it('(a) names the entry whose bytes had one hex digit of its sha256 changed', async () => {
    const store = await freshStore();
    const target = store.deposits[4]!;
    await withDb(store, async (db) => {
      const hits = await findValues(db, (v) => v.includes(target.sha256, 0, 'latin1'));
      // Only the entry (in its entry bundle) holds the work's hash as hex.
      expect(hits).toHaveLength(1);
      const hit = hits[0]!;
      expect(hit.value.includes(store.entries[target.index]!)).toBe(true);
      const pos = hit.value.indexOf(target.sha256, 0, 'latin1') + 17;
      await db.put(hit.key, flipChar(hit.value, pos, HEX));
    });
    const r = await auditStore(store);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(new RegExp(`audit FAILED at entry ${target.index}\\b`));
  });

  it('(a) still fails when the entry and its stored leaf hash are changed consistently (the signed root catches it)', async () => {
    const store = await freshStore();
    const target = store.deposits[4]!;
    await withDb(store, async (db) => {
      const [hit, ...more] = await findValues(db, (v) => v.includes(target.sha256, 0, 'latin1'));
      expect(more).toHaveLength(0);
      const entry = store.entries[target.index]!;
      const at = hit!.value.indexOf(entry);
      expect(at).toBeGreaterThan(0);
      const forgedEntry = flipChar(entry, entry.indexOf(target.sha256, 0, 'latin1') + 3, HEX);
      const forged = Buffer.concat([hit!.value.subarray(0, at), forgedEntry, hit!.value.subarray(at + entry.length)]);
      // The leaf hash sits in a hash tile (32-byte hashes side by side).
      const oldLeaf = sha256(Uint8Array.of(0), entry);
      const leaves = await findValues(db, (v) => v.includes(oldLeaf));
      expect(leaves).toHaveLength(1);
      await db.put(leaves[0]!.key, replaceWithin(leaves[0]!.value, oldLeaf, sha256(Uint8Array.of(0), forgedEntry)));
      await db.put(hit!.key, forged);
    });
    const r = await auditStore(store);
    expect(r.code).toBe(1);
    // Entry 4 is first covered by block 5 (one deposit per block); either names the forgery.
    expect(r.text).toMatch(new RegExp(`audit FAILED at (entry ${target.index}|block ${target.block})\\b`));
  });

  it('(b) names block 3 when one byte of its checkpoint signature changed', async () => {
    const store = await freshStore();
    await withDb(store, async (db) => {
      // Block records hold the note text; in a JSON record its newlines are escaped.
      const hits = await findValues(db, (v) => v.includes('\nblock 3\n') || v.includes('\\nblock 3\\n'));
      expect(hits).toHaveLength(1);
      const hit = hits[0]!;
      const text = hit.value.toString('utf8');
      const sigLine = text.indexOf('\u2014 localhost/copyright-ledger ');
      expect(sigLine).toBeGreaterThan(0);
      // Byte offset of the signature's base64, then a character well inside it (past the key id).
      const sigStart = Buffer.byteLength(text.slice(0, sigLine)) + Buffer.byteLength('\u2014 localhost/copyright-ledger ');
      await db.put(hit.key, flipChar(hit.value, sigStart + 40, B64));
    });
    const r = await auditStore(store);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/audit FAILED at block 3\b/);
    expect(r.text).toContain('checkpoint does not verify');
  });

  it('(b) names block 3 when one digit of its checkpoint time changed', async () => {
    const store = await freshStore();
    await withDb(store, async (db) => {
      const hits = await findValues(db, (v) => v.includes('\nblock 3\n') || v.includes('\\nblock 3\\n'));
      expect(hits).toHaveLength(1);
      const hit = hits[0]!;
      const m = /(block 3(?:\\n|\n)time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d)(\d)Z/.exec(hit.value.toString('latin1'));
      expect(m).not.toBeNull();
      // The last millisecond digit of the signed time line.
      await db.put(hit.key, flipChar(hit.value, m!.index + m![1]!.length, DIGITS));
    });
    const r = await auditStore(store);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/audit FAILED at block 3\b/);
  });

  it('(b) names block 3 when one hex digit of the root hash stored beside its checkpoint changed', async () => {
    const store = await freshStore();
    await withDb(store, async (db) => {
      const [hit, ...more] = await findValues(db, (v) => v.includes('\\nblock 3\\n') || v.includes('\nblock 3\n'));
      expect(more).toHaveLength(0);
      // The signed root, as base64 in the note (line 3); look for its hex spelling in the record.
      const note = hit!.value.toString('utf8').replace(/\\n/g, '\n');
      const rootB64 = /\n([A-Za-z0-9+/]{43}=)\nblock 3\n/.exec(note)![1]!;
      const rootHex = Buffer.from(rootB64, 'base64').toString('hex');
      const at = hit!.value.indexOf(rootHex, 0, 'latin1');
      expect(at).toBeGreaterThan(0);
      await db.put(hit!.key, flipChar(hit!.value, at + 5, HEX));
    });
    const r = await auditStore(store);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/audit FAILED at block 3\b/);
    expect(r.text).toContain('block record differs from its signed checkpoint');
  });

  it('(c) names the entry whose stored leaf hash SHA-256(0x00 ‖ entry) had one byte changed', async () => {
    const store = await freshStore();
    const target = store.deposits[5]!;
    const leaf = sha256(Uint8Array.of(0), store.entries[target.index]!);
    await withDb(store, async (db) => {
      const hits = await findValues(db, (v) => v.includes(leaf));
      expect(hits).toHaveLength(1);
      const tampered = Buffer.from(hits[0]!.value);
      tampered[hits[0]!.value.indexOf(leaf) + 7]! ^= 0x01;
      await db.put(hits[0]!.key, tampered);
    });
    const r = await auditStore(store);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(new RegExp(`audit FAILED at entry ${target.index}\\b`));
  });

  it('(c) names the entry that completes a stored interior node (level 8, in a level-1 hash tile) when it had one byte changed', async () => {
    const store = await freshStore(256);
    // Node (8, 0): the root of the perfect subtree over entries 0..255; entry 255 completes it.
    let level: Buffer[] = store.entries.slice(0, 256).map((e) => sha256(Uint8Array.of(0), e));
    while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, i) => sha256(Uint8Array.of(1), level[2 * i]!, level[2 * i + 1]!));
    const node = level[0]!;
    await withDb(store, async (db) => {
      const hits = await findValues(db, (v) => v.includes(node));
      expect(hits).toHaveLength(1);
      const tampered = Buffer.from(hits[0]!.value);
      tampered[hits[0]!.value.indexOf(node) + 31]! ^= 0x80;
      await db.put(hits[0]!.key, tampered);
    });
    const r = await auditStore(store);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/audit FAILED at entry 255\b/);
  });

  it('passes again once the changed byte is put back', async () => {
    const store = await freshStore();
    const target = store.deposits[2]!;
    let original: { key: Uint8Array; value: Buffer } | undefined;
    await withDb(store, async (db) => {
      const hits = await findValues(db, (v) => v.includes(target.sha256, 0, 'latin1'));
      expect(hits).toHaveLength(1);
      original = hits[0]!;
      await db.put(original.key, flipChar(original.value, original.value.indexOf(target.sha256, 0, 'latin1'), HEX));
    });
    expect((await auditStore(store)).code).toBe(1);
    await withDb(store, (db) => db.put(original!.key, original!.value));
    expect((await auditStore(store)).code).toBe(0);
  });
});
