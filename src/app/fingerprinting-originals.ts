/**
 * "Deposit with original", then fingerprint: the same use case as originals.ts, and once a kept
 * original's deposit is acknowledged durable, its fingerprint job is queued (fingerprints.ts). The
 * deposit's answer never waits for it. Originals that are not kept (KEEP_UPLOADS=false) are
 * fingerprinted when their file is shown again (docs/ENFORCEMENT.md). Evidence bundles the service
 * makes itself (depositBytes) are not fingerprinted.
 */
import type { DepositInput, DepositView } from './deposits.js';
import type { Fingerprints } from './fingerprints.js';
import { OriginalDeposits, type ReceivedOriginal } from './originals.js';
import type { AccountRecord } from './ports.js';
import type { Reservation } from './quota.js';

export class FingerprintingOriginals extends OriginalDeposits {
  private fingerprints: Fingerprints | undefined;

  /** Connects the fingerprint queue (built after the originals, in the composition root). */
  fingerprintWith(fingerprints: Fingerprints): void {
    this.fingerprints = fingerprints;
  }

  override async deposit(
    account: AccountRecord,
    original: ReceivedOriginal,
    input: Omit<DepositInput, 'sha256' | 'sm3' | 'size'>,
    opts: { idempotencyKey?: string | undefined; reservation?: Reservation | undefined } = {},
  ): Promise<{ deposit: DepositView; created: boolean }> {
    const r = await super.deposit(account, original, input, opts);
    if (r.created && this.options.keep && this.fingerprints !== undefined) {
      this.fingerprints.enqueue({ depositId: r.deposit.id, account: account.id, sha256: original.sha256, read: () => this.originals.read(original.sha256) });
    }
    return r;
  }
}
