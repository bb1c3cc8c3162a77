/**
 * Infringement cases (docs/ENFORCEMENT.md): opened on a deposit of the rights holder's, or an
 * approved registration in which they currently hold a right, with the infringing URL. Opening a case captures the infringing page
 * through the capture use case (CaptureRequester); when the capture is done the case moves to
 * evidence_collected by itself. Later states are set by the rights holder: notice_sent, then
 * settled, litigation or closed (core/case-entry.ts has the transitions). Every state change
 * is one `case` entry in the log, committing to the private case record by its salted hash.
 */
import { toHex } from '../core/bytes.js';
import { actionFor, CASE_ACTIONS, CASE_TRANSITIONS, type CaseAction, type CaseEntry, type CaseState } from '../core/case-entry.js';
import type { Certificate } from '../core/certificate.js';
import { encodeEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { canonicalBytes } from '../core/jcs.js';
import { RIGHT_NAMES } from '../core/operation.js';
import type { RegistrationCertificate } from '../core/registration.js';
import { formatTime } from '../core/time.js';
import type { Deposits } from './deposits.js';
import type { Ledger } from './log.js';
import type { CaptureRequester } from './matches.js';
import { KeyedMutex } from './mutex.js';
import type { OperationStore } from './operation-ports.js';
import type { RegistrationLookup } from './operation-title.js';
import type { AccountRecord, Clock, LedgerStore, RandomBytes, RecordWrite } from './ports.js';

/** What a notice needs about the rights holder (name, contact, address: Art. 14 of the Regulations). */
export interface RightsHolderContact {
  name?: string | undefined;
  contact?: string | undefined;
  address?: string | undefined;
}

/** The part of a case its log entries commit to (with the salt). */
export interface CaseSnapshot {
  id: string;
  account: string;
  seq: number;
  state: CaseState;
  work: { depositId?: string; registrationId?: string };
  infringingUrl: string;
  description: string;
  rightsHolder?: RightsHolderContact;
  captureId?: string;
  note?: string;
  salt: string;
}

export interface CaseHistoryItem {
  seq: number;
  action: CaseAction;
  state: CaseState;
  at: string;
  account: string;
  index: number;
  caseSha256: string;
  /** The exact JCS text whose SHA-256 is caseSha256. */
  snapshot: string;
}

export interface CaseRecord {
  id: string;
  account: string;
  state: CaseState;
  seq: number;
  createdAt: string;
  updatedAt: string;
  work: { depositId?: string; registrationId?: string };
  infringingUrl: string;
  description: string;
  rightsHolder?: RightsHolderContact;
  captureId?: string;
  captureError?: string;
  salt: string;
  history: CaseHistoryItem[];
}

/** Registrations as cases need them (app/registrations.ts). */
export interface RegistrationSource {
  certificate(actor: AccountRecord, id: string): Promise<RegistrationCertificate>;
}

/** Who holds the rights of a registration now: its stored title (after transfers), else its applicant. */
export interface TitleSource {
  /** The registration with whether `account` currently holds at least one of its rights; undefined when it does not exist. */
  holding(account: string, registrationId: string): Promise<{ state: string; applicant: string; holds: boolean } | undefined>;
}

/** A TitleSource over the operation store and the registration records (app/operation-title.ts). */
export function titleSource(ops: Pick<OperationStore, 'title'>, registrations: Pick<RegistrationLookup, 'byId'>): TitleSource {
  return {
    async holding(account, registrationId) {
      const w = await registrations.byId(registrationId);
      if (w === undefined) return undefined;
      const t = await ops.title(registrationId);
      const holds = t !== undefined ? RIGHT_NAMES.some((r) => t.holders[r].account === account) : w.applicant === account;
      return { state: w.state, applicant: w.applicant, holds };
    },
  };
}

/** Everything an evidence package holds, as data (the adapter makes the ZIP and PDFs). */
export interface CaseEvidence {
  case: CaseRecord;
  depositCertificates: { depositId: string; certificate: Certificate }[];
  registrationCertificate?: RegistrationCertificate;
  capture?: { id: string; url: string; endedAt?: string; depositId: string; bundle: Uint8Array; certificate: Certificate };
  /** The case's log entries: index and JCS bytes. */
  entries: { seq: number; index: number; bytes: Uint8Array }[];
  logKey: string;
}

const CASES = 'cases';
const BY_ACCOUNT = 'cases-by-account';
/** `<account>/<inverted creation ms>/<id>` → '': an account's cases newest first. */
const BY_ACCOUNT_NEWEST = 'cases-by-account-newest';
/** Written once every case stored before the newest-first index has its entry there. */
const NEWEST_INDEX_DONE = { space: 'migrations', key: 'cases-by-account-newest-v1' } as const;
const LATEST_MS = 9_999_999_999_999;

function newestKey(account: string, createdAt: string, id: string): string {
  return `${account}/${String(LATEST_MS - Date.parse(createdAt)).padStart(13, '0')}/${id}`;
}

export class Cases {
  private readonly mutex = new KeyedMutex('cases');
  private readonly watching = new Set<string>();
  private closed = false;
  private readonly sleeping = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();

  constructor(
    private readonly d: {
      store: LedgerStore;
      ledger: Ledger;
      deposits: Deposits;
      registrations?: RegistrationSource;
      /** Who may open a case on a registration: whoever holds one of its rights now. */
      titles?: TitleSource;
      captures?: CaptureRequester;
      accounts: { get(id: string): Promise<AccountRecord | undefined> };
      sha256: Sha256;
      random: RandomBytes;
      clock: Clock;
      /** CASE_CAPTURE_WAIT_MS. */
      captureWaitMs: number;
      log: (msg: string, err?: unknown) => void;
      pollMs?: number;
    },
  ) {}

  private now(): string {
    return formatTime(this.d.clock.now());
  }

  /** Resumes waiting for the captures of open cases. */
  async init(): Promise<void> {
    // Cases opened before the newest-first index existed get their entry, once per store.
    const indexed = (await this.d.store.getRecord(NEWEST_INDEX_DONE.space, NEWEST_INDEX_DONE.key)) !== undefined;
    let after: string | undefined;
    for (;;) {
      const page = await this.d.store.listRecords(CASES, { ...(after ? { after } : {}), limit: 500 });
      const missing: RecordWrite[] = [];
      for (const { value } of page) {
        const c = JSON.parse(value) as CaseRecord;
        if (c.state === 'open' && c.captureId !== undefined && c.captureError === undefined) this.watch(c.id);
        if (indexed) continue;
        const key = newestKey(c.account, c.createdAt, c.id);
        if ((await this.d.store.getRecord(BY_ACCOUNT_NEWEST, key)) === undefined) missing.push({ space: BY_ACCOUNT_NEWEST, key, value: '' });
      }
      if (missing.length > 0) await this.d.store.writeRecords(missing);
      if (page.length < 500) break;
      after = page[page.length - 1]!.key;
    }
    if (!indexed) await this.d.store.writeRecords([{ ...NEWEST_INDEX_DONE, value: 'done' }]);
  }

  private async load(id: string): Promise<CaseRecord | undefined> {
    const v = await this.d.store.getRecord(CASES, id);
    return v === undefined ? undefined : (JSON.parse(v) as CaseRecord);
  }

  async get(viewer: AccountRecord, id: string): Promise<CaseRecord> {
    const c = await this.load(id);
    if (!c || (c.account !== viewer.id && viewer.role !== 'admin')) throw new LogError('not_found', 'no such case');
    return c;
  }

  /** The viewer's cases, newest first; `next` (when there may be more) is the `after` of the next page. */
  async list(viewer: AccountRecord, opts: { after?: string | undefined; limit: number } = { limit: 20 }): Promise<{ cases: CaseRecord[]; next?: string }> {
    const prefix = `${viewer.id}/`;
    const rows = await this.d.store.listRecords(BY_ACCOUNT_NEWEST, { prefix, ...(opts.after !== undefined ? { after: prefix + opts.after } : {}), limit: opts.limit });
    const out: CaseRecord[] = [];
    for (const { key } of rows) {
      const c = await this.load(key.slice(key.lastIndexOf('/') + 1));
      if (c) out.push(c);
    }
    const last = rows.at(-1);
    return { cases: out, ...(rows.length === opts.limit && last !== undefined ? { next: last.key.slice(prefix.length) } : {}) };
  }

  /** Opens a case on a deposit or an approved registration of the viewer's, and starts the capture of the infringing page. */
  async open(
    viewer: AccountRecord,
    input: { depositId?: string | undefined; registrationId?: string | undefined; infringingUrl: string; description: string; rightsHolder?: RightsHolderContact | undefined },
  ): Promise<CaseRecord> {
    if ((input.depositId === undefined) === (input.registrationId === undefined)) throw new LogError('invalid_request', 'give exactly one of depositId, registrationId', { details: { field: 'depositId' } });
    if (input.depositId !== undefined) await this.d.deposits.get(input.depositId, viewer);
    if (input.registrationId !== undefined) {
      if (!this.d.registrations || !this.d.titles) throw new LogError('unsupported_media_type', 'registrations are not available on this server');
      const h = await this.d.titles.holding(viewer.id, input.registrationId);
      if (h === undefined || !h.holds) throw new LogError('not_found', `registrationId: you hold no right in a registration ${input.registrationId}`, { details: { field: 'registrationId' } });
      if (h.state !== 'approved') throw new LogError('conflict', `registrationId: registration ${input.registrationId} is ${h.state}, not approved`, { details: { field: 'registrationId' } });
    }
    if (!this.d.captures) throw new LogError('unsupported_media_type', 'web captures are not available on this server: a case needs one');
    // The case's log entries commit to its canonical JSON: text that has none is refused before anything is queued.
    requireCanonical({ infringingUrl: input.infringingUrl, description: input.description, ...(input.rightsHolder !== undefined ? { rightsHolder: input.rightsHolder } : {}) });
    // Vetting the URL (and queueing the capture) first: a refused URL opens no case.
    const capture = await this.d.captures.request(viewer, { url: input.infringingUrl, note: `infringement case evidence: ${Array.from(input.description).slice(0, 200).join('')}` });
    const at = this.now();
    const id = `case_${toHex(this.d.random(10))}`;
    const work = input.depositId !== undefined ? { depositId: input.depositId } : { registrationId: input.registrationId! };
    const record: CaseRecord = {
      id,
      account: viewer.id,
      state: 'open',
      seq: 0,
      createdAt: at,
      updatedAt: at,
      work,
      infringingUrl: input.infringingUrl,
      description: input.description,
      ...(input.rightsHolder !== undefined ? { rightsHolder: input.rightsHolder } : {}),
      captureId: capture.id,
      salt: toHex(this.d.random(16)),
      history: [],
    };
    const opened = await this.mutex.run(id, () => this.append(record, viewer, 'open', {}, [
        { space: BY_ACCOUNT, key: `${viewer.id}/${at}/${id}`, value: '' },
        { space: BY_ACCOUNT_NEWEST, key: newestKey(viewer.id, at, id), value: '' },
      ]));
    this.watch(id);
    return opened;
  }

  /** Moves a case to `state` (the rights holder or an admin). */
  async transition(viewer: AccountRecord, id: string, state: CaseState, note?: string): Promise<CaseRecord> {
    return this.mutex.run(id, async () => {
      const c = await this.get(viewer, id);
      if (note !== undefined) requireCanonical({ note });
      if (state === 'evidence_collected') throw new LogError('conflict', 'evidence is collected by the capture of the infringing page, not set by hand');
      if (!CASE_TRANSITIONS[c.state].includes(state)) throw new LogError('conflict', `a case ${c.state} cannot become ${state}`, { details: { state: c.state } });
      return this.append(c, viewer, actionFor(state), note !== undefined ? { note } : {});
    });
  }

  /** Captures the infringing page again (when the first capture failed). */
  async recapture(viewer: AccountRecord, id: string): Promise<CaseRecord> {
    return this.mutex.run(id, async () => {
      const c = await this.get(viewer, id);
      if (c.state !== 'open') throw new LogError('conflict', `the case is ${c.state}: its evidence is collected`);
      if (c.captureError === undefined) throw new LogError('conflict', 'the capture of this case is still running');
      const capture = await this.d.captures!.request(viewer, { url: c.infringingUrl, note: 'infringement case evidence (again)' });
      const { captureError: _e, ...rest } = c;
      const next: CaseRecord = { ...rest, captureId: capture.id, updatedAt: this.now() };
      await this.d.store.writeRecords([{ space: CASES, key: id, value: JSON.stringify(next) }]);
      this.watch(id);
      return next;
    });
  }

  /** Appends the case entry of `action` and stores the record in the same atomic batch. */
  private async append(c: CaseRecord, actor: AccountRecord, action: CaseAction, extra: { captureId?: string; note?: string }, records: RecordWrite[] = []): Promise<CaseRecord> {
    const state: CaseState = stateOf(action);
    const seq = c.seq + 1;
    const at = this.now();
    const captureId = extra.captureId ?? c.captureId;
    const snapshot: CaseSnapshot = {
      id: c.id,
      account: c.account,
      seq,
      state,
      work: c.work,
      infringingUrl: c.infringingUrl,
      description: c.description,
      ...(c.rightsHolder !== undefined ? { rightsHolder: c.rightsHolder } : {}),
      ...(captureId !== undefined ? { captureId } : {}),
      ...(extra.note !== undefined ? { note: extra.note } : {}),
      salt: c.salt,
    };
    const snapshotBytes = canonicalBytes(snapshot);
    const caseSha256 = toHex(this.d.sha256(snapshotBytes));
    const entry: CaseEntry = {
      v: 1,
      type: 'case',
      id: c.id,
      seq,
      action,
      state,
      account: actor.id,
      caseSha256,
      ...(action === 'open' && c.work.depositId !== undefined ? { deposit: c.work.depositId } : {}),
      ...(action === 'open' && c.work.registrationId !== undefined ? { registration: c.work.registrationId } : {}),
      ...(action === 'collect_evidence' ? { capture: extra.captureId! } : {}),
      receivedAt: at,
    };
    const bytes = encodeEntry({ ...entry });
    const finalize = (index: bigint): CaseRecord => ({
      ...c,
      state,
      seq,
      updatedAt: at,
      ...(captureId !== undefined ? { captureId } : {}),
      history: [...c.history, { seq, action, state, at, account: actor.id, index: Number(index), caseSha256, snapshot: new TextDecoder().decode(snapshotBytes) }],
    });
    const [appended] = await this.d.ledger.append(
      [{ bytes, records: [{ space: CASES, key: c.id, value: JSON.stringify(finalize(0n)) }, ...records], indexAt: [{ record: 0, path: ['history', c.history.length, 'index'] }] }],
      { owner: actor.id },
    );
    return finalize(appended!.index);
  }

  // ---- waiting for the capture
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const item = { timer: setTimeout(() => (this.sleeping.delete(item), resolve()), ms), wake: resolve };
      item.timer.unref?.();
      this.sleeping.add(item);
    });
  }

  private watch(id: string): void {
    if (this.watching.has(id) || this.closed || !this.d.captures) return;
    this.watching.add(id);
    void this.follow(id)
      .catch((e: unknown) => this.d.log(`case ${id}: following its capture failed`, e))
      .finally(() => this.watching.delete(id));
  }

  private async follow(id: string): Promise<void> {
    const end = this.d.clock.now() + this.d.captureWaitMs;
    while (!this.closed) {
      const c = await this.load(id);
      if (!c || c.state !== 'open' || c.captureId === undefined) return;
      const owner = await this.d.accounts.get(c.account);
      if (!owner) return;
      const job = await this.d.captures!.get(c.captureId, owner);
      if (job.status === 'done') {
        await this.mutex.run(id, async () => {
          const now = await this.load(id);
          if (now && now.state === 'open') await this.append(now, owner, 'collect_evidence', { captureId: job.id });
        });
        return;
      }
      const failed = job.status === 'failed' ? `the capture failed: ${job.reason ?? 'no reason given'}` : this.d.clock.now() > end ? `the capture was not done within ${this.d.captureWaitMs} ms` : undefined;
      if (failed !== undefined) {
        await this.mutex.run(id, async () => {
          const now = await this.load(id);
          if (now) await this.d.store.writeRecords([{ space: CASES, key: id, value: JSON.stringify({ ...now, captureError: failed, updatedAt: this.now() }) }]);
        });
        return;
      }
      await this.sleep(this.d.pollMs ?? 1000);
    }
  }

  /** Everything the evidence package holds. */
  async evidence(viewer: AccountRecord, id: string): Promise<CaseEvidence> {
    const c = await this.get(viewer, id);
    const owner = (await this.d.accounts.get(c.account)) ?? viewer;
    const depositCertificates: CaseEvidence['depositCertificates'] = [];
    let registrationCertificate: RegistrationCertificate | undefined;
    if (c.work.depositId !== undefined) depositCertificates.push({ depositId: c.work.depositId, certificate: await this.d.deposits.certificate(c.work.depositId, owner) });
    if (c.work.registrationId !== undefined && this.d.registrations) {
      registrationCertificate = await this.registrationCertificate(owner, c.work.registrationId);
      for (const dep of registrationCertificate.record.deposits) {
        const cert = await this.d.deposits.certificate(dep.id, owner).catch(() => undefined);
        if (cert) depositCertificates.push({ depositId: dep.id, certificate: cert });
      }
    }
    let capture: CaseEvidence['capture'];
    if (c.captureId !== undefined && this.d.captures && c.state !== 'open') {
      const job = await this.d.captures.get(c.captureId, owner);
      if (job.status === 'done' && job.depositId !== undefined) {
        const { bytes } = await this.d.captures.bundle(c.captureId, owner);
        capture = { id: job.id, url: job.url, ...(job.endedAt !== undefined ? { endedAt: job.endedAt } : {}), depositId: job.depositId, bundle: bytes, certificate: await this.d.deposits.certificate(job.depositId, owner) };
      }
    }
    const entries: CaseEvidence['entries'] = [];
    for (const h of c.history) {
      const bytes = await this.d.ledger.entry(BigInt(h.index));
      if (bytes) entries.push({ seq: h.seq, index: h.index, bytes });
    }
    return {
      case: c,
      depositCertificates,
      ...(registrationCertificate ? { registrationCertificate } : {}),
      ...(capture ? { capture } : {}),
      entries,
      logKey: this.d.ledger.verifierKey,
    };
  }

  /** The registration's certificate as the case's owner sees it, or as its applicant does (the owner may hold its rights by transfer). */
  private async registrationCertificate(owner: AccountRecord, id: string): Promise<RegistrationCertificate> {
    try {
      return await this.d.registrations!.certificate(owner, id);
    } catch (e) {
      const h = await this.d.titles?.holding(owner.id, id);
      const applicant = h !== undefined ? await this.d.accounts.get(h.applicant) : undefined;
      if (applicant === undefined || applicant.id === owner.id) throw e;
      return this.d.registrations!.certificate(applicant, id);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleeping.clear();
  }
}

function stateOf(action: CaseAction): CaseState {
  return CASE_ACTIONS[action];
}

/** invalid_request naming the field when a value of `fields` has no canonical JSON (a lone surrogate). */
function requireCanonical(fields: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(fields)) {
    try {
      canonicalBytes(value);
    } catch {
      throw new LogError('invalid_request', `${field}: must be well-formed Unicode (no lone surrogate)`, { details: { field } });
    }
  }
}
