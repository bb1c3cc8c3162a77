/** What the parts of `copyright-ledger ingest` pass each other. */
import type { Progress } from '../progress.js';

export interface IngestOptions {
  source: string;
  server: string;
  apiKey: string;
  /** Files hashed (or uploaded, or certificates fetched) at once. Default 16. */
  concurrency: number;
  upload: boolean;
  /** Items per batch request (1..1000, default 1000). */
  batch: number;
  state?: string;
  out?: string;
  /** Stops the run at the next safe point (Ctrl-C). */
  signal?: AbortSignal;
  /** fetch to use (tests). */
  fetch?: typeof fetch;
  /** Progress: a stream for the default bar (default stderr), a Progress, or null for none. */
  progress?: NodeJS.WriteStream | Progress | null;
}

export interface IngestSummary {
  total: number;
  /** Deposited in this run: new deposits, or the first deposit of an externalId the log already held. */
  deposited: number;
  /** Of those, new in this run (entry index at or past the tree size when the run started). */
  created: number;
  /** Skipped: the state file says they are done. */
  skipped: number;
  failures: { path: string; reason: string }[];
  interrupted: boolean;
}

/** One line of the state file: a work that is deposited (and, with --out, has its certificate written). */
export interface StateRecord {
  v: 1;
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  sm3: string;
  externalId: string;
  id: string;
  index: number;
  block: number;
  /** Relative path of the certificate in --out, when one was written. */
  certificate?: string;
}

/** A work to deposit. */
export interface Work {
  /** As shown and stored in the state file: relative to the directory or manifest. */
  path: string;
  abs: string;
  metadata?: Record<string, unknown>;
  externalId?: string;
}

/** A work with its digests. */
export interface Hashed extends Work {
  size: number;
  mtimeMs: number;
  sha256: string;
  sm3: string;
  externalId: string;
}

/** A deposit as the server answers it. */
export interface DepositJson {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  block: number;
}

export const MAX_EXTERNAL_ID = 512;

export { errorMessage as message } from '../usage.js';
