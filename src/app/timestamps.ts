/**
 * Trusted time for blocks: a background worker that obtains an RFC 3161 timestamp
 * over each block's checkpoint body, and the rule certificates use to pick one.
 *
 * The rule. A TimeStampToken over block B's checkpoint body proves the body, and so B's tree
 * (its root hash), existed at genTime; every entry of every block up to B is in that tree. So a
 * block need not have its own token: an entry is timestamped by the FIRST block at or after the
 * block that first covers it which has a token. Certificates are proved against that block
 * (checkpoint and inclusion proof at its tree size) so that the token's imprint matches the
 * certificate's checkpoint; without a token anywhere yet, against the first covering block.
 *
 * The worker. Deposits never wait for it: it runs beside the sequencer and only wakes on a
 * committed block. It always stamps the LATEST block when that block has no token yet; blocks
 * committed while a request is out are covered by the next request (cheaper under load: one
 * TSA request per wait, not per block). On failure it tries the next TSA, then backs off
 * exponentially (with jitter) and retries, stamping whatever is latest by then. After a
 * restart the same rule catches up: the latest block has no token, so it gets one.
 */
import { blockHash } from '../core/checkpoint.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { parseNoteUnverified } from '../core/note.js';
import { responseFromToken, tokenFromResponse, verifyTimestampToken, type VerifiedTimestamp } from '../core/timestamp.js';
import type { Ledger } from './log.js';
import type { BlockRecord, TimestampStore } from './ports.js';

/**
 * An RFC 3161 Time Stamping Authority.
 *
 * `timestamp` MUST ask for a token whose messageImprint is SHA-256 = `digest` (32 bytes), with
 * the TSA certificate included (certReq), and resolve with the DER TimeStampResp (or the bare
 * TimeStampToken). It MUST reject on any transport failure or refusal, and SHOULD give up when
 * `signal` aborts. `name` identifies the TSA in logs (e.g. its URL).
 */
export interface Tsa {
  readonly name: string;
  timestamp(digest: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
}

/** SHA-256 of a block's checkpoint body: the messageImprint its token must carry. */
export function blockDigest(block: BlockRecord, sha256?: Sha256): Uint8Array {
  return blockHash(parseNoteUnverified(block.checkpoint).body, sha256);
}

export interface EvidenceBlock {
  /** The block a certificate for the entry is proved against. */
  block: BlockRecord;
  /** Its token and TSA label, when the block has one. */
  timestamp?: { token: Uint8Array; tsa: string };
}

/**
 * The block a certificate for entry `index` is proved against: the first block at or after the
 * first covering block that has a token (with the token), else the first covering block.
 * `index` MUST be a committed entry; LogError('corrupt_store') when no block covers it.
 */
export async function evidenceBlock(
  ledger: Pick<Ledger, 'coveringBlock' | 'block'>,
  store: Pick<TimestampStore, 'findFirstTimestampedBlock'>,
  index: bigint,
): Promise<EvidenceBlock> {
  const covering = await ledger.coveringBlock(index);
  if (covering === undefined) throw new LogError('corrupt_store', `no block covers entry ${index}`);
  const stamped = await store.findFirstTimestampedBlock(covering.height);
  if (stamped !== undefined) {
    const block = stamped.height === covering.height ? covering : await ledger.block(stamped.height);
    if (block !== undefined) {
      try {
        return { block, timestamp: { token: tokenFromResponse(stamped.der), tsa: stamped.tsa } };
      } catch {
        // An unreadable stored reply is skipped: the certificate is still valid without it.
      }
    }
  }
  return { block: covering };
}

export interface TimestamperOptions {
  ledger: Pick<Ledger, 'latestBlock' | 'onBlock'>;
  store: Pick<TimestampStore, 'getTimestamp' | 'putTimestamp'>;
  /** TSAs in order of preference; each attempt tries them in turn. MUST NOT be empty. */
  tsas: readonly Tsa[];
  /** Certificates a token must chain to (DER). Empty: tokens are checked for consistency only. */
  trusted?: readonly Uint8Array[];
  sha256?: Sha256;
  /** Give up on one TSA request after this long (default 10 s). */
  timeoutMs?: number;
  /** First retry delay after every TSA failed (default 1 s); doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  /** Longest retry delay (default 5 min). */
  maxBackoffMs?: number;
  /** Least time between the starts of two successful stamps (default 1 s). Under load blocks come
   * every few milliseconds; the newest block's token covers every earlier entry, so one token a
   * second bounds the TSA traffic and the CPU spent on tokens without losing coverage. */
  minIntervalMs?: number;
  /** Random number in [0, 1) for jitter (default Math.random). */
  random?: () => number;
  log?: (msg: string, err?: unknown) => void;
}

export interface TimestamperStatus {
  running: boolean;
  /** Height of the last block this worker stamped. */
  lastStamped: bigint | undefined;
  /** Consecutive failed attempts (0 after a success). */
  failures: number;
  lastError: string | undefined;
}

export class Timestamper {
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private abort: AbortController | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastStamped: bigint | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly minIntervalMs: number;
  private readonly listeners = new Set<(height: bigint) => void>();

