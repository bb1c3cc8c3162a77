/**
 * Copyright registration (登记): the application's domain rules, registration numbers, the
 * state machine, and the registration certificate (build and verify). Pure: no I/O, no clock,
 * no randomness; times and salts come in as arguments. docs/REGISTRATION.md describes the rules.
 */
import { isPlainText, UNSAFE_TEXT_MESSAGE } from './text.js';
import { fromBase64, toHex, utf8 } from './bytes.js';
import { checkLogProof, checkRunner, logProofSection, verifyCertificate, type LogProofInput, type VerifyOptions, type VerifyResult } from './certificate.js';
import {
  decodeEntry,
  DEPOSIT_ID_RE,
  isRegistrationEntry,
  MAX_REGISTRATION_DEPOSITS,
  REGISTRATION_ID_RE,
  REGISTRATION_NUMBER_RE,
  type LogEntry,
  type RegistrationAction,
  type RegistrationEntry,
  type RegistrationState,
} from './entry.js';
import { LogError } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';
import { checkIdNumber, INDIVIDUAL_ID_TYPES, ORGANISATION_ID_TYPES, type IdType } from './identity.js';
import { canonicalBytes } from './jcs.js';
import { TreeHasher } from './merkle.js';
import { OPERATION_CERTIFICATE_FORMAT, verifyOperationCertificate } from './operation-certificate.js';

export { REGISTRATION_ACTIONS, type RegistrationAction, type RegistrationState } from './entry.js';

/**
 * Work categories of the Copyright Law of the PRC, Art. 3, and the one-letter code each has in
 * a registration number. The letters are this service's own table (docs/REGISTRATION.md).
 */
export const WORK_TYPES = {
  literary: { code: 'A', zh: '文字作品' },
  oral: { code: 'B', zh: '口述作品' },
  musical: { code: 'C', zh: '音乐作品' },
  dramatic: { code: 'D', zh: '戏剧作品' },
  quyi: { code: 'E', zh: '曲艺作品' },
  fine_art: { code: 'F', zh: '美术作品' },
  photographic: { code: 'G', zh: '摄影作品' },
  choreographic: { code: 'H', zh: '舞蹈作品' },
  audiovisual: { code: 'I', zh: '视听作品' },
  graphic_model: { code: 'J', zh: '图形作品和模型作品' },
  acrobatic: { code: 'K', zh: '杂技艺术作品' },
  other: { code: 'L', zh: '其他作品' },
  architectural: { code: 'M', zh: '建筑作品' },
  software: { code: 'S', zh: '计算机软件' },
} as const;
export type WorkType = keyof typeof WORK_TYPES;
export const WORK_TYPE_NAMES = Object.keys(WORK_TYPES) as [WorkType, ...WorkType[]];

export const RIGHTS_OBTAINED = ['original', 'commissioned', 'employment', 'transfer', 'inheritance', 'other'] as const;
export type RightsObtained = (typeof RIGHTS_OBTAINED)[number];
export const OWNERSHIP = ['sole', 'joint'] as const;
export type Ownership = (typeof OWNERSHIP)[number];
export const HOLDER_KINDS = ['individual', 'organisation'] as const;

export interface Author {
  name: string;
  /** 署名: the name the work is published under, if not the author's own. */
  signature?: string;
  /** ISO 3166-1 alpha-2. */
  nationality?: string;
}

export interface RightsHolder {
  name: string;
  /** The name shown in the public registry (default: `name`). */
  displayName?: string;
  kind: (typeof HOLDER_KINDS)[number];
  idType: IdType;
  /** Private: never in the log, the registry or the certificate. */
  idNumber: string;
  nationality?: string;
  /** Private. */
  address?: string;
}

export type Publication = { status: 'unpublished' } | { status: 'published'; firstPublishedOn: string; place: string };

/** A complete work registration application. */
export interface Application {
  title: string;
  workType: WorkType;
  description?: string;
  authors: Author[];
  rightsHolders: RightsHolder[];
  /** Completion of creation: date (YYYY-MM-DD) and place. */
  creation: { completedOn: string; place: string };
  publication: Publication;
  rightsObtained: RightsObtained;
  rightsObtainedNote?: string;
  ownership: Ownership;
  /** The applicant's statement that everything is true; MUST be true to submit. */
  statementOfTruth: boolean;
  /** Ids of the applicant's deposits of the work. */
  deposits: string[];
}

