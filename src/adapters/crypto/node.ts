/**
 * Server-side crypto on node:crypto: fast SHA-256, SM3, and the log's Ed25519 note signer whose
 * private key lives in a PKCS#8 PEM file.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hash as oneShotHash,
  randomBytes,
  sign as nodeSign,
  type Hash,
  type KeyObject,
} from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LogError } from '../../core/errors.js';
import type { Sha256 } from '../../core/hash.js';
import { formatVerifierKey, isValidKeyName, keyId, type NoteSigner } from '../../core/note.js';

/** Default key file name inside DATA_DIR. */
export const KEY_FILE_NAME = 'log-key.pem';

/** Plain Uint8Array view of a Buffer (vitest/equality and callers expect no Buffer subclass). */
function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const scratch = new Uint8Array(4096);

/** SHA-256 via node:crypto (OpenSSL). Returns a fresh 32-byte Uint8Array, as {@link Sha256} requires. */
export const nodeSha256: Sha256 = (...parts) => {
  // One-shot crypto.hash (Node >= 20.12) is about twice as fast as createHash for small inputs.
  if (parts.length === 1) return plain(oneShotHash('sha256', parts[0]!, 'buffer'));
  if (parts.length === 2 && parts[0]!.length + parts[1]!.length <= scratch.length) {
    // A leaf: 0x00 ‖ entry. Joining the parts in a reused buffer keeps the one-shot path.
    const n = parts[0]!.length;
    scratch.set(parts[0]!, 0);
    scratch.set(parts[1]!, n);
    return plain(oneShotHash('sha256', scratch.subarray(0, n + parts[1]!.length), 'buffer'));
  }
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return plain(h.digest());
};

const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
const SLAB = 8192;
let slab = new Uint8Array(0);
let slabOff = 0;

/**
 * The digests of {@link nodeSha256}, each a 32-byte view into a shared 8 KiB slab instead of a
 * Buffer of its own: node:crypto's hex output decoded here costs about half of its Buffer output
 * (a Buffer is a native allocation the garbage collector tracks). For hashes made by the million
 * and mostly dropped soon after (the log's leaf and node hashes); a hash kept long keeps its
 * slab (256 hashes) alive, so MUST NOT be used for hashes a cache keeps by the thousand.
 */
export const nodeTreeSha256: Sha256 = (...parts) => {
  let hex: string;
  if (parts.length === 1) hex = oneShotHash('sha256', parts[0]!, 'hex');
  else if (parts.length === 2 && parts[0]!.length + parts[1]!.length <= scratch.length) {
    const n = parts[0]!.length;
    scratch.set(parts[0]!, 0);
    scratch.set(parts[1]!, n);
    hex = oneShotHash('sha256', scratch.subarray(0, n + parts[1]!.length), 'hex');
  } else return nodeSha256(...parts);
  if (slabOff + 32 > slab.length) {
    slab = new Uint8Array(SLAB);
    slabOff = 0;
  }
  const at = slabOff;
  for (let i = 0; i < 32; i++) slab[at + i] = (HEX_VALUE[hex.charCodeAt(2 * i)]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)]!;
  slabOff = at + 32;
  return slab.subarray(at, at + 32);
};

/** Lowercase hex SHA-256 of a text's UTF-8 bytes, in one node:crypto call (no intermediate bytes). */
export function nodeTextSha256Hex(text: string): string {
  return oneShotHash('sha256', text, 'hex');
}

/** An incremental SM3 (GB/T 32905-2016) hash; feed it chunks, then `digest('hex')`. */
export function createSm3(): Hash {
  return createHash('sm3');
}

/** Lowercase hex SM3 of `data` (64 characters). */
export function sm3Hex(data: Uint8Array): string {
  return createSm3().update(data).digest('hex');
}

/** The log's signer, with what clients need to pin it. */
export interface LogSigner extends NoteSigner {
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** `<origin>+<key id>+<base64(0x01 ‖ publicKey)>` (CONTRACTS.md §2.2). */
  verifierKey: string;
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

function signerFromPem(pem: string, origin: string, source: string): LogSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new LogError('bad_format', `${source}: not a PEM private key`, { cause });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new LogError('bad_format', `${source}: expected an Ed25519 key, got ${privateKey.asymmetricKeyType}`);
  }
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = plain(Buffer.from(jwk.x ?? '', 'base64url'));
  if (publicKey.length !== 32) throw new LogError('bad_format', `${source}: bad Ed25519 public key`);
  const id = keyId(origin, publicKey);
  return {
    name: origin,
    keyId: id,
    publicKey,
    verifierKey: formatVerifierKey(origin, publicKey),
    sign: (message) => plain(nodeSign(null, message, privateKey)),
  };
}

