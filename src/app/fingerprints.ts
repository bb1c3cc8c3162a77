/**
 * Private fingerprints of deposited works (docs/ENFORCEMENT.md): computed in the background once
 * an uploaded original is durable (never before the deposit is acknowledged), or on demand when
 * the file of a hash-only deposit is shown later; kept out of the log, behind a port, and indexed
 * in memory (multi-index hashing for images, MinHash LSH for texts) so a search touches only
 * candidates, not every work. With several processes on one store, each picks up the
 * fingerprints the others stored before it searches (`find`) and every few seconds.
 */
import { hamming64, imagesMatch, imageSimilarity, parseHash64, PHASH_CONFIRM } from '../core/image-hash.js';
import { ImageHashIndex } from '../core/image-hash-index.js';
import { parseSignature, TEXT_MATCH, TextIndex } from '../core/text-minhash.js';
import { formatTime } from '../core/time.js';
import type { Clock } from './ports.js';

/** A fingerprint: an image's pHash and dHash (16 hex digits each), or a text's MinHash signature (1,024 hex digits). */
export type Fingerprint = { kind: 'image'; phash: string; dhash: string } | { kind: 'text'; minhash: string };

/** A stored fingerprint of one deposit. */
export type FingerprintRecord = Fingerprint & {
  depositId: string;
  /** The depositing account. */
  account: string;
  sha256: string;
  createdAt: string;
};

/**
 * Storage of fingerprints. Implementations MUST make `put` durable before resolving, MUST return
 * from `list` every stored record exactly once across pages (in depositId order, after `after`),
 * and a second `put` for a deposit replaces the first. `added` pages the deposits whose
 * fingerprint was put with a `createdAt` at or after `since`, in (createdAt, depositId) order,
 * continued after the `cursor` of the last one; so other processes on a shared store can pick up
 * what one stored.
 */
export interface FingerprintStore {
  put(record: FingerprintRecord): Promise<void>;
  get(depositId: string): Promise<FingerprintRecord | undefined>;
  list(opts: { after?: string; limit: number }): Promise<FingerprintRecord[]>;
  added(opts: { since: string; after?: string; limit: number }): Promise<{ depositId: string; cursor: string }[]>;
}

/**
 * How far back (ms) a refresh looks again before the time of the previous one: a fingerprint's
 * createdAt is read before its write commits and may come from another host's clock.
 */
export const REFRESH_OVERLAP_MS = 5 * 60_000;

/** Computes the fingerprint of a file's bytes (undefined: neither an image nor a text). MUST NOT throw on bad input. */
export type Fingerprinter = (bytes: Uint8Array) => Promise<Fingerprint | undefined>;

export type MatchMethod = 'exact' | 'image-phash' | 'text-minhash';

export interface FingerprintHit {
  depositId: string;
  account: string;
  method: MatchMethod;
  /** 0–1: 1 − pHash distance/64 for images, the estimated Jaccard similarity for texts, 1 for exact. */
  similarity: number;
  /** pHash Hamming distance (images). */
  distance?: number;
}

/** A deposit whose original is to be fingerprinted in the background. */
export interface FingerprintJob {
  depositId: string;
  account: string;
  sha256: string;
  /** Reads the bytes (the kept original); undefined when they are gone. */
  read: () => Promise<Uint8Array | undefined>;
}

export class Fingerprints {
  private readonly images = new ImageHashIndex<string>();
  private readonly texts = new TextIndex<string>();
  private readonly records = new Map<string, { account: string; dhash?: string }>();
  private readonly queue: FingerprintJob[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  /** When the stored fingerprints were last read (ms; the next refresh reads from a little before). */
  private readUpTo: number | undefined;
  /** The greatest `added` cursor read so far. */
  private highCursor: string | undefined;
  private refreshing: Promise<void> | undefined;
  private refresher: ReturnType<typeof setInterval> | undefined;
  /** Jobs dropped because the queue was full (they can be fingerprinted on demand later). */
  dropped = 0;

  constructor(
    private readonly deps: {
      store: FingerprintStore;
      fingerprinter: Fingerprinter;
      clock: Clock;
      /** Most jobs waiting (FINGERPRINT_QUEUE). */
      maxQueue: number;
      log: (msg: string, err?: unknown) => void;
      /**
       * Several processes share the store (PostgreSQL): every search first picks up fingerprints
       * the others stored, and a refresh runs every `refreshMs` (default 5 s) besides.
       */
      shared?: boolean;
      refreshMs?: number;
    },
  ) {}

  /** Loads every stored fingerprint into the in-memory index. */
  async init(): Promise<number> {
    this.readUpTo = this.deps.clock.now();
    if (this.deps.shared === true && this.refresher === undefined) {
      this.refresher = setInterval(() => void this.refresh().catch((e: unknown) => this.deps.log('reading new fingerprints failed', e)), this.deps.refreshMs ?? 5_000);
      this.refresher.unref();
    }
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.list({ ...(after !== undefined ? { after } : {}), limit: 1000 });
      for (const r of page) this.index(r);
      if (page.length < 1000) return this.records.size;
      after = page[page.length - 1]!.depositId;
    }
  }

