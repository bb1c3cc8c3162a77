/**
 * Evidence certificates (contract §5): build and verify. Verification is synchronous, does no
 * I/O and takes its trust (the pinned verifier key) as plain data, so the CLI, the HTTP verify
 * API and the browser verify page all run this one function.
 */
import { fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.js';
import { openCheckpoint, parseCheckpointBody, type Checkpoint } from './checkpoint.js';
import { isLogError, LogError } from './errors.js';
import { decodeEntry, type LogEntry } from './entry.js';
import { portableSha256, type Sha256 } from './hash.js';
import { canonicalBytes } from './jcs.js';
import { TreeHasher, verifyInclusion } from './merkle.js';
import { parseVerifierKey } from './note.js';
import { MAX_TOKEN_BYTES, verifyTimestampToken } from './timestamp.js';

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

/** What every certificate kind carries to prove its entry is in the log. */
export interface LogProofInput {
  index: bigint;
  entryBytes: Uint8Array;
  treeSize: bigint;
  proof: Uint8Array[];
  checkpoint: string;
  logKey: string;
}

/** The `entry`, `proof`, `checkpoint` and `logKey` members, as every certificate kind spells them. */
export function logProofSection(p: LogProofInput): Pick<Certificate, 'entry' | 'proof' | 'checkpoint' | 'logKey'> {
  return {
    entry: { index: Number(p.index), bytes: toBase64(p.entryBytes) },
    proof: { treeSize: Number(p.treeSize), hashes: p.proof.map(toHex) },
    checkpoint: p.checkpoint,
    logKey: p.logKey,
  };
}

export interface CertificateParts extends LogProofInput {
  depositId: string;
  receivedAt: string;
  work: Certificate['work'];
  /** The RFC 3161 token over `checkpoint`'s body and its TSA label, when the block has one. */
  timestamp?: { token: Uint8Array; tsa: string };
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
    ...logProofSection(p),
    ...(p.timestamp !== undefined ? { timestamp: { rfc3161: toBase64(p.timestamp.token), tsa: p.timestamp.tsa } } : {}),
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
  | 'file'
  | 'timestamp'
  /** Added by the log's own service (POST /v1/verify): the checkpoint is this log's stored block at its height. */
  | 'checkpoint';

export interface VerifyOptions {
  /** The log's verifier key pinned out of band. Absent: the certificate's own `logKey` is used and the `logKey` check says so. */
  verifierKey?: string;
  /** Digests of the work's file, computed by the caller (lowercase hex). */
  file?: { sha256: string; sm3?: string; size?: number };
  sha256?: Sha256;
  /**
   * DER certificates of trusted TSAs, pinned out of band: a TSA's own certificate or a CA above
   * it. Absent or empty: the `timestamp` check trusts the certificate the token carries and says so.
   */
  tsaCertificates?: readonly Uint8Array[];
}

export interface VerifyResult {
  valid: boolean;
  checks: Check[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A runner of named checks into `checks`, shared by every certificate kind: `run(name, fn)`
 * records ok with the detail `fn` returns, or failed with the error's code and message, and
 * returns whether it passed. It never throws.
 */
export function checkRunner<N extends string>(checks: { push(check: { name: N; ok: boolean; detail: string }): number }): (name: N, fn: () => string) => boolean {
  return (name, fn) => {
    try {
      checks.push({ name, ok: true, detail: fn() });
      return true;
    } catch (e) {
      checks.push({ name, ok: false, detail: isLogError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e) });
      return false;
    }
  };
}

/**
 * Verifies a certificate (any JSON value: it is attacker-controlled). MUST report every check
 * that could be run, by name; `valid` is true only when every reported check is ok. MUST NOT
 * throw.
 */
export function verifyCertificate(input: unknown, opts: VerifyOptions = {}): VerifyResult {
  const checks: Check[] = [];
  const run = checkRunner<CheckName>(checks);
  const sha256 = opts.sha256 ?? portableSha256;
  const hasher = new TreeHasher(sha256);

  let cert!: Certificate;
  if (!run('format', () => ((cert = checkShape(input)), `${CERTIFICATE_FORMAT}`))) return { valid: false, checks };

  const { entryBytes, body } = checkLogProof(cert, run, { ...(opts.verifierKey !== undefined ? { verifierKey: opts.verifierKey } : {}), hasher });

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

  if (cert.timestamp !== undefined) {
    const ts = cert.timestamp;
    // Only after the checkpoint signature verified: otherwise the token is not read at all.
    run('timestamp', () => checkTimestamp(ts, body, { sha256, tsaCertificates: opts.tsaCertificates ?? [] }));
  }

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

/** Detail of the `timestamp` check when the checkpoint signature failed: the token is not even read. */
export const TIMESTAMP_NOT_CHECKED = 'not checked: the checkpoint signature did not verify';

/**
 * The `timestamp` check: `ts.rfc3161` is an RFC 3161 token whose messageImprint is SHA-256 of
 * the checkpoint body, whose signature and certificates verify (see verifyTimestampToken), and
 * whose TSA certificate is named by `ts.tsa`. `verifiedBody` is the body of the checkpoint
 * whose signature verified against the pinned (or carried) log key. When it is undefined the
 * token is not looked at (an unsigned checkpoint makes any token worthless, and reading an
 * attacker's token costs work): the check fails with bad_signature TIMESTAMP_NOT_CHECKED.
 * Returns the detail (TSA, genTime, block, trust); throws LogError on any failure.
 */
export function checkTimestamp(
  ts: { rfc3161: string; tsa: string },
  verifiedBody: string | undefined,
  opts: { sha256: Sha256; tsaCertificates: readonly Uint8Array[] },
): string {
  if (verifiedBody === undefined) throw new LogError('bad_signature', TIMESTAMP_NOT_CHECKED);
  // Longer than the base64 of MAX_TOKEN_BYTES: refused before decoding.
  if (ts.rfc3161.length > Math.ceil(MAX_TOKEN_BYTES / 3) * 4) throw new LogError('bad_format', `timestamp: token too large (more than ${MAX_TOKEN_BYTES} bytes)`);
  const token = fromBase64(ts.rfc3161);
  const body = verifiedBody;
  const v = verifyTimestampToken(token, opts.sha256(utf8(body)), { certificates: opts.tsaCertificates });
  if (ts.tsa !== v.label) throw new LogError('bad_format', `timestamp.tsa ${JSON.stringify(ts.tsa)} is not the name in the TSA certificate (${JSON.stringify(v.label)})`);
  const block = parseCheckpointBody(body);
  const trust = v.pinned ? 'chains to the pinned TSA certificate' : 'TSA certificate not pinned: trusting the one the token carries; pin it with --tsa-cert';
  const self = v.selfIssued ? '; SELF-ISSUED time (the TSA certifies itself; not independent evidence)' : '';
  return `${v.label}: genTime ${v.genTime} over block ${block.height} (block time ${block.time}); ${v.key}; ${trust}${self}`;
}

/** What every certificate kind carries to prove its entry is in the log. */
export interface LogProofParts {
  logKey: string;
  checkpoint: string;
  entry: { index: number; bytes: string };
  proof: { treeSize: number; hashes: string[] };
}

export type LogCheckName = 'logKey' | 'checkpointSignature' | 'treeSize' | 'inclusion';

/**
 * The log half of verifying any certificate kind (evidence or registration): runs the checks
 * `logKey`, `checkpointSignature`, `treeSize` and `inclusion` through `run`, which MUST record
 * each outcome and MUST NOT throw. `parts` MUST already have passed a shape check (safe
 * integers, 64-hex hashes). Returns the entry bytes whose inclusion was proved (undefined when
 * it was not) and the verified checkpoint with its body.
 */
export function checkLogProof(
  parts: LogProofParts,
  run: (name: LogCheckName, fn: () => string) => boolean,
  opts: { verifierKey?: string; hasher: TreeHasher },
): { entryBytes?: Uint8Array; checkpoint?: Checkpoint; body?: string } {
  const { hasher } = opts;
  let keyText = parts.logKey;
  run('logKey', () => {
    parseVerifierKey(parts.logKey);
    if (opts.verifierKey === undefined) return 'not pinned: trusting the key the certificate carries; pin it with --key';
    keyText = opts.verifierKey.trim();
    parseVerifierKey(keyText);
    if (keyText !== parts.logKey) throw new LogError('bad_signature', 'the certificate names another log key than the pinned one');
    return 'matches the pinned key';
  });

  let checkpoint: Checkpoint | undefined;
  let body: string | undefined;
  run('checkpointSignature', () => {
    const opened = openCheckpoint(parts.checkpoint, keyText);
    checkpoint = opened.checkpoint;
    body = opened.body;
    return `block ${checkpoint.height}, tree size ${checkpoint.treeSize}, time ${checkpoint.time}`;
  });

  run('treeSize', () => {
    if (checkpoint === undefined) throw new LogError('bad_format', 'no verified checkpoint to compare with');
    const size = checkpoint.treeSize;
    if (BigInt(parts.proof.treeSize) !== size) throw new LogError('invalid_proof', `proof is for tree size ${parts.proof.treeSize}, checkpoint has ${size}`);
    return `${size}`;
  });

  let entryBytes: Uint8Array | undefined;
  run('inclusion', () => {
    if (checkpoint === undefined) throw new LogError('bad_format', 'no verified checkpoint to prove against');
    const bytes = fromBase64(parts.entry.bytes);
    const proof = parts.proof.hashes.map((h) => fromHex(h, 32));
    verifyInclusion(hasher, BigInt(parts.entry.index), BigInt(parts.proof.treeSize), hasher.hashLeaf(bytes), proof, checkpoint.rootHash);
    entryBytes = bytes;
    return `entry ${parts.entry.index} is in the tree of size ${checkpoint.treeSize}`;
  });
  return {
    ...(entryBytes !== undefined ? { entryBytes } : {}),
    ...(checkpoint !== undefined && body !== undefined ? { checkpoint, body } : {}),
  };
}

const CERTIFICATE_FIELDS = new Set(['format', 'deposit', 'work', 'entry', 'proof', 'checkpoint', 'logKey', 'timestamp']);

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
  // No other fields: a renamed optional field (e.g. "timestamp") must not silently drop evidence.
  const unknown = Object.keys(c).filter((k) => !CERTIFICATE_FIELDS.has(k));
  if (unknown.length > 0) bad(`unknown field ${JSON.stringify(unknown[0])}`);
  if (c.timestamp !== undefined) {
    const ts = obj(c.timestamp, 'timestamp');
    if (typeof ts.rfc3161 !== 'string' || typeof ts.tsa !== 'string' || ts.tsa.length > 1024) bad('timestamp needs the strings rfc3161 and tsa');
    if (Object.keys(ts).length !== 2) bad('timestamp has fields other than rfc3161 and tsa');
  }
  return c as unknown as Certificate;
}
