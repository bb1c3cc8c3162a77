/** One contract suite for the LogStore port, run against every implementation. */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { MemoryLogStore } from '../../src/adapters/memory/store.js';
import { toHex } from '../../src/core/bytes.js';
import { isLogError } from '../../src/core/errors.js';
import type { CommitBatch, LogStore } from '../../src/app/ports.js';
import { tempDir } from '../support/service.js';

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

const impls: { name: string; open: () => Promise<{ store: LogStore; reopen?: () => Promise<LogStore>; cleanup: () => Promise<void> }> }[] = [
  { name: 'memory', open: async () => ({ store: new MemoryLogStore(), cleanup: async () => undefined }) },
  {
    name: 'level',
    open: async () => {
      const dir = await tempDir('cl-store-');
      const path = join(dir.path, 'db');
      let store: LogStore = await LevelLogStore.open(path);
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
];

for (const impl of impls) {
  describe(`LogStore contract: ${impl.name}`, () => {
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

    it('keeps accounts by id, key hash and e-mail (case-insensitive)', async () => {
      const { store } = await open();
      const account = { id: 'acc_1', name: 'N', email: 'Ann@Example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
      await store.putAccount(account, h(5));
      expect(await store.getAccount('acc_1')).toEqual(account);
      expect(await store.getAccountByKeyHash(h(5))).toEqual(account);
      expect(await store.getAccountByKeyHash(h(6))).toBeUndefined();
      expect(await store.getAccountByEmail('ann@example.com')).toEqual(account);
      expect(await store.countAccounts()).toBe(1);
    });

    if (impl.name === 'level') {
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
