import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { RecordCaseStore } from '../adapters/records/case-store.js';
import { RecordRegistrationStore } from '../adapters/records/registration-store.js';
import { toHex } from '../core/bytes.js';
import { decodeEntry } from '../core/entry.js';
import { portableSha256 } from '../core/hash.js';
import { canonicalBytes } from '../core/jcs.js';
import { createEd25519Signer } from '../core/note.js';
import { Accounts } from './accounts.js';
import { memoryOperationStore } from '../adapters/memory/operations.js';
import type { Application } from '../core/registration.js';
import { Cases, titleSource } from './cases.js';
import { Operations, registrationLookup } from './operations.js';
import { Organisations } from './organisations.js';
import { RecordOrganisationStore } from '../adapters/records/organisation-store.js';
import { Registrations } from './registrations.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import type { CaptureRequester } from './matches.js';
import { accountRecords, ledgerRecords } from '../adapters/records/core-records.js';
import { WorkClaims } from './work-claims.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(7));

/** A capture queue whose jobs finish when the test says so. */
function fakeCaptures() {
  const jobs = new Map<string, { id: string; status: string; url: string; account: string; note?: string; reason?: string; depositId?: string }>();
  let n = 0;
  const captures: CaptureRequester = {
    request: async (account, input) => {
      if (input.url.startsWith('file:')) throw Object.assign(new Error('refused'), { code: 'invalid_request' });
      // The capture records commit to their note by its canonical JSON, as the real ones do.
      canonicalBytes(input);
      const id = `cap_${String(++n).padStart(20, '0')}`;
      jobs.set(id, { id, status: 'queued', url: input.url, account: account.id, ...(input.note !== undefined ? { note: input.note } : {}) });
      return { id, status: 'queued' };
    },
    get: async (id) => jobs.get(id)!,
    bundle: async () => ({ bytes: new Uint8Array([1, 2, 3]) }),
  };
  return { captures, jobs };
}

async function setup(claims?: WorkClaims) {
  const store = new MemoryLogStore();
  const clock = { now: () => Date.now() };
  let seed = 1;
  const random = (k: number) => Uint8Array.from({ length: k }, () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff);
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock });
  const deposits = new Deposits(ledger, store, portableSha256, random, clock);
  const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
  const owner = (await accounts.create({ name: '李四', email: 'li@example.com', kind: 'individual' })).account;
  const other = (await accounts.create({ name: 'O', email: 'o@example.com', kind: 'individual' })).account;
  const dep = (await deposits.deposit(owner, { sha256: 'cd'.repeat(32) })).deposit.id;
  const fake = fakeCaptures();
  const cases = new Cases({ cases: new RecordCaseStore(store), ledger, deposits, captures: fake.captures, accounts, sha256: portableSha256, random, clock, captureWaitMs: 60_000, log: () => undefined, pollMs: 5, ...(claims ? { claims: new WorkClaims(claims) } : {}) });
  const another = (shared: WorkClaims, captures: CaptureRequester) =>
    new Cases({ cases: new RecordCaseStore(store), ledger, deposits, captures, accounts, sha256: portableSha256, random, clock, captureWaitMs: 60_000, log: () => undefined, pollMs: 5, claims: new WorkClaims(shared) });
  return { store, ledger, cases, owner, other, dep, another, ...fake };
}

