/**
 * Contract suite of the OptInStore port (src/app/opt-in-ports.ts), run over the record adapter on
 * LevelDB, memory and PostgreSQL: whole-account and per-deposit opt-ins, opting out, isolation
 * between accounts, and the record layout earlier versions wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RecordOptInStore } from '../../src/adapters/records/opt-in-store.js';
import { opener, storeImpls } from '../support/store-impls.js';
import { stopSharedPgCluster } from '../support/pg.js';

afterAll(stopSharedPgCluster);

const AT = '2026-11-30T10:00:00.000Z';

describe.each(storeImpls)('OptInStore contract: $name', (impl) => {
  const openStore = opener(impl);
  const open = async () => {
    const opened = await openStore();
    return { store: opened.store, optIns: new RecordOptInStore(opened.store), reopen: opened.reopen };
  };

  it('nothing is opted in at first', async () => {
    const { optIns } = await open();
    expect(await optIns.get('acc_a')).toEqual({ account: false, deposits: [] });
    expect(await optIns.covers('acc_a', 'dep_1')).toBe(false);
  });

  it('a whole account covers every deposit of it; opting out ends that', async () => {
    const { optIns } = await open();
    await optIns.set('acc_a', undefined, true, AT);
    expect(await optIns.get('acc_a')).toEqual({ account: true, deposits: [] });
    expect(await optIns.covers('acc_a', 'dep_anything')).toBe(true);
    expect(await optIns.covers('acc_b', 'dep_anything')).toBe(false);
    await optIns.set('acc_a', undefined, false, AT);
    await optIns.set('acc_a', undefined, false, AT);
    expect(await optIns.get('acc_a')).toEqual({ account: false, deposits: [] });
    expect(await optIns.covers('acc_a', 'dep_anything')).toBe(false);
  });

  it('deposits opted in one by one are listed in id order and covered alone, apart from other accounts', async () => {
    const { optIns } = await open();
    await optIns.set('acc_a', 'dep_2', true, AT);
    await optIns.set('acc_a', 'dep_1', true, AT);
    await optIns.set('acc_a', 'dep_1', true, '2026-11-30T11:00:00.000Z');
    // An account id that extends acc_a, and one of its deposits.
    await optIns.set('acc_ab', undefined, true, AT);
    await optIns.set('acc_ab', 'dep_9', true, AT);
    expect(await optIns.get('acc_a')).toEqual({ account: false, deposits: ['dep_1', 'dep_2'] });
    expect(await optIns.get('acc_ab')).toEqual({ account: true, deposits: ['dep_9'] });
    expect(await optIns.covers('acc_a', 'dep_1')).toBe(true);
    expect(await optIns.covers('acc_a', 'dep_3')).toBe(false);
    expect(await optIns.covers('acc_a', 'dep_9')).toBe(false);
    await optIns.set('acc_a', 'dep_2', false, AT);
    expect(await optIns.get('acc_a')).toEqual({ account: false, deposits: ['dep_1'] });
    expect(await optIns.covers('acc_a', 'dep_2')).toBe(false);
  });

  it('keeps the record layout of earlier versions (space, keys, values)', async () => {
    const { store, optIns } = await open();
    await optIns.set('acc_a', undefined, true, AT);
    await optIns.set('acc_a', 'dep_1', true, AT);
    expect(await store.getRecord('match-opt-in', 'acc_a')).toBe(JSON.stringify({ at: AT }));
    expect(await store.getRecord('match-opt-in', 'acc_a/dep_1')).toBe(JSON.stringify({ at: AT }));
    await store.writeRecords([{ space: 'match-opt-in', key: 'acc_c/dep_7', value: JSON.stringify({ at: AT }) }]);
    expect(await optIns.get('acc_c')).toEqual({ account: false, deposits: ['dep_7'] });
  });

  it.skipIf(!impl.persistent)('keeps opt-ins across a reopen', async () => {
    const { optIns, reopen } = await open();
    await optIns.set('acc_a', 'dep_1', true, AT);
    const again = new RecordOptInStore(await reopen!());
    expect(await again.get('acc_a')).toEqual({ account: false, deposits: ['dep_1'] });
  });
});
