/**
 * Evidence certificates (contract §5): build and verify. Verification is synchronous, does no
 * I/O and takes its trust (the pinned verifier key) as plain data, so the CLI, the HTTP verify
 * API and the browser verify page all run this one function.
 */
import { fromBase64, fromHex, toBase64, toHex } from './bytes.js';
import { openCheckpoint } from './checkpoint.js';
import { isLogError, LogError } from './errors.js';
import { decodeEntry, type LogEntry } from './entry.js';
import { portableSha256, type Sha256 } from './hash.js';
import { canonicalBytes } from './jcs.js';
import { TreeHasher, verifyInclusion } from './merkle.js';
import { parseVerifierKey } from './note.js';

export const CERTIFICATE_FORMAT = 'copyright-ledger/certificate@v1';

export interface Certificate {
  format: typeof CERTIFICATE_FORMAT;
  deposit: { id: string; receivedAt: string };
  work: { sha256: string; sm3?: string; size?: number; metadata: Record<string, unknown> };
  entry: { index: number; bytes: string };
  proof: { treeSize: number; hashes: string[] };
  checkpoint: string;
  logKey: string;
  timestamp?: { rfc3161: string; tsa: string };
}

export interface CertificateParts {
  depositId: string;
  receivedAt: string;
  work: Certificate['work'];
  index: bigint;
  entryBytes: Uint8Array;
  treeSize: bigint;
  proof: Uint8Array[];
  checkpoint: string;
  logKey: string;
}

/** Assembles a certificate. MUST NOT check anything: the caller got the parts from its own store. */
export function buildCertificate(p: CertificateParts): Certificate {
  const work: Certificate['work'] = {
    sha256: p.work.sha256,
    ...(p.work.sm3 !== undefined ? { sm3: p.work.sm3 } : {}),
    ...(p.work.size !== undefined ? { size: p.work.size } : {}),
    metadata: p.work.metadata,
  };
  return {
    format: CERTIFICATE_FORMAT,
    deposit: { id: p.depositId, receivedAt: p.receivedAt },
    work,
    entry: { index: Number(p.index), bytes: toBase64(p.entryBytes) },
    proof: { treeSize: Number(p.treeSize), hashes: p.proof.map(toHex) },
    checkpoint: p.checkpoint,
    logKey: p.logKey,
  };
}

export interface Check {
  name: CheckName;
  ok: boolean;
  detail: string;
}

export type CheckName =
  | 'format'
  | 'logKey'
  | 'checkpointSignature'
  | 'treeSize'
  | 'inclusion'
  | 'entry'
  | 'workHashes'
  | 'metadata'
  | 'file';

export interface VerifyOptions {
  /** The log's verifier key pinned out of band. Absent: the certificate's own `logKey` is used and the `logKey` check says so. */
  verifierKey?: string;
  /** Digests of the work's file, computed by the caller (lowercase hex). */
  file?: { sha256: string; sm3?: string; size?: number };
  sha256?: Sha256;
}

