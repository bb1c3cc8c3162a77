/**
 * The CounterStore port (src/app/counter-ports.ts) over the counters of memory, LevelDB and
 * PostgreSQL stores: the deltas its builders return, committed in a batch or with an account as
 * the use cases do, move exactly the matching reads; never-written counters read 0; the counter
 * names stay the ones earlier versions wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { COUNTER_NAMES, RecordCounterStore } from '../../src/adapters/records/counter-store.js';
import type { AccountRecord } from '../../src/app/ports.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, h, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

const account = (id: string, kind: AccountRecord['kind']): AccountRecord => ({ id, name: id, email: `${id}@example.com`, kind, role: 'creator', createdAt: '2026-11-30T00:00:00.000Z' });
const key = (acc: string, b: number) => ({ record: { id: `key_${b}`, account: acc, createdAt: '2026-11-30T00:00:00.000Z' }, hash: h(b) });

describe.each(storeImpls)('CounterStore contract on $name', (impl) => {
  const open = opener(impl);

  it('reads 0 for counters never written; builders of nothing write nothing', async () => {
    const { store } = await open();
    const counters = new RecordCounterStore(store);
    expect(await counters.deposits()).toBe(0);
    expect(await counters.depositsOnDays(['2026-11-29', '2026-11-30'])).toEqual([0, 0]);
    expect(await counters.accounts()).toEqual({ accounts: 0, organisations: 0 });
    expect(await counters.named(['registrations/submitted', 'nothing'])).toEqual([0, 0]);
    expect(await counters.named([])).toEqual([]);
    expect(counters.depositDeltas(0)).toEqual([]);
    expect(counters.depositDayDeltas('2026-11-30', 0)).toEqual([]);
  });

  it('counts deposits in all and per UTC day, each day apart, across batches and outside the log', async () => {
    const { store } = await open();
    const counters = new RecordCounterStore(store);
    await store.commit(batch(0n, 0n, 3, { counters: [...counters.depositDeltas(3), ...counters.depositDayDeltas('2026-11-29', 1), ...counters.depositDayDeltas('2026-11-30', 2)] }));
    await store.commit(batch(1n, 3n, 1, { counters: [...counters.depositDeltas(1), ...counters.depositDayDeltas('2026-11-30', 1)] }));
    // The index backfill adds day counts outside a commit.
    await store.indexAccountDeposits([], [], counters.depositDayDeltas('2026-11-28', 5));
    expect(await counters.deposits()).toBe(4);
    expect(await counters.depositsOnDays(['2026-11-30', '2026-11-27', '2026-11-28', '2026-11-29'])).toEqual([3, 0, 5, 1]);
    // The names earlier versions wrote.
    expect(await store.getCounter('deposits')).toBe(4);
    expect(await store.getCounter('deposits/day/2026-11-30')).toBe(3);
    expect(COUNTER_NAMES.depositsOnDay('2026-11-30')).toBe('deposits/day/2026-11-30');
  });

  it('counts accounts, and organisations among them, in the write that stores each account', async () => {
    const { store } = await open();
    const counters = new RecordCounterStore(store);
    await store.putAccount(account('acc_1', 'individual'), key('acc_1', 1), counters.accountDeltas('individual'));
    await store.putAccount(account('acc_2', 'organisation'), key('acc_2', 2), counters.accountDeltas('organisation'));
    await store.putAccount(account('acc_3', 'organisation'), key('acc_3', 3), counters.accountDeltas('organisation'));
    // An account stored without deltas (the seeded admin) is not counted.
    await store.putAccount(account('acc_4', 'organisation'), key('acc_4', 4));
    expect(await counters.accounts()).toEqual({ accounts: 3, organisations: 2 });
    expect([await store.getCounter('accounts'), await store.getCounter('organisations')]).toEqual([3, 2]);
  });

  it('reads the counters other concerns name, in the order asked', async () => {
    const { store } = await open();
    const counters = new RecordCounterStore(store);
    await store.writeRecords([], [
      { name: 'registrations/issued', delta: 4 },
      { name: 'ops/licences/offered', delta: 2 },
    ]);
    expect(await counters.named(['ops/licences/offered', 'missing', 'registrations/issued'])).toEqual([2, 0, 4]);
  });
});
