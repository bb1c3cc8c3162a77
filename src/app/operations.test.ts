/** Operation over the in-memory store: one atomic batch per action, holders, conflicts, time. */
import { describe, expect, it } from 'vitest';
import { memoryOperationStore } from '../adapters/memory/operations.js';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { RecordRegistrationStore } from '../adapters/records/registration-store.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer } from '../core/note.js';
import { verifyOperationCertificate } from '../core/operation-certificate.js';
import type { Application } from '../core/registration.js';
import { Accounts } from './accounts.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import { OPERATION_COUNTERS, Operations, registrationLookup } from './operations.js';
import { Organisations } from './organisations.js';
import { RecordOrganisationStore } from '../adapters/records/organisation-store.js';
import type { AccountRecord } from './ports.js';
import { Registrations } from './registrations.js';
import { accountRecords, ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(11));

async function setup(opts: { maxPerRegistration?: number; revokeAfterReads?: number } = {}) {
  const store = new MemoryLogStore();
  let now = Date.parse('2026-06-01T00:00:00.000Z');
  const clock = { now: () => now };
  let seed = 7;
  const random = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff);
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock });
  const deposits = new Deposits(ledger, store, portableSha256, random, clock);
  const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
  const regs = new Registrations({ ledger, store, records: new RecordRegistrationStore(store), deposits, organisations: new Organisations(new RecordOrganisationStore(store, random), store, clock, random), sha256: portableSha256, random, clock });
  const lookup = registrationLookup(new RecordRegistrationStore(store));
  // Counts reads of a registration; once armed, the read after `revokeAfterReads` more sees it revoked.
  const race = { armed: false, reads: 0 };
  const registrations = {
    ...lookup,
    byId: async (id: string) => {
      const w = await lookup.byId(id);
      if (!race.armed || w === undefined) return w;
      return ++race.reads > (opts.revokeAfterReads ?? 0) ? { ...w, state: 'revoked' as const } : w;
    },
  };
  const ops = new Operations({
    ledger,
    ops: memoryOperationStore(store),
    registrations,
    accounts: store,
    sha256: portableSha256,
    random,
    clock,
    ...(opts.maxPerRegistration !== undefined ? { maxPerRegistration: opts.maxPerRegistration } : {}),
  });
  const mk = async (name: string, role: AccountRecord['role'] = 'creator') => (await accounts.create({ name, email: `${Math.random()}@e.com`, kind: 'individual', role })).account;
  const holder = await mk('Holder');
  const reviewer = await mk('Reviewer', 'reviewer');
  const licensee = await mk('Licensee');
  const dep = (await deposits.deposit(holder, { sha256: 'cd'.repeat(32) })).deposit.id;
  const app: Application = {
    title: 'Night',
    workType: 'fine_art',
    authors: [{ name: 'Li' }],
    rightsHolders: [{ name: 'Li', displayName: 'Li Studio', kind: 'individual', idType: 'passport', idNumber: 'E12345678' }],
    creation: { completedOn: '2025-01-01', place: 'Shenzhen' },
    publication: { status: 'unpublished' },
    rightsObtained: 'original',
    ownership: 'sole',
    statementOfTruth: true,
    deposits: [dep],
  };
  const reg = await regs.create(holder, app, true);
  const approved = await regs.approve(reviewer, reg.id);
  const offer = (over: Record<string, unknown> = {}) => ({
    registrationId: reg.id,
    licensee: { account: licensee.id },
    rights: ['reproduction' as const],
    exclusive: true,
    territory: 'worldwide' as const,
    validFrom: '2026-01-01',
    validTo: '2026-12-31',
    ...over,
  });
  return { store, ledger, ops, regs, holder, licensee, reviewer, mk, reg, number: approved.number!, offer, setNow: (ms: number) => (now = ms), race };
}

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isLogError(e) ? `${e.code}:${String(e.details?.conflict ?? e.details?.field ?? '')}` : String(e)));

