/**
 * Blocks the ledger writes outside its batches: the signed block itself (`makeBlock`) and the
 * hand-over block of a key rotation.
 */
import { blockHash, formatCheckpointBody } from '../core/checkpoint.js';
import { LogError } from '../core/errors.js';
import { isSignedBy, signNoteBy, type NoteSigner } from '../core/note.js';
import { formatTime } from '../core/time.js';
import { keyAt, type LogKeyRange } from './log-keys.js';
import type { LedgerOptions } from './log.js';
import type { BlockRecord, LogHead } from './ports.js';

/**
 * Key rotation: the key in force at the latest block is `previousSigner`, not `signer`. Writes one
 * block with no new entries whose checkpoint both keys sign, and records the new key (and the old
 * one, from block 0, when no history was recorded yet) in the same atomic batch. Refuses a
 * previous key that is not the one in force (a key before it also signed a hand-over block), and
 * a new key the history already holds (going back to a retired key).
 */
export async function handOver(opts: LedgerOptions, head: LogHead, latest: BlockRecord, known: readonly LogKeyRange[]): Promise<{ head: LogHead; latest: BlockRecord }> {
  const prev = opts.previousSigner;
  const inForce = keyAt(known, head.height);
  if (prev === undefined || !isSignedBy(latest.checkpoint, prev.verifierKey) || (inForce !== undefined && prev.verifierKey !== inForce)) {
    throw new LogError(
      'corrupt_store',
      `the log key ${opts.verifierKey} did not sign the latest block ${latest.height}: to rotate the key, keep the key in force${inForce !== undefined ? ` (${inForce})` : ''} as the previous key (docs/OPERATIONS.md)`,
      { details: { setting: 'LOG_KEY_FILE' } },
    );
  }
  if (known.some((k) => k.key === opts.verifierKey)) {
    throw new LogError(
      'corrupt_store',
      `the log key ${opts.verifierKey} was retired at block ${known.find((k) => k.key === opts.verifierKey)!.lastHeight}: a log never goes back to a retired key; start with the key in force (${inForce}) or a new one`,
      { details: { setting: 'LOG_KEY_FILE' } },
    );
  }
  const height = head.height + 1n;
  const time = formatTime(Math.max(opts.clock.now(), Date.parse(head.time)));
  const block = makeBlock(opts, height, head.treeSize, head.rootHash, head.blockHash, time, [prev, opts.signer]);
  const next: LogHead = { ...head, height, blockHash: block.hash, time };
  const records = [...(known.length === 0 ? opts.logKeys.writes(prev.verifierKey, 0n) : []), ...opts.logKeys.writes(opts.verifierKey, height)];
  await opts.store.commit({ entries: [], nodes: [], block: block.record, head: next, deposits: [], claims: [], records });
  return { head: next, latest: block.record };
}

export function makeBlock(opts: LedgerOptions, height: bigint, treeSize: bigint, rootHash: Uint8Array, prevHash: Uint8Array, time: string, signers: NoteSigner[] = [opts.signer]) {
  const body = formatCheckpointBody({ origin: opts.origin, treeSize, rootHash, height, time, prevHash });
  const checkpoint = signNoteBy(body, signers);
  return { record: { height, treeSize, rootHash, prevHash, time, checkpoint } satisfies BlockRecord, hash: blockHash(body, opts.sha256) };
}

