/**
 * Log entries (contract §2.1): the JCS bytes of one JSON object, at most 65,535 bytes, with
 * `"v": 1`, `"type"` and `"receivedAt"`. No personal data goes into an entry in plaintext.
 */
import { fromUtf8, utf8, type Utf8Slab } from './bytes.js';
import { LogError } from './errors.js';
import { canonicalBytes } from './jcs.js';
import { checkOperationEntry, isOperationType, type OperationEntry } from './operation-entry.js';
import { isTime } from './time.js';
import { checkCaseEntry } from './case-entry.js';

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
export function encodeEntry(entry: LogEntry | DepositEntry | RegistrationEntry | OperationEntry | CaptureEntry): Uint8Array {
  const bytes = canonicalBytes(entry);
  if (bytes.length > MAX_ENTRY_BYTES) throw new LogError('bad_format', `entry is ${bytes.length} bytes, over ${MAX_ENTRY_BYTES}`);
  return bytes;
}

/** What encodeDepositEntry quoted last (NONE: nothing yet). */
const NONE: unknown = Symbol('none');
let lastAccount: unknown = NONE;
let lastAccountJson = '';
let lastReceivedAt: unknown = NONE;
let lastReceivedAtJson = '';

/**
 * The JCS bytes of a deposit entry without the generic canonicalizer: the same bytes as
 * encodeEntry (members in UTF-16 order: account, id, metaSha256, receivedAt, sha256, size, sm3,
 * type, v; strings as JSON.stringify writes them; size a safe integer), several times cheaper.
 * With `slab`, the bytes are a view into its shared buffer (see Utf8Slab).
 */
export function encodeDepositEntry(e: DepositEntry, slab?: Utf8Slab): Uint8Array {
  // The entries of one batch share their account and receipt time: each is quoted once.
  if (e.account !== lastAccount) lastAccountJson = JSON.stringify((lastAccount = e.account)) as string;
  if (e.receivedAt !== lastReceivedAt) lastReceivedAtJson = JSON.stringify((lastReceivedAt = e.receivedAt)) as string;
  let s = `{"account":${lastAccountJson},"id":${JSON.stringify(e.id)},"metaSha256":${JSON.stringify(e.metaSha256)},"receivedAt":${lastReceivedAtJson},"sha256":${JSON.stringify(e.sha256)}`;
  if (e.size !== undefined) s += `,"size":${String(e.size)}`;
  if (e.sm3 !== undefined) s += `,"sm3":${JSON.stringify(e.sm3)}`;
  s += ',"type":"deposit","v":1}';
  const bytes = slab === undefined ? utf8(s) : slab.encode(s);
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
  if (e.type === 'registration') checkRegistration(e);
  if (isOperationType(e.type)) checkOperationEntry(e);
  if (e.type === 'capture') checkCapture(e);
  if (e.type === 'case') checkCaseEntry(e);
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

/**
 * Registration entries (docs/REGISTRATION.md): one per state change of a registration
 * application. Each action leads to exactly one state.
 */
export const REGISTRATION_ACTIONS = {
  create: 'draft',
  submit: 'submitted',
  amend: 'submitted',
  withdraw: 'withdrawn',
  request_changes: 'changes_requested',
  reject: 'rejected',
  approve: 'approved',
  correct: 'approved',
  revoke: 'revoked',
} as const;
export type RegistrationAction = keyof typeof REGISTRATION_ACTIONS;
export type RegistrationState = (typeof REGISTRATION_ACTIONS)[RegistrationAction];

/** `CL-<year>-<category letter>-<8 digits>`. */
export const REGISTRATION_NUMBER_RE = /^CL-[0-9]{4}-[A-Z]-[0-9]{8}$/;
export const REGISTRATION_ID_RE = /^reg_[0-9a-f]{20}$/;
export const DEPOSIT_ID_RE = /^dep_[0-9a-f]{20}$/;
/** Most deposits one application may reference. */
export const MAX_REGISTRATION_DEPOSITS = 50;

export interface RegistrationEntry {
  v: 1;
  type: 'registration';
  id: string;
  /** 1 for the first entry of this registration, +1 for each later one. */
  seq: number;
  action: RegistrationAction;
  state: RegistrationState;
  /** The account that made the change (applicant, reviewer or admin). */
  account: string;
  /** SHA-256(JCS(application incl. its salt)) as it stood after the change. */
  applicationSha256: string;
  /** Deposit ids the application references (submit, amend, approve, correct). */
  deposits?: string[];
  /** The registration number (approve, correct, revoke). */
  number?: string;
  /** SHA-256(JCS(certificate record incl. its salt)) (approve, correct). */
  recordSha256?: string;
  /** SHA-256(JCS({reason, salt})) (request_changes, reject, correct, revoke). */
  reasonSha256?: string;
  receivedAt: string;
}

const NEEDS_DEPOSITS: ReadonlySet<string> = new Set(['submit', 'amend', 'approve', 'correct']);
const NEEDS_NUMBER: ReadonlySet<string> = new Set(['approve', 'correct', 'revoke']);
const NEEDS_RECORD: ReadonlySet<string> = new Set(['approve', 'correct']);
const NEEDS_REASON: ReadonlySet<string> = new Set(['request_changes', 'reject', 'correct', 'revoke']);

function checkRegistration(e: Record<string, unknown>): void {
  const bad = (what: string): never => {
    throw new LogError('bad_format', `registration entry ${what}`);
  };
  if (typeof e.id !== 'string' || !REGISTRATION_ID_RE.test(e.id)) bad('id invalid');
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) bad('seq invalid');
  if (typeof e.action !== 'string' || !Object.hasOwn(REGISTRATION_ACTIONS, e.action)) bad('action invalid');
  const action = e.action as RegistrationAction;
  if (e.state !== REGISTRATION_ACTIONS[action]) bad(`state is not ${REGISTRATION_ACTIONS[action]} after ${action}`);
  if (typeof e.account !== 'string' || e.account === '') bad('account missing');
  if (typeof e.applicationSha256 !== 'string' || !HEX64.test(e.applicationSha256)) bad('applicationSha256 invalid');
  const has = (f: string) => e[f] !== undefined;
  if (has('deposits') !== NEEDS_DEPOSITS.has(action)) bad(`deposits ${NEEDS_DEPOSITS.has(action) ? 'missing' : 'unexpected'}`);
  if (has('deposits')) {
    const d = e.deposits;
    if (!Array.isArray(d) || d.length < 1 || d.length > MAX_REGISTRATION_DEPOSITS || !d.every((x) => typeof x === 'string' && DEPOSIT_ID_RE.test(x))) {
      bad('deposits invalid');
    }
    if (new Set(d as string[]).size !== (d as string[]).length) bad('deposits repeat an id');
  }
  if (has('number') !== NEEDS_NUMBER.has(action)) bad(`number ${NEEDS_NUMBER.has(action) ? 'missing' : 'unexpected'}`);
  if (has('number') && (typeof e.number !== 'string' || !REGISTRATION_NUMBER_RE.test(e.number))) bad('number invalid');
  for (const [f, needs] of [['recordSha256', NEEDS_RECORD], ['reasonSha256', NEEDS_REASON]] as const) {
    if (has(f) !== needs.has(action)) bad(`${f} ${needs.has(action) ? 'missing' : 'unexpected'}`);
    if (has(f) && (typeof e[f] !== 'string' || !HEX64.test(e[f] as string))) bad(`${f} invalid`);
  }
}