/** A draft: any part may still be missing. */
export type ApplicationDraft = Partial<Application>;

/** Fields that MUST be present to submit, in the order problems are reported. */
export const REQUIRED_FIELDS = [
  'title',
  'workType',
  'authors',
  'rightsHolders',
  'creation',
  'publication',
  'rightsObtained',
  'ownership',
  'deposits',
  'statementOfTruth',
] as const satisfies readonly (keyof Application)[];

function invalid(field: string, message: string): never {
  throw new LogError('invalid_request', `${field}: ${message}`, { details: { field } });
}

/**
 * Checks an application's cross-field rules and document numbers, and with `complete` that it
 * may be submitted. `today` is YYYY-MM-DD (China Standard Time). MUST throw
 * LogError('invalid_request') with `details.field` naming the first bad field.
 */
export function checkApplication(app: ApplicationDraft, opts: { today: string; complete: boolean }): void {
  if (opts.complete) {
    for (const f of REQUIRED_FIELDS) if (app[f] === undefined) invalid(f, 'required to submit');
    if (app.statementOfTruth !== true) invalid('statementOfTruth', 'must be true to submit');
    if (app.deposits!.length === 0) invalid('deposits', 'at least one deposit of the work is required');
    if (app.rightsObtained === 'other' && app.rightsObtainedNote === undefined) invalid('rightsObtainedNote', 'required when rightsObtained is other');
  }
  const plain = (field: string, value: string | undefined) => {
    if (value !== undefined && !isPlainText(value)) invalid(field, UNSAFE_TEXT_MESSAGE);
  };
  plain('title', app.title);
  app.authors?.forEach((a, i) => {
    plain(`authors.${i}.name`, a.name);
    plain(`authors.${i}.signature`, a.signature);
  });
  app.rightsHolders?.forEach((h, i) => {
    plain(`rightsHolders.${i}.name`, h.name);
    plain(`rightsHolders.${i}.displayName`, h.displayName);
  });
  app.rightsHolders?.forEach((h, i) => {
    const fits = h.kind === 'organisation' ? ORGANISATION_ID_TYPES : INDIVIDUAL_ID_TYPES;
    if (!fits.includes(h.idType)) invalid(`rightsHolders.${i}.idType`, `${h.idType} is not a document of a${h.kind === 'organisation' ? 'n organisation' : 'n individual'}`);
    const problem = checkIdNumber(h.idType, h.idNumber);
    if (problem !== undefined) invalid(`rightsHolders.${i}.idNumber`, problem);
  });
  if (app.ownership !== undefined && app.rightsHolders !== undefined) {
    if (app.ownership === 'sole' && app.rightsHolders.length !== 1) invalid('ownership', 'sole ownership needs exactly one rights holder');
    if (app.ownership === 'joint' && app.rightsHolders.length < 2) invalid('ownership', 'joint ownership needs at least two rights holders');
  }
  if (app.creation !== undefined && app.creation.completedOn > opts.today) invalid('creation.completedOn', 'is in the future');
  if (app.publication?.status === 'published') {
    const on = app.publication.firstPublishedOn;
    if (on > opts.today) invalid('publication.firstPublishedOn', 'is in the future');
    if (app.creation !== undefined && on < app.creation.completedOn) invalid('publication.firstPublishedOn', 'is before creation.completedOn');
  }
  if (app.deposits !== undefined) {
    if (app.deposits.length > MAX_REGISTRATION_DEPOSITS) invalid('deposits', `at most ${MAX_REGISTRATION_DEPOSITS}`);
    app.deposits.forEach((d, i) => {
      if (!DEPOSIT_ID_RE.test(d)) invalid(`deposits.${i}`, 'not a deposit id');
      if (app.deposits!.indexOf(d) !== i) invalid(`deposits.${i}`, 'names a deposit twice');
    });
  }
}

// ---------------------------------------------------------------------------------------------
// State machine

/** The states each action may start from (the state it leads to is REGISTRATION_ACTIONS). */
export const TRANSITIONS: Readonly<Record<RegistrationAction, readonly (RegistrationState | 'none')[]>> = {
  create: ['none'],
  submit: ['none', 'draft'],
  amend: ['changes_requested'],
  withdraw: ['draft', 'submitted', 'changes_requested'],
  request_changes: ['submitted'],
  reject: ['submitted'],
  approve: ['submitted'],
  correct: ['approved'],
  revoke: ['approved'],
};

