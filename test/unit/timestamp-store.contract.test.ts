/**
 * The TimestampStore port (src/app/ports.ts: RFC 3161 replies by block height) on memory, LevelDB
 * and PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

describe.each(storeImpls)('TimestampStore contract on $name', (impl) => {
  const open = opener(impl);

  it('keeps RFC 3161 timestamps by block height and finds the first one at or after a height', async () => {
    const { store } = await open();
    await store.commit(batch(0n, 0n, 0));
    expect(await store.getTimestamp(0n)).toBeUndefined();
    expect(await store.findFirstTimestampedBlock(0n)).toBeUndefined();
    const der = (n: number) => Uint8Array.from({ length: 40 + n }, (_, i) => (i * 7 + n) & 255);
    await store.putTimestamp(3n, der(3), 'TSA three');
    await store.putTimestamp(7n, der(7), 'copyright-ledger built-in TSA (self-issued time)');
    await store.putTimestamp(256n, der(1), 'T\u00e9l\u00e9 \u661f');
    expect(await store.getTimestamp(3n)).toEqual({ der: der(3), tsa: 'TSA three' });
    expect(await store.getTimestamp(4n)).toBeUndefined();
    expect(await store.findFirstTimestampedBlock(0n)).toEqual({ height: 3n, der: der(3), tsa: 'TSA three' });
    expect((await store.findFirstTimestampedBlock(3n))?.height).toBe(3n);
    expect((await store.findFirstTimestampedBlock(4n))?.height).toBe(7n);
    expect(await store.findFirstTimestampedBlock(8n)).toEqual({ height: 256n, der: der(1), tsa: 'T\u00e9l\u00e9 \u661f' });
    expect(await store.findFirstTimestampedBlock(257n)).toBeUndefined();
    // A later commit leaves them alone; a second put replaces.
    await store.commit(batch(1n, 0n, 2));
    await store.putTimestamp(3n, der(9), 'again');
    expect(await store.getTimestamp(3n)).toEqual({ der: der(9), tsa: 'again' });
    expect((await store.getTimestamp(7n))?.tsa).toBe('copyright-ledger built-in TSA (self-issued time)');
  });

  if (impl.name === 'level') {
    it('keeps timestamps across reopen', async () => {
      const o = await open();
      await o.store.commit(batch(0n, 0n, 1));
      await o.store.putTimestamp(0n, Uint8Array.of(0x30, 0x00), 'tsa');
      const again = await o.reopen!();
      expect(await again.getTimestamp(0n)).toEqual({ der: Uint8Array.of(0x30, 0x00), tsa: 'tsa' });
    });
  }
});
