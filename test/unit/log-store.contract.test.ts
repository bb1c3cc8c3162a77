/**
 * The LogStore port (src/app/ports.ts: entries, tree nodes, tiles, entry bundles, blocks, the
 * head) on memory, LevelDB and PostgreSQL. What PostgreSQL adds (migrations, the commit fence,
 * reconnects) is in pg-store.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/core/merkle.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { toHex } from '../../src/core/bytes.js';
import { isLogError } from '../../src/core/errors.js';
import { parseEntryBundle } from '../../src/core/tiles.js';
import type { LedgerStore } from '../../src/app/ports.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, h, joined, opener, realLog, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

describe.each(storeImpls)('LogStore contract on $name', (impl) => {
  const open = opener(impl);

  it('starts empty', async () => {
    const { store } = await open();
    expect(await store.loadHead()).toBeUndefined();
    expect(await store.getEntry(0n)).toBeUndefined();
    expect(await store.getEntries(0n, 10)).toEqual([]);
    expect(await store.getBlock(0n)).toBeUndefined();
    expect(await store.findCoveringBlock(0n)).toBeUndefined();
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
