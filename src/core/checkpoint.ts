/**
 * Blocks: C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint) with three extension
 * lines, signed as notes (CONTRACTS.md §2.2):
 *
 *     <origin>\n<tree size>\n<base64 root hash>\nblock <height>\ntime <time>\nprev <base64 hash>\n
 *
 * `prev` is SHA-256 of the previous block's body ({@link blockHash}); block 0 has {@link ZERO_HASH}.
 */
import { fromBase64, toBase64, utf8 } from './bytes.js';
import { LogError } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';
import { isValidKeyName, openNote, parseVerifierKey, signNote, type NoteSigner, type ParsedVerifierKey } from './note.js';

export interface Checkpoint {
  /** Log identity; also the key name that signs the block. */
  origin: string;
  /** Number of leaves, 0 ≤ treeSize < 2^64. */
  treeSize: bigint;
  /** RFC 9162 root hash at `treeSize`, 32 bytes. */
  rootHash: Uint8Array;
  /** Block height, 0 ≤ height < 2^64; block 0 is the empty tree. */
  height: bigint;
  /** RFC 3339 UTC with milliseconds, e.g. `2026-11-26T21:40:00.123Z`. */
  time: string;
  /** {@link blockHash} of the previous block's body; {@link ZERO_HASH} for block 0. */
  prevHash: Uint8Array;
}

/** 32 zero bytes: the `prev` of block 0. Shared: callers MUST NOT mutate it (copy with `.slice()`). */
export const ZERO_HASH: Uint8Array = new Uint8Array(32);

const U64_MAX = (1n << 64n) - 1n;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function bad(message: string): never {
  throw new LogError('bad_format', `checkpoint: ${message}`);
}

/** True iff `time` matches `YYYY-MM-DDTHH:MM:SS.mmmZ` and names a real instant (no Feb 30, no 24:00). */
export function isValidTime(time: string): boolean {
  if (!TIME.test(time)) return false;
  const ms = Date.parse(time);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === time;
}

function checkCheckpoint(c: Checkpoint): void {
  if (!isValidKeyName(c.origin)) bad('origin must be a valid key name');
  if (typeof c.treeSize !== 'bigint' || c.treeSize < 0n || c.treeSize > U64_MAX) bad('tree size out of range');
  if (typeof c.height !== 'bigint' || c.height < 0n || c.height > U64_MAX) bad('height out of range');
  if (c.rootHash.length !== 32) bad('root hash must be 32 bytes');
  if (c.prevHash.length !== 32) bad('prev hash must be 32 bytes');
  if (!isValidTime(c.time)) bad('time must be RFC 3339 UTC with milliseconds');
}

/**
 * The 6-line body of a block, each line ending in "\n". The checkpoint MUST satisfy what
 * {@link parseCheckpointBody} checks (else LogError('bad_format')); the result MUST parse back to
 * an equal checkpoint.
 */
export function formatCheckpointBody(c: Checkpoint): string {
  checkCheckpoint(c);
  return (
    `${c.origin}\n${c.treeSize}\n${toBase64(c.rootHash)}\n` +
    `block ${c.height}\ntime ${c.time}\nprev ${toBase64(c.prevHash)}\n`
  );
}

function parseU64(text: string, what: string): bigint {
  if (!DECIMAL.test(text)) bad(`${what} must be decimal without leading zeros`);
  const n = BigInt(text);
  if (n > U64_MAX) bad(`${what} exceeds 2^64-1`);
  return n;
}

function extension(line: string, keyword: string): string {
  const prefix = `${keyword} `;
  if (!line.startsWith(prefix)) bad(`expected a "${keyword}" line`);
  return line.slice(prefix.length);
}

/**
 * Parses a block body WITHOUT checking any signature (use {@link openCheckpoint} for untrusted
 * notes). Strict: exactly six non-empty lines, each ending in "\n" — origin (a valid key name),
 * tree size and `block` height in decimal without leading zeros (except "0") and below 2^64, root
 * and `prev` as canonical base64 of 32 bytes, `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ` naming a real
 * instant, and the extensions `block`, `time`, `prev` in that order, separated by one space.
 * Anything else throws LogError('bad_format').
 */
export function parseCheckpointBody(body: string): Checkpoint {
  if (!body.endsWith('\n')) bad('body must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length !== 6) bad(`expected 6 lines, got ${lines.length}`);
  const [originLine, sizeLine, rootLine, blockLine, timeLine, prevLine] = lines as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!isValidKeyName(originLine)) bad('origin must be a valid key name');
  const treeSize = parseU64(sizeLine, 'tree size');
  const rootHash = fromBase64(rootLine, 32);
  const height = parseU64(extension(blockLine, 'block'), 'height');
  const time = extension(timeLine, 'time');
  if (!isValidTime(time)) bad('time must be RFC 3339 UTC with milliseconds');
  const prevHash = fromBase64(extension(prevLine, 'prev'), 32);
  return { origin: originLine, treeSize, rootHash, height, time, prevHash };
}

/**
 * Verifies a block's signed note under the pinned verifier key, then parses its body.
 *
 * Throws LogError('bad_signature') if no valid signature by the key is present (see `openNote`),
 * LogError('bad_format') if the note or body is malformed, or if the body's origin differs from
 * the key name (a valid signature over another log's checkpoint proves nothing about this log).
 * `body` is returned so the caller can compute {@link blockHash} over the exact signed text.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifierKey: string | ParsedVerifierKey,
): { checkpoint: Checkpoint; body: string } {
  const key = typeof verifierKey === 'string' ? parseVerifierKey(verifierKey) : verifierKey;
  const { body } = openNote(note, key);
  const checkpoint = parseCheckpointBody(body);
  if (checkpoint.origin !== key.name) {
    throw new LogError('bad_format', 'checkpoint: origin does not match the verifier key name', {
      details: { origin: checkpoint.origin, keyName: key.name },
    });
  }
  return { checkpoint, body };
}

/**
 * Formats and signs a block. `signer.name` MUST equal `c.origin` (else LogError('bad_format')),
 * so that {@link openCheckpoint} accepts the result.
 */
export function signCheckpoint(c: Checkpoint, signer: NoteSigner): string {
  if (signer.name !== c.origin) bad('signer name must equal the origin');
  return signNote(formatCheckpointBody(c), signer);
}

/**
 * SHA-256 of the body's UTF-8 bytes: the value the next block's `prev` MUST hold. `body` MUST be
 * the exact signed text (as returned by {@link formatCheckpointBody} or {@link openCheckpoint}).
 * `sha256` MAY be a faster implementation; it MUST compute SHA-256.
 */
export function blockHash(body: string, sha256: Sha256 = portableSha256): Uint8Array {
  return sha256(utf8(body));
}
