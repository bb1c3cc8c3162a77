/**
 * Operation certificates (docs/OPERATION.md): proof that a licence was accepted (or granted to a
 * named licensee), a transfer completed, or a pledge registered. The certificate carries the
 * record it states (the operation's terms and their salt), the entry that committed to it and
 * that entry's inclusion proof under a signed checkpoint. Pure; verification never throws.
 */
import { fromBase64, toHex } from './bytes.js';
import { checkLogProof, checkRunner, logProofSection, type LogProofInput, type VerifyOptions } from './certificate.js';
import { decodeEntry, type LogEntry } from './entry.js';
import { LogError } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';
import { canonicalBytes } from './jcs.js';
import { CERTIFIED_ACTIONS, termsSha256, type OperationTerms } from './operation.js';
import { isOperationType, OPERATION_ID_RE, operationKindOf, type OperationEntry, type OperationKind } from './operation-entry.js';
import { TreeHasher } from './merkle.js';
import type { RegistrationCheck, RegistrationCheckName } from './registration.js';

export const OPERATION_CERTIFICATE_FORMAT = 'copyright-ledger/operation-certificate@v1';

/** What an operation certificate states; `recordSha256` in its entry is SHA-256(JCS(record)). */
export interface OperationCertificateRecord {
  kind: OperationKind;
  id: string;
  /** The work's registered title (public in the registry). */
  title: string;
  /** The operation's terms; with `salt`, they hash to the entry's `termsSha256`. */
  terms: OperationTerms;
  /** Salt of termsSha256 (128-bit hex); private to the parties. */
  salt: string;
  /** When the operation was offered (its first entry). */
  offeredAt: string;
  /** When it took effect: the certified entry's receivedAt. */
  effectiveAt: string;
}

export interface OperationCertificate {
  format: typeof OPERATION_CERTIFICATE_FORMAT;
  operation: { kind: OperationKind; id: string; action: string; at: string; registration: string; number: string };
  record: OperationCertificateRecord;
  entry: { index: number; bytes: string };
  proof: { treeSize: number; hashes: string[] };
  checkpoint: string;
  logKey: string;
}

export function operationRecordSha256(record: OperationCertificateRecord, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(canonicalBytes(record)));
}

/** Assembles a certificate. MUST NOT check anything: the caller got the parts from its own store. */
export function buildOperationCertificate(p: LogProofInput & { entry: OperationEntry; record: OperationCertificateRecord }): OperationCertificate {
  return {
    format: OPERATION_CERTIFICATE_FORMAT,
    operation: { kind: p.entry.type, id: p.entry.id, action: p.entry.action, at: p.entry.receivedAt, registration: p.entry.registration, number: p.entry.number },
    record: p.record,
    ...logProofSection(p),
  };
}

/** The checks an operation certificate reports (a subset of the registration certificate's names). */
export type OperationCheckName = Extract<RegistrationCheckName, 'format' | 'logKey' | 'checkpointSignature' | 'treeSize' | 'inclusion' | 'entry' | 'record' | 'checkpoint'>;

/**
 * Verifies an operation certificate (any JSON value: attacker-controlled) against the pinned log
 * key. MUST report every check that could be run, by name; `valid` only when each is ok. MUST NOT
 * throw.
 */
