/**
 * An INDEPENDENT verifier for the copyright-ledger contract (CONTRACTS.md), written from the
 * RFCs and C2SP specs. It shares no code with src/: only node built-ins are imported.
 *
 * - RFC 9162 §2.1.1 Merkle tree hash, §2.1.3 inclusion paths (generate §2.1.3.1, verify
 *   §2.1.3.2), §2.1.4 consistency proofs (generate §2.1.4.1, verify §2.1.4.2).
 * - C2SP signed-note (Ed25519, type 0x01) and tlog-checkpoint, with the contract's three
 *   extension lines `block`, `time`, `prev`.
 * - RFC 8785 JSON Canonicalization Scheme (own small canonicalizer).
 * - Contract §5 evidence-certificate checks.
 *
 * Every parser here is strict: anything not exactly in the documented form throws VerifyError.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

function fail(message: string): never {
  throw new VerifyError(message);
}

// ---------------------------------------------------------------------------------------------
// Bytes and encodings
// ---------------------------------------------------------------------------------------------

export function sha256(...parts: (Uint8Array | string)[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return h.digest();
}

export function sm3(data: Uint8Array): Buffer {
  return createHash('sm3').update(data).digest();
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const LOWER_HEX64 = /^[0-9a-f]{64}$/;

/** 32 bytes from exactly 64 lowercase hex characters (contract §1). */
export function fromHex32(s: unknown): Buffer {
  if (typeof s !== 'string' || !LOWER_HEX64.test(s)) fail(`not 64 lowercase hex characters: ${JSON.stringify(s)}`);
  return Buffer.from(s, 'hex');
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, canonical (the unused bits of the last character are zero). */
export function fromBase64Strict(s: unknown, expectedLength?: number): Buffer {
  if (typeof s !== 'string' || !B64_RE.test(s)) fail('not standard padded base64');
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64') !== s) fail('non-canonical base64');
  if (expectedLength !== undefined && b.length !== expectedLength) fail(`expected ${expectedLength} bytes, got ${b.length}`);
  return b;
}

export const toBase64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** RFC 3339 UTC with exactly three fractional digits, naming a real instant (contract §1). */
export function isContractTime(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(s)) return false;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && new Date(ms).toISOString() === s;
}

// ---------------------------------------------------------------------------------------------
// RFC 8785 JCS
// ---------------------------------------------------------------------------------------------

/**
 * Canonical JSON (RFC 8785): object members sorted by UTF-16 code units of their names, no
 * whitespace, numbers by ECMAScript Number::toString, strings as JSON.stringify escapes them.
 */
export function jcs(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) fail('JCS: non-finite number');
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) fail('JCS: lone surrogate');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      fail(`JCS: cannot serialize ${typeof value}`);
  }
  if (Array.isArray(value)) return '[' + value.map((v: unknown) => jcs(v)).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort((a, b) => {
    // UTF-16 code unit order, written out rather than relying on `<`.
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const d = a.charCodeAt(i) - b.charCodeAt(i);
      if (d !== 0) return d;
    }
    return a.length - b.length;
  });
  return '{' + keys.map((k) => jcs(k) + ':' + jcs(obj[k])).join(',') + '}';
}

export const jcsBytes = (value: unknown): Buffer => Buffer.from(jcs(value), 'utf8');

// ---------------------------------------------------------------------------------------------
// RFC 9162 §2.1 Merkle tree
// ---------------------------------------------------------------------------------------------

export const EMPTY_ROOT: Buffer = sha256();
export const leafHash = (entry: Uint8Array): Buffer => sha256(Uint8Array.of(0x00), entry);
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(Uint8Array.of(0x01), left, right);

