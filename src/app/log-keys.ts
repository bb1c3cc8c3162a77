/**
 * The log's key history. The log signs with one Ed25519 key at a time; when the operator rotates
 * it, the first block after the rotation (the hand-over block) is signed by BOTH the outgoing
 * and the incoming key, so the hand-over is itself proven by the chain. The history of verifier
 * keys is kept in a LogKeyStore (log-key-ports.ts), one record per key and the height of the first
 * block it signs, written in the same atomic batch as the hand-over.
 * A store with no records has one key: the one that signs its blocks, from block 0.
 */
import type { LogKeyStore } from './log-key-ports.js';

/** One verifier key and the blocks it signs: [firstHeight, lastHeight]; no lastHeight for the key in force. */
export interface LogKeyRange {
  key: string;
  firstHeight: bigint;
  /** The hand-over block to the next key (signed by both); absent for the current key. */
  lastHeight?: bigint;
}

/** The stored key history, oldest first, with `lastHeight` filled in; [] when none was ever recorded. */
export async function loadKeyHistory(keys: LogKeyStore): Promise<LogKeyRange[]> {
  return withLastHeights(await keys.list());
}

/** Sets each key's `lastHeight` to the next key's `firstHeight` (the shared hand-over block). */
export function withLastHeights(keys: readonly { key: string; firstHeight: bigint }[]): LogKeyRange[] {
  return keys.map((k, i) => (i + 1 < keys.length ? { key: k.key, firstHeight: k.firstHeight, lastHeight: keys[i + 1]!.firstHeight } : { key: k.key, firstHeight: k.firstHeight }));
}

/** The key in force at `height` (the incoming key for a hand-over block). */
export function keyAt(keys: readonly LogKeyRange[], height: bigint): string | undefined {
  let found: string | undefined;
  for (const k of keys) if (k.firstHeight <= height) found = k.key;
  return found;
}

/** JSON form of the history (GET /v1/log/keys, `log-keys.json` in archives). */
export function keyHistoryJson(keys: readonly LogKeyRange[]) {
  return { keys: keys.map((k) => ({ key: k.key, firstHeight: Number(k.firstHeight), ...(k.lastHeight !== undefined ? { lastHeight: Number(k.lastHeight) } : {}) })) };
}

/** A key a user pinned (a trust list line): trusted for checkpoints up to `until` when given. */
export interface PinnedKey {
  key: string;
  until?: bigint;
}

/**
 * Checks the keys a user pinned (`--key`, `--key-file`) against a log's key history, for the
 * audits. Keys naming another log (another origin) are ignored: a trust list may serve several
 * logs. Every pinned key of this log MUST be in its history, and a bounded one (`until=N`) MUST
 * NOT sign past block N (its last block: the hand-over, or `latestHeight` while in force).
 * Returns the key to pin the audit to (the first pinned key of the history: the audit follows the
 * hand-overs, each signed by both keys, from it to every other key), or the problem found.
 */
export function checkPinnedKeys(
  pinned: readonly PinnedKey[],
  history: readonly LogKeyRange[],
  latestHeight: bigint,
): { key: string } | { problem: { at: bigint; message: string } } {
  const origin = history[0]?.key.split('+')[0];
  const mine = pinned.filter((p) => p.key.split('+')[0] === origin);
  if (mine.length === 0) {
    return { problem: { at: 0n, message: `no pinned key is a key of this log (${origin}): pinned ${pinned.map((p) => p.key).join(', ')}` } };
  }
  for (const p of mine) {
    const range = history.find((k) => k.key === p.key);
    if (range === undefined) return { problem: { at: 0n, message: `the pinned key ${p.key} is not in the log's key history` } };
    const last = range.lastHeight ?? latestHeight;
    if (p.until !== undefined && last > p.until) {
      return { problem: { at: p.until + 1n, message: `the pinned key ${p.key} is trusted up to block ${p.until} (until=${p.until}), but the log's key history has it sign up to block ${last}` } };
    }
  }
  return { key: history.find((k) => mine.some((p) => p.key === k.key))!.key };
}