export const REGISTRATION_STATES = ['draft', 'submitted', 'changes_requested', 'withdrawn', 'rejected', 'approved', 'revoked'] as const satisfies readonly RegistrationState[];

/** MUST throw LogError('conflict') when `action` may not start from `state`. */
export function checkTransition(state: RegistrationState | 'none', action: RegistrationAction): void {
  if (!TRANSITIONS[action].includes(state)) throw new LogError('conflict', `cannot ${action.replace('_', ' ')} an application in state ${state}`);
}

// ---------------------------------------------------------------------------------------------
// Numbers, dates

export const REGISTRATION_NUMBER_PREFIX = 'CL';
const CST_OFFSET_MS = 8 * 3600 * 1000;

/** The date (YYYY-MM-DD) of an instant in China Standard Time (UTC+08:00, no daylight saving). */
export function chinaDate(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** `CL-<year>-<code>-<seq, 8 digits>`. `seq` MUST be 1..99,999,999. */
export function formatRegistrationNumber(year: number, workType: WorkType, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > 99_999_999) throw new LogError('internal', `registration sequence ${seq} out of range`);
  if (!Number.isSafeInteger(year) || year < 1000 || year > 9999) throw new LogError('internal', `year ${year} out of range`);
  return `${REGISTRATION_NUMBER_PREFIX}-${year}-${WORK_TYPES[workType].code}-${String(seq).padStart(8, '0')}`;
}

export function parseRegistrationNumber(n: string): { year: number; code: string; seq: number } | undefined {
  if (!REGISTRATION_NUMBER_RE.test(n)) return undefined;
  const [, year, code, seq] = n.split('-');
  return { year: Number(year), code: code!, seq: Number(seq) };
}

/** The counter that holds the last sequence number issued for (year, category). */
export function numberCounterName(year: number, workType: WorkType): string {
  return `regno/${year}/${WORK_TYPES[workType].code}`;
}

// ---------------------------------------------------------------------------------------------
// Hashes that enter the log

/** SHA-256(JCS(application ∪ {salt})) as lowercase hex. */
export function applicationSha256(app: ApplicationDraft, salt: string, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(canonicalBytes({ ...app, salt })));
}

/** SHA-256(JCS({reason, salt})) as lowercase hex: proves a reviewer's or admin's reason later. */
export function reasonSha256(reason: string, salt: string, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(canonicalBytes({ reason, salt })));
}

// ---------------------------------------------------------------------------------------------
// The registration certificate

export const REGISTRATION_CERTIFICATE_FORMAT = 'copyright-ledger/registration-certificate@v1';

/**
 * What the certificate states, committed to by `recordSha256` in its entry. No identity document
 * numbers or addresses: those stay in the private application, bound by `applicationSha256`.
 */
export interface CertificateRecord {
  id: string;
  number: string;
  title: string;
  workType: WorkType;
  authors: { name: string; signature?: string; nationality?: string }[];
  rightsHolders: { name: string; kind: RightsHolder['kind']; nationality?: string }[];
  creation: { completedOn: string; place: string };
  publication: Publication;
  rightsObtained: RightsObtained;
  ownership: Ownership;
  deposits: { id: string; sha256: string }[];
  /** SHA-256(JCS(application ∪ {salt})) of the approved application. */
  applicationSha256: string;
  /** When the registration was approved (the approve entry's receivedAt). */
  registeredAt: string;
  /** Set on a corrected record: when the correction was made. */
  correctedAt?: string;
  salt: string;
}

/** The record of an approved application (public parts only) plus a fresh salt. */
export function certificateRecord(p: {
  id: string;
  number: string;
  application: Application;
  applicationSha256: string;
  deposits: { id: string; sha256: string }[];
  registeredAt: string;
  salt: string;
}): CertificateRecord {
  const a = p.application;
  return {
    id: p.id,
    number: p.number,
    title: a.title,
    workType: a.workType,
    authors: a.authors.map((x) => ({ name: x.name, ...(x.signature !== undefined ? { signature: x.signature } : {}), ...(x.nationality !== undefined ? { nationality: x.nationality } : {}) })),
    rightsHolders: a.rightsHolders.map((h) => ({ name: h.name, kind: h.kind, ...(h.nationality !== undefined ? { nationality: h.nationality } : {}) })),
    creation: { completedOn: a.creation.completedOn, place: a.creation.place },
    publication: a.publication,
    rightsObtained: a.rightsObtained,
    ownership: a.ownership,
    deposits: p.deposits,
    applicationSha256: p.applicationSha256,
    registeredAt: p.registeredAt,
    salt: p.salt,
  };
}

