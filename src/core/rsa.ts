/**
 * RSA signature verification (RFC 8017) with plain bigint arithmetic: synchronous, portable,
 * no WebCrypto. Only verification: there is no secret here, so constant time does not matter.
 */
import { concatBytes, equalBytes, toHex } from './bytes.js';
import { LogError } from './errors.js';

export type HashFn = (data: Uint8Array) => Uint8Array;

export interface RsaPublicKey {
  /** Modulus, big-endian, leading zero bytes allowed. */
  n: Uint8Array;
  /** Public exponent, big-endian. */
  e: Uint8Array;
}

/** Smallest modulus accepted, in bits. */
export const MIN_RSA_BITS = 2048;
/** Largest modulus accepted, in bits (bounds the work an attacker can ask for: one modPow at 4096 bits is cheap). */
export const MAX_RSA_BITS = 4096;
/** Public exponents are odd and 3 ≤ e < 2^32, as Go's crypto/rsa requires (65537 in practice). */
export const MAX_RSA_EXPONENT_BITS = 32;

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes));
}

function toBytes(n: bigint, length: number): Uint8Array {
  const hex = n.toString(16);
  if (hex.length > 2 * length) throw new LogError('bad_signature', 'RSA: integer too large');
  const out = new Uint8Array(length);
  const padded = hex.padStart(2 * length, '0');
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** base^exp mod m by square-and-multiply. Preconditions: m > 1, exp >= 0. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** Bit length of a big-endian unsigned integer, read from its bytes (no bigint made). */
function byteBitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/**
 * Checks an RSA public key against the bounds above from its bytes alone, before any arithmetic:
 * a modulus of MIN_RSA_BITS..MAX_RSA_BITS bits, an odd public exponent with 3 ≤ e < 2^32.
 * Throws LogError('bad_format') otherwise.
 */
export function checkRsaKeySize(key: RsaPublicKey): void {
  const modBits = byteBitLength(key.n);
  if (modBits < MIN_RSA_BITS || modBits > MAX_RSA_BITS) {
    throw new LogError('bad_format', `RSA: ${modBits}-bit modulus is not accepted (${MIN_RSA_BITS}..${MAX_RSA_BITS} bits)`);
  }
  const eBits = byteBitLength(key.e);
  const last = key.e.length === 0 ? 0 : key.e[key.e.length - 1]!;
  if (eBits > MAX_RSA_EXPONENT_BITS || (last & 1) === 0 || (eBits <= 2 && last < 3)) {
    throw new LogError('bad_format', 'RSA: the public exponent must be odd, at least 3 and below 2^32');
  }
}

/** RSAVP1 then I2OSP: the encoded message `k` bytes long. Throws LogError('bad_signature'/'bad_format'). */
function recover(key: RsaPublicKey, signature: Uint8Array): { em: Uint8Array; modBits: number } {
  checkRsaKeySize(key);
  const n = toBigInt(key.n);
  const e = toBigInt(key.e);
  const modBits = bitLength(n);
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) throw new LogError('bad_signature', 'RSA: signature length differs from the modulus length');
  const s = toBigInt(signature);
  if (s >= n) throw new LogError('bad_signature', 'RSA: signature representative out of range');
  return { em: toBytes(modPow(s, e, n), k), modBits };
}

/**
 * RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) of a message whose hash is `digest`.
 * `digestInfoPrefix` is the DER DigestInfo before the hash (see {@link DIGEST_INFO_PREFIX}).
 * Accepts the DigestInfo with and without the NULL parameters. MUST throw
 * LogError('bad_signature') when the signature does not verify.
 */
export function verifyPkcs1v15(key: RsaPublicKey, digest: Uint8Array, digestInfoPrefixes: readonly Uint8Array[], signature: Uint8Array): void {
  const { em } = recover(key, signature);
  for (const prefix of digestInfoPrefixes) {
    const t = concatBytes(prefix, digest);
    if (em.length < t.length + 11) continue;
    const ps = new Uint8Array(em.length - t.length - 3).fill(0xff);
    if (equalBytes(em, concatBytes(Uint8Array.of(0x00, 0x01), ps, Uint8Array.of(0x00), t))) return;
  }
  throw new LogError('bad_signature', 'RSA PKCS#1 v1.5 signature does not verify');
}

function mgf1(hash: HashFn, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  for (let counter = 0; done < length; counter++) {
    const c = Uint8Array.of((counter >>> 24) & 255, (counter >>> 16) & 255, (counter >>> 8) & 255, counter & 255);
    const block = hash(concatBytes(seed, c));
    out.set(block.subarray(0, Math.min(block.length, length - done)), done);
    done += block.length;
  }
  return out;
}

/**
 * RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with MGF1 over the same
 * hash. `mHash` is the message hash, `saltLength` the salt length the parameters name. MUST
 * throw LogError('bad_signature') when the signature does not verify.
 */
export function verifyPss(key: RsaPublicKey, mHash: Uint8Array, hash: HashFn, saltLength: number, signature: Uint8Array): void {
  const { em: full, modBits } = recover(key, signature);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const fail = (why: string): never => {
    throw new LogError('bad_signature', `RSA-PSS signature does not verify (${why})`);
  };
  // I2OSP(m, emLen): when emBits is a multiple of 8 the leading byte of the k-byte form is 0.
  if (full.length > emLen && full[0] !== 0) fail('leading byte');
  const em = full.subarray(full.length - emLen);
  const hLen = mHash.length;
  if (saltLength < 0 || emLen < hLen + saltLength + 2) fail('encoding too short');
  if (em[emLen - 1] !== 0xbc) fail('trailer');
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const zeroBits = 8 * emLen - emBits;
  const topMask = (0xff << (8 - zeroBits)) & 0xff;
  if ((maskedDb[0]! & topMask) !== 0) fail('top bits');
  const dbMask = mgf1(hash, h, maskedDb.length);
  const db = maskedDb.map((b, i) => b ^ dbMask[i]!);
  db[0] = db[0]! & (0xff >>> zeroBits);
  const psLen = emLen - hLen - saltLength - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) fail('padding');
  if (db[psLen] !== 0x01) fail('separator');
  const salt = db.subarray(db.length - saltLength);
  const hPrime = hash(concatBytes(new Uint8Array(8), mHash, salt));
  if (!equalBytes(h, hPrime)) fail('hash');
}
