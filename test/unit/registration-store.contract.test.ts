/**
 * One contract suite for the RegistrationStore port (src/app/registration-ports.ts), run over
 * the memory, LevelDB and PostgreSQL stores (test/support/store-impls.ts). Changes are applied the
 * way the Ledger applies them: the record writes `writes(change)` returns go into the commit batch
 * of one log entry (with counters, where a test needs one).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RecordRegistrationStore } from '../../src/adapters/records/registration-store.js';
import type { CounterDelta } from '../../src/app/ports.js';
import type { RegistrationChange, RegistrationRecord, RegistryEntry } from '../../src/app/registration-ports.js';
import type { RegistrationState } from '../../src/core/registration.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { batch, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

let n = 0;
/** A new application record (as the use cases build one: `stateKey` ''). */
function application(opts: { applicant?: string; createdAt?: string; state?: RegistrationState; title?: string } = {}): RegistrationRecord {
  n++;
  const at = opts.createdAt ?? `2026-11-30T00:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`;
  return {
    id: `reg_${String(n).padStart(20, '0')}`,
    applicant: opts.applicant ?? 'acc_a',
    state: opts.state ?? 'submitted',
    seq: 1,
    application: { title: opts.title ?? 'Night', workType: 'fine_art' },
    salt: '00'.repeat(16),
    createdAt: at,
    updatedAt: at,
    stateKey: '',
    everSubmitted: (opts.state ?? 'submitted') !== 'draft',
    history: [],
    versions: {},
  };
}

/** The record after a change to `state` at `at`, carrying the stored record's stateKey as the use cases do. */
function changed(before: RegistrationRecord, state: RegistrationState, at: string, extra: Partial<RegistrationRecord> = {}): RegistrationRecord {
  return { ...before, ...extra, state, seq: before.seq + 1, updatedAt: at };
}

function entry(number: string, title: string, holders: string[] = ['Li']): RegistryEntry {
  return { number, title, workType: 'fine_art', workTypeCode: 'F', rightsHolders: holders, registeredAt: '2026-11-30T00:00:00.000Z', status: 'registered', corrections: [] };
}

const ids = (rows: { record: RegistrationRecord | undefined }[]) => rows.map((r) => r.record?.id);

