/**
 * The DepositIndexProgressStore port (src/app/deposit-index-ports.ts) over the records of memory,
 * LevelDB and PostgreSQL stores: progress written with a chunk of index records, or marked done on
 * its own, reads back; the record stays the one earlier versions wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { INDEX_PROGRESS, RecordDepositIndexProgressStore } from '../../src/adapters/records/deposit-index-progress-store.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

describe.each(storeImpls)('DepositIndexProgressStore contract on $name', (impl) => {
  const open = opener(impl);

  it('has no progress before the pass; then the last progress committed with a chunk; then done', async () => {
    const { store } = await open();
    const progress = new RecordDepositIndexProgressStore(store);
    expect(await progress.get()).toBeUndefined();
    await store.indexAccountDeposits([{ account: 'acc_a', index: 0n, id: 'dep_0' }], progress.writes({ next: 10_000n }));
    expect(await progress.get()).toEqual({ next: 10_000n });
    expect(await store.getRecord(INDEX_PROGRESS.space, INDEX_PROGRESS.key)).toBe('{"next":"10000"}');
    await store.indexAccountDeposits([], progress.writes({ next: 2n ** 53n + 1n }));
    expect(await progress.get()).toEqual({ next: 2n ** 53n + 1n });
    await store.indexAccountDeposits([], progress.writes('done'));
    expect(await progress.get()).toBe('done');
    expect(await store.getRecord('migrations', 'account-deposits-v1')).toBe('done');
  });

  it('marks done on its own, durably', async () => {
    const o = await open();
    const progress = new RecordDepositIndexProgressStore(o.store);
    await progress.markDone();
    expect(await progress.get()).toBe('done');
    if (o.reopen) expect(await new RecordDepositIndexProgressStore(await o.reopen()).get()).toBe('done');
  });
});
