/**
 * Deposit with original: the one rule "the original is durable before its deposit is" shared by
 * every way an original arrives — a multipart upload, an ingest run (which uploads), a web
 * capture's evidence bundle. The storage of originals and the streaming SM3 hash are ports,
 * implemented by adapters (fs/objects.ts, crypto/sm3-pool.ts) and wired by the composition root.
 */
import { toHex } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { sm3 } from '../core/sm3.js';
import type { DepositInput, DepositView, Deposits } from './deposits.js';
import type { AccountRecord } from './ports.js';
import type { Reservation, UploadQuota } from './quota.js';

/** A temp file receiving an original: written at offsets, synced, then kept or discarded by `ref`. */
export interface TempOriginal {
  /** Names the temp file to `OriginalStore.keep` / `discard` (an opaque path for the adapter). */
  readonly ref: string;
  write(bytes: Uint8Array, position: number): Promise<void>;
  /** Flushes data written so far (background sync of a long upload). */
  datasync(): Promise<void>;
  /** Flushes everything: after it resolves the bytes are durable. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Content-addressed storage of originals. Implementations MUST make `keep` durable before it
 * resolves and MUST keep exactly the bytes a name (the SHA-256) stands for.
 */
export interface OriginalStore {
  /** Creates the storage and sweeps temp files a crash left behind. */
  init(): Promise<void>;
  createTemp(): Promise<TempOriginal>;
  /** Moves a complete, synced temp file into the store under `sha256`; the temp file is gone after. */
  keep(ref: string, sha256: string): Promise<'stored' | 'existed'>;
  /** Removes a temp file (no error when it is gone already). */
  discard(ref: string): Promise<void>;
  has(sha256: string): Promise<boolean>;
  /** The kept original's bytes, or undefined when it is not stored. */
  read(sha256: string): Promise<Uint8Array | undefined>;
}

/** One incremental SM3 hash fed in chunks (see crypto/sm3-pool.ts). */
export interface Sm3Stream {
  /** Adds bytes; when it returns a promise the caller MUST await it before the next update. */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** The lowercase hex digest, once every byte also reached the sink. */
  digest(): Promise<string>;
  cancel(): void;
}

/** Starts streaming SM3 hashes; `sink` receives the bytes in order, at their offsets. */
export interface Sm3Streams {
  start(sink?: (bytes: Uint8Array, position: number) => Promise<void>): Sm3Stream;
  warm(): unknown;
}

/** An original already received: its hashes, and its synced temp file when it is to be kept. */
export interface ReceivedOriginal {
  sha256: string;
  sm3: string;
  size: number;
  /** The temp file holding it (kept originals); absent when only hashes are kept. */
  tempRef?: string;
}

export interface OriginalDepositOptions {
  /** KEEP_UPLOADS: keep originals or only their hashes. */
  keep: boolean;
  /** UPLOAD_QUOTA_BYTES: kept originals per account. */
  quota?: UploadQuota | undefined;
}

export class OriginalDeposits {
  constructor(
    private readonly deposits: Deposits,
    readonly originals: OriginalStore,
    private readonly sha256: Sha256,
    readonly options: OriginalDepositOptions,
  ) {}

  /** The quota kept originals count against (undefined when nothing is kept or no quota applies). */
  get quota(): UploadQuota | undefined {
    return this.options.keep ? this.options.quota : undefined;
  }

  /**
   * Deposits a received original: charges the account's storage quota (within `reservation`),
   * makes the original durable in the store, then appends the deposit, in this order, so a
   * deposit always has its original on disk. The temp file is gone afterwards either way.
   */
  async deposit(
    account: AccountRecord,
    original: ReceivedOriginal,
    input: Omit<DepositInput, 'sha256' | 'sm3' | 'size'>,
    opts: { idempotencyKey?: string | undefined; reservation?: Reservation | undefined } = {},
  ): Promise<{ deposit: DepositView; created: boolean }> {
    const { reservation } = opts;
    try {
      const charge = this.options.keep ? await reservation?.charge(original.sha256, original.size) : undefined;
      if (original.tempRef !== undefined) {
        if (this.options.keep) await this.originals.keep(original.tempRef, original.sha256);
        else await this.originals.discard(original.tempRef);
      }
      const r = await this.deposits.deposit(account, { ...input, sha256: original.sha256, sm3: original.sm3, size: original.size }, opts.idempotencyKey, charge?.pending);
      if (r.created && charge) reservation!.committed(charge);
      return r;
    } finally {
      if (original.tempRef !== undefined) await this.originals.discard(original.tempRef);
    }
  }

  /**
   * Deposits an original held in memory (an evidence bundle the service made): hashes it,
   * reserves its size in the quota, writes and syncs it, then deposits it like an upload.
   * The original is always kept, whatever KEEP_UPLOADS says: the service made it and serves it.
   */
  async depositBytes(account: AccountRecord, bytes: Uint8Array, input: Omit<DepositInput, 'sha256' | 'sm3' | 'size'>): Promise<{ deposit: DepositView; created: boolean }> {
    const quota = this.options.quota;
    const reservation = await quota?.reserve(account.id, bytes.length);
    try {
      const original: ReceivedOriginal = { sha256: toHex(this.sha256(bytes)), sm3: toHex(sm3(bytes)), size: bytes.length };
      const temp = await this.originals.createTemp();
      try {
        await temp.write(bytes, 0);
        await temp.sync();
      } catch (e) {
        await temp.close().catch(() => undefined);
        await this.originals.discard(temp.ref);
        throw e;
      }
      await temp.close();
      const charge = await reservation?.charge(original.sha256, original.size);
      try {
        await this.originals.keep(temp.ref, original.sha256);
      } finally {
        await this.originals.discard(temp.ref);
      }
      if (!(await this.originals.has(original.sha256))) throw new LogError('internal', 'the original was not stored');
      const r = await this.deposits.deposit(account, { ...input, sha256: original.sha256, sm3: original.sm3, size: original.size }, undefined, charge?.pending);
      if (r.created && charge) reservation!.committed(charge);
      return r;
    } finally {
      reservation?.release();
    }
  }
}
