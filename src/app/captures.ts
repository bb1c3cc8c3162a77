/**
 * Web captures (docs/CAPTURE.md): a bounded job queue. A request is vetted (URL and resolved
 * addresses) before it is queued; at most `concurrency` captures run at once, each within
 * `timeoutMs`; an account may have at most `perAccount` jobs queued or running. A finished
 * capture's evidence bundle is deposited with its original (originals.ts) and a `capture` entry
 * linking capture and deposit is appended to the log. Jobs are stored records (capture-ports.ts); a job
 * records the process instance that runs it, and one whose process is gone (it stopped, or died)
 * is marked failed when a process starts, and, on a store shared by several processes,
 * periodically.
 */
import { toHex, utf8 } from '../core/bytes.js';
import { encodeEntry, type CaptureEntry } from '../core/entry.js';
import { isLogError, LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { canonicalize } from '../core/jcs.js';
import { formatTime } from '../core/time.js';
import type { Ledger } from './log.js';
import type { OriginalDeposits } from './originals.js';
import type { CaptureJob, CaptureOptions, CaptureStore, RunnerLiveness } from './capture-ports.js';
import type { AccountRecord, AccountStore, Clock, RandomBytes } from './ports.js';

export type { CaptureJob, CaptureOptions, CaptureStatus } from './capture-ports.js';

/** What a capture produced: the WACZ bundle and the facts its log entry commits to. */
export interface CaptureOutput {
  bundle: Uint8Array;
  startedAt: string;
  endedAt: string;
  finalUrl: string;
  title: string;
  /** The private capture record (URL, addresses, environment digest…); its salted hash goes into the log. */
  record: Record<string, unknown>;
}

/** Runs one capture (adapters/capture). Implementations MUST stop and free everything once `signal` aborts. */
export interface Capturer {
  /** Throws LogError invalid_request (reason capture_url_refused) for a URL that must not be captured. */
  vet(url: string): Promise<void>;
  capture(job: { id: string; url: string; note?: string; options?: CaptureOptions; operator: { id: string; name: string } }, signal: AbortSignal): Promise<CaptureOutput>;
}

export interface CaptureLimits {
  /** CAPTURE_CONCURRENCY: browsers at once. */
  concurrency: number;
  /** CAPTURE_QUEUE: jobs waiting, all accounts together. */
  queue: number;
  /** CAPTURE_PER_ACCOUNT: jobs one account may have queued or running. */
  perAccount: number;
  /** CAPTURE_TIMEOUT_MS: one capture, from browser start to bundle. */
  timeoutMs: number;
}

const INTERRUPTED = 'interrupted: the service stopped before the capture finished';

export class Captures {
  private readonly waiting: CaptureJob[] = [];
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly activeBy = new Map<string, number>();
  private closed = false;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<number> | undefined;
  /** Most captures that ran at the same time since start (tests and metrics). */
  peakRunning = 0;

  constructor(
    private readonly deps: {
      captures: CaptureStore;
      accounts: Pick<AccountStore, 'getAccount'>;
      /** This process's instance id and whether the instance running a job still lives. */
      liveness: RunnerLiveness;
      /** With a shared store, how often to look for jobs whose process is gone (ms; default 10 s). */
      sweepMs?: number;
      ledger: Ledger;
      originals: OriginalDeposits;
      capturer: Capturer;
      sha256: Sha256;
      random: RandomBytes;
      clock: Clock;
      limits: CaptureLimits;
      log: (msg: string, err?: unknown) => void;
    },
  ) {}

  /**
   * Marks jobs left queued or running by a process that is gone (a previous run of this one, or,
   * on a shared store, another one that died) as failed. With a shared store, looks again every
   * `sweepMs` while the service runs.
   */
  async init(): Promise<number> {
    const failed = await this.sweep();
    if (this.deps.liveness.shared && this.sweeper === undefined && !this.closed) {
      this.sweeper = setInterval(() => {
        this.sweep()
          .then((n) => n > 0 && this.deps.log(`${n} web capture(s) of a process that is gone: marked failed`))
          .catch((e: unknown) => this.deps.log('looking for interrupted web captures failed', e));
      }, this.deps.sweepMs ?? 10_000);
      this.sweeper.unref();
    }
    return failed;
  }

  /** Marks active jobs whose runner is not alive as failed (interrupted); returns how many. One sweep at a time. */
  sweep(): Promise<number> {
    return (this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined)));
  }

  private async sweepOnce(): Promise<number> {
    const { captures, liveness } = this.deps;
    const alive = new Map<string, boolean>([[liveness.instance, true]]);
    let failed = 0;
    for (let after: string | undefined; ; ) {
      const page = await captures.active({ ...(after !== undefined ? { after } : {}), limit: 500 });
      const ended: { id: string; job?: CaptureJob }[] = [];
      for (const { id, runner } of page) {
        if (this.running.has(id)) continue;
        let live = alive.get(runner);
        if (live === undefined) alive.set(runner, (live = runner !== '' && (await liveness.isAlive(runner))));
        if (live) continue;
        const job = await captures.get(id);
        if (job && (job.status === 'queued' || job.status === 'running')) {
          ended.push({ id, job: { ...job, status: 'failed', reason: INTERRUPTED, endedAt: this.now() } });
          failed++;
        } else ended.push({ id });
      }
      await captures.end(ended);
      if (page.length < 500) return failed;
      after = page[page.length - 1]!.id;
    }
  }

  private now(): string {
    return formatTime(this.deps.clock.now());
  }

  private load(id: string): Promise<CaptureJob | undefined> {
    return this.deps.captures.get(id);
  }

  /** Vets the URL, then queues a capture for `account`. */
  async request(account: AccountRecord, input: { url: string; note?: string | undefined; options?: CaptureOptions | undefined }): Promise<CaptureJob> {
    if (this.closed) throw new LogError('overloaded', 'the service is shutting down', { details: { retryAfter: 5 } });
    await this.deps.capturer.vet(input.url);
    const { limits } = this.deps;
    const mine = this.activeBy.get(account.id) ?? 0;
    if (mine >= limits.perAccount) {
      throw new LogError('rate_limited', `this account already has ${mine} captures queued or running (at most ${limits.perAccount}, CAPTURE_PER_ACCOUNT); retry when one finished`, {
        details: { retryAfter: 10 },
      });
    }
    if (this.waiting.length >= limits.queue) {
      throw new LogError('overloaded', `${this.waiting.length} captures are waiting (CAPTURE_QUEUE); retry later`, { details: { retryAfter: 30 } });
    }
    const job: CaptureJob = {
      id: 'cap_' + toHex(this.deps.random(10)),
      account: account.id,
      url: input.url,
      ...(input.note !== undefined ? { note: input.note } : {}),
      ...(input.options !== undefined ? { options: input.options } : {}),
      status: 'queued',
      createdAt: this.now(),
    };
    this.activeBy.set(account.id, mine + 1);
    try {
      await this.deps.captures.create(job, this.deps.liveness.instance);
    } catch (e) {
      this.release(account.id);
      throw e;
    }
    this.waiting.push(job);
    this.pump(account);
    return job;
  }

  private release(account: string): void {
    const n = (this.activeBy.get(account) ?? 1) - 1;
    if (n > 0) this.activeBy.set(account, n);
    else this.activeBy.delete(account);
  }

  /** Starts waiting jobs while slots are free. */
  private pump(account?: AccountRecord): void {
    while (!this.closed && this.running.size < this.deps.limits.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      const abort = new AbortController();
      const entry = { abort, done: Promise.resolve() };
      this.running.set(job.id, entry);
      this.peakRunning = Math.max(this.peakRunning, this.running.size);
      entry.done = this.run(job, abort, account?.id === job.account ? account : undefined)
        .catch((e: unknown) => this.deps.log(`capture ${job.id} could not be recorded`, e))
        .finally(() => {
          this.running.delete(job.id);
          this.release(job.account);
          this.pump();
        });
    }
  }

  private async run(queued: CaptureJob, abort: AbortController, known?: AccountRecord): Promise<void> {
    let job: CaptureJob = { ...queued, status: 'running', startedAt: this.now() };
    await this.deps.captures.save(job);
    const timer = setTimeout(() => abort.abort(new LogError('overloaded', `the capture took longer than ${this.deps.limits.timeoutMs} ms (CAPTURE_TIMEOUT_MS)`)), this.deps.limits.timeoutMs);
    let out: CaptureOutput;
    try {
      const account = known ?? (await this.deps.accounts.getAccount(job.account));
      if (!account) throw new LogError('not_found', 'the account is gone');
      const operator = { id: account.id, name: account.name };
      // Not raced against the signal: the slot is freed only once the capturer has closed its browser.
      const spec = { id: job.id, url: job.url, ...(job.note !== undefined ? { note: job.note } : {}), ...(job.options !== undefined ? { options: job.options } : {}), operator };
      out = await this.deps.capturer.capture(spec, abort.signal);
      if (abort.signal.aborted) throw abort.signal.reason;
      clearTimeout(timer);
      const deposited = await this.deposit(job, account, out);
      job = deposited;
    } catch (e) {
      clearTimeout(timer);
      const cause = abort.signal.aborted ? (abort.signal.reason as unknown) : e;
      const reason = this.closed ? INTERRUPTED : isLogError(cause) || cause instanceof Error ? cause.message : String(cause);
      job = { ...job, status: 'failed', reason: reason.slice(0, 500), endedAt: this.now() };
      await this.deps.captures.save(job, { ended: true });
    }
  }

  /** Deposits the bundle as the account's original, then appends the capture entry with the job's final record. */
  private async deposit(job: CaptureJob, account: AccountRecord, out: CaptureOutput): Promise<CaptureJob> {
    const { deposit } = await this.deps.originals.depositBytes(account, out.bundle, {
      metadata: { title: `Web capture ${job.id}`, workType: 'web-capture', captureId: job.id, fileName: `${job.id}.wacz`, mediaType: 'application/wacz' },
    });
    const recordText = canonicalize({ ...out.record, captureId: job.id, depositId: deposit.id, salt: toHex(this.deps.random(16)) });
    const entry: CaptureEntry = {
      v: 1,
      type: 'capture',
      id: job.id,
      account: account.id,
      deposit: deposit.id,
      bundleSha256: deposit.sha256,
      recordSha256: toHex(this.deps.sha256(utf8(recordText))),
      startedAt: out.startedAt,
      endedAt: out.endedAt,
      receivedAt: this.now(),
    };
    const done: CaptureJob = {
      ...job,
      status: 'done',
      endedAt: out.endedAt,
      depositId: deposit.id,
      bundleSha256: deposit.sha256,
      bundleBytes: out.bundle.length,
      finalUrl: out.finalUrl,
      title: out.title.slice(0, 500),
    };
    const [appended] = await this.deps.ledger.append(
      [
        {
          bytes: encodeEntry(entry),
          records: this.deps.captures.doneWrites({ ...done, entryIndex: 0 }, recordText),
          indexAt: [{ record: 0, path: ['entryIndex'] }],
        },
      ],
      { owner: account.id },
    );
    return { ...done, entryIndex: Number(appended!.index) };
  }

  /** A job as its account (or an admin) sees it; others get not_found. */
  async get(id: string, viewer: AccountRecord): Promise<CaptureJob> {
    const job = await this.load(id);
    if (!job || (job.account !== viewer.id && viewer.role !== 'admin')) throw new LogError('not_found', 'no such capture');
    return job;
  }

  /** The salted capture record the log entry's recordSha256 commits to (JCS text). */
  async record(id: string, viewer: AccountRecord): Promise<string> {
    await this.get(id, viewer);
    const text = await this.deps.captures.record(id);
    if (text === undefined) throw new LogError('not_found', 'the capture has no record yet');
    return text;
  }

  /**
   * The viewer's captures, newest first: at most `limit`, starting after the capture `after` (an
   * id from a previous page). `next` is the id to continue from when more remain. The account's
   * index keys (small) are read in key order, then walked backwards.
   */
  async list(viewer: AccountRecord, opts: { limit?: number; after?: string } = {}): Promise<{ captures: CaptureJob[]; next?: string }> {
    const limit = opts.limit ?? 100;
    const ids = await this.deps.captures.idsOf(viewer.id);
    ids.reverse();
    let start = 0;
    if (opts.after !== undefined) {
      const at = ids.indexOf(opts.after);
      if (at < 0) throw new LogError('invalid_request', 'after: not one of your captures', { details: { field: 'after' } });
      start = at + 1;
    }
    const pageIds = ids.slice(start, start + limit);
    const jobs = (await Promise.all(pageIds.map((id) => this.load(id)))).filter((j): j is CaptureJob => j !== undefined);
    return { captures: jobs, ...(start + limit < ids.length && pageIds.length > 0 ? { next: pageIds[pageIds.length - 1]! } : {}) };
  }

  /** The WACZ bundle of a finished capture. */
  async bundle(id: string, viewer: AccountRecord): Promise<{ job: CaptureJob; bytes: Uint8Array }> {
    const job = await this.get(id, viewer);
    if (job.status !== 'done' || job.bundleSha256 === undefined) throw new LogError('not_found', `capture ${id} has no bundle (status ${job.status})`);
    const bytes = await this.deps.originals.originals.read(job.bundleSha256);
    if (bytes === undefined) throw new LogError('corrupt_store', `the bundle of ${id} is missing`);
    return { job, bytes };
  }

  /** Captures running now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Stops taking jobs, aborts running captures, waits until each has freed its browser, then gives up this instance's lease. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    await this.sweeping?.catch(() => undefined);
    this.waiting.length = 0;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort(new LogError('overloaded', 'the service is shutting down'));
    await Promise.all(all.map((r) => r.done));
    await this.deps.liveness.close();
  }
}
