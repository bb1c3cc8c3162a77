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
import type { CaseRecord, CaseStore, RightsHolderContact } from './case-ports.js';
import type { AccountRecord, Clock, RandomBytes } from './ports.js';
import { WorkClaims, type SharedClaims } from './work-claims.js';

export type { CaseHistoryItem, CaseRecord, RightsHolderContact } from './case-ports.js';

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

export class Cases {
  private readonly mutex = new KeyedMutex('cases');
  private readonly watching = new Set<string>();
  private closed = false;
  private readonly sleeping = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  private readonly claims: SharedClaims;

  constructor(
    private readonly d: {
      cases: CaseStore;
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
      /** Claims on following a case's capture, shared by the processes on one store (default: this process only). */
      claims?: SharedClaims;
    },
  ) {
    this.claims = d.claims ?? new WorkClaims();
  }

  private now(): string {
    return formatTime(this.d.clock.now());
  }

  /** Makes every stored case listable (cases stored by older versions included). */
  async init(): Promise<void> {
    await this.d.cases.prepare();
  }

  /**
   * Waits for the captures of open cases not followed here: those a stop interrupted (at start,
   * or when this process becomes the one that runs background work) and those of a process that
   * died. A case another live process follows (it holds the claim) is left to it.
   */
  async resume(): Promise<void> {
    if (this.closed) return;
    for (const id of await this.d.cases.awaitingEvidence()) this.watch(id);
  }

  private load(id: string): Promise<CaseRecord | undefined> {
    return this.d.cases.get(id);
  }

  async get(viewer: AccountRecord, id: string): Promise<CaseRecord> {
    const c = await this.load(id);
    if (!c || (c.account !== viewer.id && viewer.role !== 'admin')) throw new LogError('not_found', 'no such case');
    return c;
  }

  /** The viewer's cases, newest first; `next` (when there may be more) is the `after` of the next page. */
  async list(viewer: AccountRecord, opts: { after?: string | undefined; limit: number } = { limit: 20 }): Promise<{ cases: CaseRecord[]; next?: string }> {
    return this.d.cases.ofAccount(viewer.id, opts);
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
    const opened = await this.mutex.run(id, () => this.append(record, viewer, 'open', {}));
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
      await this.d.cases.save(next);
      this.watch(id);
      return next;
    });
  }

  /** Appends the case entry of `action` and stores the record in the same atomic batch. */
  private async append(c: CaseRecord, actor: AccountRecord, action: CaseAction, extra: { captureId?: string; note?: string }): Promise<CaseRecord> {
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
      [{ bytes, records: this.d.cases.writes({ ...(action === 'open' ? {} : { before: c }), after: finalize(0n) }), indexAt: [{ record: 0, path: ['history', c.history.length, 'index'] }] }],
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
    void this.claims
      .tryRun('case-evidence', id, () => this.follow(id))
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
          if (now) await this.d.cases.save({ ...now, captureError: failed, updatedAt: this.now() });
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
