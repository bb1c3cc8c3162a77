/**
 * The DepositStore port (src/app/ports.ts: deposit records, the SHA-256 index, claims and the
 * per-account index, written by LogStore.commit and indexAccountDeposits) on memory, LevelDB and
 * PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import type { LedgerStore } from '../../src/app/ports.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, h, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

describe.each(storeImpls)('DepositStore contract on $name', (impl) => {
  const open = opener(impl);

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

  if (impl.name === 'level') {
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
  }
});
