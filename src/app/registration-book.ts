/**
 * Copyright registration (登记): the records and the one write path every actor shares
 * (docs/REGISTRATION.md). The use cases are split by actor: applicants
 * (registration-applicant.ts), reviewers (registration-review.ts), and admins over the registry
 * and certificates (registration-registry.ts); registrations.ts puts them behind one facade.
 *
 * Every state change is one `registration` log entry, appended through the Ledger together with
 * the records it changes (the application's state record, its indexes, the public registry
 * entry, as the RegistrationStore port lays them out: registration-ports.ts) and the counters it
 * moves (applications by state, the number counter of its year and category) — all in the same
 * atomic, synced batch. Nothing about a change is visible before its
 * entry is durable, and a crash leaves either all of it or none of it.
 *
 * Drafts are edited in place (no entry): only a state change is a claim worth logging, and its
 * entry commits to the application as it then stood (applicationSha256).
 */
import type { Certificate } from '../core/certificate.js';
import { decodeEntry, encodeEntry, isDepositEntry, REGISTRATION_ACTIONS, type RegistrationEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { applicationSha256, checkTransition, REGISTRATION_STATES, type Application, type ApplicationDraft, type RegistrationAction, type RegistrationState } from '../core/registration.js';
import { formatTime } from '../core/time.js';
import type { Deposits, DepositView } from './deposits.js';
import type { Ledger } from './log.js';
import type { IndexSlot } from './pending.js';
import { KeyedMutex } from './mutex.js';
import type { Organisations } from './organisations.js';
import type { AccountRecord, AccountStore, Clock, CounterDelta, DepositStore, RandomBytes } from './ports.js';
import type { HistoryItem, RegistrationChange, RegistrationRecord, RegistrationStore } from './registration-ports.js';

export type { HistoryItem, RegistrationRecord, RegistryEntry } from './registration-ports.js';

/** Counters moved in the batches of registration entries. */
export const COUNTERS = {
  state: (s: RegistrationState) => `applications/${s}`,
  /** Applications submitted at least once (the pilot's "applications" figure). */
  submitted: 'applications/submitted-total',
  issued: 'registrations/issued',
  revoked: 'registrations/revoked',
  corrections: 'registrations/corrections',
} as const;

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
  /** Deposits (to check an application's) and accounts (applicants, conflicts of interest). */
  store: Pick<DepositStore, 'getDeposit'> & Pick<AccountStore, 'getAccount'>;
  /** The applications, their indexes and the public registry. */
  records: RegistrationStore;
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
      /** The public registry entry the change creates or changes (RegistrationChange.registry). */
      registry?: RegistrationChange['registry'];
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
    // The registration record comes first (RegistrationStore.writes): its history line (and certificate) receive the entry's index.
    const records = this.d.records.writes({ ...(before !== undefined ? { before } : {}), after: finalize(0n), ...(extra.registry !== undefined ? { registry: extra.registry } : {}) });
    // The store sets the record's stateKey; the record returned is the one committed.
    const { stateKey } = JSON.parse(records[0]!.value!) as RegistrationRecord;
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
    return { ...finalize(appended!.index), stateKey };
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

  load(id: string): Promise<RegistrationRecord | undefined> {
    return this.d.records.get(id);
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

/** Every application state, for statistics. */
export const STATES = REGISTRATION_STATES;
