/**
 * Copyright registration (登记): applications, review, registration numbers, certificates and
 * the public registry (docs/REGISTRATION.md).
 *
 * Every state change is one `registration` log entry, appended through the Ledger together with
 * the records it changes (the application's state record, its indexes, the public registry
 * entry) and the counters it moves (applications by state, the number counter of its year and
 * category) — all in the same atomic, synced batch. Nothing about a change is visible before its
 * entry is durable, and a crash leaves either all of it or none of it.
 *
 * Numbers: one approval per (year, category) at a time reads the counter, writes number n+1 into
 * the approval entry and advances the counter in that entry's batch. A failed or interrupted
 * commit advances nothing, so numbers are gap-free and never reused.
 *
 * Drafts are edited in place (no entry): only a state change is a claim worth logging, and its
 * entry commits to the application as it then stood (applicationSha256).
 */
import { toHex } from '../core/bytes.js';
import type { Certificate } from '../core/certificate.js';
import { decodeEntry, encodeEntry, isDepositEntry, isRegistrationEntry, REGISTRATION_ACTIONS, type RegistrationEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import {
  applicationSha256,
  buildRegistrationCertificate,
  certificateRecord,
  checkApplication,
  checkTransition,
  chinaDate,
  formatRegistrationNumber,
  numberCounterName,
  reasonSha256,
  recordSha256,
  REGISTRATION_STATES,
  WORK_TYPES,
  type Application,
  type ApplicationDraft,
  type CertificateRecord,
  type RegistrationAction,
  type RegistrationCertificate,
  type RegistrationState,
  type WorkType,
} from '../core/registration.js';
import { formatTime } from '../core/time.js';
import type { Deposits, DepositView } from './deposits.js';
import type { Ledger } from './log.js';
import { KeyedMutex } from './mutex.js';
import type { Organisations } from './organisations.js';
import type { AccountRecord, Clock, CounterDelta, LogStore, RandomBytes, RecordWrite } from './ports.js';
import { indexTerms, matches, planQuery } from './registry-search.js';

/** Record spaces (LogStore auxiliary records). */
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

export interface Correction {
  title?: string;
  rightsHolders?: { name: string; displayName?: string }[];
}

export type ApplicationPatch = { [K in keyof Application]?: Application[K] | null };

export interface RegistrationsDeps {
  ledger: Ledger;
  store: LogStore;
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
const SERVICE_VIEWER: AccountRecord = {
  id: 'acc_service_registration',
  name: 'registration service',
  email: 'registration@localhost',
  kind: 'organisation',
  role: 'admin',
  createdAt: '1970-01-01T00:00:00.000Z',
};

const APPLICANT_ROLES: readonly AccountRecord['role'][] = ['creator', 'platform', 'admin'];
const REVIEWER_ROLES: readonly AccountRecord['role'][] = ['reviewer', 'admin'];
const MAX_SEARCH_SCAN = 2_000;
export const MAX_REGISTRY_RESULTS = 50;

export class Registrations {
  private readonly locks = new KeyedMutex();
  private readonly numberLocks = new KeyedMutex();

  constructor(private readonly d: RegistrationsDeps) {}

  // ---- applicant ------------------------------------------------------------------------------

  /** Creates an application: a draft, or with `submit` a submitted application (one entry either way). */
  async create(actor: AccountRecord, draft: ApplicationDraft, submit: boolean): Promise<RegistrationView> {
    requireRole(actor, APPLICANT_ROLES, 'reviewers do not file applications');
    const now = this.d.clock.now();
    checkApplication(draft, { today: chinaDate(now), complete: submit });
    await this.depositsOf(actor.id, draft.deposits ?? []);
    const id = 'reg_' + toHex(this.d.random(10));
    const at = formatTime(now);
    const rec: RegistrationRecord = {
      id,
      applicant: actor.id,
      state: 'draft',
      seq: 0,
      application: draft,
      salt: toHex(this.d.random(16)),
      createdAt: at,
      updatedAt: at,
      stateKey: '',
      everSubmitted: submit,
      ...(submit ? { submittedAt: at } : {}),
      history: [],
      versions: {},
    };
    const saved = await this.locks.run(id, () =>
      this.commitChange(undefined, rec, submit ? 'submit' : 'create', actor, at, {
        ...(submit ? { entry: { deposits: draft.deposits! }, counters: [{ name: COUNTERS.submitted, delta: 1 }] } : {}),
      }),
    );
    return this.view(actor, saved);
  }

  /** Edits a draft or an application sent back for changes. No entry: the next submission logs it. */
  async update(actor: AccountRecord, id: string, patch: ApplicationPatch): Promise<RegistrationView> {
    return this.locks.run(id, async () => {
      const rec = await this.loadVisible(actor, id);
      requireApplicant(actor, rec);
      if (rec.state !== 'draft' && rec.state !== 'changes_requested') throw new LogError('conflict', `an application in state ${rec.state} cannot be edited`);
      const application = applyPatch(rec.application, patch);
      checkApplication(application, { today: chinaDate(this.d.clock.now()), complete: false });
      if (patch.deposits) await this.depositsOf(rec.applicant, application.deposits ?? []);
      const updated: RegistrationRecord = { ...rec, application, updatedAt: formatTime(this.d.clock.now()) };
      await this.d.store.writeRecords([{ space: SPACES.registration, key: id, value: JSON.stringify(updated) }]);
      return this.view(actor, updated);
    });
  }

  /** Submits a draft. */
  async submit(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.applicantChange(actor, id, 'submit', undefined);
  }

  /** Resubmits an application sent back for changes, applying `patch` first. */
  async amend(actor: AccountRecord, id: string, patch: ApplicationPatch | undefined): Promise<RegistrationView> {
    return this.applicantChange(actor, id, 'amend', patch);
  }

  async withdraw(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.locks.run(id, async () => {
      const rec = await this.loadVisible(actor, id);
      requireApplicant(actor, rec);
      const at = formatTime(this.d.clock.now());
      return this.view(actor, await this.commitChange(rec, { ...rec }, 'withdraw', actor, at, {}));
    });
  }

  private async applicantChange(actor: AccountRecord, id: string, action: 'submit' | 'amend', patch: ApplicationPatch | undefined): Promise<RegistrationView> {
    return this.locks.run(id, async () => {
      const rec = await this.loadVisible(actor, id);
      requireApplicant(actor, rec);
      checkTransition(rec.state, action);
      const now = this.d.clock.now();
      const application = patch ? applyPatch(rec.application, patch) : rec.application;
      checkApplication(application, { today: chinaDate(now), complete: true });
      await this.depositsOf(rec.applicant, application.deposits!);
      const at = formatTime(now);
      const after: RegistrationRecord = { ...rec, application, everSubmitted: true, submittedAt: at };
      delete after.reason; // the reviewer's request is answered; it stays in the history
      const counters = rec.everSubmitted ? [] : [{ name: COUNTERS.submitted, delta: 1 }];
      return this.view(actor, await this.commitChange(rec, after, action, actor, at, { entry: { deposits: application.deposits! }, counters }));
    });
  }

  /** The caller's own applications, oldest first; `after` is the previous page's `next`. */
  async list(actor: AccountRecord, opts: { state?: RegistrationState; after?: string; limit: number }): Promise<{ registrations: RegistrationView[]; next?: string }> {
    const prefix = `${actor.id}/`;
    const out: RegistrationView[] = [];
    let after = opts.after === undefined ? undefined : prefix + opts.after;
    let scanned = 0;
    while (out.length < opts.limit && scanned < opts.limit * 20) {
      const rows = await this.d.store.listRecords(SPACES.byApplicant, { prefix, ...(after !== undefined ? { after } : {}), limit: opts.limit });
      if (rows.length === 0) return { registrations: out };
      for (const row of rows) {
        after = row.key;
        scanned++;
        const rec = await this.load(row.key.slice(row.key.lastIndexOf('/') + 1));
        if (rec && (opts.state === undefined || rec.state === opts.state)) out.push(this.view(actor, rec));
        if (out.length === opts.limit) break;
      }
    }
    return { registrations: out, ...(after !== undefined ? { next: after.slice(prefix.length) } : {}) };
  }

  async get(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.view(actor, await this.loadVisible(actor, id));
  }

  // ---- review ---------------------------------------------------------------------------------

  /**
   * Submitted applications, oldest submission first, with their deposits and evidence
   * certificates. Applications the reviewer may not decide (own organisation) are left out.
   */
  async queue(actor: AccountRecord, opts: { after?: string; limit: number }): Promise<{ items: QueueItem[]; next?: string }> {
    requireRole(actor, REVIEWER_ROLES, 'only reviewers see the review queue');
    const prefix = 'submitted/';
    const items: QueueItem[] = [];
    let after = opts.after === undefined ? undefined : prefix + opts.after;
    let scanned = 0;
    while (items.length < opts.limit && scanned < opts.limit * 20) {
      const rows = await this.d.store.listRecords(SPACES.byState, { prefix, ...(after !== undefined ? { after } : {}), limit: opts.limit });
      if (rows.length === 0) return { items };
      for (const row of rows) {
        after = row.key;
        scanned++;
        const rec = await this.load(row.key.slice(row.key.lastIndexOf('/') + 1));
        if (!rec || rec.state !== 'submitted' || (await this.conflicted(actor, rec))) continue;
        const deposits = [];
        for (const depId of rec.application.deposits ?? []) {
          deposits.push({ deposit: await this.d.deposits.get(depId, SERVICE_VIEWER), certificate: await this.d.deposits.certificate(depId, SERVICE_VIEWER) });
        }
        items.push({ registration: this.view(actor, rec), deposits });
        if (items.length === opts.limit) break;
      }
    }
    return { items, ...(after !== undefined ? { next: after.slice(prefix.length) } : {}) };
  }

  async requestChanges(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    return this.decide(actor, id, 'request_changes', reason);
  }

  async reject(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    return this.decide(actor, id, 'reject', reason);
  }

  private async decide(actor: AccountRecord, id: string, action: 'request_changes' | 'reject', reason: string): Promise<RegistrationView> {
    requireRole(actor, REVIEWER_ROLES, 'only reviewers decide applications');
    return this.locks.run(id, async () => {
      const rec = await this.loadVisible(actor, id);
      await this.requireUnconflicted(actor, rec);
      checkTransition(rec.state, action);
      const at = formatTime(this.d.clock.now());
      const after: RegistrationRecord = { ...rec, reason };
      return this.view(actor, await this.commitChange(rec, after, action, actor, at, { entry: { reasonSha256: reasonSha256(reason, rec.salt, this.d.sha256) }, reason }));
    });
  }

  /**
   * Approves a submitted application: allocates the next number of its (year, category) and
   * issues the certificate record, in one entry. Years are China Standard Time.
   */
  async approve(actor: AccountRecord, id: string): Promise<RegistrationView> {
    requireRole(actor, REVIEWER_ROLES, 'only reviewers decide applications');
    return this.locks.run(id, async () => {
      const rec = await this.loadVisible(actor, id);
      await this.requireUnconflicted(actor, rec);
      checkTransition(rec.state, 'approve');
      const app = rec.application as Application;
      const deposits = await this.depositsOf(rec.applicant, app.deposits);
      for (;;) {
        const year = Number(chinaDate(this.d.clock.now()).slice(0, 4));
        const counter = numberCounterName(year, app.workType);
        const done = await this.numberLocks.run(counter, async () => {
          const now = this.d.clock.now();
          if (Number(chinaDate(now).slice(0, 4)) !== year) return undefined; // the year turned while waiting
          const last = (await this.d.store.getCounter(counter)) ?? 0;
          const number = formatRegistrationNumber(year, app.workType, last + 1);
          const at = formatTime(now);
          const appSha = applicationSha256(app, rec.salt, this.d.sha256);
          const record = certificateRecord({ id, number, application: app, applicationSha256: appSha, deposits, registeredAt: at, salt: toHex(this.d.random(16)) });
          const entry: RegistryEntry = {
            number,
            title: app.title,
            workType: app.workType,
            workTypeCode: WORK_TYPES[app.workType].code,
            rightsHolders: app.rightsHolders.map((h) => h.displayName ?? h.name),
            registeredAt: at,
            status: 'registered',
            corrections: [],
          };
          const after: RegistrationRecord = { ...rec, number, registeredAt: at, certificate: { index: -1, record } };
          delete after.reason;
          return this.commitChange(rec, after, 'approve', actor, at, {
            entry: { deposits: app.deposits, number, recordSha256: recordSha256(record, this.d.sha256) },
            records: [
              { space: SPACES.byNumber, key: number, value: id },
              { space: SPACES.registry, key: number, value: JSON.stringify(entry) },
              ...termWrites(entry, number),
            ],
            counters: [
              { name: counter, delta: 1 },
              { name: COUNTERS.issued, delta: 1 },
            ],
          });
        });
        if (done !== undefined) return this.view(actor, done);
      }
    });
  }

  // ---- admin ----------------------------------------------------------------------------------

  /** Revokes a registration. The registry keeps the entry and shows the revocation. */
  async revoke(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    requireRole(actor, ['admin'], 'only an admin revokes registrations');
    return this.locks.run(id, async () => {
      const rec = await this.loadVisible(actor, id);
      checkTransition(rec.state, 'revoke');
      const at = formatTime(this.d.clock.now());
      const number = rec.number!;
      const pub = await this.registryEntry(number);
      const updated: RegistryEntry = { ...pub, status: 'revoked', revocation: { revokedAt: at, reason } };
      return this.view(
        actor,
        await this.commitChange(rec, { ...rec, reason }, 'revoke', actor, at, {
          entry: { number, reasonSha256: reasonSha256(reason, rec.salt, this.d.sha256) },
          reason,
          records: [{ space: SPACES.registry, key: number, value: JSON.stringify(updated) }],
          counters: [{ name: COUNTERS.revoked, delta: 1 }],
        }),
      );
    });
  }

  /**
   * Corrects the public fields of a registration (title, rights holders' names). The number
   * stays; the registry lists every correction with its old and new values; the certificate is
   * reissued on the correction entry.
   */
  async correct(actor: AccountRecord, id: string, changes: Correction, reason: string): Promise<RegistrationView> {
    requireRole(actor, ['admin'], 'only an admin corrects registrations');
    return this.locks.run(id, async () => {
      const rec = await this.loadVisible(actor, id);
      checkTransition(rec.state, 'correct');
      const old = rec.certificate!.record;
      if (changes.rightsHolders !== undefined && changes.rightsHolders.length !== old.rightsHolders.length) {
        throw new LogError('invalid_request', `rightsHolders: give all ${old.rightsHolders.length} rights holders, in order`, { details: { field: 'rightsHolders' } });
      }
      const at = formatTime(this.d.clock.now());
      const number = rec.number!;
      const record: CertificateRecord = {
        ...old,
        title: changes.title ?? old.title,
        rightsHolders: changes.rightsHolders ? old.rightsHolders.map((h, i) => ({ ...h, name: changes.rightsHolders![i]!.name })) : old.rightsHolders,
        correctedAt: at,
        salt: toHex(this.d.random(16)),
      };
      const pub = await this.registryEntry(number);
      const diff: Record<string, { from: unknown; to: unknown }> = {};
      const next: RegistryEntry = { ...pub };
      if (changes.title !== undefined && changes.title !== pub.title) {
        diff.title = { from: pub.title, to: changes.title };
        next.title = changes.title;
      }
      if (changes.rightsHolders !== undefined) {
        const names = changes.rightsHolders.map((h) => h.displayName ?? h.name);
        if (names.some((n, i) => n !== pub.rightsHolders[i])) {
          diff.rightsHolders = { from: pub.rightsHolders, to: names };
          next.rightsHolders = names;
        }
      }
      next.corrections = [...pub.corrections, { correctedAt: at, changes: diff, reason }];
      const oldTerms = new Set(termWrites(pub, number).map((w) => w.key));
      const newTerms = termWrites(next, number);
      const newKeys = new Set(newTerms.map((w) => w.key));
      return this.view(
        actor,
        await this.commitChange(rec, { ...rec, certificate: { index: -1, record } }, 'correct', actor, at, {
          entry: { deposits: old.deposits.map((d) => d.id), number, recordSha256: recordSha256(record, this.d.sha256), reasonSha256: reasonSha256(reason, rec.salt, this.d.sha256) },
          reason,
          records: [
            { space: SPACES.registry, key: number, value: JSON.stringify(next) },
            ...[...oldTerms].filter((k) => !newKeys.has(k)).map((key) => ({ space: SPACES.terms, key, value: null })),
            ...newTerms.filter((w) => !oldTerms.has(w.key)),
          ],
          counters: [{ name: COUNTERS.corrections, delta: 1 }],
        }),
      );
    });
  }

  // ---- certificate and registry ---------------------------------------------------------------

  /** The registration certificate: the record, its approval (or latest correction) entry and that entry's inclusion proof. */
  async certificate(actor: AccountRecord, id: string): Promise<RegistrationCertificate> {
    const rec = await this.loadVisible(actor, id);
    if (rec.state === 'revoked') throw new LogError('conflict', `registration ${rec.number} was revoked`);
    if (rec.state !== 'approved' || rec.certificate === undefined) throw new LogError('conflict', `application ${id} is not approved (state ${rec.state})`);
    const index = BigInt(rec.certificate.index);
    const block = await this.d.ledger.coveringBlock(index);
    const bytes = await this.d.ledger.entry(index);
    if (block === undefined || bytes === undefined) throw new LogError('corrupt_store', `entry ${index} of ${id} is missing`);
    const entry = decodeEntry(bytes);
    if (!isRegistrationEntry(entry) || entry.id !== id) throw new LogError('corrupt_store', `entry ${index} is not of ${id}`);
    const proof = await this.d.ledger.inclusionProof(index, block.treeSize);
    return buildRegistrationCertificate({
      entry,
      record: rec.certificate.record,
      index,
      entryBytes: bytes,
      treeSize: block.treeSize,
      proof: proof.hashes,
      checkpoint: block.checkpoint,
      logKey: this.d.ledger.keyAt(block.height),
    });
  }

  /** Public registry: by exact number. */
  async registryByNumber(number: string): Promise<RegistryEntry[]> {
    const raw = await this.d.store.getRecord(SPACES.registry, number);
    return raw === undefined ? [] : [JSON.parse(raw) as RegistryEntry];
  }

  /** Public registry: titles and rights holders' display names matching `q` (at most 50, by number). */
  async registrySearch(q: string): Promise<{ results: RegistryEntry[]; truncated: boolean }> {
    const query = planQuery(q);
    if (query === undefined) throw new LogError('invalid_request', 'q: give at least one letter, digit or character', { details: { field: 'q' } });
    const rows = await this.d.store.listRecords(SPACES.terms, { prefix: query.scan, limit: MAX_SEARCH_SCAN });
    const numbers = [...new Set(rows.map((r) => r.key.slice(r.key.lastIndexOf(' ') + 1)))].sort();
    const results: RegistryEntry[] = [];
    let truncated = rows.length === MAX_SEARCH_SCAN;
    for (const n of numbers) {
      const raw = await this.d.store.getRecord(SPACES.registry, n);
      if (raw === undefined) continue;
      const e = JSON.parse(raw) as RegistryEntry;
      if (!matches(query, `${e.title}\n${e.rightsHolders.join('\n')}`)) continue;
      if (results.length === MAX_REGISTRY_RESULTS) {
        truncated = true;
        break;
      }
      results.push(e);
    }
    return { results, truncated };
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * Appends the entry of one state change with every record and counter it moves, atomically.
   * `after` is the new record without its history item; the caller holds the registration's lock.
   */
  private async commitChange(
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
    const records = (index: bigint): RecordWrite[] => {
      const r = finalize(index);
      const writes: RecordWrite[] = [{ space: SPACES.registration, key: r.id, value: JSON.stringify(r) }];
      if (before !== undefined && before.stateKey !== r.stateKey) writes.push({ space: SPACES.byState, key: before.stateKey, value: null });
      if (before === undefined || before.stateKey !== r.stateKey) writes.push({ space: SPACES.byState, key: r.stateKey, value: '' });
      if (before === undefined) writes.push({ space: SPACES.byApplicant, key: `${r.applicant}/${r.createdAt}/${r.id}`, value: '' });
      return [...writes, ...(extra.records ?? [])];
    };
    const counters: CounterDelta[] = [...(extra.counters ?? [])];
    if (before?.state !== state) {
      counters.push({ name: COUNTERS.state(state), delta: 1 });
      if (before !== undefined) counters.push({ name: COUNTERS.state(before.state), delta: -1 });
    }
    const [appended] = await this.d.ledger.append([{ bytes, records, counters }]);
    return finalize(appended!.index);
  }

  /**
   * Resolves deposit ids to their SHA-256, checking each is the applicant's: deposited by the
   * applicant, or by a platform on the applicant's behalf. Anything else is not_found, naming
   * `deposits.<n>`.
   */
  private async depositsOf(applicant: string, ids: readonly string[]): Promise<{ id: string; sha256: string }[]> {
    const out: { id: string; sha256: string }[] = [];
    for (const [i, id] of ids.entries()) {
      const notFound = () => new LogError('not_found', `deposits.${i}: no deposit ${id} of the applicant`, { details: { field: `deposits.${i}` } });
      const rec = await this.d.store.getDeposit(id);
      if (rec === undefined || rec.index >= this.d.ledger.treeSize) throw notFound();
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

  private async load(id: string): Promise<RegistrationRecord | undefined> {
    const raw = await this.d.store.getRecord(SPACES.registration, id);
    return raw === undefined ? undefined : (JSON.parse(raw) as RegistrationRecord);
  }

  /**
   * The record, if `actor` may see it: the applicant and admins always; reviewers once it was
   * submitted. Anyone else gets not_found, so ids do not leak.
   */
  private async loadVisible(actor: AccountRecord, id: string): Promise<RegistrationRecord> {
    const rec = await this.load(id);
    if (rec === undefined || !visible(actor, rec)) throw new LogError('not_found', 'no such application');
    return rec;
  }

  private async conflicted(actor: AccountRecord, rec: RegistrationRecord): Promise<boolean> {
    if (actor.id === rec.applicant) return true;
    const applicant = await this.d.store.getAccount(rec.applicant);
    return applicant !== undefined && (await this.d.organisations.related(actor, applicant));
  }

  private async requireUnconflicted(actor: AccountRecord, rec: RegistrationRecord): Promise<void> {
    if (await this.conflicted(actor, rec)) throw new LogError('forbidden', 'conflict of interest: the application is your own or of an organisation you belong to');
  }

  private async registryEntry(number: string): Promise<RegistryEntry> {
    const [e] = await this.registryByNumber(number);
    if (e === undefined) throw new LogError('corrupt_store', `registry entry ${number} is missing`);
    return e;
  }

  private view(actor: AccountRecord, r: RegistrationRecord): RegistrationView {
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

function visible(actor: AccountRecord, r: RegistrationRecord): boolean {
  return actor.id === r.applicant || actor.role === 'admin' || (actor.role === 'reviewer' && r.everSubmitted);
}

function requireRole(actor: AccountRecord, roles: readonly AccountRecord['role'][], why: string): void {
  if (!roles.includes(actor.role)) throw new LogError('forbidden', why);
}

function requireApplicant(actor: AccountRecord, r: RegistrationRecord): void {
  if (actor.id !== r.applicant) throw new LogError('forbidden', 'only the applicant may change an application');
}

function applyPatch(app: ApplicationDraft, patch: ApplicationPatch): ApplicationDraft {
  const out: Record<string, unknown> = { ...app };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as ApplicationDraft;
}

function termWrites(e: RegistryEntry, number: string): RecordWrite[] {
  return indexTerms(`${e.title}\n${e.rightsHolders.join('\n')}`).map((t) => ({ space: SPACES.terms, key: `${t} ${number}`, value: '' }));
}

/** Every application state, for statistics. */
export const STATES = REGISTRATION_STATES;
