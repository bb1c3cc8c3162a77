/**
 * Copyright registration (登记): the records and the one write path every actor shares
 * (docs/REGISTRATION.md). The use cases are split by actor: applicants
 * (registration-applicant.ts), reviewers (registration-review.ts), and admins over the registry
 * and certificates (registration-registry.ts); registrations.ts puts them behind one facade.
 *
 * Every state change is one `registration` log entry, appended through the Ledger together with
 * the records it changes (the application's state record, its indexes, the public registry
 * entry) and the counters it moves (applications by state, the number counter of its year and
 * category) — all in the same atomic, synced batch. Nothing about a change is visible before its
 * entry is durable, and a crash leaves either all of it or none of it.
 *
 * Drafts are edited in place (no entry): only a state change is a claim worth logging, and its
 * entry commits to the application as it then stood (applicationSha256).
 */
import type { Certificate } from '../core/certificate.js';
import { decodeEntry, encodeEntry, isDepositEntry, REGISTRATION_ACTIONS, type RegistrationEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { applicationSha256, checkTransition, reasonSha256, recordSha256, REGISTRATION_STATES, type Application, type ApplicationDraft, type CertificateRecord, type RegistrationAction, type RegistrationState, type WorkType } from '../core/registration.js';
import { formatTime } from '../core/time.js';
import type { Deposits, DepositView } from './deposits.js';
import type { Ledger } from './log.js';
import type { IndexSlot } from './pending.js';
import { KeyedMutex } from './mutex.js';
import type { Organisations } from './organisations.js';
import type { AccountRecord, Clock, CounterDelta, LedgerStore, RandomBytes, RecordWrite } from './ports.js';
import { indexTerms } from './registry-search.js';

/** Record spaces (LedgerStore auxiliary records). */
export const SPACES = {
  registration: 'reg', // id → RegistrationRecord JSON (private)
  byState: 'reg-state', // `<state>/<since>/<id>` → ''  (the review queue is `submitted/…`, oldest first)
  byApplicant: 'reg-applicant', // `<account>/<createdAt>/<id>` → ''
  byNumber: 'reg-number', // number → id
  registry: 'registry', // number → RegistryEntry JSON (public)
  terms: 'registry-term', // `<term> <number>` → ''  (registry-search.ts)
} as const;

/** Counters moved in the batches of registration entries. */
export const COUNTERS = {
  state: (s: RegistrationState) => `applications/${s}`,
  /** Applications submitted at least once (the pilot's "applications" figure). */
  submitted: 'applications/submitted-total',
  issued: 'registrations/issued',
  revoked: 'registrations/revoked',
  corrections: 'registrations/corrections',
} as const;

export interface HistoryItem {
  seq: number;
  action: RegistrationAction;
  state: RegistrationState;
  at: string;
  /** The account that made the change. */
  account: string;
  /** Index of the change's log entry. */
  index: number;
  applicationSha256: string;
  reason?: string;
}

/** What the service keeps about one application (private). */
export interface RegistrationRecord {
  id: string;
  applicant: string;
  state: RegistrationState;
  /** seq of the latest entry. */
  seq: number;
  application: ApplicationDraft;
  /** Salt of applicationSha256 and reasonSha256 (128-bit hex). */
  salt: string;
  createdAt: string;
  updatedAt: string;
  /** Key of this record in the by-state index. */
  stateKey: string;
  everSubmitted: boolean;
  submittedAt?: string;
  /** The latest reviewer's or admin's reason (request changes, reject, revoke). */
  reason?: string;
  number?: string;
  registeredAt?: string;
  /** The entry the certificate proves (approval or latest correction) and its record. */
  certificate?: { index: number; record: CertificateRecord };
  history: HistoryItem[];
  /** Every application version an entry committed to, by applicationSha256. */
  versions: Record<string, ApplicationDraft>;
}

export interface RegistrationView {
  id: string;
  state: RegistrationState;
  applicant: string;
  application: ApplicationDraft;
  applicationSha256: string;
  createdAt: string;
  updatedAt: string;
  submittedAt?: string;
  reason?: string;
  number?: string;
  registeredAt?: string;
  certificateUrl?: string;
  history: HistoryItem[];
  /** Applicant and admins only: the salt and every logged version, to prove each entry's applicationSha256. */
  salt?: string;
  versions?: Record<string, ApplicationDraft>;
}

/** Public registry entry: never personal data beyond the display names the applicant chose. */
export interface RegistryEntry {
  number: string;
  title: string;
  workType: WorkType;
  workTypeCode: string;
  rightsHolders: string[];
  registeredAt: string;
  status: 'registered' | 'revoked';
  corrections: { correctedAt: string; changes: Record<string, { from: unknown; to: unknown }>; reason: string }[];
  revocation?: { revokedAt: string; reason: string };
}

export interface QueueItem {
  registration: RegistrationView;
  deposits: { deposit: DepositView; certificate: Certificate }[];
}

/** A queue item with who applied and whether the reviewer asking is barred by a conflict of interest. */
export interface ReviewItem extends QueueItem {
  applicant: { id: string; name?: string; kind?: AccountRecord['kind'] };
  conflict: boolean;
}

export interface Correction {
  title?: string;
  rightsHolders?: { name: string; displayName?: string }[];
}

export type ApplicationPatch = { [K in keyof Application]?: Application[K] | null };

export interface RegistrationsDeps {
  ledger: Ledger;
  store: LedgerStore;
  deposits: Deposits;
  organisations: Organisations;
  sha256: Sha256;
  random: RandomBytes;
  clock: Clock;
}

/**
 * The use cases read deposits of any account on behalf of reviewers; authorization is decided
 * here before any such read, so this principal is never exposed.
 */
export const SERVICE_VIEWER: AccountRecord = {
  id: 'acc_service_registration',
  name: 'registration service',
  email: 'registration@localhost',
  kind: 'organisation',
  role: 'admin',
  createdAt: '1970-01-01T00:00:00.000Z',
};

export const APPLICANT_ROLES: readonly AccountRecord['role'][] = ['creator', 'platform', 'admin'];
export const REVIEWER_ROLES: readonly AccountRecord['role'][] = ['reviewer', 'admin'];
export const MAX_SEARCH_SCAN = 2_000;
export const MAX_REGISTRY_RESULTS = 50;

/** The shared state and write path of the registration use cases. */
export class RegistrationBook {
  /** One lock per registration id: its read-modify-append steps never interleave. */
  readonly locks = new KeyedMutex('registrations');
  /** One lock per (year, category) number counter. */
  readonly numberLocks = new KeyedMutex('regno');

  constructor(readonly d: RegistrationsDeps) {}

  /**
   * Appends the entry of one state change with every record and counter it moves, atomically.
   * `after` is the new record without its history item; the caller holds the registration's lock.
   */
  async commitChange(
    before: RegistrationRecord | undefined,
    after: RegistrationRecord,
    action: RegistrationAction,
    actor: AccountRecord,
    at: string,
    extra: {
      entry?: Pick<RegistrationEntry, 'deposits' | 'number' | 'recordSha256' | 'reasonSha256'>;
      reason?: string;
      records?: RecordWrite[];
      counters?: CounterDelta[];
    },
  ): Promise<RegistrationRecord> {
    checkTransition(before?.state ?? 'none', action);
    const state = REGISTRATION_ACTIONS[action];
    const appSha = applicationSha256(after.application, after.salt, this.d.sha256);
    const next: RegistrationRecord = {
      ...after,
      state,
      seq: (before?.seq ?? 0) + 1,
      updatedAt: at,
      stateKey: before !== undefined && before.state === state ? before.stateKey : `${state}/${at}/${after.id}`,
      versions: { ...after.versions, [appSha]: after.application },
    };
    const entry: RegistrationEntry = {
      v: 1,
      type: 'registration',
      id: next.id,
      seq: next.seq,
      action,
      state,
      account: actor.id,
      applicationSha256: appSha,
      ...extra.entry,
      receivedAt: at,
    };
    const bytes = encodeEntry(entry);
    const finalize = (index: bigint): RegistrationRecord => ({
      ...next,
      history: [...next.history, { seq: next.seq, action, state, at, account: actor.id, index: Number(index), applicationSha256: appSha, ...(extra.reason !== undefined ? { reason: extra.reason } : {}) }],
      ...(next.certificate !== undefined && (action === 'approve' || action === 'correct') ? { certificate: { ...next.certificate, index: Number(index) } } : {}),
    });
    // The registration record first: its history line (and certificate) receive the entry's index.
    const records = ((): RecordWrite[] => {
      const r = finalize(0n);
      const writes: RecordWrite[] = [{ space: SPACES.registration, key: r.id, value: JSON.stringify(r) }];
      if (before !== undefined && before.stateKey !== r.stateKey) writes.push({ space: SPACES.byState, key: before.stateKey, value: null });
      if (before === undefined || before.stateKey !== r.stateKey) writes.push({ space: SPACES.byState, key: r.stateKey, value: '' });
      if (before === undefined) writes.push({ space: SPACES.byApplicant, key: `${r.applicant}/${r.createdAt}/${r.id}`, value: '' });
      return [...writes, ...(extra.records ?? [])];
    })();
    const indexAt: IndexSlot[] = [
      { record: 0, path: ['history', next.history.length, 'index'] },
      ...(next.certificate !== undefined && (action === 'approve' || action === 'correct') ? [{ record: 0, path: ['certificate', 'index'] }] : []),
    ];
    const counters: CounterDelta[] = [...(extra.counters ?? [])];
    if (before?.state !== state) {
      counters.push({ name: COUNTERS.state(state), delta: 1 });
      if (before !== undefined) counters.push({ name: COUNTERS.state(before.state), delta: -1 });
    }
    const [appended] = await this.d.ledger.append([{ bytes, records, indexAt, counters }]);
    return finalize(appended!.index);
  }

  /**
   * Resolves deposit ids to their SHA-256, checking each is the applicant's: deposited by the
   * applicant, or by a platform on the applicant's behalf. Anything else is not_found, naming
   * `deposits.<n>`.
   */
  async depositsOf(applicant: string, ids: readonly string[]): Promise<{ id: string; sha256: string }[]> {
    const out: { id: string; sha256: string }[] = [];
    for (const [i, id] of ids.entries()) {
      const notFound = () => new LogError('not_found', `deposits.${i}: no deposit ${id} of the applicant`, { details: { field: `deposits.${i}` } });
      const rec = await this.d.store.getDeposit(id);
      if (rec === undefined || !(await this.d.ledger.covers(rec.index))) throw notFound();
      const bytes = await this.d.ledger.entry(rec.index);
      if (bytes === undefined) throw notFound();
      const e = decodeEntry(bytes);
      if (!isDepositEntry(e) || e.id !== id) throw new LogError('corrupt_store', `entry ${rec.index} is not deposit ${id}`);
      if (e.account !== applicant) {
        const meta = JSON.parse(rec.metadata) as { onBehalfOf?: { account?: unknown } };
        if (meta.onBehalfOf?.account !== applicant) throw notFound();
      }
      out.push({ id, sha256: e.sha256 });
    }
    return out;
  }

  async load(id: string): Promise<RegistrationRecord | undefined> {
    const raw = await this.d.store.getRecord(SPACES.registration, id);
    return raw === undefined ? undefined : (JSON.parse(raw) as RegistrationRecord);
  }

  /**
   * The record, if `actor` may see it: the applicant and admins always; reviewers once it was
   * submitted. Anyone else gets not_found, so ids do not leak.
   */
  async loadVisible(actor: AccountRecord, id: string): Promise<RegistrationRecord> {
    const rec = await this.load(id);
    if (rec === undefined || !visible(actor, rec)) throw new LogError('not_found', 'no such application');
    return rec;
  }

  /**
   * True when `actor` may not decide `rec`: it is their own, or a membership period of theirs
   * overlaps one of the applicant's (or the applicant organisation itself) in the same
   * organisation at any time during the application's life (created … now).
   */
  async conflicted(actor: AccountRecord, rec: RegistrationRecord): Promise<boolean> {
    if (actor.id === rec.applicant) return true;
    const applicant = await this.d.store.getAccount(rec.applicant);
    return applicant !== undefined && (await this.d.organisations.overlapping(actor, applicant, rec.createdAt, formatTime(this.d.clock.now())));
  }

  async requireUnconflicted(actor: AccountRecord, rec: RegistrationRecord): Promise<void> {
    if (await this.conflicted(actor, rec)) throw new LogError('forbidden', 'conflict of interest: the application is your own, or you shared an organisation with the applicant during its life');
  }

  view(actor: AccountRecord, r: RegistrationRecord): RegistrationView {
    const own = actor.id === r.applicant || actor.role === 'admin';
    return {
      id: r.id,
      state: r.state,
      applicant: r.applicant,
      application: r.application,
      applicationSha256: applicationSha256(r.application, r.salt, this.d.sha256),
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      ...(r.submittedAt !== undefined ? { submittedAt: r.submittedAt } : {}),
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      ...(r.number !== undefined ? { number: r.number } : {}),
      ...(r.registeredAt !== undefined ? { registeredAt: r.registeredAt } : {}),
      ...(r.state === 'approved' ? { certificateUrl: `/v1/registrations/${r.id}/certificate` } : {}),
      history: r.history,
      ...(own ? { salt: r.salt, versions: r.versions } : {}),
    };
  }
}

export function visible(actor: AccountRecord, r: RegistrationRecord): boolean {
  return actor.id === r.applicant || actor.role === 'admin' || (actor.role === 'reviewer' && r.everSubmitted);
}

export function requireRole(actor: AccountRecord, roles: readonly AccountRecord['role'][], why: string): void {
  if (!roles.includes(actor.role)) throw new LogError('forbidden', why);
}

export function requireApplicant(actor: AccountRecord, r: RegistrationRecord): void {
  if (actor.id !== r.applicant) throw new LogError('forbidden', 'only the applicant may change an application');
}

export function applyPatch(app: ApplicationDraft, patch: ApplicationPatch): ApplicationDraft {
  const out: Record<string, unknown> = { ...app };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as ApplicationDraft;
}

export function termWrites(e: RegistryEntry, number: string): RecordWrite[] {
  return indexTerms(`${e.title}\n${e.rightsHolders.join('\n')}`).map((t) => ({ space: SPACES.terms, key: `${t} ${number}`, value: '' }));
}

/** Every application state, for statistics. */
export const STATES = REGISTRATION_STATES;
