/** One contract suite for the LedgerStore port, run against every implementation. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { MemoryLogStore } from '../../src/adapters/memory/store.js';
import { toHex } from '../../src/core/bytes.js';
import { isLogError } from '../../src/core/errors.js';
import { CompactRange, TreeHasher, type NodeId } from '../../src/core/merkle.js';
import { parseEntryBundle } from '../../src/core/tiles.js';
import { nodeSha256 } from '../../src/adapters/crypto/node.js';
import type { ApiKeyRecord, CommitBatch, LedgerStore, NewApiKey } from '../../src/app/ports.js';
import { tempDir } from '../support/service.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { sharedPgDatabase, stopSharedPgCluster } from '../support/pg.js';

const h = (b: number) => new Uint8Array(32).fill(b);

function batch(height: bigint, start: bigint, n: number, extra: Partial<CommitBatch> = {}): CommitBatch {
  const entries = Array.from({ length: n }, (_, i) => ({ index: start + BigInt(i), bytes: new TextEncoder().encode(`entry ${start + BigInt(i)}`) }));
  const size = start + BigInt(n);
  return {
    entries,
    nodes: entries.map((e) => ({ id: { level: 0, index: e.index }, hash: h(Number(e.index % 200n) + 1) })),
    block: { height, treeSize: size, rootHash: h(250), prevHash: h(251), time: '2026-11-26T00:00:00.000Z', checkpoint: `cp ${height}\n` },
    head: { treeSize: size, compact: [h(7)], rootHash: h(250), height, blockHash: h(9), time: '2026-11-26T00:00:00.000Z' },
    deposits: [],
    claims: [],
    ...extra,
  };
}

/**
 * A log with real hashes: `commitN(n)` commits n more entries with every perfect node the batch
 * completes (from the core's CompactRange, as the Ledger makes them); `nodes` keeps them all.
 */
function realLog(store: LedgerStore) {
  const hasher = new TreeHasher(nodeSha256);
  const range = new CompactRange(hasher);
  const nodes = new Map<string, Uint8Array>();
  const entries: Uint8Array[] = [];
  let height = 0n;
  return {
    store,
    nodes,
    entries,
    node: (level: number, index: bigint) => nodes.get(`${level}/${index}`),
    async commitN(this: { store: LedgerStore }, n: number) {
      const b = batch(height, range.size, 0);
      for (let i = 0; i < n; i++) {
        const bytes = new TextEncoder().encode(`real entry ${range.size} ${'x'.repeat(Number(range.size % 50n))}`);
        b.entries.push({ index: range.size, bytes });
        entries.push(bytes);
        range.append(hasher.hashLeaf(bytes), (id, hash) => {
          b.nodes.push({ id, hash });
          nodes.set(`${id.level}/${id.index}`, hash);
        });
      }
      b.block = { ...b.block, treeSize: range.size };
      b.head = { ...b.head, treeSize: range.size, compact: [...range.hashes], rootHash: range.root() };
      await this.store.commit(b);
      height++;
    },
  };
}

const joined = (parts: (Uint8Array | undefined)[]) => toHex(Uint8Array.from(parts.flatMap((p) => [...p!])));

function keyRecord(account: string, id: string, createdAt = '2026-11-26T00:00:00.000Z', label?: string): ApiKeyRecord {
  return { id, account, prefix: 'clk_' + id, createdAt, ...(label !== undefined ? { label } : {}) };
}

function newKey(account: string, id: string, hashByte: number, createdAt?: string, label?: string): NewApiKey {
  return { record: keyRecord(account, id, createdAt, label), hash: h(hashByte) };
}

const impls: { name: string; open: () => Promise<{ store: LedgerStore; reopen?: () => Promise<LedgerStore>; cleanup: () => Promise<void> }> }[] = [
  { name: 'memory', open: async () => ({ store: new MemoryLogStore(), cleanup: async () => undefined }) },
  {
    name: 'level',
    open: async () => {
      const dir = await tempDir('cl-store-');
      const path = join(dir.path, 'db');
      let store: LedgerStore = await LevelLogStore.open(path);
      return {
        store,
        reopen: async () => {
          await store.close();
          store = await LevelLogStore.open(path);
          return store;
        },
        cleanup: async () => {
          await store.close().catch(() => undefined);
          await dir.remove();
        },
      };
    },
  },
  // PostgreSQL: a throwaway cluster on loopback (test/support/pg.ts), a new database per test.
  {
    name: 'pg',
    open: async () => {
      const url = await sharedPgDatabase();
      let store: LedgerStore = await PgLogStore.open(url);
      return {
        store,
        reopen: async () => {
          await store.close();
          store = await PgLogStore.open(url);
          return store;
        },
        cleanup: async () => {
          await store.close().catch(() => undefined);
        },
      };
    },
  },
];
afterAll(stopSharedPgCluster);