export function verifyOperationCertificate(input: unknown, opts: VerifyOptions = {}): { valid: boolean; checks: RegistrationCheck[] } {
  const checks: RegistrationCheck[] = [];
  const run = checkRunner<OperationCheckName>(checks);
  const sha256 = opts.sha256 ?? portableSha256;
  let cert!: OperationCertificate;
  if (!run('format', () => ((cert = checkShape(input)), OPERATION_CERTIFICATE_FORMAT))) return { valid: false, checks };
  const { entryBytes } = checkLogProof(cert, run, { ...(opts.verifierKey !== undefined ? { verifierKey: opts.verifierKey } : {}), hasher: new TreeHasher(sha256) });

  let entry: (LogEntry & OperationEntry) | undefined;
  run('entry', () => {
    const e = decodeEntry(entryBytes ?? fromBase64(cert.entry.bytes)) as LogEntry & OperationEntry;
    const o = cert.operation;
    if (e.type !== o.kind) throw new LogError('bad_format', `entry type is ${e.type}, not ${o.kind}`);
    if (!CERTIFIED_ACTIONS[o.kind].includes(e.action)) throw new LogError('bad_format', `a ${o.kind} ${e.action} entry carries no certificate`);
    if (e.action !== o.action) throw new LogError('bad_format', 'entry action differs from operation.action');
    if (e.id !== o.id) throw new LogError('bad_format', 'entry id differs from operation.id');
    if (e.registration !== o.registration || e.number !== o.number) throw new LogError('bad_format', 'entry registration / number differ from the operation');
    if (e.receivedAt !== o.at) throw new LogError('bad_format', 'entry receivedAt differs from operation.at');
    entry = e;
    return `${o.kind} ${o.id} of ${o.number}, ${o.action} ${o.at}`;
  });

  run('record', () => {
    if (entry === undefined) throw new LogError('bad_format', 'no readable entry');
    const rec = cert.record;
    if (rec.kind !== entry.type || rec.id !== entry.id) throw new LogError('bad_format', 'record kind / id differ from the entry');
    if (rec.terms.kind !== rec.kind) throw new LogError('bad_format', 'record terms are of another kind');
    if (rec.terms.registration !== entry.registration || rec.terms.number !== entry.number) throw new LogError('bad_format', 'record terms name another registration');
    if (rec.effectiveAt !== entry.receivedAt) throw new LogError('bad_format', 'record effectiveAt differs from the entry receivedAt');
    if (termsSha256(rec.terms, rec.salt, sha256) !== entry.termsSha256) throw new LogError('bad_format', 'SHA-256 of JCS(terms ∪ salt) differs from the entry termsSha256');
    if (operationRecordSha256(rec, sha256) !== entry.recordSha256) throw new LogError('bad_format', 'SHA-256 of JCS(record) differs from the entry recordSha256');
    return 'termsSha256 and recordSha256 match';
  });
  return { valid: checks.every((c) => c.ok), checks };
}

const HEX64 = /^[0-9a-f]{64}$/;

function checkShape(v: unknown): OperationCertificate {
  const bad = (what: string): never => {
    throw new LogError('bad_format', what);
  };
  const obj = (x: unknown, what: string): Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : bad(`${what} is not an object`);
  const str = (x: unknown, what: string) => (typeof x === 'string' ? x : bad(`${what} is not a string`));
  const c = obj(v, 'certificate');
  if (c.format !== OPERATION_CERTIFICATE_FORMAT) bad(`format is not ${OPERATION_CERTIFICATE_FORMAT}`);
  const o = obj(c.operation, 'operation');
  if (typeof o.kind !== 'string' || !isOperationType(o.kind)) bad('operation.kind is not licence, transfer or pledge');
  if (!OPERATION_ID_RE.test(str(o.id, 'operation.id')) || operationKindOf(o.id as string) !== o.kind) bad('operation.id is not an id of that kind');
  str(o.action, 'operation.action');
  str(o.at, 'operation.at');
  str(o.registration, 'operation.registration');
  str(o.number, 'operation.number');
  const rec = obj(c.record, 'record');
  str(rec.kind, 'record.kind');
  str(rec.id, 'record.id');
  str(rec.salt, 'record.salt');
  str(rec.title, 'record.title');
  str(rec.offeredAt, 'record.offeredAt');
  str(rec.effectiveAt, 'record.effectiveAt');
  const terms = obj(rec.terms, 'record.terms');
  str(terms.kind, 'record.terms.kind');
  str(terms.registration, 'record.terms.registration');
  str(terms.number, 'record.terms.number');
  const entry = obj(c.entry, 'entry');
  if (!Number.isSafeInteger(entry.index) || (entry.index as number) < 0) bad('entry.index is not an index');
  str(entry.bytes, 'entry.bytes');
  const proof = obj(c.proof, 'proof');
  if (!Number.isSafeInteger(proof.treeSize) || (proof.treeSize as number) < 1) bad('proof.treeSize is not a tree size');
  if (!Array.isArray(proof.hashes) || proof.hashes.length > 64 || !proof.hashes.every((h) => typeof h === 'string' && HEX64.test(h))) bad('proof.hashes is not a list of 64-hex hashes');
  str(c.checkpoint, 'checkpoint');
  str(c.logKey, 'logKey');
  return c as unknown as OperationCertificate;
}
