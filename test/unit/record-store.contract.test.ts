/**
 * The RecordStore port (src/app/ports.ts: auxiliary records and counters, the primitive the
 * concern stores of src/adapters/records/ keep their layouts on) on memory, LevelDB and PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, NewApiKey } from '../../src/app/ports.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, h, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

function keyRecord(account: string, id: string, createdAt = '2026-11-26T00:00:00.000Z', label?: string): ApiKeyRecord {
  return { id, account, prefix: 'clk_' + id, createdAt, ...(label !== undefined ? { label } : {}) };
}

function newKey(account: string, id: string, hashByte: number, createdAt?: string, label?: string): NewApiKey {
  return { record: keyRecord(account, id, createdAt, label), hash: h(hashByte) };
}

describe.each(storeImpls)('RecordStore contract on $name', (impl) => {
  const open = opener(impl);

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

  if (impl.name === 'level') {
    it('keeps records and counters across reopen', async () => {
      const o = await open();
      await o.store.commit(batch(0n, 0n, 1, { records: [{ space: 'reg', key: 'k', value: 'v' }], counters: [{ name: 'c', delta: 7 }] }));
      const again = await o.reopen!();
      expect(await again.getRecord('reg', 'k')).toBe('v');
      expect(await again.getCounter('c')).toBe(7);
    });
  }
});