for (const impl of impls) {
  describe(`LedgerStore contract: ${impl.name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });
    const open = async () => {
      const o = await impl.open();
      cleanup = o.cleanup;
      return o;
    };

    it('starts empty', async () => {
      const { store } = await open();
      expect(await store.loadHead()).toBeUndefined();
      expect(await store.getEntry(0n)).toBeUndefined();
      expect(await store.getBlock(0n)).toBeUndefined();
      expect(await store.findCoveringBlock(0n)).toBeUndefined();
      expect(await store.countAccounts()).toBe(0);
    });

    it('serves what a commit wrote, and the head round-trips', async () => {
      const { store } = await open();
      await store.commit(batch(0n, 0n, 0));
      await store.commit(batch(1n, 0n, 3));
      await store.commit(batch(2n, 3n, 2));
      const head = await store.loadHead();
      expect(head?.treeSize).toBe(5n);
      expect(head?.height).toBe(2n);
      expect(head?.compact.map(toHex)).toEqual([toHex(h(7))]);
      expect(new TextDecoder().decode(await store.getEntry(4n))).toBe('entry 4');
      expect((await store.getEntries(1n, 10)).map((b) => new TextDecoder().decode(b))).toEqual(['entry 1', 'entry 2', 'entry 3', 'entry 4']);
      expect((await store.getNodes([{ level: 0, index: 2n }, { level: 0, index: 0n }])).map(toHex)).toEqual([h(3), h(1)].map(toHex));
      expect((await store.getBlock(1n))?.checkpoint).toBe('cp 1\n');
      expect((await store.findCoveringBlock(0n))?.height).toBe(1n);
      expect((await store.findCoveringBlock(2n))?.height).toBe(1n);
      expect((await store.findCoveringBlock(3n))?.height).toBe(2n);
      expect(await store.findCoveringBlock(5n)).toBeUndefined();
    });

    it('reports a missing node as corrupt_store', async () => {
      const { store } = await open();
      await store.commit(batch(0n, 0n, 1));
      await expect(store.getNodes([{ level: 3, index: 0n }])).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store'));
    });

    it('indexes deposits by id and SHA-256 (ascending), and claims', async () => {
      const { store } = await open();
      await store.commit(
        batch(0n, 0n, 3, {
          deposits: [
            { record: { id: 'dep_b', index: 2n, metadata: '{"salt":"2"}' }, sha256: h(1) },
            { record: { id: 'dep_a', index: 0n, metadata: '{"salt":"1"}' }, sha256: h(1) },
          ],
          claims: [{ kind: 'external', account: 'acc_1', key: 'x/1', depositId: 'dep_a' }],
        }),
      );
      expect(await store.getDeposit('dep_b')).toEqual({ id: 'dep_b', index: 2n, metadata: '{"salt":"2"}' });
      expect(await store.getDeposit('dep_c')).toBeUndefined();
      expect((await store.findBySha256(h(1), 10)).sort()).toEqual([0n, 2n]);
      expect(await store.findBySha256(h(1), 1)).toHaveLength(1);
      expect(await store.findBySha256(h(2), 10)).toEqual([]);
      expect(await store.getClaim('external', 'acc_1', 'x/1')).toBe('dep_a');
      expect(await store.getClaim('idempotency', 'acc_1', 'x/1')).toBeUndefined();
      expect(await store.getClaim('external', 'acc_2', 'x/1')).toBeUndefined();
    });

    it('lists an account\'s deposits from the per-account index, newest first, below a cursor', async () => {
      const { store } = await open();
      const dep = (id: string, index: bigint, account?: string) => ({ record: { id, index, metadata: '{}' }, sha256: h(3), ...(account !== undefined ? { account } : {}) });
      await store.commit(batch(0n, 0n, 3, { deposits: [dep('dep_0', 0n, 'acc_a'), dep('dep_1', 1n, 'acc_b'), dep('dep_2', 2n, 'acc_a')] }));
      // No account: not in any account's list (e.g. a deposit of an earlier version).
      await store.commit(batch(1n, 3n, 3, { deposits: [dep('dep_3', 3n, 'acc_a'), dep('dep_4', 4n), dep('dep_5', 5n, 'acc_a')] }));
      expect(await store.listAccountDeposits('acc_a', { limit: 10 })).toEqual([
        { index: 5n, id: 'dep_5' },
        { index: 3n, id: 'dep_3' },
        { index: 2n, id: 'dep_2' },
        { index: 0n, id: 'dep_0' },
      ]);
      expect(await store.listAccountDeposits('acc_a', { limit: 2 })).toEqual([
        { index: 5n, id: 'dep_5' },
        { index: 3n, id: 'dep_3' },
      ]);
      expect(await store.listAccountDeposits('acc_a', { before: 3n, limit: 10 })).toEqual([
        { index: 2n, id: 'dep_2' },
        { index: 0n, id: 'dep_0' },
      ]);
      expect(await store.listAccountDeposits('acc_a', { before: 0n, limit: 10 })).toEqual([]);
      expect(await store.listAccountDeposits('acc_a', { before: 2n ** 64n, limit: 1 })).toEqual([{ index: 5n, id: 'dep_5' }]);
      expect(await store.listAccountDeposits('acc_a', { limit: 0 })).toEqual([]);
      expect(await store.listAccountDeposits('acc_b', { limit: 10 })).toEqual([{ index: 1n, id: 'dep_1' }]);
      // An account id that is a prefix of another's sees only its own.
      expect(await store.listAccountDeposits('acc_', { limit: 10 })).toEqual([]);
      expect(await store.listAccountDeposits('acc_c', { limit: 10 })).toEqual([]);
    });

    it('adds index records for earlier deposits atomically with records and counters; adding one twice changes nothing', async () => {
      const { store } = await open();
      await store.commit(batch(0n, 0n, 3, { deposits: [{ record: { id: 'dep_2', index: 2n, metadata: '{}' }, sha256: h(3), account: 'acc_a' }] }));
      const refs = [
        { account: 'acc_a', index: 0n, id: 'dep_0' },
        { account: 'acc_b', index: 1n, id: 'dep_1' },
      ];
      await store.indexAccountDeposits(refs, [{ space: 'migrations', key: 'm', value: 'done' }], [{ name: 'deposits/day/2026-11-26', delta: 2 }]);
      await store.indexAccountDeposits([refs[0]!]);
      expect(await store.listAccountDeposits('acc_a', { limit: 10 })).toEqual([
        { index: 2n, id: 'dep_2' },
        { index: 0n, id: 'dep_0' },
      ]);
      expect(await store.listAccountDeposits('acc_b', { limit: 10 })).toEqual([{ index: 1n, id: 'dep_1' }]);
      expect(await store.getRecord('migrations', 'm')).toBe('done');
      expect(await store.getCounter('deposits/day/2026-11-26')).toBe(2);
      // Serialized with commits: concurrent counter updates are never lost.
      await Promise.all([
        store.commit(batch(1n, 3n, 1, { counters: [{ name: 'deposits/day/2026-11-26', delta: 1 }] })),
        store.indexAccountDeposits([], [], [{ name: 'deposits/day/2026-11-26', delta: 5 }]),
      ]);
      expect(await store.getCounter('deposits/day/2026-11-26')).toBe(8);
    });

    it('keeps accounts by id, key hash and e-mail (case-insensitive)', async () => {
      const { store } = await open();
      const account = { id: 'acc_1', name: 'N', email: 'Ann@Example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
      await store.putAccount(account, newKey('acc_1', 'key_1', 5));
      expect(await store.getAccount('acc_1')).toEqual(account);
      expect(await store.findKey(h(5))).toEqual({ account, key: keyRecord('acc_1', 'key_1') });
      expect(await store.findKey(h(6))).toBeUndefined();
      expect(await store.getAccountByEmail('ann@example.com')).toEqual(account);
      expect(await store.countAccounts()).toBe(1);
    });

    it('keeps several keys per account; a revoked key is never found again', async () => {
      const { store } = await open();
      const account = { id: 'acc_1', name: 'N', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
      await store.putAccount(account, newKey('acc_1', 'key_a', 5, '2026-11-26T00:00:00.000Z'));
      await store.addKey(newKey('acc_1', 'key_b', 6, '2026-11-26T00:00:01.000Z', 'CI'));
      await expect(store.addKey(newKey('acc_nobody', 'key_c', 7))).rejects.toSatisfy((e: unknown) => isLogError(e, 'not_found'));
      expect(await store.findKey(h(7))).toBeUndefined();
      expect((await store.listKeys('acc_1')).map((k) => k.id)).toEqual(['key_a', 'key_b']);
      expect((await store.findKey(h(6)))?.key).toEqual(keyRecord('acc_1', 'key_b', '2026-11-26T00:00:01.000Z', 'CI'));

      const revoked = await store.revokeKey('acc_1', 'key_a', '2026-11-26T00:01:00.000Z');
      expect(revoked).toEqual({ ...keyRecord('acc_1', 'key_a', '2026-11-26T00:00:00.000Z'), revokedAt: '2026-11-26T00:01:00.000Z' });
      expect(await store.findKey(h(5))).toBeUndefined();
      expect((await store.findKey(h(6)))?.account.id).toBe('acc_1');
      // Repeating keeps the first revocation time; an unknown key or account is undefined.
      expect((await store.revokeKey('acc_1', 'key_a', '2026-11-26T00:02:00.000Z'))?.revokedAt).toBe('2026-11-26T00:01:00.000Z');
      expect(await store.revokeKey('acc_1', 'key_zz', '2026-11-26T00:02:00.000Z')).toBeUndefined();
      expect(await store.revokeKey('acc_2', 'key_b', '2026-11-26T00:02:00.000Z')).toBeUndefined();
      expect((await store.listKeys('acc_1')).map((k) => [k.id, k.revokedAt])).toEqual([
        ['key_a', '2026-11-26T00:01:00.000Z'],
        ['key_b', undefined],
      ]);
      expect(await store.listKeys('acc_2')).toEqual([]);
    });

    it('raises lastUsedAt, never lowers it, and never undoes a revocation', async () => {
      const { store } = await open();
      const account = { id: 'acc_1', name: 'N', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
      await store.putAccount(account, newKey('acc_1', 'key_a', 5));
      await store.addKey(newKey('acc_1', 'key_b', 6));
      await store.touchKeys([{ account: 'acc_1', id: 'key_a', at: '2026-11-26T01:00:00.000Z' }]);
      await store.touchKeys([{ account: 'acc_1', id: 'key_a', at: '2026-11-26T00:30:00.000Z' }, { account: 'acc_1', id: 'key_missing', at: '2026-11-26T01:00:00.000Z' }]);
      expect((await store.findKey(h(5)))?.key.lastUsedAt).toBe('2026-11-26T01:00:00.000Z');
      await Promise.all([
        store.touchKeys([{ account: 'acc_1', id: 'key_b', at: '2026-11-26T02:00:00.000Z' }]),
        store.revokeKey('acc_1', 'key_b', '2026-11-26T02:00:00.000Z'),
        store.touchKeys([{ account: 'acc_1', id: 'key_b', at: '2026-11-26T03:00:00.000Z' }]),
      ]);
      const b = (await store.listKeys('acc_1')).find((k) => k.id === 'key_b')!;
      expect(b.revokedAt).toBe('2026-11-26T02:00:00.000Z');
      expect(await store.findKey(h(6))).toBeUndefined();
    });

    it('lists accounts by id prefix, in id order, after a cursor', async () => {
      const { store } = await open();
      for (const [i, id] of ['acc_b', 'acc_admin_x', 'acc_a', 'acc_admin_y'].entries()) {
        await store.putAccount({ id, name: 'N', email: `${id}@example.com`, kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' }, newKey(id, 'key_1', i + 1));
      }
      expect((await store.listAccounts({ limit: 10 })).map((a) => a.id)).toEqual(['acc_a', 'acc_admin_x', 'acc_admin_y', 'acc_b']);
      expect((await store.listAccounts({ prefix: 'acc_admin_', limit: 10 })).map((a) => a.id)).toEqual(['acc_admin_x', 'acc_admin_y']);
      expect((await store.listAccounts({ prefix: 'acc_admin_', after: 'acc_admin_x', limit: 10 })).map((a) => a.id)).toEqual(['acc_admin_y']);
      expect((await store.listAccounts({ after: 'acc_admin_y', limit: 1 })).map((a) => a.id)).toEqual(['acc_b']);
    });

    it('writes auxiliary records and counters atomically with a commit, and lists records in key order', async () => {
      const { store } = await open();
      await store.commit(
        batch(0n, 0n, 1, {
          records: [
            { space: 'reg', key: 'b/2', value: 'two' },
            { space: 'reg', key: 'a/1', value: 'one' },
            { space: 'reg', key: 'b/1', value: 'x' },
            { space: 'reg', key: 'b/1', value: 'one-b' },
            { space: 'reg', key: 'b/\u661f', value: 'star' },
            { space: 'other', key: 'b/9', value: 'not listed' },
          ],
          counters: [
            { name: 'n/x', delta: 1 },
            { name: 'n/x', delta: 2 },
            { name: 'n/y', delta: 5 },
          ],
        }),
      );
      expect(await store.getRecord('reg', 'b/1')).toBe('one-b');
      expect(await store.getRecord('reg', 'c')).toBeUndefined();
      expect(await store.getRecord('nope', 'b/1')).toBeUndefined();
      expect((await store.listRecords('reg', { limit: 10 })).map((r) => r.key)).toEqual(['a/1', 'b/1', 'b/2', 'b/\u661f']);
      expect(await store.listRecords('reg', { prefix: 'b/', limit: 2 })).toEqual([
        { key: 'b/1', value: 'one-b' },
        { key: 'b/2', value: 'two' },
      ]);
      expect((await store.listRecords('reg', { prefix: 'b/', after: 'b/1', limit: 10 })).map((r) => r.key)).toEqual(['b/2', 'b/\u661f']);
      expect((await store.listRecords('reg', { prefix: 'b/', after: 'a', limit: 10 })).map((r) => r.key)).toEqual(['b/1', 'b/2', 'b/\u661f']);
      expect(await store.listRecords('reg', { prefix: 'c', limit: 10 })).toEqual([]);
      expect(await store.getCounter('n/x')).toBe(3);
      expect(await store.getCounter('n/y')).toBe(5);
      expect(await store.getCounter('n/z')).toBeUndefined();

      // A delete removes the record; a negative delta subtracts.
      await store.commit(batch(1n, 1n, 1, { records: [{ space: 'reg', key: 'a/1', value: null }], counters: [{ name: 'n/y', delta: -2 }] }));
      expect(await store.getRecord('reg', 'a/1')).toBeUndefined();
      expect(await store.getCounter('n/y')).toBe(3);
    });

    it('writes records outside the log and never loses a concurrent counter update', async () => {
      const { store } = await open();
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.writeRecords([{ space: 'm', key: `k${i}`, value: `${i}` }], [{ name: 'c', delta: 1 }])));
      expect(await store.getCounter('c')).toBe(50);
      expect(await store.listRecords('m', { limit: 100 })).toHaveLength(50);
      await Promise.all([
        store.commit(batch(0n, 0n, 1, { counters: [{ name: 'c', delta: 10 }] })),
        store.writeRecords([], [{ name: 'c', delta: 100 }]),
        store.putAccount({ id: 'acc_9', name: 'N', email: 'n@example.com', kind: 'organisation', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' }, newKey('acc_9', 'key_9', 9), [
          { name: 'c', delta: 1000 },
        ]),
      ]);
      expect(await store.getCounter('c')).toBe(1160);
    });

    it('round-trips deposit records and per-account references of every shape', async () => {
      const o = await open();
      const salt = 'a'.repeat(8) + '0123456789abcdef' + 'f'.repeat(8);
      const records = [
        { id: 'dep_0123456789abcdef0123', index: 0n, metadata: `{"salt":"${salt}"}` },
        { id: 'dep_abcdefabcdefabcdefab', index: 1n, metadata: `{"onBehalfOf":"x","salt":"${salt}","title":"T\u00e9"}` },
        { id: 'dep_ABCDEF0123456789abcd', index: 255n, metadata: `{"salt":"${salt.toUpperCase()}"}` },
        { id: 'dep_short', index: 256n, metadata: '{"salt":"0"}' },
        { id: 'dep_00000000000000000000', index: 65_537n, metadata: `{"salt":"${'0'.repeat(32)}"}` },
      ];
      await o.store.commit(batch(0n, 0n, 0, { deposits: records.map((record) => ({ record, sha256: h(4), account: 'acc_r' })) }));
      const check = async (s: LedgerStore) => {
        for (const r of records) expect(await s.getDeposit(r.id)).toEqual(r);
        expect(await s.listAccountDeposits('acc_r', { limit: 10 })).toEqual([...records].reverse().map((r) => ({ index: r.index, id: r.id })));
      };
      await check(o.store);
      if (o.reopen && o.store instanceof LevelLogStore) {
        // Values in the encoding of earlier versions: u64be(index) ‖ metadata text; the id as text.
        const db = (o.store as LevelLogStore).db;
        const enc = new TextEncoder();
        const old = { id: 'dep_0123456789abcdef4567', index: 7n, metadata: `{"salt":"${salt}"}` };
        const u64 = new Uint8Array(8);
        new DataView(u64.buffer).setBigUint64(0, old.index);
        await db.put(Uint8Array.of(0x44, ...enc.encode(old.id)), Uint8Array.of(...u64, ...enc.encode(old.metadata)));
        await db.put(Uint8Array.of(0x41, ...enc.encode('acc_old'), 0, ...u64), enc.encode(old.id));
        const again = await o.reopen();
        await check(again);
        expect(await again.getDeposit(old.id)).toEqual(old);
        expect(await again.listAccountDeposits('acc_old', { limit: 10 })).toEqual([{ index: 7n, id: old.id }]);
      }
    });

    it('serves hash tiles whose width grows until full at 256, and entry bundles', async () => {
      const { store } = await open();
      const log = realLog(store);
      const leaves = (from: number, to: number) => joined(Array.from({ length: to - from }, (_, i) => log.node(0, BigInt(from + i))));
      expect(await store.getTile(0, 0n)).toBeUndefined();
      expect(await store.getEntryBundle(0n)).toBeUndefined();
      await log.commitN(100);
      expect(toHex((await store.getTile(0, 0n))!)).toBe(leaves(0, 100));
      await log.commitN(100);
      expect((await store.getTile(0, 0n))!.length).toBe(200 * 32);
      expect(await store.getTile(1, 0n)).toBeUndefined();
      await log.commitN(100);
      expect(toHex((await store.getTile(0, 0n))!)).toBe(leaves(0, 256));
      expect(toHex((await store.getTile(0, 1n))!)).toBe(leaves(256, 300));
      // Node (8, 0) exists from 256 entries on: the first hash of tile 1/0.
      expect(toHex((await store.getTile(1, 0n))!)).toBe(toHex(log.node(8, 0n)!));
      expect(await store.getTile(0, 2n)).toBeUndefined();
      const full = parseEntryBundle((await store.getEntryBundle(0n))!);
      expect(full.map(toHex)).toEqual(log.entries.slice(0, 256).map(toHex));
      expect(parseEntryBundle((await store.getEntryBundle(1n))!).map(toHex)).toEqual(log.entries.slice(256, 300).map(toHex));
      expect(await store.getEntryBundle(2n)).toBeUndefined();
      // Entries across the bundle boundary, and past the end.
      expect((await store.getEntries(250n, 10)).map(toHex)).toEqual(log.entries.slice(250, 260).map(toHex));
      expect((await store.getEntries(295n, 10)).map(toHex)).toEqual(log.entries.slice(295, 300).map(toHex));
      expect(toHex((await store.getEntry(255n))!)).toBe(toHex(log.entries[255]!));
      expect(await store.getEntry(300n)).toBeUndefined();
      // Inner nodes of a partial tile, computed from it.
      expect(toHex((await store.getNodes([{ level: 5, index: 8n }]))[0]!)).toBe(toHex(log.node(5, 8n)!));
      await expect(store.getNodes([{ level: 3, index: 37n }])).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store'));
    });

    it('serves every perfect node across tile levels (70,000 leaves: a level-1 and a level-2 tile)', async () => {
      const o = await open();
      const log = realLog(o.store);
      for (let i = 0; i < 7; i++) await log.commitN(i === 6 ? 9_000 : 10_000 + i * 3);
      const size = BigInt(log.entries.length); // 69,045
      const check = async (s: LedgerStore) => {
        const ids: NodeId[] = [];
        for (let level = 0; level <= 16; level++) {
          const count = size >> BigInt(level);
          for (const index of new Set([0n, 1n, count / 2n, count - 2n, count - 1n])) if (index >= 0n && index < count) ids.push({ level, index });
        }
        const got = await s.getNodes(ids);
        expect(got.map(toHex)).toEqual(ids.map((id) => toHex(log.node(id.level, id.index)!)));
        expect(toHex((await s.getTile(1, 0n))!)).toBe(joined(Array.from({ length: 256 }, (_, i) => log.node(8, BigInt(i)))));
        expect((await s.getTile(1, 1n))!.length).toBe(Number((size >> 8n) - 256n) * 32);
        expect(toHex((await s.getTile(2, 0n))!)).toBe(toHex(log.node(16, 0n)!));
        await expect(s.getNodes([{ level: 16, index: 1n }])).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store'));
        await expect(s.getNodes([{ level: 17, index: 0n }])).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store'));
      };
      await check(o.store);
      // After reopening: no caches.
      if (o.reopen) await check(await o.reopen());
    });

    it('serves reads running alongside a commit that fills a tile and a bundle: before or after it, never between', async () => {
      const { store } = await open();
      const log = realLog(store);
      await log.commitN(200);
      const filling = log.commitN(100);
      let done = false;
      void filling.then(() => (done = true));
      const seen = new Set<number>();
      for (let i = 0; i < 1000 && (!done || seen.size === 0); i++) {
        const [entries, [leaf], tile, bundle] = await Promise.all([
          store.getEntries(0n, 300),
          store.getNodes([{ level: 0, index: 199n }]),
          store.getTile(0, 0n),
          store.getEntryBundle(0n),
        ]);
        expect([200, 300]).toContain(entries.length);
        expect([200 * 32, 256 * 32]).toContain(tile!.length);
        expect([200, 256]).toContain(parseEntryBundle(bundle!).length);
        expect(toHex(leaf!)).toBe(toHex(log.node(0, 199n)!));
        seen.add(entries.length);
      }
      await filling;
      expect((await store.getEntries(0n, 300)).map(toHex)).toEqual(log.entries.map(toHex));
      expect((await store.getTile(0, 0n))!.length).toBe(256 * 32);
    });

    it('extends partial tiles and bundles over commits of one entry', async () => {
      const o = await open();
      const log = realLog(o.store);
      for (let i = 0; i < 130; i++) await log.commitN(1);
      // The level store reopened midway: the next commits extend what it finds stored.
      if (o.reopen) log.store = await o.reopen();
      for (let i = 0; i < 130; i++) await log.commitN(1);
      const store = log.store;
      expect(toHex((await store.getTile(0, 0n))!)).toBe(joined(Array.from({ length: 256 }, (_, i) => log.node(0, BigInt(i)))));
      expect((await store.getTile(0, 1n))!.length).toBe(4 * 32);
      expect(parseEntryBundle((await store.getEntryBundle(1n))!).map(toHex)).toEqual(log.entries.slice(256).map(toHex));
      expect((await store.getEntries(0n, 1000)).map(toHex)).toEqual(log.entries.map(toHex));
      expect(toHex((await store.getNodes([{ level: 8, index: 0n }, { level: 2, index: 64n }]))[1]!)).toBe(toHex(log.node(2, 64n)!));
      if (store instanceof LevelLogStore) {
        // One fragment per commit until a tile or bundle is full; then one record, fragments deleted.
        const keys = async (lo: number[], hi: number[]) => (await store.db.keys({ gte: Uint8Array.from(lo), lt: Uint8Array.from(hi) }).all()).map((k) => k.length);
        expect(await keys([0x42], [0x43])).toEqual([9, 10, 10, 10, 10]);
        expect(await keys([0x54, 0], [0x54, 1])).toEqual([10, 11, 11, 11, 11]);
        expect(await keys([0x54, 1], [0x55])).toEqual([11]);
      }
    });

    it('updates an account in place (role change) and refuses an unknown one', async () => {
      const { store } = await open();
      const account = { id: 'acc_1', name: 'N', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
      await store.putAccount(account, newKey('acc_1', 'key_1', 5));
      await store.updateAccount({ ...account, role: 'reviewer', disabledAt: '2026-11-26T00:01:00.000Z' });
      expect((await store.findKey(h(5)))?.account).toMatchObject({ role: 'reviewer', disabledAt: '2026-11-26T00:01:00.000Z' });
      expect((await store.getAccountByEmail('a@example.com'))?.role).toBe('reviewer');
      await expect(store.updateAccount({ ...account, id: 'acc_2' })).rejects.toSatisfy((e: unknown) => isLogError(e, 'not_found'));
    });

    it('keeps RFC 3161 timestamps by block height and finds the first one at or after a height', async () => {
      const { store } = await open();
      await store.commit(batch(0n, 0n, 0));
      expect(await store.getTimestamp(0n)).toBeUndefined();
      expect(await store.findFirstTimestampedBlock(0n)).toBeUndefined();
      const der = (n: number) => Uint8Array.from({ length: 40 + n }, (_, i) => (i * 7 + n) & 255);
      await store.putTimestamp(3n, der(3), 'TSA three');
      await store.putTimestamp(7n, der(7), 'copyright-ledger built-in TSA (self-issued time)');
      await store.putTimestamp(256n, der(1), 'T\u00e9l\u00e9 \u661f');
      expect(await store.getTimestamp(3n)).toEqual({ der: der(3), tsa: 'TSA three' });
      expect(await store.getTimestamp(4n)).toBeUndefined();
      expect(await store.findFirstTimestampedBlock(0n)).toEqual({ height: 3n, der: der(3), tsa: 'TSA three' });
      expect((await store.findFirstTimestampedBlock(3n))?.height).toBe(3n);
      expect((await store.findFirstTimestampedBlock(4n))?.height).toBe(7n);
      expect(await store.findFirstTimestampedBlock(8n)).toEqual({ height: 256n, der: der(1), tsa: 'T\u00e9l\u00e9 \u661f' });
      expect(await store.findFirstTimestampedBlock(257n)).toBeUndefined();
      // A later commit leaves them alone; a second put replaces.
      await store.commit(batch(1n, 0n, 2));
      await store.putTimestamp(3n, der(9), 'again');
      expect(await store.getTimestamp(3n)).toEqual({ der: der(9), tsa: 'again' });
      expect((await store.getTimestamp(7n))?.tsa).toBe('copyright-ledger built-in TSA (self-issued time)');
    });

    if (impl.name === 'level') {
      it('keeps timestamps across reopen', async () => {
        const o = await open();
        await o.store.commit(batch(0n, 0n, 1));
        await o.store.putTimestamp(0n, Uint8Array.of(0x30, 0x00), 'tsa');
        const again = await o.reopen!();
        expect(await again.getTimestamp(0n)).toEqual({ der: Uint8Array.of(0x30, 0x00), tsa: 'tsa' });
      });

      it('keeps records and counters across reopen', async () => {
        const o = await open();
        await o.store.commit(batch(0n, 0n, 1, { records: [{ space: 'reg', key: 'k', value: 'v' }], counters: [{ name: 'c', delta: 7 }] }));
        const again = await o.reopen!();
        expect(await again.getRecord('reg', 'k')).toBe('v');
        expect(await again.getCounter('c')).toBe(7);
      });

      it('migrates the single key of an account stored by an earlier version: at open, and on read', async () => {
        const o = await open();
        let db = (o.store as LevelLogStore).db;
        const enc = (t: string) => new TextEncoder().encode(t);
        const cat = (a: number, b: Uint8Array) => Uint8Array.of(a, ...b);
        const legacy = (id: string, hashByte: number) => {
          const account = { id, name: 'Old', email: `${id}@example.com`, kind: 'individual', role: 'creator', createdAt: '2025-01-01T00:00:00.000Z' };
          return db.batch([
            { type: 'put', key: cat(0x61, enc(id)), value: enc(JSON.stringify(account)) },
            { type: 'put', key: cat(0x6b, h(hashByte)), value: enc(id) },
            { type: 'put', key: cat(0x6d, enc(account.email)), value: enc(id) },
          ]);
        };
        // A store as an earlier version left it: no key records and no migration marker.
        await legacy('acc_old', 5);
        await db.del(cat(0x4d, enc('keys-v2')));
        const store = await o.reopen!();
        db = (store as LevelLogStore).db;
        const keys = await store.listKeys('acc_old');
        expect(keys).toHaveLength(1);
        expect(keys[0]).toMatchObject({ account: 'acc_old', createdAt: '2025-01-01T00:00:00.000Z' });
        expect(keys[0]!.id).toMatch(/^key_[A-Za-z0-9_-]{16}$/);
        expect(await store.findKey(h(5))).toMatchObject({ account: { id: 'acc_old' }, key: { id: keys[0]!.id } });
        await store.revokeKey('acc_old', keys[0]!.id, '2026-11-26T00:00:00.000Z');
        expect(await store.findKey(h(5))).toBeUndefined();

        // A legacy key the migration did not see is migrated when it is first read.
        await legacy('acc_old2', 6);
        const found = await (store as LevelLogStore).findKey(h(6));
        expect(found?.account.id).toBe('acc_old2');
        expect((await store.listKeys('acc_old2')).map((k) => k.id)).toEqual([found!.key.id]);
        const again = await o.reopen!();
        expect((await again.findKey(h(6)))?.key.id).toBe(found!.key.id);
      });

      it('keeps the per-account index across reopen', async () => {
        const o = await open();
        await o.store.commit(batch(0n, 0n, 2, { deposits: [{ record: { id: 'dep_1', index: 1n, metadata: '{}' }, sha256: h(3), account: 'acc_a' }] }));
        await o.store.indexAccountDeposits([{ account: 'acc_a', index: 0n, id: 'dep_0' }]);
        const again = await o.reopen!();
        expect(await again.listAccountDeposits('acc_a', { limit: 10 })).toEqual([
          { index: 1n, id: 'dep_1' },
          { index: 0n, id: 'dep_0' },
        ]);
      });

      it('is durable across reopen', async () => {
        const o = await open();
        await o.store.commit(batch(0n, 0n, 2));
        const again = await o.reopen!();
        expect((await again.loadHead())?.treeSize).toBe(2n);
        expect(new TextDecoder().decode(await again.getEntry(1n))).toBe('entry 1');
      });
    }
  });
}
