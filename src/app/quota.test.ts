/** The storage quota's charge for content one account uploads twice at the same time. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { UploadQuota } from './quota.js';
import { RecordQuotaStore } from '../adapters/records/quota-store.js';

const SHA = 'ab'.repeat(32);

describe('UploadQuota', () => {
  it('charges the same content once when two uploads of it finish together; the second is charged if the first is given up', async () => {
    const store = new MemoryLogStore();
    const quota = new UploadQuota(new RecordQuotaStore(store), 1_000_000);
    const commit = async (charge: Awaited<ReturnType<Awaited<ReturnType<UploadQuota['reserve']>>['charge']>>) => {
      // What the deposit's batch does with a charge: its records and counters, atomically.
      const records = charge.pending.records ?? [];
      await store.writeRecords(records, charge.pending.counters ?? []);
    };

    const a = await quota.reserve('acc_1', 1_000);
    const b = await quota.reserve('acc_1', 1_000);
    const chargeA = await a.charge(SHA, 1_000);
    let chargeB: { bytes: number } | undefined;
    const pendingB = b.charge(SHA, 1_000).then((c) => (chargeB = c));
    await new Promise((r) => setTimeout(r, 20));
    expect(chargeB).toBeUndefined(); // waits for the first upload's outcome
    await commit(chargeA);
    a.committed(chargeA);
    a.release();
    await pendingB;
    expect(chargeA.bytes).toBe(1_000);
    expect(chargeB!.bytes).toBe(0);
    b.release();
    expect((await quota.usage('acc_1')).usedBytes).toBe(1_000);

    // Given up (the deposit failed): the waiting upload is charged instead.
    const c = await quota.reserve('acc_2', 1_000);
    const d = await quota.reserve('acc_2', 1_000);
    await c.charge(SHA, 1_000);
    const pendingD = d.charge(SHA, 1_000);
    c.release();
    const chargeD = await pendingD;
    expect(chargeD.bytes).toBe(1_000);
    await commit(chargeD);
    d.committed(chargeD);
    d.release();
    expect((await quota.usage('acc_2')).usedBytes).toBe(1_000);
  });
});