export interface VerifyResult {
  valid: boolean;
  checks: Check[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Verifies a certificate (any JSON value: it is attacker-controlled). MUST report every check
 * that could be run, by name; `valid` is true only when every reported check is ok. MUST NOT
 * throw.
 */
export function verifyCertificate(input: unknown, opts: VerifyOptions = {}): VerifyResult {
  const checks: Check[] = [];
  const pass = (name: CheckName, detail: string) => checks.push({ name, ok: true, detail });
  const fail = (name: CheckName, e: unknown) =>
    checks.push({ name, ok: false, detail: isLogError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e) });
  const run = (name: CheckName, fn: () => string): boolean => {
    try {
      pass(name, fn());
      return true;
    } catch (e) {
      fail(name, e);
      return false;
    }
  };
  const sha256 = opts.sha256 ?? portableSha256;
  const hasher = new TreeHasher(sha256);

  let cert!: Certificate;
  if (!run('format', () => ((cert = checkShape(input)), `${CERTIFICATE_FORMAT}`))) return { valid: false, checks };

  let keyText = cert.logKey;
  run('logKey', () => {
    parseVerifierKey(cert.logKey);
    if (opts.verifierKey === undefined) return 'not pinned: trusting the key the certificate carries; pin it with --key';
    keyText = opts.verifierKey.trim();
    parseVerifierKey(keyText);
    if (keyText !== cert.logKey) throw new LogError('bad_signature', 'the certificate names another log key than the pinned one');
    return 'matches the pinned key';
  });

  let root: Uint8Array | undefined;
  let size: bigint | undefined;
  run('checkpointSignature', () => {
    const { checkpoint } = openCheckpoint(cert.checkpoint, keyText);
    root = checkpoint.rootHash;
    size = checkpoint.treeSize;
    return `block ${checkpoint.height}, tree size ${checkpoint.treeSize}, time ${checkpoint.time}`;
  });

  run('treeSize', () => {
    if (size === undefined) throw new LogError('bad_format', 'no verified checkpoint to compare with');
    if (BigInt(cert.proof.treeSize) !== size) throw new LogError('invalid_proof', `proof is for tree size ${cert.proof.treeSize}, checkpoint has ${size}`);
    return `${size}`;
  });

  let entryBytes: Uint8Array | undefined;
  run('inclusion', () => {
    if (root === undefined || size === undefined) throw new LogError('bad_format', 'no verified checkpoint to prove against');
    entryBytes = fromBase64(cert.entry.bytes);
    const proof = cert.proof.hashes.map((h) => fromHex(h, 32));
    verifyInclusion(hasher, BigInt(cert.entry.index), BigInt(cert.proof.treeSize), hasher.hashLeaf(entryBytes), proof, root);
    return `entry ${cert.entry.index} is in the tree of size ${size}`;
  });

  let entry: LogEntry | undefined;
  run('entry', () => {
    entry = decodeEntry(entryBytes ?? fromBase64(cert.entry.bytes));
    if (entry.type !== 'deposit') throw new LogError('bad_format', `entry type is ${entry.type}, not deposit`);
    if (entry.id !== cert.deposit.id) throw new LogError('bad_format', 'entry id differs from deposit.id');
    if (entry.receivedAt !== cert.deposit.receivedAt) throw new LogError('bad_format', 'entry receivedAt differs from deposit.receivedAt');
    return `deposit ${cert.deposit.id} received ${cert.deposit.receivedAt}`;
  });

  run('workHashes', () => {
    if (entry === undefined) throw new LogError('bad_format', 'no readable entry');
    for (const f of ['sha256', 'sm3', 'size'] as const) {
      if (entry[f] !== cert.work[f]) throw new LogError('bad_format', `work.${f} differs from the entry's`);
    }
    return 'sha256' + (cert.work.sm3 !== undefined ? ', sm3' : '') + (cert.work.size !== undefined ? ', size' : '') + ' match the entry';
  });

  run('metadata', () => {
    if (entry === undefined) throw new LogError('bad_format', 'no readable entry');
    if (typeof cert.work.metadata.salt !== 'string') throw new LogError('bad_format', 'work.metadata has no salt');
    const got = toHex(sha256(canonicalBytes(cert.work.metadata)));
    if (got !== entry.metaSha256) throw new LogError('bad_format', 'SHA-256 of JCS(work.metadata) differs from the entry metaSha256');
    return 'metaSha256 matches';
  });

  if (opts.file !== undefined) {
    const file = opts.file;
    run('file', () => {
      if (file.sha256 !== cert.work.sha256) throw new LogError('bad_format', 'the file SHA-256 differs from work.sha256');
      if (file.sm3 !== undefined && cert.work.sm3 !== undefined && file.sm3 !== cert.work.sm3) throw new LogError('bad_format', 'the file SM3 differs from work.sm3');
      if (file.size !== undefined && cert.work.size !== undefined && file.size !== cert.work.size) throw new LogError('bad_format', 'the file size differs from work.size');
      return 'the file matches the work';
    });
  }
  return { valid: checks.every((c) => c.ok), checks };
}

function checkShape(v: unknown): Certificate {
  const bad = (what: string): never => {
    throw new LogError('bad_format', what);
  };
  const obj = (x: unknown, what: string): Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : bad(`${what} is not an object`);
  const c = obj(v, 'certificate');
  if (c.format !== CERTIFICATE_FORMAT) bad(`format is not ${CERTIFICATE_FORMAT}`);
  const dep = obj(c.deposit, 'deposit');
  if (typeof dep.id !== 'string' || typeof dep.receivedAt !== 'string') bad('deposit.id / deposit.receivedAt missing');
  const work = obj(c.work, 'work');
  if (typeof work.sha256 !== 'string' || !HEX64.test(work.sha256)) bad('work.sha256 is not 64 lowercase hex');
  if (work.sm3 !== undefined && (typeof work.sm3 !== 'string' || !HEX64.test(work.sm3))) bad('work.sm3 is not 64 lowercase hex');
  if (work.size !== undefined && !(Number.isSafeInteger(work.size) && (work.size as number) >= 0)) bad('work.size is not a size');
  obj(work.metadata, 'work.metadata');
  const entry = obj(c.entry, 'entry');
  if (!Number.isSafeInteger(entry.index) || (entry.index as number) < 0) bad('entry.index is not an index');
  if (typeof entry.bytes !== 'string') bad('entry.bytes missing');
  const proof = obj(c.proof, 'proof');
  if (!Number.isSafeInteger(proof.treeSize) || (proof.treeSize as number) < 1) bad('proof.treeSize is not a tree size');
  if (!Array.isArray(proof.hashes) || proof.hashes.length > 64 || !proof.hashes.every((h) => typeof h === 'string' && HEX64.test(h))) {
    bad('proof.hashes is not a list of 64-hex hashes');
  }
  if (typeof c.checkpoint !== 'string' || typeof c.logKey !== 'string') bad('checkpoint / logKey missing');
  return c as unknown as Certificate;
}