/** The largest power of two smaller than n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over already hashed leaves (RFC 9162 §2.1.1). */
export function mth(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return Buffer.from(leaves[0]!);
  const k = splitPoint(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1, over leaf hashes. */
export function rfcInclusionPath(m: number, leaves: readonly Uint8Array[]): Buffer[] {
  const n = leaves.length;
  if (m < 0 || m >= n) fail('PATH: index out of range');
  if (n === 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...rfcInclusionPath(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...rfcInclusionPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1, over leaf hashes (0 < m <= n). */
export function rfcConsistencyProof(m: number, leaves: readonly Uint8Array[]): Buffer[] {
  const sub = (m: number, d: readonly Uint8Array[], b: boolean): Buffer[] => {
    const n = d.length;
    if (m === n) return b ? [] : [mth(d)];
    const k = splitPoint(n);
    if (m <= k) return [...sub(m, d.slice(0, k), b), mth(d.slice(k))];
    return [...sub(m - k, d.slice(k), false), mth(d.slice(0, k))];
  };
  if (m <= 0 || m > leaves.length) fail('PROOF: size out of range');
  return sub(m, leaves, true);
}

const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** RFC 9162 §2.1.3.2. Returns true iff the proof verifies. */
export function verifyInclusion(leafIndex: bigint, treeSize: bigint, hash: Uint8Array, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (leafIndex < 0n || leafIndex >= treeSize) return false; // step 1
  let fn = leafIndex; // step 2
  let sn = treeSize - 1n;
  let r: Uint8Array = hash; // step 3
  for (const p of path) {
    // step 4
    if (sn === 0n) return false; // a
    if ((fn & 1n) === 1n || fn === sn) {
      // b
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n; // c
    sn >>= 1n;
  }
  return sn === 0n && eq(r, root); // step 5
}

/**
 * RFC 9162 §2.1.4.2, plus the cases the RFC leaves to the caller: first == second (empty proof,
 * equal roots) and first == 0 (empty proof; any tree extends the empty tree).
 */
export function verifyConsistency(first: bigint, second: bigint, firstHash: Uint8Array, secondHash: Uint8Array, path: readonly Uint8Array[]): boolean {
  if (first < 0n || second < first) return false;
  if (first === second) return path.length === 0 && eq(firstHash, secondHash);
  if (first === 0n) return path.length === 0 && eq(firstHash, EMPTY_ROOT);
  if (path.length === 0) return false; // step 1
  const p: Uint8Array[] = [...path];
  if ((first & (first - 1n)) === 0n) p.unshift(firstHash); // step 2
  let fn = first - 1n; // step 3
  let sn = second - 1n;
  while ((fn & 1n) === 1n) {
    // step 4
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr: Uint8Array = p[0]!; // step 5
  let sr: Uint8Array = p[0]!;
  for (const c of p.slice(1)) {
    // step 6
    if (sn === 0n) return false; // a
    if ((fn & 1n) === 1n || fn === sn) {
      // b
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n; // c
    sn >>= 1n;
  }
  return eq(fr, firstHash) && eq(sr, secondHash) && sn === 0n; // step 7
}

// ---------------------------------------------------------------------------------------------
// C2SP signed notes (Ed25519) and checkpoints
// ---------------------------------------------------------------------------------------------

export interface VerifierKey {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
  key: KeyObject;
  line: string;
}

/** The key name rule of C2SP signed-note: non-empty, no Unicode space, no '+'. */
export function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0085\u00a0]/u.test(name) && !/[\u0000-\u001f]/.test(name);
}

/** key id = first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). */
export function computeKeyId(name: string, publicKey: Uint8Array): Buffer {
  return sha256(name, Uint8Array.of(0x0a, 0x01), publicKey).subarray(0, 4);
}

/** `<name>+<8 lowercase hex key id>+<base64(0x01 ‖ 32-byte Ed25519 key)>`, nothing around it. */
export function parseVerifierKey(line: string): VerifierKey {
  const m = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(line);
  if (!m) fail('verifier key: not <name>+<hex id>+<base64>');
  const name = m[1]!;
  if (!isKeyName(name)) fail('verifier key: bad name');
  const raw = fromBase64Strict(m[3]!, 33);
  if (raw[0] !== 0x01) fail('verifier key: not an Ed25519 (0x01) key');
  const publicKey = raw.subarray(1);
  const keyId = computeKeyId(name, publicKey);
  if (keyId.toString('hex') !== m[2]) fail('verifier key: key id does not match name and key');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') }, format: 'jwk' });
  return { name, keyId, publicKey, key, line };
}

/**
 * Opens a signed note under one trusted key. The body is everything up to the blank line plus
 * one "\n"; then one or more signature lines `— <name> <base64(key id ‖ sig)>\n`. Lines by other
 * keys are ignored; at least one line by this key must exist and every such line must verify
 * (Ed25519 over the body bytes, final newline included). Returns the body.
 */
export function openNote(note: string, vk: VerifierKey): string {
  if (typeof note !== 'string') fail('note: not a string');
  const split = note.indexOf('\n\n');
  if (split <= 0) fail('note: no blank line');
  const body = note.slice(0, split + 1);
  const sigText = note.slice(split + 2);
  if (sigText === '' || !sigText.endsWith('\n')) fail('note: signatures must end with a newline');
  let verified = 0;
  for (const line of sigText.slice(0, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) fail(`note: bad signature line ${JSON.stringify(line)}`);
    const sig = fromBase64Strict(m[2]!);
    if (sig.length < 5) fail('note: signature too short');
    if (m[1] !== vk.name || !eq(sig.subarray(0, 4), vk.keyId)) continue;
    if (sig.length !== 68) fail('note: Ed25519 signature must be 64 bytes');
    if (!cryptoVerify(null, Buffer.from(body, 'utf8'), vk.key, sig.subarray(4))) fail('note: signature does not verify');
    verified++;
  }
  if (verified === 0) fail('note: no signature by the trusted key');
  return body;
}

export interface CheckpointBody {
  origin: string;
  treeSize: bigint;
  rootHash: Buffer;
  height: bigint;
  time: string;
  prevHash: Buffer;
}

const DEC = /^(?:0|[1-9][0-9]*)$/;

/** The contract §2.2 body: exactly six "\n"-terminated lines. */
export function parseCheckpointBody(body: string): CheckpointBody {
  if (!body.endsWith('\n')) fail('checkpoint: body must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length !== 6) fail(`checkpoint: expected 6 lines, got ${lines.length}`);
  const [origin, size, root, block, time, prev] = lines as [string, string, string, string, string, string];
  if (!isKeyName(origin)) fail('checkpoint: bad origin');
  if (!DEC.test(size)) fail('checkpoint: tree size not decimal');
  const bm = /^block (0|[1-9][0-9]*)$/.exec(block);
  if (!bm) fail('checkpoint: bad block line');
  const tm = /^time (.*)$/.exec(time);
  if (!tm || !isContractTime(tm[1])) fail('checkpoint: bad time line');
  const pm = /^prev (.*)$/.exec(prev);
  if (!pm) fail('checkpoint: bad prev line');
  return {
    origin,
    treeSize: BigInt(size),
    rootHash: fromBase64Strict(root, 32),
    height: BigInt(bm[1]!),
    time: tm[1]!,
    prevHash: fromBase64Strict(pm[1], 32),
  };
}

/** Opens a block's note and parses its body; the body's origin must be the key's name. */
export function openCheckpoint(note: string, vk: VerifierKey): { body: string; cp: CheckpointBody } {
  const body = openNote(note, vk);
  const cp = parseCheckpointBody(body);
  if (cp.origin !== vk.name) fail('checkpoint: origin differs from the key name');
  return { body, cp };
}

/** `prev` of the next block: SHA-256 of this block's body. */
export const blockBodyHash = (body: string): Buffer => sha256(body);

// ---------------------------------------------------------------------------------------------
// Contract §2.1 deposit entries and §5 certificates
// ---------------------------------------------------------------------------------------------

export const DEPOSIT_ENTRY_KEYS = ['v', 'type', 'id', 'account', 'sha256', 'sm3', 'size', 'metaSha256', 'receivedAt'] as const;
const REQUIRED_ENTRY_KEYS = ['v', 'type', 'id', 'account', 'sha256', 'metaSha256', 'receivedAt'];

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isSize = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Parses deposit entry bytes: must be exactly JCS of an object with the §2.1 key set. */
export function parseDepositEntry(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length > 65_535) fail('entry: over 65,535 bytes');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail('entry: not UTF-8');
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    fail('entry: not JSON');
  }
  if (!isObj(v)) fail('entry: not an object');
  if (jcs(v) !== text) fail('entry: not the JCS form');
  const keys = Object.keys(v);
  for (const k of keys) if (!(DEPOSIT_ENTRY_KEYS as readonly string[]).includes(k)) fail(`entry: unexpected key ${k}`);
  for (const k of REQUIRED_ENTRY_KEYS) if (!keys.includes(k)) fail(`entry: missing key ${k}`);
  if (v.v !== 1) fail('entry: v is not 1');
  if (v.type !== 'deposit') fail('entry: type is not deposit');
  if (typeof v.id !== 'string' || typeof v.account !== 'string') fail('entry: id/account not strings');
  fromHex32(v.sha256);
  fromHex32(v.metaSha256);
  if (v.sm3 !== undefined) fromHex32(v.sm3);
  if (v.size !== undefined && !isSize(v.size)) fail('entry: bad size');
  if (!isContractTime(v.receivedAt)) fail('entry: bad receivedAt');
  return v;
}

export interface CertificateResult {
  valid: boolean;
  failures: string[];
  checkpoint?: CheckpointBody;
  checkpointBody?: string;
}

const CERT_KEYS = ['format', 'deposit', 'work', 'entry', 'proof', 'checkpoint', 'logKey', 'timestamp'];

/**
 * Verifies an evidence certificate (contract §5) against the pinned verifier key line and,
 * optionally, the work's file. Never throws; every failed check is reported by name.
 */
export function verifyCertificate(cert: unknown, pinnedKey: string, file?: Uint8Array): CertificateResult {
  const failures: string[] = [];
  const check = (name: string, fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };
  const result = (extra: Partial<CertificateResult> = {}): CertificateResult => ({ valid: failures.length === 0, failures, ...extra });

  let c!: Record<string, unknown>;
  let work!: Record<string, unknown>;
  let dep!: Record<string, unknown>;
  let entryRef!: Record<string, unknown>;
  let proof!: Record<string, unknown>;
  const shapeOk = check('shape', () => {
    if (!isObj(cert)) fail('certificate is not an object');
    c = cert;
    for (const k of Object.keys(c)) if (!CERT_KEYS.includes(k)) fail(`unexpected key ${k}`);
    if (c.format !== 'copyright-ledger/certificate@v1') fail('bad format');
    if (!isObj(c.deposit) || !isObj(c.work) || !isObj(c.entry) || !isObj(c.proof)) fail('missing object');
    dep = c.deposit;
    work = c.work;
    entryRef = c.entry;
    proof = c.proof;
    if (typeof dep.id !== 'string' || !isContractTime(dep.receivedAt)) fail('deposit.id/receivedAt');
    fromHex32(work.sha256);
    if (work.sm3 !== undefined) fromHex32(work.sm3);
    if (work.size !== undefined && !isSize(work.size)) fail('work.size');
    if (!isObj(work.metadata)) fail('work.metadata is not an object');
    if (!isSize(entryRef.index)) fail('entry.index');
    if (typeof entryRef.bytes !== 'string') fail('entry.bytes');
    if (!isSize(proof.treeSize) || !Array.isArray(proof.hashes)) fail('proof');
    if (typeof c.checkpoint !== 'string' || typeof c.logKey !== 'string') fail('checkpoint/logKey');
  });
  if (!shapeOk) return result();

  let vk!: VerifierKey;
  if (!check('pinnedKey', () => (vk = parseVerifierKey(pinnedKey.trim())))) return result();
  check('logKey', () => {
    if (c.logKey !== vk.line) fail('certificate logKey differs from the pinned key');
  });

  let cp: CheckpointBody | undefined;
  let body: string | undefined;
  check('checkpointSignature', () => {
    const o = openCheckpoint(c.checkpoint as string, vk);
    cp = o.cp;
    body = o.body;
  });
  check('treeSize', () => {
    if (cp === undefined) fail('no verified checkpoint');
    if (BigInt(proof.treeSize as number) !== cp.treeSize) fail(`proof.treeSize ${String(proof.treeSize)} != checkpoint ${cp.treeSize}`);
  });

  let bytes: Buffer | undefined;
  check('inclusion', () => {
    if (cp === undefined) fail('no verified checkpoint');
    bytes = fromBase64Strict(entryRef.bytes);
    const path = (proof.hashes as unknown[]).map((h) => fromHex32(h));
    const ok = verifyInclusion(BigInt(entryRef.index as number), cp.treeSize, leafHash(bytes), path, cp.rootHash);
    if (!ok) fail('inclusion proof does not verify');
  });

  let entry: Record<string, unknown> | undefined;
  check('entry', () => {
    if (bytes === undefined) fail('no entry bytes');
    entry = parseDepositEntry(bytes);
    if (entry.id !== dep.id) fail('entry id != deposit.id');
    if (entry.receivedAt !== dep.receivedAt) fail('entry receivedAt != deposit.receivedAt');
  });
  check('workHashes', () => {
    if (entry === undefined) fail('no entry');
    for (const f of ['sha256', 'sm3', 'size']) if (entry[f] !== work[f]) fail(`work.${f} != entry.${f}`);
  });
  check('metadata', () => {
    if (entry === undefined) fail('no entry');
    const md = work.metadata as Record<string, unknown>;
    if (typeof md.salt !== 'string' || !/^[0-9a-f]{32}$/.test(md.salt)) fail('metadata.salt is not 128-bit hex');
    if (hex(sha256(jcsBytes(md))) !== entry.metaSha256) fail('SHA-256(JCS(metadata)) != metaSha256');
  });
  if (file !== undefined) {
    check('file', () => {
      if (hex(sha256(file)) !== work.sha256) fail('file SHA-256 != work.sha256');
      if (work.sm3 !== undefined && hex(sm3(file)) !== work.sm3) fail('file SM3 != work.sm3');
      if (work.size !== undefined && file.length !== work.size) fail('file size != work.size');
    });
  }
  if (c.timestamp !== undefined) {
    check('timestamp', () => {
      // The token's messageImprint holds SHA-256(checkpoint body) as a raw OCTET STRING; a full
      // CMS signature check is beyond this verifier, so at least the imprint must be present.
      const t = c.timestamp;
      if (!isObj(t) || typeof t.tsa !== 'string') fail('timestamp shape');
      const der = fromBase64Strict(t.rfc3161);
      if (body === undefined) fail('no verified checkpoint body');
      const imprint = Buffer.concat([Buffer.from([0x04, 0x20]), sha256(body)]);
      if (der.indexOf(imprint) < 0) fail('token message imprint is not SHA-256(checkpoint body)');
    });
  }
  return result({ ...(cp ? { checkpoint: cp } : {}), ...(body !== undefined ? { checkpointBody: body } : {}) });
}