describe.each(storeImpls)('RegistrationStore contract on $name', (impl) => {
  const opened = opener(impl);
  const open = async () => {
    const o = await opened();
    const regs = new RecordRegistrationStore(o.store);
    let entries = 0n;
    /** Commits a change in the batch of one log entry; returns the record as stored. */
    const apply = async (change: RegistrationChange, counters?: CounterDelta[]): Promise<RegistrationRecord> => {
      await o.store.commit(batch(entries, entries, 1, { records: regs.writes(change), ...(counters !== undefined ? { counters } : {}) }));
      entries++;
      return (await regs.get(change.after.id))!;
    };
    return {
      log: o.store,
      regs,
      apply,
      reopen: o.reopen && (async () => ({ regs: new RecordRegistrationStore(await o.reopen!()) })),
    };
  };

  it('finds nothing in an empty store', async () => {
    const { regs } = await open();
    expect(await regs.get('reg_00000000000000000000')).toBeUndefined();
    expect(await regs.idOfNumber('CL-2026-F-00000001')).toBeUndefined();
    expect(await regs.registryEntry('CL-2026-F-00000001')).toBeUndefined();
    expect(await regs.inState('submitted', { limit: 10 })).toEqual([]);
    expect(await regs.ofApplicant('acc_a', { limit: 10 })).toEqual([]);
    expect(await regs.registryPage(undefined, 10)).toEqual({ entries: [] });
    expect(await regs.numbersByTerm('night', 10)).toEqual({ numbers: [], truncated: false });
    expect(await regs.lastNumber('regno/2026/F')).toBe(0);
  });

  it('writes is pure and puts the record first, with its stateKey set; nothing is visible before the writes are committed', async () => {
    const { regs } = await open();
    const rec = application();
    const writes = regs.writes({ after: rec, registry: { after: entry('CL-2026-F-00000001', 'Night') } });
    expect(writes.length).toBeGreaterThan(4);
    const first = JSON.parse(writes[0]!.value!) as RegistrationRecord;
    expect(first).toEqual({ ...rec, stateKey: first.stateKey });
    expect(first.stateKey).not.toBe('');
    expect(await regs.get(rec.id)).toBeUndefined();
    expect(await regs.inState('submitted', { limit: 10 })).toEqual([]);
    expect(await regs.registryEntry('CL-2026-F-00000001')).toBeUndefined();
  });

  it('keeps the stored layout byte for byte (the spaces and keys existing stores hold)', async () => {
    const { log, apply } = await open();
    const rec = application({ applicant: 'acc_z', createdAt: '2026-01-02T03:04:05.000Z' });
    const stored = await apply({ after: rec });
    expect(stored.stateKey).toBe(`submitted/2026-01-02T03:04:05.000Z/${rec.id}`);
    expect(await log.getRecord('reg', rec.id)).toBe(JSON.stringify(stored));
    expect(await log.listRecords('reg-state', { limit: 10 })).toEqual([{ key: `submitted/2026-01-02T03:04:05.000Z/${rec.id}`, value: '' }]);
    expect(await log.listRecords('reg-applicant', { limit: 10 })).toEqual([{ key: `acc_z/2026-01-02T03:04:05.000Z/${rec.id}`, value: '' }]);
    const approved = await apply({ before: stored, after: changed(stored, 'approved', '2026-01-03T00:00:00.000Z', { number: 'CL-2026-F-00000007' }), registry: { after: entry('CL-2026-F-00000007', 'Star 夜曲') } });
    expect(await log.listRecords('reg-state', { limit: 10 })).toEqual([{ key: `approved/2026-01-03T00:00:00.000Z/${rec.id}`, value: '' }]);
    expect(await log.getRecord('reg', rec.id)).toBe(JSON.stringify(approved));
    expect(await log.getRecord('reg-number', 'CL-2026-F-00000007')).toBe(rec.id);
    expect(await log.getRecord('registry', 'CL-2026-F-00000007')).toBe(JSON.stringify(entry('CL-2026-F-00000007', 'Star 夜曲')));
    expect((await log.listRecords('registry-term', { limit: 100 })).map((r) => r.key).sort()).toEqual(['li CL-2026-F-00000007', 'star CL-2026-F-00000007', '夜曲 CL-2026-F-00000007', '曲 CL-2026-F-00000007'].sort());
  });

  it('a state change moves the record between state indexes; a change within a state keeps its place', async () => {
    const { regs, apply } = await open();
    const a = await apply({ after: application({ createdAt: '2026-11-30T00:00:01.000Z' }) });
    const b = await apply({ after: application({ createdAt: '2026-11-30T00:00:02.000Z' }) });
    expect(ids(await regs.inState('submitted', { limit: 10 }))).toEqual([a.id, b.id]);
    // a goes back for changes and is resubmitted later: it queues behind b.
    const a2 = await apply({ before: a, after: changed(a, 'changes_requested', '2026-11-30T00:00:03.000Z', { reason: 'fix' }) });
    expect(ids(await regs.inState('submitted', { limit: 10 }))).toEqual([b.id]);
    expect(ids(await regs.inState('changes_requested', { limit: 10 }))).toEqual([a.id]);
    const a3 = await apply({ before: a2, after: changed(a2, 'submitted', '2026-11-30T00:00:04.000Z') });
    expect(ids(await regs.inState('submitted', { limit: 10 }))).toEqual([b.id, a.id]);
    expect(await regs.inState('changes_requested', { limit: 10 })).toEqual([]);
    // A change that keeps the state (a correction of an approved registration) keeps the index key.
    const b2 = await apply({ before: b, after: changed(b, 'approved', '2026-11-30T00:00:05.000Z') });
    const b3 = await apply({ before: b2, after: changed(b2, 'approved', '2026-11-30T00:00:09.000Z') });
    expect(b3.stateKey).toBe(b2.stateKey);
    expect(b3.seq).toBe(3);
    expect(ids(await regs.inState('approved', { limit: 10 }))).toEqual([b.id]);
    expect(ids(await regs.inState('submitted', { limit: 10 }))).toEqual([a3.id]);
  });

  it('pages a state index oldest first, after a cursor', async () => {
    const { regs, apply } = await open();
    const recs = [];
    for (const s of [5, 1, 4, 2, 3]) recs.push(await apply({ after: application({ createdAt: `2026-11-30T00:00:0${s}.000Z` }) }));
    await apply({ after: application({ createdAt: '2026-11-30T00:00:00.000Z', state: 'draft' }) });
    const ordered = [recs[1], recs[3], recs[4], recs[2], recs[0]].map((r) => r!.id);
    const first = await regs.inState('submitted', { limit: 2 });
    expect(ids(first)).toEqual(ordered.slice(0, 2));
    const second = await regs.inState('submitted', { limit: 2, after: first.at(-1)!.cursor });
    expect(ids(second)).toEqual(ordered.slice(2, 4));
    const third = await regs.inState('submitted', { limit: 2, after: second.at(-1)!.cursor });
    expect(ids(third)).toEqual(ordered.slice(4));
    expect(await regs.inState('submitted', { limit: 2, after: third.at(-1)!.cursor })).toEqual([]);
    expect(ids(await regs.inState('draft', { limit: 10 }))).toHaveLength(1);
    // Rows carry the records as stored.
    expect(first[0]!.record).toEqual(await regs.get(ordered[0]!));
  });

  it('lists an account\'s applications oldest first, page by page, and no other account\'s', async () => {
    const { regs, apply } = await open();
    const mine = [];
    for (const s of [3, 1, 2]) mine.push(await apply({ after: application({ applicant: 'acc_a', createdAt: `2026-11-30T00:00:0${s}.000Z` }) }));
    // An account whose id extends the other's, and one that sorts between.
    await apply({ after: application({ applicant: 'acc_a2', createdAt: '2026-11-30T00:00:00.000Z' }) });
    await apply({ after: application({ applicant: 'acc_a.', createdAt: '2026-11-30T00:00:00.000Z' }) });
    const ordered = [mine[1], mine[2], mine[0]].map((r) => r!.id);
    const first = await regs.ofApplicant('acc_a', { limit: 2 });
    expect(ids(first)).toEqual(ordered.slice(0, 2));
    const rest = await regs.ofApplicant('acc_a', { limit: 2, after: first.at(-1)!.cursor });
    expect(ids(rest)).toEqual(ordered.slice(2));
    expect(ids(await regs.ofApplicant('acc_a2', { limit: 10 }))).toHaveLength(1);
    expect(ids(await regs.ofApplicant('acc_b', { limit: 10 }))).toEqual([]);
    // A later change does not add a second applicant row.
    const m = mine[1]!;
    await apply({ before: m, after: changed(m, 'withdrawn', '2026-11-30T00:01:00.000Z') });
    expect(ids(await regs.ofApplicant('acc_a', { limit: 10 }))).toEqual(ordered);
    expect((await regs.ofApplicant('acc_a', { limit: 10 }))[0]!.record!.state).toBe('withdrawn');
  });

  it('stores amendments and drafts as given: application versions, history, reasons', async () => {
    const { regs, apply } = await open();
    const draft = application({ state: 'draft' });
    const d1 = await apply({ after: draft });
    // A draft edited in place: the record changes, its indexes do not.
    const edited: RegistrationRecord = { ...d1, application: { ...d1.application, title: 'Night 夜' }, updatedAt: '2026-12-01T00:00:00.000Z' };
    await regs.saveDraft(edited);
    expect(await regs.get(draft.id)).toEqual(edited);
    expect(ids(await regs.inState('draft', { limit: 10 }))).toEqual([draft.id]);
    const submitted = await apply({
      before: edited,
      after: changed(edited, 'submitted', '2026-12-02T00:00:00.000Z', {
        submittedAt: '2026-12-02T00:00:00.000Z',
        versions: { ['ab'.repeat(32)]: edited.application },
        history: [{ seq: 2, action: 'submit', state: 'submitted', at: '2026-12-02T00:00:00.000Z', account: 'acc_a', index: 0, applicationSha256: 'ab'.repeat(32) }],
      }),
    });
    const amended = changed(submitted, 'submitted', '2026-12-03T00:00:00.000Z', {
      application: { ...submitted.application, title: 'Night 夜曲', authors: [{ name: 'Li' }] },
      versions: { ...submitted.versions, ['cd'.repeat(32)]: { ...submitted.application, title: 'Night 夜曲', authors: [{ name: 'Li' }] } },
      history: [...submitted.history, { seq: 3, action: 'amend', state: 'submitted', at: '2026-12-03T00:00:00.000Z', account: 'acc_a', index: 7, applicationSha256: 'cd'.repeat(32), reason: 'answered' }],
    });
    const stored = await apply({ before: submitted, after: amended });
    expect(stored).toEqual({ ...amended, stateKey: submitted.stateKey });
    expect(Object.keys(stored.versions)).toHaveLength(2);
    expect(stored.history.map((h) => h.action)).toEqual(['submit', 'amend']);
  });

  it('keeps the public registry by number: the entry, the id its number belongs to, pages in number order', async () => {
    const { regs, apply } = await open();
    const numbers = ['CL-2026-F-00000002', 'CL-2026-A-00000001', 'CL-2026-F-00000001'];
    const byNumber = new Map<string, string>();
    for (const num of numbers) {
      const rec = await apply({ after: application() });
      await apply({ before: rec, after: changed(rec, 'approved', '2026-12-01T00:00:00.000Z', { number: num }), registry: { after: entry(num, `Work ${num}`) } });
      byNumber.set(num, rec.id);
    }
    for (const num of numbers) {
      expect(await regs.idOfNumber(num)).toBe(byNumber.get(num));
      expect(await regs.registryEntry(num)).toEqual(entry(num, `Work ${num}`));
    }
    expect(await regs.idOfNumber('CL-2026-F-00000003')).toBeUndefined();
    const sorted = [...numbers].sort();
    const first = await regs.registryPage(undefined, 2);
    expect(first.entries.map((e) => (JSON.parse(e) as RegistryEntry).number)).toEqual(sorted.slice(0, 2));
    expect(first.entries[0]).toBe(JSON.stringify(entry(sorted[0]!, `Work ${sorted[0]}`)));
    expect(first.next).toBe(sorted[1]);
    const second = await regs.registryPage(first.next, 2);
    expect(second.entries.map((e) => (JSON.parse(e) as RegistryEntry).number)).toEqual(sorted.slice(2));
    expect(second.next).toBeUndefined();
    // A revocation changes the entry in place; the number keeps its id.
    const num = 'CL-2026-F-00000001';
    const rec = (await regs.get(byNumber.get(num)!))!;
    const revoked: RegistryEntry = { ...entry(num, `Work ${num}`), status: 'revoked', revocation: { revokedAt: '2026-12-05T00:00:00.000Z', reason: 'fraud' } };
    await apply({ before: rec, after: changed(rec, 'revoked', '2026-12-05T00:00:00.000Z', { reason: 'fraud' }), registry: { before: entry(num, `Work ${num}`), after: revoked } });
    expect(await regs.registryEntry(num)).toEqual(revoked);
    expect(await regs.idOfNumber(num)).toBe(byNumber.get(num));
    expect(ids(await regs.inState('revoked', { limit: 10 }))).toEqual([byNumber.get(num)]);
  });

  it('finds registry numbers by term prefix, sorted and distinct; a correction moves the terms; a full scan says truncated', async () => {
    const { regs, apply } = await open();
    const approve = async (num: string, title: string, holders: string[]) => {
      const rec = await apply({ after: application() });
      return apply({ before: rec, after: changed(rec, 'approved', '2026-12-01T00:00:00.000Z', { number: num }), registry: { after: entry(num, title, holders) } });
    };
    await approve('CL-2026-F-00000003', 'Starlight 夜曲', ['Star Studio']);
    const two = await approve('CL-2026-F-00000002', 'Stars', ['Li']);
    await approve('CL-2026-F-00000001', 'Moon', ['Wang']);
    expect(await regs.numbersByTerm('star', 100)).toEqual({ numbers: ['CL-2026-F-00000002', 'CL-2026-F-00000003'], truncated: false });
    expect(await regs.numbersByTerm('夜曲', 100)).toEqual({ numbers: ['CL-2026-F-00000003'], truncated: false });
    expect(await regs.numbersByTerm('曲', 100)).toEqual({ numbers: ['CL-2026-F-00000003'], truncated: false });
    expect(await regs.numbersByTerm('sun', 100)).toEqual({ numbers: [], truncated: false });
    // 'star' matches three index rows (starlight, star, stars): a scan of two stops there.
    const cut = await regs.numbersByTerm('star', 2);
    expect(cut.truncated).toBe(true);
    expect(cut.numbers.length).toBeGreaterThan(0);
    expect(cut.numbers.every((x) => ['CL-2026-F-00000002', 'CL-2026-F-00000003'].includes(x))).toBe(true);
    expect((await regs.numbersByTerm('star', 3)).truncated).toBe(true);
    expect((await regs.numbersByTerm('star', 4)).truncated).toBe(false);
    // A correction: the old title's terms go, the new one's come; shared terms stay.
    const before = entry('CL-2026-F-00000002', 'Stars', ['Li']);
    const after: RegistryEntry = { ...before, title: 'Sunrise', corrections: [{ correctedAt: '2026-12-02T00:00:00.000Z', changes: { title: { from: 'Stars', to: 'Sunrise' } }, reason: 'typo' }] };
    await apply({ before: two, after: changed(two, 'approved', '2026-12-02T00:00:00.000Z'), registry: { before, after } });
    expect((await regs.numbersByTerm('star', 100)).numbers).toEqual(['CL-2026-F-00000003']);
    expect((await regs.numbersByTerm('sun', 100)).numbers).toEqual(['CL-2026-F-00000002']);
    expect((await regs.numbersByTerm('li', 100)).numbers).toEqual(['CL-2026-F-00000002']);
    expect(await regs.registryEntry('CL-2026-F-00000002')).toEqual(after);
  });

  it('reads the last number of a number counter', async () => {
    const { regs, apply } = await open();
    const rec = await apply({ after: application() });
    await apply({ before: rec, after: changed(rec, 'approved', '2026-12-01T00:00:00.000Z', { number: 'CL-2026-F-00000001' }), registry: { after: entry('CL-2026-F-00000001', 'Night') } }, [{ name: 'regno/2026/F', delta: 1 }]);
    expect(await regs.lastNumber('regno/2026/F')).toBe(1);
    expect(await regs.lastNumber('regno/2026/A')).toBe(0);
    expect(await regs.lastNumber('regno/2027/F')).toBe(0);
  });

  // The in-memory store has nothing to reopen.
  it.skipIf(impl.name === 'memory')('keeps everything across a reopen', async () => {
    const o = await open();
    const rec = await o.apply({ after: application({ applicant: 'acc_r' }) });
    const approved = await o.apply({ before: rec, after: changed(rec, 'approved', '2026-12-01T00:00:00.000Z', { number: 'CL-2026-F-00000009' }), registry: { after: entry('CL-2026-F-00000009', 'Persist') } }, [{ name: 'regno/2026/F', delta: 9 }]);
    const { regs } = await o.reopen!();
    expect(await regs.get(rec.id)).toEqual(approved);
    expect(ids(await regs.inState('approved', { limit: 10 }))).toEqual([rec.id]);
    expect(ids(await regs.ofApplicant('acc_r', { limit: 10 }))).toEqual([rec.id]);
    expect(await regs.idOfNumber('CL-2026-F-00000009')).toBe(rec.id);
    expect(await regs.registryEntry('CL-2026-F-00000009')).toEqual(entry('CL-2026-F-00000009', 'Persist'));
    expect((await regs.numbersByTerm('persist', 10)).numbers).toEqual(['CL-2026-F-00000009']);
    expect(await regs.lastNumber('regno/2026/F')).toBe(9);
  });
});