export function recordSha256(record: CertificateRecord, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(canonicalBytes(record)));
}

export interface RegistrationCertificate {
  format: typeof REGISTRATION_CERTIFICATE_FORMAT;
  /** The entry the certificate proves: the approval, or the latest correction. */
  registration: { id: string; number: string; action: 'approve' | 'correct'; at: string };
  record: CertificateRecord;
  entry: { index: number; bytes: string };
  proof: { treeSize: number; hashes: string[] };
  checkpoint: string;
  logKey: string;
}

/** Assembles a certificate. MUST NOT check anything: the caller got the parts from its own store. */
export function buildRegistrationCertificate(p: LogProofInput & { entry: RegistrationEntry; record: CertificateRecord }): RegistrationCertificate {
  return {
    format: REGISTRATION_CERTIFICATE_FORMAT,
    registration: { id: p.entry.id, number: p.entry.number!, action: p.entry.action as 'approve' | 'correct', at: p.entry.receivedAt },
    record: p.record,
    ...logProofSection(p),
  };
}

export type RegistrationCheckName =
  | 'format'
  | 'logKey'
  | 'checkpointSignature'
  | 'treeSize'
  | 'inclusion'
  | 'entry'
  | 'record'
  | 'deposits'
  | 'file'
  /** Added by the log's own service (POST /v1/verify): the checkpoint is this log's stored block at its height. */
  | 'checkpoint';