export function isRegistrationEntry(e: LogEntry): e is LogEntry & RegistrationEntry {
  return e.type === 'registration';
}

export function isDepositEntry(e: LogEntry): e is LogEntry & DepositEntry {
  return e.type === 'deposit';
}

/** `cap_` and 20 hex digits. */
export const CAPTURE_ID_RE = /^cap_[0-9a-f]{20}$/;

/**
 * A web capture (docs/CAPTURE.md): the evidence bundle (WACZ) of one capture was deposited as
 * `deposit`; the capture's private record (URL, times, addresses, environment) is committed to by
 * `recordSha256` only, so no URL or note enters the log in plaintext.
 */
export interface CaptureEntry {
  v: 1;
  type: 'capture';
  id: string;
  /** The account that asked for the capture (the deposit's account too). */
  account: string;
  /** The deposit of the WACZ bundle. */
  deposit: string;
  /** SHA-256 of the WACZ bundle: the deposit's `sha256`. */
  bundleSha256: string;
  /** SHA-256(JCS(capture record incl. its salt)). */
  recordSha256: string;
  /** When the browser started and finished (the capture host's clock). */
  startedAt: string;
  endedAt: string;
  receivedAt: string;
}

function checkCapture(e: Record<string, unknown>): void {
  const bad = (what: string): never => {
    throw new LogError('bad_format', `capture entry ${what}`);
  };
  if (typeof e.id !== 'string' || !CAPTURE_ID_RE.test(e.id)) bad('id invalid');
  if (typeof e.account !== 'string' || e.account === '') bad('account missing');
  if (typeof e.deposit !== 'string' || !DEPOSIT_ID_RE.test(e.deposit)) bad('deposit invalid');
  for (const f of ['bundleSha256', 'recordSha256'] as const) {
    if (typeof e[f] !== 'string' || !HEX64.test(e[f] as string)) bad(`${f} invalid`);
  }
  for (const f of ['startedAt', 'endedAt'] as const) {
    if (typeof e[f] !== 'string' || !isTime(e[f] as string)) bad(`${f} invalid`);
  }
  if ((e.startedAt as string) > (e.endedAt as string)) bad('ends before it starts');
  const known = new Set(['v', 'type', 'id', 'account', 'deposit', 'bundleSha256', 'recordSha256', 'startedAt', 'endedAt', 'receivedAt']);
  for (const k of Object.keys(e)) if (!known.has(k)) bad(`field ${k} unexpected`);
}

export function isCaptureEntry(e: LogEntry): e is LogEntry & CaptureEntry {
  return e.type === 'capture';
}
