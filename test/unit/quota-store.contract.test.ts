/**
 * The QuotaStore port (src/app/quota-ports.ts) over the records and counters of memory, LevelDB
 * and PostgreSQL stores: a charge committed with its deposit moves that account's usage and marks
 * that content charged for that account only; the layout stays the one earlier versions wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RecordQuotaStore, UPLOAD_CHARGES_SPACE } from '../../src/adapters/records/quota-store.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

const S1 = 'a'.repeat(64);
const S2 = 'b'.repeat(64);

describe.each(storeImpls)('QuotaStore contract on $name', (impl) => {
  const open = opener(impl);

  it('uses nothing and has charged nothing for an account never charged', async () => {
    const { store } = await open();
    const quota = new RecordQuotaStore(store);
    expect(await quota.usedBytes('acc_a')).toBe(0);
    expect(await quota.isCharged('acc_a', S1)).toBe(false);
  });

  it('counts committed charges per account; content charged to one account is not charged to another', async () => {
    const { store } = await open();
    const quota = new RecordQuotaStore(store);
    const one = quota.chargeWrites('acc_a', S1, 1_000);
    // Building a charge writes nothing.
    expect(await quota.usedBytes('acc_a')).toBe(0);
    await store.commit(batch(0n, 0n, 1, one));
    await store.commit(batch(1n, 1n, 1, quota.chargeWrites('acc_a', S2, 250)));
    await store.commit(batch(2n, 2n, 1, quota.chargeWrites('acc_ab', S1, 7)));
    expect(await quota.usedBytes('acc_a')).toBe(1_250);
    expect(await quota.usedBytes('acc_ab')).toBe(7);
    expect(await quota.usedBytes('acc_')).toBe(0);
    expect(await quota.isCharged('acc_a', S1)).toBe(true);
    expect(await quota.isCharged('acc_a', S2)).toBe(true);
    expect(await quota.isCharged('acc_ab', S2)).toBe(false);
    expect(await quota.isCharged('acc_b', S1)).toBe(false);
    // The layout earlier versions wrote.
    expect(await store.getRecord(UPLOAD_CHARGES_SPACE, `acc_a/${S1}`)).toBe('1000');
    expect(await store.getCounter('upload-bytes:acc_a')).toBe(1_250);
  });
});