  constructor(private readonly opts: TimestamperOptions) {
    if (opts.tsas.length === 0) throw new LogError('internal', 'a Timestamper needs at least one TSA');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.backoffMs = opts.backoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 300_000;
    this.minIntervalMs = opts.minIntervalMs ?? 1_000;
  }

  /** Starts the worker. MUST NOT be called twice without `stop` in between. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.opts.ledger.onBlock(() => this.wake?.());
    this.loop = this.run();
  }

  /** Stops the worker, aborting a request in flight; resolves once it has stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  status(): TimestamperStatus {
    return { running: !this.stopped, lastStamped: this.lastStamped, failures: this.failures, lastError: this.lastError };
  }

  /** Calls `listener` with the height of each block stamped (tests, metrics). Returns an unsubscribe function. */
  onStamped(listener: (height: bigint) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async run(): Promise<void> {
    let backoff = this.backoffMs;
    while (!this.stopped) {
      const target = this.opts.ledger.latestBlock;
      let has: boolean;
      try {
        has = (await this.opts.store.getTimestamp(target.height)) !== undefined;
      } catch (e) {
        this.opts.log?.('timestamps: cannot read the store', e);
        has = false;
      }
      if (this.stopped) break;
      if (has) {
        await this.until(() => this.opts.ledger.latestBlock.height !== target.height);
        continue;
      }
      const started = Date.now();
      if (await this.stamp(target)) {
        backoff = this.backoffMs;
        await this.sleep(this.minIntervalMs - (Date.now() - started));
        continue;
      }
      const delay = Math.round(backoff * (0.5 + (this.opts.random ?? Math.random)()));
      await this.sleep(delay);
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }

  /** One attempt: each TSA in turn until one gives a token that verifies. */
  private async stamp(block: BlockRecord): Promise<boolean> {
    const digest = blockDigest(block, this.opts.sha256);
    for (const tsa of this.opts.tsas) {
      if (this.stopped) return false;
      try {
        const reply = await this.ask(tsa, digest);
        const token = tokenFromResponse(reply);
        const v: VerifiedTimestamp = verifyTimestampToken(token, digest, { certificates: this.opts.trusted ?? [] });
        const der = reply === token ? responseFromToken(token) : reply;
        await this.opts.store.putTimestamp(block.height, der, v.label);
        this.lastStamped = block.height;
        this.failures = 0;
        this.lastError = undefined;
        for (const l of this.listeners) l(block.height);
        return true;
      } catch (e) {
        if (this.stopped) return false;
        this.failures++;
        this.lastError = `${tsa.name}: ${e instanceof Error ? e.message : String(e)}`;
        this.opts.log?.(`timestamps: ${tsa.name} failed for block ${block.height}`, e);
      }
    }
    return false;
  }

  /** `tsa.timestamp` bounded by the timeout and by `stop`, whatever the TSA does. */
  private ask(tsa: Tsa, digest: Uint8Array): Promise<Uint8Array> {
    const abort = (this.abort = new AbortController());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new LogError('internal', `no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      abort.signal.addEventListener('abort', () => reject(new LogError('internal', 'aborted')), { once: true });
    });
    return Promise.race([tsa.timestamp(digest, abort.signal), timeout]).finally(() => {
      clearTimeout(timer);
      if (this.abort === abort) this.abort = undefined;
    });
  }

  private until(cond: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (this.stopped || cond()) {
          this.wake = undefined;
          resolve();
        }
      };
      this.wake = check;
      check();
    });
  }

  private sleep(ms: number): Promise<void> {
    // stop() may have run while a request was in flight, before this sleep could be woken.
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      // Only stop cuts a back-off short: new blocks do not make a failing TSA work again.
      this.wake = () => {
        if (this.stopped) done();
      };
    });
  }
}
