/**
 * The storage port of infringement cases (docs/ENFORCEMENT.md) and the records it keeps. A case's
 * state changes are log entries: `writes` turns a change into record writes that the caller
 * appends through the Ledger in the same atomic batch as the entry; changes outside the log (a
 * new capture, a failed one) are stored by `save`.
 */
import type { CaseAction, CaseState } from '../core/case-entry.js';
import type { RecordWrite } from './ports.js';

/** What a notice needs about the rights holder (name, contact, address: Art. 14 of the Regulations). */
export interface RightsHolderContact {
  name?: string | undefined;
  contact?: string | undefined;
  address?: string | undefined;
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

export interface CaseChange {
  /** The record before the change; undefined when the case is opened. */
  before?: CaseRecord;
  after: CaseRecord;
}

/**
 * Case storage. Implementations:
 * - MUST return only committed data;
 * - `writes` MUST be pure (no I/O), MUST return the record holding `change.after` (its JSON
 *   text) first (the ledger writes the entry's index into it), and, for a new case, MUST add
 *   what `ofAccount` needs to list it;
 * - `ofAccount` MUST list an account's cases newest first (by creation), after the cursor
 *   `after` (a `next` it returned), and give `next` when the page is full;
 * - `awaitingEvidence` MUST give every case open with a capture and no capture error;
 * - `prepare` MUST make every stored case listable by `ofAccount` (cases stored by an older
 *   version included), and MAY be called by every process that starts.
 */
export interface CaseStore {
  get(id: string): Promise<CaseRecord | undefined>;
  ofAccount(account: string, opts: { after?: string | undefined; limit: number }): Promise<{ cases: CaseRecord[]; next?: string }>;
  /** Ids of the cases whose evidence capture is awaited. */
  awaitingEvidence(): Promise<string[]>;
  prepare(): Promise<void>;
  writes(change: CaseChange): RecordWrite[];
  /** Stores a change made outside the log (a new capture of the page, a capture's failure). */
  save(record: CaseRecord): Promise<void>;
}