/** Writes `data` to a new file at `path` with mode 0600, atomically, never replacing a file. */
export async function writeNewFileAtomically(path: string, data: string): Promise<'created' | 'exists'> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await fh.chmod(0o600); // in case the umask was unusual
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    try {
      // link() fails with EEXIST instead of replacing: two processes starting at once keep one key.
      await link(tmp, path);
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return 'exists';
      if (!isErrno(e, 'EPERM') && !isErrno(e, 'ENOTSUP') && !isErrno(e, 'EOPNOTSUPP') && !isErrno(e, 'ENOSYS')) {
        throw e;
      }
      // No hard links on this file system: fall back to rename after a best-effort check.
      try {
        await readFile(path);
        return 'exists';
      } catch (e2) {
        if (!isErrno(e2, 'ENOENT')) throw e2;
      }
      await rename(tmp, path);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  // Make the new directory entry durable.
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the key file itself is already synced.
  }
  return 'created';
}

/**
 * Loads the log's Ed25519 signing key, creating it on first start.
 *
 * - With `keyFile`: reads that PKCS#8 PEM file; it MUST exist and hold an Ed25519 key. It is
 *   never created or modified.
 * - Otherwise: reads `<dataDir>/log-key.pem`; if absent, creates `dataDir` (mode 0700 if new)
 *   and the key file with mode 0600, written to a temporary file, synced, then linked into
 *   place. An existing key file MUST NOT be overwritten: if another process creates it first,
 *   that key is used.
 *
 * `origin` MUST be a valid key name (LogError('bad_format') otherwise); it becomes the signer's
 * name. A missing or unreadable `keyFile` throws LogError('internal'); a file that is not an
 * Ed25519 PEM private key throws LogError('bad_format'). Signing uses node:crypto and returns
 * 64-byte RFC 8032 signatures.
 */
export async function loadOrCreateSigner(opts: { origin: string; dataDir: string; keyFile?: string }): Promise<LogSigner> {
  if (!isValidKeyName(opts.origin)) throw new LogError('bad_format', 'log origin is not a valid key name');
  if (opts.keyFile !== undefined) {
    let pem: string;
    try {
      pem = await readFile(opts.keyFile, 'utf8');
    } catch (cause) {
      throw new LogError('internal', `cannot read log key file ${opts.keyFile}`, { cause });
    }
    return signerFromPem(pem, opts.origin, opts.keyFile);
  }
  const path = join(opts.dataDir, KEY_FILE_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    let existing: string | undefined;
    try {
      existing = await readFile(path, 'utf8');
    } catch (cause) {
      if (!isErrno(cause, 'ENOENT')) throw new LogError('internal', `cannot read log key file ${path}`, { cause });
    }
    if (existing !== undefined) return signerFromPem(existing, opts.origin, path);
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    let outcome: 'created' | 'exists';
    try {
      await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
      outcome = await writeNewFileAtomically(path, pem);
    } catch (cause) {
      throw new LogError('internal', `cannot create log key file ${path}`, { cause });
    }
    if (outcome === 'created') return signerFromPem(pem, opts.origin, path);
    // Lost a race with another process: loop once to read its key.
  }
  throw new LogError('internal', `cannot create log key file ${path}`);
}

/** The contract's default LOG_ORIGIN (CONTRACTS.md §2.2). */
export const DEFAULT_ORIGIN = 'localhost/copyright-ledger';

/**
 * The verifier key of an existing log key, for offline tools (audit). Reads `keyFile` if given,
 * else `<dataDir>/log-key.pem`; MUST NOT create or modify any file. Resolves `undefined` if the
 * key file does not exist. The PEM does not record the origin, so callers MUST pass the log's
 * origin (LOG_ORIGIN) unless it is the default. Errors as in {@link loadOrCreateSigner}.
 */
export async function readVerifierKey(
  dataDir: string,
  opts: { origin?: string; keyFile?: string } = {},
): Promise<string | undefined> {
  const origin = opts.origin ?? DEFAULT_ORIGIN;
  if (!isValidKeyName(origin)) throw new LogError('bad_format', 'log origin is not a valid key name');
  const path = opts.keyFile ?? join(dataDir, KEY_FILE_NAME);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (cause) {
    if (isErrno(cause, 'ENOENT')) return undefined;
    throw new LogError('internal', `cannot read log key file ${path}`, { cause });
  }
  return signerFromPem(pem, origin, path).verifierKey;
}

/** Default name, inside DATA_DIR, of the key the log signed with before a rotation. */
export const PREVIOUS_KEY_FILE_NAME = 'log-key.previous.pem';

/**
 * The signer of the log's previous key (key rotation, docs/OPERATIONS.md): reads `keyFile` if
 * given (it MUST exist), else `<dataDir>/log-key.previous.pem`, resolving undefined when that file
 * does not exist. MUST NOT create or modify any file. Errors as in {@link loadOrCreateSigner}.
 */
export async function readPreviousSigner(opts: { origin: string; dataDir: string; keyFile?: string | undefined }): Promise<LogSigner | undefined> {
  const path = opts.keyFile ?? join(opts.dataDir, PREVIOUS_KEY_FILE_NAME);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (cause) {
    if (opts.keyFile === undefined && isErrno(cause, 'ENOENT')) return undefined;
    throw new LogError('internal', `cannot read previous log key file ${path}`, { cause });
  }
  return signerFromPem(pem, opts.origin, path);
}
