/** Registrations over the in-memory store: atomicity of numbers, the year boundary, ownership. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { RecordRegistrationStore } from '../adapters/records/registration-store.js';
import { fromUtf8 } from '../core/bytes.js';
import { decodeEntry } from '../core/entry.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer } from '../core/note.js';
import { verifyRegistrationCertificate, type Application } from '../core/registration.js';
import { Accounts } from './accounts.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import { Organisations } from './organisations.js';
import { RecordOrganisationStore } from '../adapters/records/organisation-store.js';
import type { AccountRecord } from './ports.js';
import { Registrations } from './registrations.js';
import { accountRecords, ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(9));

async function setup(startMs = Date.parse('2026-06-01T00:00:00.000Z')) {
  const store = new MemoryLogStore();
  let now = startMs;
  const clock = { now: () => now };
  let seed = 0;
  const random = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff);
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock });
  const deposits = new Deposits(ledger, store, portableSha256, random, clock);
  const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
  const organisations = new Organisations(new RecordOrganisationStore(store, random), store, clock, random);
  const regs = new Registrations({ ledger, store, records: new RecordRegistrationStore(store), deposits, organisations, sha256: portableSha256, random, clock });
  const mk = async (role: AccountRecord['role'] = 'creator') => (await accounts.create({ name: 'N', email: `${Math.random()}@e.com`, kind: 'individual', role })).account;
  const creator = await mk();
  const reviewer = await mk('reviewer');
  const dep = (await deposits.deposit(creator, { sha256: 'ab'.repeat(32) })).deposit.id;
  const app = (over: Partial<Application> = {}): Application => ({
    title: 'Night',
    workType: 'fine_art',
    authors: [{ name: 'Li' }],
    rightsHolders: [{ name: 'Li', kind: 'individual', idType: 'passport', idNumber: 'E12345678' }],
    creation: { completedOn: '2025-01-01', place: 'Shenzhen' },
    publication: { status: 'unpublished' },
    rightsObtained: 'original',
    ownership: 'sole',
    statementOfTruth: true,
    deposits: [dep],
    ...over,
  });
  return { store, ledger, deposits, accounts, regs, creator, reviewer, dep, app, mk, setNow: (ms: number) => (now = ms) };
}

describe('Registrations', () => {
  it('a failed commit of an approval writes nothing: the number is neither used nor skipped', async () => {
    const t = await setup();
    const a = await t.regs.create(t.creator, t.app(), true);
    const b = await t.regs.create(t.creator, t.app(), true);
    const size = t.ledger.treeSize;
    t.store.failNextCommit = new Error('disk full');
    await expect(t.regs.approve(t.reviewer, a.id)).rejects.toThrow('disk full');
    expect(t.ledger.treeSize).toBe(size);
    expect((await t.regs.get(t.creator, a.id)).state).toBe('submitted');
    expect(await t.store.getCounter('regno/2026/F')).toBeUndefined();
    const stats = await t.store.getCounter('applications/approved');
    expect(stats).toBeUndefined();
    expect((await t.regs.approve(t.reviewer, b.id)).number).toBe('CL-2026-F-00000001');
    expect((await t.regs.approve(t.reviewer, a.id)).number).toBe('CL-2026-F-00000002');
  });

  it('numbers restart each year, China Standard Time', async () => {
    const t = await setup(Date.parse('2026-12-31T15:59:59.000Z')); // 23:59:59 in Beijing
    const a = await t.regs.create(t.creator, t.app(), true);
    const b = await t.regs.create(t.creator, t.app({ workType: 'literary' }), true);
    const c = await t.regs.create(t.creator, t.app(), true);
    expect((await t.regs.approve(t.reviewer, a.id)).number).toBe('CL-2026-F-00000001');
    t.setNow(Date.parse('2026-12-31T16:00:00.000Z')); // 00:00 on 1 January 2027 in Beijing
    expect((await t.regs.approve(t.reviewer, b.id)).number).toBe('CL-2027-A-00000001');
    expect((await t.regs.approve(t.reviewer, c.id)).number).toBe('CL-2027-F-00000001');
  });

  it('every change is a decodable registration entry without personal data, and the certificate verifies', async () => {
    const t = await setup();
    const draft = await t.regs.create(t.creator, { title: 'Night' }, false);
    await t.regs.update(t.creator, draft.id, t.app());
    await t.regs.submit(t.creator, draft.id);
    await t.regs.requestChanges(t.reviewer, draft.id, 'more detail');
    await t.regs.amend(t.creator, draft.id, { description: 'Oil on canvas' });
    const done = await t.regs.approve(t.reviewer, draft.id);
    expect(done.history.map((h) => [h.seq, h.action, h.state])).toEqual([
      [1, 'create', 'draft'],
      [2, 'submit', 'submitted'],
      [3, 'request_changes', 'changes_requested'],
      [4, 'amend', 'submitted'],
      [5, 'approve', 'approved'],
    ]);
    for (const h of done.history) {
      const bytes = (await t.ledger.entry(BigInt(h.index)))!;
      const e = decodeEntry(bytes);
      expect(e).toMatchObject({ type: 'registration', id: draft.id, action: h.action, applicationSha256: h.applicationSha256 });
      for (const secret of ['Night', 'E12345678', 'Shenzhen', 'more detail', 'Li']) expect(fromUtf8(bytes)).not.toContain(secret);
    }
    const admin = await t.mk('admin');
    const cert = await t.regs.certificate(admin, draft.id);
    const r = verifyRegistrationCertificate(cert, { verifierKey: signer.verifierKey });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('a deposit made on behalf of an account belongs to it for registration; to no one else', async () => {
    const t = await setup();
    const platform = await t.mk('platform');
    const other = await t.mk();
    const dep = (await t.deposits.deposit(platform, { sha256: 'cd'.repeat(32), onBehalfOf: { account: t.creator.id } })).deposit.id;
    await expect(t.regs.create(t.creator, t.app({ deposits: [dep] }), true)).resolves.toMatchObject({ state: 'submitted' });
    await expect(t.regs.create(platform, t.app({ deposits: [dep] }), true)).resolves.toMatchObject({ state: 'submitted' });
    await expect(t.regs.create(other, t.app({ deposits: [dep] }), true)).rejects.toSatisfy((e: unknown) => isLogError(e, 'not_found'));
    await expect(t.deposits.deposit(t.creator, { sha256: 'ef'.repeat(32), onBehalfOf: { name: 'x' } })).rejects.toSatisfy((e: unknown) => isLogError(e, 'forbidden'));
  });

  it('concurrent decisions on one application: exactly one wins', async () => {
    const t = await setup();
    const a = await t.regs.create(t.creator, t.app(), true);
    const r2 = await t.mk('reviewer');
    const results = await Promise.allSettled([t.regs.approve(t.reviewer, a.id), t.regs.reject(r2, a.id, 'no'), t.regs.approve(r2, a.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(isLogError(r.reason, 'conflict')).toBe(true);
    expect(await t.store.getCounter('registrations/issued')).toBe(results[1]!.status === 'fulfilled' ? undefined : 1);
  });
});