const until = async (f: () => Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await f()); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('Cases', () => {
  it('opens with a capture, collects the evidence when it is done, and logs each change committing to the snapshot', async () => {
    const { cases, owner, dep, jobs, ledger } = await setup();
    const c = await cases.open(owner, { depositId: dep, infringingUrl: 'https://copy.example.com/p/1', description: '盗用', rightsHolder: { name: '李四', contact: 'li@example.com' } });
    expect(c.state).toBe('open');
    jobs.get(c.captureId!)!.status = 'done';
    await until(async () => (await cases.get(owner, c.id)).state === 'evidence_collected');
    const after = await cases.get(owner, c.id);
    expect(after.history.map((h) => h.action)).toEqual(['open', 'collect_evidence']);
    for (const h of after.history) {
      const entry = decodeEntry((await ledger.entry(BigInt(h.index)))!);
      expect(entry).toMatchObject({ type: 'case', id: c.id, seq: h.seq, caseSha256: h.caseSha256 });
      expect(toHex(portableSha256(new TextEncoder().encode(h.snapshot)))).toBe(h.caseSha256);
      expect(canonicalBytes(JSON.parse(h.snapshot))).toEqual(new TextEncoder().encode(h.snapshot));
      expect(JSON.stringify(entry)).not.toMatch(/copy\.example|李四|li@example/);
    }
    await cases.close();
  });

  it('follows the transition table', async () => {
    const { cases, owner, other, dep, jobs } = await setup();
    const c = await cases.open(owner, { depositId: dep, infringingUrl: 'https://copy.example.com/p/2', description: 'x' });
    await expect(cases.transition(owner, c.id, 'notice_sent')).rejects.toMatchObject({ code: 'conflict' });
    await expect(cases.transition(owner, c.id, 'evidence_collected')).rejects.toMatchObject({ code: 'conflict' });
    jobs.get(c.captureId!)!.status = 'done';
    await until(async () => (await cases.get(owner, c.id)).state === 'evidence_collected');
    await expect(cases.transition(other, c.id, 'notice_sent')).rejects.toMatchObject({ code: 'not_found' });
    expect((await cases.transition(owner, c.id, 'notice_sent')).state).toBe('notice_sent');
    expect((await cases.transition(owner, c.id, 'litigation', 'filed')).state).toBe('litigation');
    expect((await cases.transition(owner, c.id, 'closed')).state).toBe('closed');
    await expect(cases.transition(owner, c.id, 'settled')).rejects.toMatchObject({ code: 'conflict' });
    await cases.close();
  });

  it('a failed capture is recorded; recapture tries again', async () => {
    const { cases, owner, dep, jobs } = await setup();
    const c = await cases.open(owner, { depositId: dep, infringingUrl: 'https://copy.example.com/p/3', description: 'x' });
    await expect(cases.recapture(owner, c.id)).rejects.toMatchObject({ code: 'conflict' });
    Object.assign(jobs.get(c.captureId!)!, { status: 'failed', reason: 'net::ERR_CONNECTION_REFUSED' });
    await until(async () => (await cases.get(owner, c.id)).captureError !== undefined);
    expect((await cases.get(owner, c.id)).captureError).toContain('ERR_CONNECTION_REFUSED');
    const again = await cases.recapture(owner, c.id);
    expect(again.captureId).not.toBe(c.captureId);
    expect(again.captureError).toBeUndefined();
    jobs.get(again.captureId!)!.status = 'done';
    await until(async () => (await cases.get(owner, c.id)).state === 'evidence_collected');
    expect((await cases.get(owner, c.id)).state).toBe('evidence_collected');
    await cases.close();
  });

  it('needs exactly one work, of the caller', async () => {
    const { cases, owner, other, dep } = await setup();
    await expect(cases.open(owner, { infringingUrl: 'https://x.example.com/', description: 'x' })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(cases.open(other, { depositId: dep, infringingUrl: 'https://x.example.com/', description: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    await cases.close();
  });

  it('cuts the capture note by code point: a description whose 200th UTF-16 unit is half an emoji still opens', async () => {
    const { cases, owner, dep, jobs } = await setup();
    const c = await cases.open(owner, { depositId: dep, infringingUrl: 'https://x.example.com/', description: 'a'.repeat(199) + '😀' + 'b' });
    expect(jobs.get(c.captureId!)!.note).toBe(`infringement case evidence: ${'a'.repeat(199)}😀`);
    await cases.close();
  });

  it('refuses text without canonical JSON before queueing the capture', async () => {
    const { cases, owner, dep, jobs } = await setup();
    await expect(cases.open(owner, { depositId: dep, infringingUrl: 'https://x.example.com/', description: 'bad \ud800' })).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'description' } });
    await expect(cases.open(owner, { depositId: dep, infringingUrl: 'https://x.example.com/', description: 'x', rightsHolder: { name: '\udc00' } })).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'rightsHolder' } });
    expect(jobs.size).toBe(0);
    await cases.close();
  });

  it('a case on a registration: whoever holds one of its rights now, not a reviewer, not the applicant after transferring them all', async () => {
    const store = new MemoryLogStore();
    const clock = { now: () => Date.now() };
    let seed = 3;
    const random = (k: number) => Uint8Array.from({ length: k }, () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff);
    const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock });
    const deposits = new Deposits(ledger, store, portableSha256, random, clock);
    const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
    const regs = new Registrations({ ledger, store, records: new RecordRegistrationStore(store), deposits, organisations: new Organisations(new RecordOrganisationStore(store, random), store, clock, random), sha256: portableSha256, random, clock });
    const ops = new Operations({ ledger, ops: memoryOperationStore(store), registrations: registrationLookup(new RecordRegistrationStore(store)), accounts: store, sha256: portableSha256, random, clock });
    const mk = async (name: string, role: 'creator' | 'reviewer' | 'admin' = 'creator') => (await accounts.create({ name, email: `${name}@example.com`, kind: 'individual', role })).account;
    const holder = await mk('holder');
    const reviewer = await mk('reviewer', 'reviewer');
    const admin = await mk('admin', 'admin');
    const buyer = await mk('buyer');
    const dep = (await deposits.deposit(holder, { sha256: 'ab'.repeat(32) })).deposit.id;
    const app: Application = {
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
    };
    const reg = await regs.create(holder, app, true);
    await regs.approve(reviewer, reg.id);
    const fake = fakeCaptures();
    const cases = new Cases({ cases: new RecordCaseStore(store), ledger, deposits, registrations: regs, titles: titleSource(memoryOperationStore(store), registrationLookup(new RecordRegistrationStore(store))), captures: fake.captures, accounts, sha256: portableSha256, random, clock, captureWaitMs: 60_000, log: () => undefined, pollMs: 5 });
    const open = (who: typeof holder) => cases.open(who, { registrationId: reg.id, infringingUrl: 'https://x.example.com/', description: 'copy' });
    expect((await open(holder)).state).toBe('open');
    await expect(open(reviewer)).rejects.toMatchObject({ code: 'not_found' });
    await expect(open(admin)).rejects.toMatchObject({ code: 'not_found' });
    await expect(open(buyer)).rejects.toMatchObject({ code: 'not_found' });
    const trf = await ops.transfers.offer(holder, { registrationId: reg.id, to: { account: buyer.id }, rights: 'all' });
    await ops.transfers.accept(buyer, trf.id);
    await expect(open(holder)).rejects.toMatchObject({ code: 'not_found' });
    const c = await open(buyer);
    expect(c.work).toEqual({ registrationId: reg.id });
    // The new holder's evidence still carries the registration certificate.
    expect((await cases.evidence(buyer, c.id)).registrationCertificate?.record.id).toBe(reg.id);
    await cases.close();
  });

  it('lists my cases newest first, a page at a time', async () => {
    const { cases, owner, other, dep } = await setup();
    let t = Date.parse('2026-03-01T00:00:00.000Z');
    (cases as unknown as { d: { clock: { now: () => number } } }).d.clock = { now: () => (t += 1000) };
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push((await cases.open(owner, { depositId: dep, infringingUrl: `https://x.example.com/${i}`, description: `c${i}` })).id);
    const first = await cases.list(owner, { limit: 2 });
    expect(first.cases.map((c) => c.id)).toEqual([opened[4], opened[3]]);
    const second = await cases.list(owner, { after: first.next, limit: 2 });
    expect(second.cases.map((c) => c.id)).toEqual([opened[2], opened[1]]);
    const third = await cases.list(owner, { after: second.next, limit: 2 });
    expect(third.cases.map((c) => c.id)).toEqual([opened[0]]);
    expect(third.next).toBeUndefined();
    expect((await cases.list(other, { limit: 10 })).cases).toEqual([]);
    await cases.close();
  });

  it('a case stored before the newest-first index existed is listed after a restart (init back-fills the index)', async () => {
    const { store, cases, owner } = await setup();
    const old = { id: `case_${'0'.repeat(20)}`, account: owner.id, state: 'closed', seq: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', work: { depositId: 'dep_x' }, infringingUrl: 'https://x.example.com/', description: 'old', salt: '00', history: [] };
    await store.writeRecords([{ space: 'cases', key: old.id, value: JSON.stringify(old) }]);
    expect((await cases.list(owner, { limit: 10 })).cases).toEqual([]);
    await cases.init();
    expect((await cases.list(owner, { limit: 10 })).cases.map((c) => c.id)).toEqual([old.id]);
    // Done once: later starts skip the per-case index check.
    expect(await store.getRecord('migrations', 'cases-by-account-newest-v1')).toBe('done');
    await cases.close();
  });

  it('resume takes on the evidence waits a stop interrupted, and leaves a case another process follows (it holds the claim) to it', async () => {
    const shared = new WorkClaims();
    const { cases, owner, dep, jobs, captures, another } = await setup(shared);
    const c = await cases.open(owner, { depositId: dep, infringingUrl: 'https://copy.example.com/p/9', description: 'copy' });
    // A second process on the same store and claims: while the first follows the case, it does not.
    const seen: string[] = [];
    const second = another(shared, { ...captures, get: async (id, viewer) => (seen.push(id), captures.get(id, viewer)) });
    await second.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
    // The first stops: the second, resuming, follows the case and collects its evidence once.
    await cases.close();
    await new Promise((r) => setTimeout(r, 50));
    await second.resume();
    await until(async () => seen.length > 0);
    expect(seen[0]).toBe(c.captureId);
    jobs.get(c.captureId!)!.status = 'done';
    await until(async () => (await second.get(owner, c.id)).state === 'evidence_collected');
    await second.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect((await second.get(owner, c.id)).history.map((h) => h.action)).toEqual(['open', 'collect_evidence']);
    await second.close();
  });
});
