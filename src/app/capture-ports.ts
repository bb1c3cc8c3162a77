/**
 * The storage port of web captures (docs/CAPTURE.md) and the liveness of the processes that run
 * them. Job records are written outside the log while a capture is queued or running; the
 * finished job goes into the log's commit batch with its capture entry (`doneWrites`), so a
 * capture and its entry become durable together or not at all.
 */
import type { RecordWrite } from './ports.js';

export type CaptureStatus = 'queued' | 'running' | 'done' | 'failed';

/** What the requester may choose about a capture. */
export interface CaptureOptions {
  viewport?: { width: number; height: number };
}

export interface CaptureJob {
  id: string;
  account: string;
  url: string;
  note?: string;
  options?: CaptureOptions;
  status: CaptureStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Why it failed (status failed). */
  reason?: string;
  depositId?: string;
  bundleSha256?: string;
  bundleBytes?: number;
  finalUrl?: string;
  title?: string;
  /** Index of the capture entry in the log. */
  entryIndex?: number;
}

/** A job that is queued or running, and the process instance that runs it ('' when unknown: written before runners were recorded). */
export interface ActiveCapture {
  id: string;
  runner: string;
}

export interface CaptureStore {
  get(id: string): Promise<CaptureJob | undefined>;
  /** The salted capture record (JCS text) of a finished capture. */
  record(id: string): Promise<string | undefined>;
  /** Ids of the account's captures, oldest first. */
  idsOf(account: string): Promise<string[]>;
  /** Active jobs in id order, at most `limit`, after the id `after`. */
  active(opts: { after?: string; limit: number }): Promise<ActiveCapture[]>;
  /** Stores a new queued job, indexed under its account and active with `runner` running it. */
  create(job: CaptureJob, runner: string): Promise<void>;
  /** Replaces a job; with `ended` it is no longer active. */
  save(job: CaptureJob, opts?: { ended?: boolean }): Promise<void>;
  /** Ends active jobs: each id stops being active and, when `job` is given, is replaced by it; one atomic write. */
  end(items: { id: string; job?: CaptureJob }[]): Promise<void>;
  /**
   * The record writes of a finished job and its capture record, for the Ledger batch that
   * appends its capture entry. The first write is the job record: its `entryIndex` is where the
   * Ledger puts the entry's index.
   */
  doneWrites(job: CaptureJob, recordText: string): RecordWrite[];
}

/**
 * Which process instance runs a capture and whether it still lives. With one process (LevelDB)
 * only this instance is alive; with several on one PostgreSQL store, each instance holds a lease
 * for as long as it lives (a session advisory lock that the database drops with the process).
 */
export interface RunnerLiveness {
  /** This process's instance id. */
  readonly instance: string;
  /** Whether the instance `runner` holds its lease ('' or unknown: no). */
  isAlive(runner: string): Promise<boolean>;
  /** True when other processes may run captures on the same store (then sweeping periodically is worthwhile). */
  readonly shared: boolean;
  close(): Promise<void>;
}

/** The liveness of a process alone on its store: only its own instance runs. */
export function localLiveness(instance: string): RunnerLiveness {
  return { instance, shared: false, isAlive: async (runner) => runner === instance, close: async () => undefined };
}
