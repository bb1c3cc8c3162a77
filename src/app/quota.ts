/**
 * Per-account storage quota for kept originals (docs/LIMITS.md).
 *
 * Usage is a store counter per account, advanced in the same atomic batch as the deposit that
 * keeps the original, so it is durable exactly when the deposit is. Content an account has
 * already been charged for (same SHA-256) is not charged again: a record per (account, SHA-256)
 * is written in that batch too. Uploads in flight hold a reservation in memory, so concurrent
 * uploads of one account cannot together pass the quota.
 */
import { LogError } from '../core/errors.js';
import type { PendingEntry } from './log.js';
import type { QuotaStore } from './quota-ports.js';

export interface StorageUsage {
  usedBytes: number;
  /** null: no quota (UPLOAD_QUOTA_BYTES=0). */
  quotaBytes: number | null;
  /** What uploads may still add; null without a quota. */
  availableBytes: number | null;
  /** Bytes held right now by this account's uploads in flight. */
  reservedBytes: number;
}

/** The charge one kept original adds to its deposit's batch: nothing for content already charged. */
export interface Charge {
  bytes: number;
  pending: Pick<PendingEntry, 'records' | 'counters'>;
}

export interface Reservation {
  /** Most bytes this upload may hold (its file part is refused beyond). */
  readonly allowance: number;
  /** The error for a file larger than `allowance`. */
  overQuota(): LogError;
  /** What depositing this content adds to the batch. */
  charge(sha256: string, size: number): Promise<Charge>;
  /** Call once the deposit carrying `charge` was committed (a repeat of an earlier deposit commits nothing). */
  committed(charge: Charge): void;
  /** Frees the reservation. MUST be called once, after `committed` if it applies. */
  release(): void;
}

const GiB = 1024 ** 3;
const human = (n: number) => (n >= GiB ? `${(n / GiB).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} bytes`);

export class UploadQuota {
  private readonly used = new Map<string, number>();
  private readonly loading = new Map<string, Promise<number>>();
  private readonly reserved = new Map<string, number>();
  /** `<account>/<sha256>` charges being committed: a second upload of the same content waits for the first's outcome. */
  private readonly charging = new Map<string, Promise<void>>();

  /**
   * @param limit bytes per account; 0 means unlimited (usage is still counted).
   * @param overhead bytes of a multipart body that are not the file (boundaries, part headers,
   *   the metadata field): a Content-Length up to `left + overhead` may still fit.
   */
  constructor(
    private readonly store: QuotaStore,
    readonly limit: number,
    private readonly overhead = 128 * 1024,
  ) {}

  /** Committed usage. This process is the only writer of the counter, so it is cached after the first read. */
  private async usedBy(account: string): Promise<number> {
    const hit = this.used.get(account);
    if (hit !== undefined) return hit;
    let p = this.loading.get(account);
    if (p === undefined) {
      p = this.store.usedBytes(account).then((v) => {
        if (!this.used.has(account)) this.used.set(account, v);
        this.loading.delete(account);
        return this.used.get(account)!;
      });
      this.loading.set(account, p);
      p.catch(() => this.loading.delete(account));
    }
    return p;
  }

  async usage(account: string): Promise<StorageUsage> {
    const usedBytes = await this.usedBy(account);
    const reservedBytes = this.reserved.get(account) ?? 0;
    return {
      usedBytes,
      quotaBytes: this.limit === 0 ? null : this.limit,
      availableBytes: this.limit === 0 ? null : Math.max(0, this.limit - usedBytes - reservedBytes),
      reservedBytes,
    };
  }

  private full(used: number, reserved: number, needed?: { bytes: number; atLeast: boolean }): LogError {
    const needs = needed === undefined ? '' : needed.atLeast ? `, this upload is over the ${human(needed.bytes - 1)} left` : `, this upload needs up to ${human(needed.bytes)}`;
    const busy = reserved > 0 ? ` (${human(reserved)} held by uploads in progress)` : '';
    return new LogError(
      'payload_too_large',
      `storage quota exceeded: this account keeps ${human(used)} of its ${human(this.limit)} quota${busy}${needs} (UPLOAD_QUOTA_BYTES; docs/LIMITS.md)`,
      { details: { field: 'file', quotaBytes: this.limit, usedBytes: used, reservedBytes: reserved, ...(needed !== undefined ? { requestedBytes: needed.bytes } : {}) } },
    );
  }

  /**
   * Reserves room for one upload of `account` whose body is `contentLength` bytes (undefined:
   * unknown; the upload then holds everything that is left while it streams). MUST throw
   * payload_too_large, before any byte is read, when the body cannot fit.
   */
  async reserve(account: string, contentLength: number | undefined): Promise<Reservation> {
    const used = await this.usedBy(account);
    // From here on synchronous: the check and the reservation cannot interleave with another.
    const reserved = this.reserved.get(account) ?? 0;
    const left = this.limit === 0 ? Number.MAX_SAFE_INTEGER : Math.max(0, this.limit - used - reserved);
    if (contentLength !== undefined && contentLength - this.overhead > left) throw this.full(used, reserved, { bytes: contentLength - this.overhead, atLeast: false });
    if (left === 0) throw this.full(used, reserved);
    const allowance = contentLength === undefined ? left : Math.min(left, contentLength);
    // Without a quota nothing is held: usage is only counted.
    const held = this.limit === 0 ? 0 : allowance;
    if (held > 0) this.reserved.set(account, reserved + held);
    let released = false;
    let charging: { key: string; settle: () => void } | undefined;
    const settleCharge = () => {
      if (charging === undefined) return;
      if (this.charging.get(charging.key) !== undefined) this.charging.delete(charging.key);
      charging.settle();
      charging = undefined;
    };
    return {
      allowance,
      overQuota: () => {
        const u = this.used.get(account) ?? used;
        const r = (this.reserved.get(account) ?? 0) - (released ? 0 : held);
        return this.full(u, r, { bytes: allowance + 1, atLeast: true });
      },
      charge: async (sha256, size) => {
        const key = `${account}/${sha256}`;
        // Concurrent uploads of the same content: the first charges, the others wait for it to be
        // committed (then they find its record) or given up (then the next one charges).
        for (;;) {
          for (let busy = this.charging.get(key); busy !== undefined; busy = this.charging.get(key)) await busy;
          if (await this.store.isCharged(account, sha256)) return { bytes: 0, pending: {} };
          if (!this.charging.has(key)) break; // else another upload began charging during the read
        }
        let settle!: () => void;
        this.charging.set(key, new Promise<void>((r) => (settle = r)));
        charging = { key, settle };
        return { bytes: size, pending: this.store.chargeWrites(account, sha256, size) };
      },
      committed: (charge) => {
        if (charge.bytes > 0) this.used.set(account, (this.used.get(account) ?? used) + charge.bytes);
        settleCharge();
      },
      release: () => {
        settleCharge();
        if (released) return;
        released = true;
        const r = (this.reserved.get(account) ?? 0) - held;
        if (r > 0) this.reserved.set(account, r);
        else this.reserved.delete(account);
      },
    };
  }
}
