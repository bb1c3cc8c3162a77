/**
 * The log's own service verifying a certificate (POST /v1/verify) knows more than an offline
 * verifier: its blocks. A checkpoint signed by one of the log's keys is still not this log's
 * unless the stored block at its height carries exactly that checkpoint. This catches a
 * checkpoint made up with a leaked (retired) key, at any height, and a key used outside its
 * range of blocks, since every stored block is signed by the key in force at its height.
 */
import { checkpointHeightOf } from '../core/trust.js';
import type { BlockRecord } from './ports.js';

export interface OwnBlockCheck {
  name: 'checkpoint';
  ok: boolean;
  detail: string;
}

/**
 * Adds the `checkpoint` check to a verification result whose checkpoint signature verified:
 * passes when `block(height)` is a stored block whose checkpoint text equals the certificate's;
 * otherwise fails, and the result is no longer valid. A result whose signature check did not
 * pass is returned unchanged (it is already invalid). One store read; MUST NOT throw on any input.
 */
export async function withOwnBlockCheck(
  result: { valid: boolean; checks: readonly { name: string; ok: boolean; detail: string }[] },
  certificate: unknown,
  block: (height: bigint) => Promise<BlockRecord | undefined>,
): Promise<{ valid: boolean; checks: { name: string; ok: boolean; detail: string }[] }> {
  if (!result.checks.some((c) => c.name === 'checkpointSignature' && c.ok)) return { valid: result.valid, checks: [...result.checks] };
  const height = checkpointHeightOf(certificate);
  const text = typeof certificate === 'object' && certificate !== null ? (certificate as { checkpoint?: unknown }).checkpoint : undefined;
  let check: OwnBlockCheck;
  if (height === undefined || typeof text !== 'string') {
    check = { name: 'checkpoint', ok: false, detail: 'bad_format: the checkpoint names no readable block height' };
  } else {
    const stored = await block(height);
    if (stored === undefined) check = { name: 'checkpoint', ok: false, detail: `bad_signature: not block ${height} of this log` };
    else if (stored.checkpoint !== text) check = { name: 'checkpoint', ok: false, detail: `bad_signature: block ${height} of this log is a different checkpoint` };
    else check = { name: 'checkpoint', ok: true, detail: `block ${height} of this log` };
  }
  return { valid: result.valid && check.ok, checks: [...result.checks, check] };
}