  /**
   * Indexes the fingerprints stored since the last read (by other processes on a shared store),
   * looking REFRESH_OVERLAP_MS further back (for writes still in flight and clocks that differ);
   * those already indexed are skipped. With `quick`, only those after the last one seen are read
   * (what a match needs at once; the periodic full read catches the late ones). One at a time.
   */
  refresh(quick = false): Promise<void> {
    return (this.refreshing ??= this.refreshOnce(quick).finally(() => (this.refreshing = undefined)));
  }

  private async refreshOnce(quick: boolean): Promise<void> {
    if (this.readUpTo === undefined) return;
    const now = this.deps.clock.now();
    const since = formatTime(Math.max(0, this.readUpTo - REFRESH_OVERLAP_MS));
    for (let after = quick ? this.highCursor : undefined; ; ) {
      const page = await this.deps.store.added({ since, ...(after !== undefined ? { after } : {}), limit: 500 });
      for (const { depositId, cursor } of page) {
        if (this.highCursor === undefined || cursor > this.highCursor) this.highCursor = cursor;
        if (this.records.has(depositId)) continue;
        const r = await this.deps.store.get(depositId);
        if (r !== undefined) this.index(r);
      }
      if (page.length < 500) break;
      after = page[page.length - 1]!.cursor;
    }
    if (!quick) this.readUpTo = Math.max(this.readUpTo, now);
  }

  /** `search`, after picking up what other processes stored when the store is shared. */
  async find(fp: Fingerprint): Promise<FingerprintHit[]> {
    if (this.deps.shared === true) await this.refresh(true);
    return this.search(fp);
  }

  get size(): number {
    return this.records.size;
  }

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Adds a stored record to the in-memory index (init does this for every stored record). */
  index(r: FingerprintRecord): void {
    if (r.kind === 'image') {
      this.images.add(r.depositId, parseHash64(r.phash));
      this.records.set(r.depositId, { account: r.account, dhash: r.dhash });
    } else {
      const sig = parseSignature(r.minhash);
      if (sig === undefined) return;
      this.texts.add(r.depositId, sig);
      this.records.set(r.depositId, { account: r.account });
    }
  }

  /** Fingerprints `bytes` now (or takes `computed`, their fingerprint) and stores the result for the deposit; undefined when the file has no fingerprint. */
  async fingerprintNow(job: { depositId: string; account: string; sha256: string }, bytes: Uint8Array, computed?: Fingerprint): Promise<FingerprintRecord | undefined> {
    const fp = computed ?? (await this.deps.fingerprinter(bytes));
    if (fp === undefined) return undefined;
    const record: FingerprintRecord = { ...fp, depositId: job.depositId, account: job.account, sha256: job.sha256, createdAt: formatTime(this.deps.clock.now()) };
    await this.deps.store.put(record);
    this.index(record);
    return record;
  }

  /** The fingerprint of a deposit, if it has one. */
  get(depositId: string): Promise<FingerprintRecord | undefined> {
    return this.deps.store.get(depositId);
  }

  /**
   * Queues a deposit for background fingerprinting. Returns at once; never throws. When the
   * queue is full the job is dropped and counted (the deposit stays, without a fingerprint).
   */
  enqueue(job: FingerprintJob): void {
    if (this.closed) return;
    if (this.queue.length >= this.deps.maxQueue) {
      this.dropped++;
      this.deps.log(`fingerprint queue full (${this.deps.maxQueue}): deposit ${job.depositId} is not fingerprinted`);
      return;
    }
    this.queue.push(job);
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    // Yield first, so the deposit's answer is sent before any fingerprinting work starts.
    await new Promise((r) => setImmediate(r));
    try {
      for (let job = this.queue.shift(); job !== undefined && !this.closed; job = this.queue.shift()) {
        try {
          const bytes = await job.read();
          if (bytes !== undefined) await this.fingerprintNow(job, bytes);
        } catch (e) {
          this.deps.log(`fingerprinting deposit ${job.depositId} failed`, e);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves when the background queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops taking jobs; waits for the one in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.refresher !== undefined) clearInterval(this.refresher);
    this.queue.length = 0;
    await this.refreshing?.catch(() => undefined);
    await this.idle();
  }

  /** Deposits whose fingerprints match `fp` among those indexed, by the documented thresholds, most similar first. */
  search(fp: Fingerprint): FingerprintHit[] {
    const hits: FingerprintHit[] = [];
    if (fp.kind === 'image') {
      const q = parseHash64(fp.phash);
      const qd = parseHash64(fp.dhash);
      for (const h of this.images.search(q, PHASH_CONFIRM)) {
        const rec = this.records.get(h.key);
        if (rec === undefined) continue;
        const dd = rec.dhash !== undefined ? hamming64(qd, parseHash64(rec.dhash)) : undefined;
        if (!imagesMatch(h.distance, dd)) continue;
        hits.push({ depositId: h.key, account: rec.account, method: 'image-phash', similarity: imageSimilarity(h.distance), distance: h.distance });
      }
    } else {
      const sig = parseSignature(fp.minhash);
      if (sig === undefined) return [];
      for (const h of this.texts.search(sig, TEXT_MATCH)) {
        const rec = this.records.get(h.key);
        if (rec === undefined) continue;
        hits.push({ depositId: h.key, account: rec.account, method: 'text-minhash', similarity: Math.round(h.similarity * 1000) / 1000 });
      }
    }
    return hits;
  }
}
