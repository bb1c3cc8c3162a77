/**
 * The BootstrapStore port (src/app/bootstrap-ports.ts) over the records of memory, LevelDB and
 * PostgreSQL stores: nothing before the first put, then the last record put, durably, in the
 * layout earlier versions wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP, RecordBootstrapStore } from '../../src/adapters/records/bootstrap-store.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

describe.each(storeImpls)('BootstrapStore contract on $name', (impl) => {
  const open = opener(impl);

  it('holds nothing, then the last record put, across reopen', async () => {
    const o = await open();
    const boot = new RecordBootstrapStore(o.store);
    expect(await boot.get()).toBeUndefined();
    await boot.put({ account: 'acc_1', keyId: 'key_a', since: '2026-11-30T00:00:00.000Z' });
    const second = { account: 'acc_1', keyId: 'key_b', since: '2026-11-30T01:00:00.000Z' };
    await boot.put(second);
    expect(await boot.get()).toEqual(second);
    expect(await o.store.getRecord(BOOTSTRAP.space, BOOTSTRAP.key)).toBe('{"account":"acc_1","keyId":"key_b","since":"2026-11-30T01:00:00.000Z"}');
    if (o.reopen) expect(await new RecordBootstrapStore(await o.reopen()).get()).toEqual(second);
  });

  it('reads a record an earlier version wrote', async () => {
    const { store } = await open();
    await store.writeRecords([{ space: 'bootstrap-admin', key: 'current', value: '{"account":"acc_x","keyId":"key_x","since":"2025-01-01T00:00:00.000Z"}' }]);
    expect(await new RecordBootstrapStore(store).get()).toEqual({ account: 'acc_x', keyId: 'key_x', since: '2025-01-01T00:00:00.000Z' });
  });
});
