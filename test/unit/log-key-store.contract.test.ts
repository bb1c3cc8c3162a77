/**
 * The LogKeyStore port (src/app/log-key-ports.ts) over the records of memory, LevelDB and
 * PostgreSQL stores: what `writes` returns, committed with a block as the Ledger does, `list`
 * reads back in height order; the record layout stays the one earlier versions wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_KEYS_SPACE, RecordLogKeyStore } from '../../src/adapters/records/log-key-store.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

const A = 'test.example/log+0a0a0a0a+AAAA';
const B = 'test.example/log+0b0b0b0b+BBBB';
const C = 'test.example/log+0c0c0c0c+CCCC';

describe.each(storeImpls)('LogKeyStore contract on $name', (impl) => {
  const open = opener(impl);

  it('lists nothing for a store that never rotated', async () => {
    const { store } = await open();
    await store.commit(batch(0n, 0n, 1));
    expect(await new RecordLogKeyStore(store).list()).toEqual([]);
  });

  it('lists committed keys by first height (numeric, not text, order), and nothing of a batch not committed', async () => {
    const { store } = await open();
    const keys = new RecordLogKeyStore(store);
    await store.commit(batch(0n, 0n, 0));
    // Two keys in one hand-over batch (the old key from block 0, the new one from its block), then another later.
    await store.commit(batch(1n, 0n, 0, { records: [...keys.writes(A, 0n), ...keys.writes(B, 9n)] }));
    expect(keys.writes(C, 10n)).toHaveLength(1);
    await store.commit(batch(2n, 0n, 0, { records: keys.writes(C, 10n) }));
    expect(await keys.list()).toEqual([
      { key: A, firstHeight: 0n },
      { key: B, firstHeight: 9n },
      { key: C, firstHeight: 10n },
    ]);
    // The layout earlier versions wrote: zero-padded height → JSON with the height as text.
    expect(await store.getRecord(LOG_KEYS_SPACE, '00000000000000000010')).toBe(JSON.stringify({ key: C, firstHeight: '10' }));
  });

  it.skipIf(impl.name === 'memory')('keeps the history across reopen', async () => {
    const o = await open();
    const keys = new RecordLogKeyStore(o.store);
    await o.store.commit(batch(0n, 0n, 0, { records: [...keys.writes(A, 0n), ...keys.writes(B, 2n ** 40n)] }));
    const again = new RecordLogKeyStore(await o.reopen!());
    expect(await again.list()).toEqual([
      { key: A, firstHeight: 0n },
      { key: B, firstHeight: 2n ** 40n },
    ]);
  });
});