describe('Operations', () => {
  it('a failed commit of an acceptance writes nothing: state, title, counters and log stay as they were', async () => {
    const t = await setup();
    const lic = await t.ops.licences.offer(t.holder, t.offer());
    const size = t.ledger.treeSize;
    const granted = await t.store.getCounter(OPERATION_COUNTERS.licencesGranted);
    t.store.failNextCommit = new Error('disk full');
    await expect(t.ops.licences.accept(t.licensee, lic.id)).rejects.toThrow('disk full');
    expect(t.ledger.treeSize).toBe(size);
    expect((await t.ops.licences.get(t.licensee, lic.id)).state).toBe('offered');
    expect(await t.store.getCounter(OPERATION_COUNTERS.licencesGranted)).toBe(granted);
    expect((await t.ops.title(t.number))!.licences.active).toBe(0);
    // And it works on the next try.
    expect((await t.ops.licences.accept(t.licensee, lic.id)).state).toBe('active');
    expect((await t.ops.title(t.number))!.licences.active).toBe(1);
  });

  it('a transfer that fails to commit leaves the holder where it was', async () => {
    const t = await setup();
    const buyer = await t.mk('Buyer');
    const trf = await t.ops.transfers.offer(t.holder, { registrationId: t.reg.id, to: { account: buyer.id }, rights: 'all' });
    t.store.failNextCommit = new Error('disk full');
    await expect(t.ops.transfers.accept(buyer, trf.id)).rejects.toThrow('disk full');
    expect((await t.ops.title(t.number))!.holders).toEqual([{ name: 'Li Studio', rights: 'all' }]);
    await t.ops.transfers.accept(buyer, trf.id);
    expect((await t.ops.title(t.number))!.holders).toEqual([{ name: 'Buyer', rights: 'all' }]);
  });

  it('a pledge of some rights needs consent only for transfers of those rights', async () => {
    const t = await setup();
    const bank = await t.mk('Bank');
    const buyer = await t.mk('Buyer');
    const p = await t.ops.pledges.pledge(t.holder, { registrationId: t.reg.id, pledgee: { account: bank.id }, rights: ['translation'], securedAmount: { amount: '1', currency: 'CNY' }, validFrom: '2026-01-01', validTo: '2027-01-01' });
    expect((p.terms as { rights: string[] }).rights).toEqual(['translation']);
    const free = await t.ops.transfers.offer(t.holder, { registrationId: t.reg.id, to: { account: buyer.id }, rights: ['reproduction'] });
    expect((await t.ops.transfers.accept(buyer, free.id)).state).toBe('completed');
    const pledged = await t.ops.transfers.offer(t.holder, { registrationId: t.reg.id, to: { account: buyer.id }, rights: ['translation', 'adaptation'] });
    expect(await codeOf(t.ops.transfers.accept(buyer, pledged.id))).toBe('conflict:pledge_consent_required');
    // A pledge of rights the pledgor does not hold is refused.
    expect(await codeOf(t.ops.pledges.pledge(t.holder, { registrationId: t.reg.id, pledgee: { account: bank.id }, rights: ['adaptation', 'reproduction'], securedAmount: { amount: '1', currency: 'CNY' }, validFrom: '2026-01-01', validTo: '2027-01-01' }))).toBe('forbidden:rights.1');
  });

  it('many concurrent acceptances of mutually exclusive licences: exactly one wins', async () => {
    const t = await setup();
    const others = await Promise.all(Array.from({ length: 8 }, (_, i) => t.mk(`P${i}`)));
    const offers = [];
    for (const o of others) offers.push(await t.ops.licences.offer(t.holder, t.offer({ licensee: { account: o.id } })));
    const results = await Promise.all(offers.map((l, i) => codeOf(t.ops.licences.accept(others[i]!, l.id))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'conflict:exclusive_licence_overlap')).toHaveLength(7);
  });

  it('an offer past its period cannot be accepted; a licence to a named licensee is granted and certified at once', async () => {
    const t = await setup();
    const lic = await t.ops.licences.offer(t.holder, t.offer({ exclusive: false }));
    t.setNow(Date.parse('2027-01-01T00:00:00.000Z'));
    expect(await codeOf(t.ops.licences.accept(t.licensee, lic.id))).toBe('conflict:');
    const named = await t.ops.licences.offer(t.holder, t.offer({ licensee: { name: 'Offline Press' }, contractSha256: 'ef'.repeat(32), validTo: '2028-01-01' }));
    expect(named.state).toBe('active');
    expect(named.history.map((h) => h.action)).toEqual(['grant']);
    const cert = await t.ops.licences.certificate(t.holder, named.id);
    expect(verifyOperationCertificate(cert, { verifierKey: signer.verifierKey }).valid).toBe(true);
    expect((await t.ops.licences.check({ number: t.number, licensee: 'Offline Press', right: 'reproduction' })).covered).toBe(true);
    expect((await t.ops.licences.check({ number: t.number, licensee: 'offline press', right: 'reproduction' })).covered).toBe(false);
  });

  it('a revoked registration cannot be operated on, and its licences no longer cover', async () => {
    const t = await setup();
    const lic = await t.ops.licences.offer(t.holder, t.offer({ exclusive: false }));
    await t.ops.licences.accept(t.licensee, lic.id);
    const at = '2026-06-01T00:00:00.000Z';
    expect((await t.ops.licences.check({ number: t.number, licensee: t.licensee.id, right: 'reproduction', at })).covered).toBe(true);
    const admin = await t.mk('Admin', 'admin');
    await t.regs.revoke(admin, t.reg.id, 'fraud');
    expect((await t.ops.licences.check({ number: t.number, licensee: t.licensee.id, right: 'reproduction', at })).covered).toBe(false);
    expect(await codeOf(t.ops.licences.offer(t.holder, t.offer()))).toBe('conflict:registrationId');
    expect(await codeOf(t.ops.licences.offer(t.licensee, t.offer()))).toBe('not_found:registrationId');
  });

  it('refuses a new licence, pledge or transfer once the registration holds the most it may, so none is ever past the lists the checks read', async () => {
    const t = await setup({ maxPerRegistration: 2 });
    const bank = await t.mk('Bank');
    const buyer = await t.mk('Buyer');
    const first = await t.ops.licences.offer(t.holder, t.offer({ exclusive: false }));
    await t.ops.licences.accept(t.licensee, first.id);
    await t.ops.licences.offer(t.holder, t.offer({ exclusive: false, rights: ['translation'] }));
    // A third licence (here an exclusive one that overlaps the first) is refused for the limit, not silently admitted.
    expect(await codeOf(t.ops.licences.offer(t.holder, t.offer({ rights: ['reproduction'] })))).toBe('conflict:operation_limit_reached');
    expect(await codeOf(t.ops.licences.offer(t.holder, t.offer({ exclusive: false, rights: ['adaptation'] })))).toBe('conflict:operation_limit_reached');
    const pledge = (rights: string[]) => t.ops.pledges.pledge(t.holder, { registrationId: t.reg.id, pledgee: { account: bank.id }, rights: rights as never, securedAmount: { amount: '1', currency: 'CNY' }, validFrom: '2026-01-01', validTo: '2027-01-01' });
    await pledge(['translation']);
    await pledge(['adaptation']);
    expect(await codeOf(pledge(['reproduction']))).toBe('conflict:operation_limit_reached');
    await t.ops.transfers.offer(t.holder, { registrationId: t.reg.id, to: { account: buyer.id }, rights: ['reproduction'] });
    await t.ops.transfers.offer(t.holder, { registrationId: t.reg.id, to: { account: buyer.id }, rights: ['adaptation'] });
    expect(await codeOf(t.ops.transfers.offer(t.holder, { registrationId: t.reg.id, to: { account: buyer.id }, rights: ['translation'] }))).toBe('conflict:operation_limit_reached');
  });

  it('a registration revoked after the checks but before the commit: the action takes no effect', async () => {
    const t = await setup({ revokeAfterReads: 1 });
    const size = t.ledger.treeSize;
    t.race.armed = true;
    // The offer reads the registration approved (work()), then sees it revoked right before the commit.
    expect(await codeOf(t.ops.licences.offer(t.holder, t.offer({ licensee: { name: 'Press' }, contractSha256: 'ef'.repeat(32) })))).toBe('conflict:registrationId');
    expect(t.ledger.treeSize).toBe(size);
    t.race.armed = false;
    const lic = await t.ops.licences.offer(t.holder, t.offer());
    // Accept reads it approved (registeredOf), then revoked before the commit.
    t.race.reads = 0;
    t.race.armed = true;
    expect(await codeOf(t.ops.licences.accept(t.licensee, lic.id))).toBe('conflict:registrationId');
    t.race.armed = false;
    expect((await t.ops.licences.get(t.licensee, lic.id)).state).toBe('offered');
  });

  it('revoking a licence of a revoked registration: 404 for a stranger, 409 for its holder', async () => {
    const t = await setup();
    const stranger = await t.mk('Stranger');
    const lic = await t.ops.licences.offer(t.holder, t.offer({ exclusive: false }));
    await t.regs.revoke(await t.mk('Admin', 'admin'), t.reg.id, 'fraud');
    expect(await codeOf(t.ops.licences.revoke(stranger, lic.id, 'x'))).toBe('not_found:');
    expect(await codeOf(t.ops.licences.revoke(t.holder, lic.id, 'x'))).toBe('conflict:');
  });
});
