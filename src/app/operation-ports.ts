/**
 * The storage port of operation (licences, transfers, pledges; docs/OPERATION.md) and the records
 * it keeps. Writes never go through this port directly: `writes` turns a change into record
 * writes that the caller appends through the Ledger in the same atomic batch as the change's log
 * entry, so an operation and its entry become durable together or not at all.
 */
import type { EconomicRight, OperationKind, OperationState, OperationTerms } from '../core/operation.js';
import type { OperationCertificateRecord } from '../core/operation-certificate.js';
import type { RecordWrite } from './ports.js';

export interface OperationHistoryItem {
  seq: number;
  action: string;
  state: OperationState;
  at: string;
  /** The account that acted. */
  account: string;
  /** Index of the action's log entry. */
  index: number;
  reason?: string;
}

/** What the service keeps about one licence, transfer or pledge (private to its parties). */
export interface OperationRecord {
  id: string;
  kind: OperationKind;
  registration: string;
  number: string;
  state: OperationState;
  /** seq of the latest entry. */
  seq: number;
  terms: OperationTerms;
  /** Salt of termsSha256 and reasonSha256 (128-bit hex). */
  salt: string;
  /** Accounts that are parties (offerer first); they see the operation and list it. */
  parties: string[];
  createdAt: string;
  updatedAt: string;
  /** Transfers: the pledges whose pledgee consented. */
  consents?: string[];
  /** A revocation's reason. */
  reason?: string;
  /** The certified entry (acceptance, grant, pledge) and its record. */
  certificate?: { index: number; record: OperationCertificateRecord };
  history: OperationHistoryItem[];
}

/** One holder of rights in a registration: an account and the name shown for it. */
export interface Holder {
  account: string;
  name: string;
}

/** One link of the chain of title: the registration itself, then each completed transfer. */
export interface ChainLink {
  kind: 'registration' | 'transfer';
  at: string;
  from?: string;
  to: string;
  rights: EconomicRight[] | 'all';
  /** The transfer's id and its acceptance entry's index. */
  transfer?: string;
  index?: number;
}

export interface PledgeLink {
  id: string;
  pledgee: string;
  at: string;
  index: number;
  state: 'active' | 'released';
  releasedAt?: string;
}

/** Who holds each economic right of a registration, and how it came to be so. */
export interface TitleRecord {
  registration: string;
  number: string;
  holders: Record<EconomicRight, Holder>;
  chain: ChainLink[];
  pledges: PledgeLink[];
}

export interface OperationChange {
  /** The record before the change; undefined for an operation's first entry. */
  before?: OperationRecord;
  after: OperationRecord;
  /** The registration's title after the change, when it changed (or is stored for the first time). */
  title?: TitleRecord;
  /** Works (deposit SHA-256) of the registration, indexed when its title is first stored. */
  works?: { sha256: string; number: string }[];
}

/**
 * Operation storage. Implementations:
 * - MUST return only committed data;
 * - `writes` MUST be pure (no I/O) and MUST produce every record the reads below need to find
 *   `change.after` (and the title and works) once the writes are committed;
 * - `writes` MUST return the record holding `change.after` (its JSON text) first and, with
 *   `change.title`, the title record (its JSON text) second: the ledger writes the entry's index
 *   into them;
 * - `ofRegistration` MUST list in creation order and MAY stop at `MAX_OPERATIONS_PER_REGISTRATION`;
 * - `ofParty` MUST list an account's operations of one kind in creation order, after `after`.
 */
export interface OperationStore {
  get(id: string): Promise<OperationRecord | undefined>;
  title(registration: string): Promise<TitleRecord | undefined>;
  ofRegistration(registration: string, kind: OperationKind): Promise<OperationRecord[]>;
  ofParty(account: string, kind: OperationKind, opts: { after?: string; limit: number }): Promise<{ records: OperationRecord[]; next?: string }>;
  /** Registration numbers whose title was stored and whose works include this SHA-256. */
  numbersOfWork(sha256: string): Promise<string[]>;
  writes(change: OperationChange): RecordWrite[];
}

/** Most operations of one kind read for one registration (conflict checks, counts). */
export const MAX_OPERATIONS_PER_REGISTRATION = 10_000;
