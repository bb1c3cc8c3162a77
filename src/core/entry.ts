/**
 * Log entries (contract §2.1): the JCS bytes of one JSON object, at most 65,535 bytes, with
 * `"v": 1`, `"type"` and `"receivedAt"`. No personal data goes into an entry in plaintext.
 */
import { fromUtf8 } from './bytes.js';
import { LogError } from './errors.js';
import { canonicalBytes } from './jcs.js';
import { isTime } from './time.js';

export const MAX_ENTRY_BYTES = 65_535;

const HEX64 = /^[0-9a-f]{64}$/;

export interface DepositEntry {
  v: 1;
  type: 'deposit';
  id: string;
  account: string;
  sha256: string;
  sm3?: string;
  size?: number;
  metaSha256: string;
  receivedAt: string;
}

/** Any entry: the common fields plus whatever its type adds. */
export interface LogEntry {
  v: 1;
  type: string;
  receivedAt: string;
  [field: string]: unknown;
}

/** Encodes an entry. MUST throw bad_format when the JCS bytes exceed MAX_ENTRY_BYTES. */
export function encodeEntry(entry: LogEntry | DepositEntry): Uint8Array {
  const bytes = canonicalBytes(entry);
  if (bytes.length > MAX_ENTRY_BYTES) throw new LogError('bad_format', `entry is ${bytes.length} bytes, over ${MAX_ENTRY_BYTES}`);
  return bytes;
}

/**
 * Parses entry bytes. MUST throw bad_format unless the bytes are exactly the JCS form of an object
 * with v = 1, a string type and a valid receivedAt; a deposit entry's hash fields MUST be lowercase
 * 64-hex and its size a non-negative safe integer.
 */
export function decodeEntry(bytes: Uint8Array): LogEntry {
  if (bytes.length > MAX_ENTRY_BYTES) throw new LogError('bad_format', 'entry too long');
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch (cause) {
    throw new LogError('bad_format', 'entry is not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LogError('bad_format', 'entry is not an object');
  const e = value as Record<string, unknown>;
  if (e.v !== 1) throw new LogError('bad_format', 'entry v is not 1');
  if (typeof e.type !== 'string' || e.type === '') throw new LogError('bad_format', 'entry type missing');
  if (typeof e.receivedAt !== 'string' || !isTime(e.receivedAt)) throw new LogError('bad_format', 'entry receivedAt invalid');
  const again = canonicalBytes(e);
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw new LogError('bad_format', 'entry is not canonical JSON (RFC 8785)');
  if (e.type === 'deposit') checkDeposit(e);
  return e as LogEntry;
}

function checkDeposit(e: Record<string, unknown>): void {
  for (const f of ['sha256', 'metaSha256'] as const) {
    if (typeof e[f] !== 'string' || !HEX64.test(e[f] as string)) throw new LogError('bad_format', `deposit entry ${f} invalid`);
  }
  if (e.sm3 !== undefined && (typeof e.sm3 !== 'string' || !HEX64.test(e.sm3))) throw new LogError('bad_format', 'deposit entry sm3 invalid');
  if (e.size !== undefined && !(Number.isSafeInteger(e.size) && (e.size as number) >= 0)) throw new LogError('bad_format', 'deposit entry size invalid');
  if (typeof e.id !== 'string' || typeof e.account !== 'string') throw new LogError('bad_format', 'deposit entry id/account missing');
}

export function isDepositEntry(e: LogEntry): e is LogEntry & DepositEntry {
  return e.type === 'deposit';
}
