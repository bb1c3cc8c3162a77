/**
 * The storage port of copyright registration (docs/REGISTRATION.md) and the records it keeps.
 * State changes never go through this port directly: `writes` turns a change into record writes
 * that the caller appends through the Ledger in the same atomic batch as the change's log entry,
 * so an application, its indexes and its public registry entry become durable together with the
 * entry or not at all. Only a draft edited in place (no entry) is written by the port itself
 * (`saveDraft`).
 */
import type { ApplicationDraft, CertificateRecord, RegistrationAction, RegistrationState, WorkType } from '../core/registration.js';
import type { RecordWrite } from './ports.js';

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
  /**
   * Where the store keeps this record in its by-state index. Owned by the RegistrationStore:
   * `writes` sets it; a new record carries '' and callers pass it on unchanged.
   */
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

/** One state change of an application, as the store is to keep it. */
export interface RegistrationChange {
  /** The record before the change; undefined for an application's first entry. */
  before?: RegistrationRecord;
  /** The record after the change (`updatedAt` is the change's time). */
  after: RegistrationRecord;
  /**
   * The public registry entry after the change, when the change creates it (approval: `before`
   * undefined) or changes it (correction, revocation: `before` is the entry as it stood).
   */
  registry?: { before?: RegistryEntry; after: RegistryEntry };
}

/** One row of an index page: the record (undefined if the index names a missing one) and the cursor after it. */
export interface IndexRow {
  cursor: string;
  record: RegistrationRecord | undefined;
}

/**
 * Registration storage. Implementations:
 * - MUST return only committed data;
 * - `writes` MUST be pure (no I/O), MUST return the record holding `change.after` (its JSON text,
 *   with `stateKey` set) first (the ledger writes the entry's index into it), and MUST produce
 *   every record the reads below need to find `change.after` and its registry entry once the
 *   writes are committed;
 * - `inState` MUST list the applications in a state oldest-in-that-state first, and
 *   `ofApplicant` an account's applications oldest first, each after the opaque `after` cursor
 *   (a row's `cursor`), at most `limit` rows;
 * - `registryPage` MUST list registry entries in number order after `after` (exclusive) and give
 *   `next` (the last number) when the page is full;
 * - `numbersByTerm` MUST give the numbers of registry entries with an index term starting with
 *   `prefix`, sorted and distinct, reading at most `scan` index rows (`truncated` when it read
 *   that many).
 */
export interface RegistrationStore {
  get(id: string): Promise<RegistrationRecord | undefined>;
  /** The id of the application that received `number`. */
  idOfNumber(number: string): Promise<string | undefined>;
  registryEntry(number: string): Promise<RegistryEntry | undefined>;
  inState(state: RegistrationState, opts: { after?: string; limit: number }): Promise<IndexRow[]>;
  ofApplicant(account: string, opts: { after?: string; limit: number }): Promise<IndexRow[]>;
  /** Public registry entries as stored (JSON text), in number order. */
  registryPage(after: string | undefined, limit: number): Promise<{ entries: string[]; next?: string }>;
  numbersByTerm(prefix: string, scan: number): Promise<{ numbers: string[]; truncated: boolean }>;
  /** The last number allocated under a number counter (core numberCounterName), 0 if none. */
  lastNumber(counter: string): Promise<number>;
  writes(change: RegistrationChange): RecordWrite[];
  /** Stores a draft edited in place (no log entry; indexes unchanged). */
  saveDraft(record: RegistrationRecord): Promise<void>;
}