export interface RegistrationCheck {
  name: RegistrationCheckName;
  ok: boolean;
  detail: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Verifies a registration certificate (any JSON value: it is attacker-controlled) against the
 * pinned log key. MUST report every check that could be run, by name; `valid` is true only when
 * every reported check is ok. MUST NOT throw. With `file`, the file MUST be one of the deposits
 * the record names.
 */
export function verifyRegistrationCertificate(input: unknown, opts: VerifyOptions = {}): { valid: boolean; checks: RegistrationCheck[] } {
  const checks: RegistrationCheck[] = [];
  const run = checkRunner<RegistrationCheckName>(checks);
  const sha256 = opts.sha256 ?? portableSha256;
  const hasher = new TreeHasher(sha256);

  let cert!: RegistrationCertificate;
  if (!run('format', () => ((cert = checkShape(input)), REGISTRATION_CERTIFICATE_FORMAT))) return { valid: false, checks };

  const { entryBytes } = checkLogProof(cert, run, { ...(opts.verifierKey !== undefined ? { verifierKey: opts.verifierKey } : {}), hasher });

  let entry: (LogEntry & RegistrationEntry) | undefined;
  run('entry', () => {
    const e = decodeEntry(entryBytes ?? fromBase64(cert.entry.bytes));
    if (!isRegistrationEntry(e)) throw new LogError('bad_format', `entry type is ${e.type}, not registration`);
    if (e.action !== 'approve' && e.action !== 'correct') throw new LogError('bad_format', `entry action is ${e.action}, not approve or correct`);
    const r = cert.registration;
    if (e.action !== r.action) throw new LogError('bad_format', 'entry action differs from registration.action');
    if (e.id !== r.id) throw new LogError('bad_format', 'entry id differs from registration.id');
    if (e.number !== r.number) throw new LogError('bad_format', 'entry number differs from registration.number');
    if (e.receivedAt !== r.at) throw new LogError('bad_format', 'entry receivedAt differs from registration.at');
    entry = e;
    return `registration ${r.number} (${r.id}), ${e.action === 'approve' ? 'approved' : 'corrected'} ${r.at}`;
  });

  run('record', () => {
    if (entry === undefined) throw new LogError('bad_format', 'no readable entry');
    const rec = cert.record;
    if (rec.id !== entry.id || rec.number !== entry.number) throw new LogError('bad_format', 'record id / number differ from the entry');
    if (rec.applicationSha256 !== entry.applicationSha256) throw new LogError('bad_format', 'record applicationSha256 differs from the entry');
    if (recordSha256(rec, sha256) !== entry.recordSha256) throw new LogError('bad_format', 'SHA-256 of JCS(record) differs from the entry recordSha256');
    return 'recordSha256 matches';
  });

  run('deposits', () => {
    if (entry === undefined) throw new LogError('bad_format', 'no readable entry');
    const ids = cert.record.deposits.map((d) => d.id);
    const want = entry.deposits ?? [];
    if (ids.length !== want.length || ids.some((id, i) => id !== want[i])) throw new LogError('bad_format', 'record deposits differ from the entry');
    return `${ids.length} deposit${ids.length === 1 ? '' : 's'}: ${ids.join(', ')}`;
  });

  if (opts.file !== undefined) {
    const file = opts.file;
    run('file', () => {
      const hit = cert.record.deposits.find((d) => d.sha256 === file.sha256);
      if (hit === undefined) throw new LogError('bad_format', 'the file SHA-256 is none of the registered deposits');
      return `the file is deposit ${hit.id}`;
    });
  }
  return { valid: checks.every((c) => c.ok), checks };
}

function checkShape(v: unknown): RegistrationCertificate {
  const bad = (what: string): never => {
    throw new LogError('bad_format', what);
  };
  const obj = (x: unknown, what: string): Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : bad(`${what} is not an object`);
  const str = (x: unknown, what: string) => (typeof x === 'string' ? x : bad(`${what} is not a string`));
  const c = obj(v, 'certificate');
  if (c.format !== REGISTRATION_CERTIFICATE_FORMAT) bad(`format is not ${REGISTRATION_CERTIFICATE_FORMAT}`);
  const reg = obj(c.registration, 'registration');
  if (!REGISTRATION_ID_RE.test(str(reg.id, 'registration.id'))) bad('registration.id is not a registration id');
  if (!REGISTRATION_NUMBER_RE.test(str(reg.number, 'registration.number'))) bad('registration.number is not a registration number');
  if (reg.action !== 'approve' && reg.action !== 'correct') bad('registration.action is not approve or correct');
  str(reg.at, 'registration.at');
  const rec = obj(c.record, 'record');
  str(rec.salt, 'record.salt');
  str(rec.id, 'record.id');
  str(rec.number, 'record.number');
  str(rec.applicationSha256, 'record.applicationSha256');
  if (!Array.isArray(rec.deposits) || rec.deposits.length > MAX_REGISTRATION_DEPOSITS) bad('record.deposits is not a list');
  (rec.deposits as unknown[]).forEach((d, i) => {
    const o = obj(d, `record.deposits.${i}`);
    str(o.id, `record.deposits.${i}.id`);
    if (!HEX64.test(str(o.sha256, `record.deposits.${i}.sha256`))) bad(`record.deposits.${i}.sha256 is not 64 lowercase hex`);
  });
  const entry = obj(c.entry, 'entry');
  if (!Number.isSafeInteger(entry.index) || (entry.index as number) < 0) bad('entry.index is not an index');
  str(entry.bytes, 'entry.bytes');
  const proof = obj(c.proof, 'proof');
  if (!Number.isSafeInteger(proof.treeSize) || (proof.treeSize as number) < 1) bad('proof.treeSize is not a tree size');
  if (!Array.isArray(proof.hashes) || proof.hashes.length > 64 || !proof.hashes.every((h) => typeof h === 'string' && HEX64.test(h))) {
    bad('proof.hashes is not a list of 64-hex hashes');
  }
  str(c.checkpoint, 'checkpoint');
  str(c.logKey, 'logKey');
  return c as unknown as RegistrationCertificate;
}

/** Verifies any kind of certificate (evidence, registration, operation), chosen by its `format`. MUST NOT throw. */
export function verifyAnyCertificate(input: unknown, opts: VerifyOptions = {}): VerifyResult | { valid: boolean; checks: RegistrationCheck[] } {
  const format = typeof input === 'object' && input !== null ? (input as { format?: unknown }).format : undefined;
  if (format === REGISTRATION_CERTIFICATE_FORMAT) return verifyRegistrationCertificate(input, opts);
  if (format === OPERATION_CERTIFICATE_FORMAT) return verifyOperationCertificate(input, opts);
  return verifyCertificate(input, opts);
}

/** UTF-8 length of a string (limits are on bytes). */
export const byteLength = (s: string): number => utf8(s).length;
