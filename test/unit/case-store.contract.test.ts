/**
 * Contract suite of the CaseStore port (src/app/case-ports.ts), run over the record adapter on
 * LevelDB, memory and PostgreSQL. A case's log-entry writes are committed the way the Ledger
 * commits them: the record writes `writes(change)` returns, as one write. The record layout is
 * checked too: stores written by earlier versions must keep working unchanged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RecordCaseStore } from '../../src/adapters/records/case-store.js';
import type { CaseRecord } from '../../src/app/case-ports.js';
import type { LedgerStore } from '../../src/app/ports.js';
import { opener, storeImpls } from '../support/store-impls.js';
import { stopSharedPgCluster } from '../support/pg.js';

afterAll(stopSharedPgCluster);

let n = 0;
function kase(account: string, opts: { createdAt?: string; state?: CaseRecord['state']; captureId?: string; captureError?: string } = {}): CaseRecord {
  n++;
  const at = opts.createdAt ?? `2026-11-30T10:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`;
  return {
    id: `case_${String(n).padStart(20, '0')}`,
    account,
    state: opts.state ?? 'open',
    seq: 1,
    createdAt: at,
    updatedAt: at,
    work: { depositId: 'dep_1' },
    infringingUrl: 'https://copies.example.com/a',
    description: 'a copy',
    ...(opts.captureId !== undefined ? { captureId: opts.captureId } : {}),
    ...(opts.captureError !== undefined ? { captureError: opts.captureError } : {}),
    salt: '00'.repeat(16),
    history: [],
  };
}

describe.each(storeImpls)('CaseStore contract: $name', (impl) => {
  const openStore = opener(impl);
  const open = async () => {
    const opened = await openStore();
    const store = opened.store;
    const cases = new RecordCaseStore(store);
    const add = async (c: CaseRecord, s: LedgerStore = store) => s.writeRecords(new RecordCaseStore(s).writes({ after: c }));
    return { store, cases, add, reopen: opened.reopen };
  };

  it('gets a case once its writes are committed; an unknown id is undefined', async () => {
    const { cases, add } = await open();
    const c = kase('acc_a', { captureId: 'cap_1' });
    expect(await cases.get(c.id)).toBeUndefined();
    await add(c);
    expect(await cases.get(c.id)).toEqual(c);
    expect(await cases.get('case_missing')).toBeUndefined();
  });

  it("lists an account's cases newest first, a page at a time, never another account's", async () => {
    const { cases, add } = await open();
    const mine = [kase('acc_a', { createdAt: '2026-11-01T00:00:00.000Z' }), kase('acc_a', { createdAt: '2026-11-03T00:00:00.000Z' }), kase('acc_a', { createdAt: '2026-11-02T00:00:00.000Z' })];
    for (const c of mine) await add(c);
    // Account ids that extend or sort next to acc_a stay apart.
    await add(kase('acc_ab', { createdAt: '2026-11-04T00:00:00.000Z' }));
    await add(kase('acc_', { createdAt: '2026-11-05T00:00:00.000Z' }));
    const all = await cases.ofAccount('acc_a', { limit: 10 });
    expect(all.cases.map((c) => c.id)).toEqual([mine[1]!.id, mine[2]!.id, mine[0]!.id]);
    expect(all.next).toBeUndefined();
    const first = await cases.ofAccount('acc_a', { limit: 2 });
    expect(first.cases.map((c) => c.id)).toEqual([mine[1]!.id, mine[2]!.id]);
    expect(first.next).toBeDefined();
    const second = await cases.ofAccount('acc_a', { after: first.next, limit: 2 });
    expect(second.cases.map((c) => c.id)).toEqual([mine[0]!.id]);
    expect(second.next).toBeUndefined();
    expect((await cases.ofAccount('acc_nobody', { limit: 10 })).cases).toEqual([]);
  });

  it('a later change replaces the record and adds no second index entry; save stores changes made outside the log', async () => {
    const { cases, add, store } = await open();
    const c = kase('acc_a', { captureId: 'cap_1' });
    await add(c);
    const moved: CaseRecord = { ...c, state: 'evidence_collected', seq: 2 };
    await store.writeRecords(cases.writes({ before: c, after: moved }));
    expect(await cases.get(c.id)).toEqual(moved);
    expect((await cases.ofAccount('acc_a', { limit: 10 })).cases).toEqual([moved]);
    const failed: CaseRecord = { ...moved, captureError: 'the capture failed' };
    await cases.save(failed);
    expect(await cases.get(c.id)).toEqual(failed);
  });

  it('writes put the case record first (the ledger writes the entry index into it)', async () => {
    const { cases } = await open();
    const c = kase('acc_a');
    const opening = cases.writes({ after: c });
    expect(JSON.parse(opening[0]!.value!)).toEqual(c);
    const later = cases.writes({ before: c, after: { ...c, seq: 2 } });
    expect(later).toHaveLength(1);
    expect(JSON.parse(later[0]!.value!)).toMatchObject({ id: c.id, seq: 2 });
  });

  it('gives the cases whose evidence capture is awaited: open, with a capture, without a capture error', async () => {
    const { cases, add } = await open();
    const waiting = kase('acc_a', { captureId: 'cap_1' });
    const other = kase('acc_b', { captureId: 'cap_2' });
    await add(waiting);
    await add(other);
    await add(kase('acc_a', { captureId: 'cap_3', captureError: 'the capture failed' }));
    await add(kase('acc_a', { captureId: 'cap_4', state: 'evidence_collected' }));
    await add(kase('acc_a'));
    expect((await cases.awaitingEvidence()).sort()).toEqual([waiting.id, other.id].sort());
  });

  it('prepare makes cases stored before the newest-first index listable, once per store', async () => {
    const { cases, store, add } = await open();
    // An old case: its record and the oldest-first index entry only.
    const old = kase('acc_a', { createdAt: '2026-10-01T00:00:00.000Z' });
    await store.writeRecords(cases.writes({ after: old }).filter((w) => w.space !== 'cases-by-account-newest'));
    expect((await cases.ofAccount('acc_a', { limit: 10 })).cases).toEqual([]);
    await cases.prepare();
    expect((await cases.ofAccount('acc_a', { limit: 10 })).cases).toEqual([old]);
    expect(await store.getRecord('migrations', 'cases-by-account-newest-v1')).toBe('done');
    const newer = kase('acc_a', { createdAt: '2026-11-01T00:00:00.000Z' });
    await add(newer);
    await cases.prepare();
    expect((await cases.ofAccount('acc_a', { limit: 10 })).cases.map((c) => c.id)).toEqual([newer.id, old.id]);
  });

  it('keeps the record layout of earlier versions (spaces, keys, values)', async () => {
    const { store, add } = await open();
    const c = kase('acc_a', { createdAt: '2026-11-30T12:00:00.000Z' });
    await add(c);
    expect(await store.getRecord('cases', c.id)).toBe(JSON.stringify(c));
    expect(await store.getRecord('cases-by-account', `acc_a/2026-11-30T12:00:00.000Z/${c.id}`)).toBe('');
    const inverted = String(9_999_999_999_999 - Date.parse('2026-11-30T12:00:00.000Z')).padStart(13, '0');
    expect(await store.getRecord('cases-by-account-newest', `acc_a/${inverted}/${c.id}`)).toBe('');
  });

  it.skipIf(!impl.persistent)('keeps cases across a reopen (stores on disk)', async () => {
    const { add, reopen } = await open();
    const c = kase('acc_a', { captureId: 'cap_1' });
    await add(c);
    const cases = new RecordCaseStore(await reopen!());
    expect(await cases.get(c.id)).toEqual(c);
    expect((await cases.ofAccount('acc_a', { limit: 10 })).cases).toEqual([c]);
    expect(await cases.awaitingEvidence()).toEqual([c.id]);
  });
});
