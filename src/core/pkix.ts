/**
 * X.509 certificates and signatures, synchronously and without WebCrypto, for the RFC 3161
 * timestamp verifier: parse a certificate (@peculiar/asn1-x509), read its public key, verify a
 * signature made with it (RSA PKCS#1 v1.5 and PSS by bigint arithmetic, ECDSA P-256/P-384/P-521
 * and Ed25519 by @noble/curves), and check one certificate was signed by another.
 *
 * Everything parsed here is attacker-controlled: malformed input throws LogError('bad_format'),
 * a signature that does not verify throws LogError('bad_signature'). No I/O, no clock.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { ECParameters, id_ecPublicKey } from '@peculiar/asn1-ecc';
import { RSAPublicKey, RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  Name,
  SubjectKeyIdentifier,
  type SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { equalBytes, fromBase64, toBase64 } from './bytes.js';
import { checkStructure, children, readWhole } from './der.js';
import { LogError } from './errors.js';
import { verifyPkcs1v15, verifyPss, type HashFn } from './rsa.js';

export const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecPublicKey: id_ecPublicKey,
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

export interface HashAlg {
  name: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
  oid: string;
  fn: HashFn;
  /** DER DigestInfo prefixes (with NULL parameters, then without) for PKCS#1 v1.5. */
  digestInfo: Uint8Array[];
}

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

const HASHES: Record<string, HashAlg> = {
  [OID.sha256]: {
    name: 'SHA-256',
    oid: OID.sha256,
    fn: (d) => sha256(d),
    digestInfo: [hex('3031300d060960864801650304020105000420'), hex('302f300b0609608648016503040201' + '0420')],
  },
  [OID.sha384]: {
    name: 'SHA-384',
    oid: OID.sha384,
    fn: (d) => sha384(d),
    digestInfo: [hex('3041300d060960864801650304020205000430'), hex('303f300b0609608648016503040202' + '0430')],
  },
  [OID.sha512]: {
    name: 'SHA-512',
    oid: OID.sha512,
    fn: (d) => sha512(d),
    digestInfo: [hex('3051300d060960864801650304020305000440'), hex('304f300b0609608648016503040203' + '0440')],
  },
};

const SHA1: HashAlg = { name: 'SHA-1', oid: OID.sha1, fn: (d) => sha1(d), digestInfo: [] };

/**
 * The hash named by an AlgorithmIdentifier: SHA-256, SHA-384 or SHA-512, parameters absent or
 * NULL. SHA-1 only with `allowSha1` (ESS certificate ids name certificates with it; nothing is
 * signed with it). Anything else throws LogError('bad_format').
 */
export function hashAlgorithm(alg: AlgorithmIdentifier, allowSha1 = false): HashAlg {
  checkNullParams(alg);
  const h = HASHES[alg.algorithm] ?? (allowSha1 && alg.algorithm === OID.sha1 ? SHA1 : undefined);
  if (h === undefined) throw new LogError('bad_format', `unsupported hash algorithm ${alg.algorithm}`);
  return h;
}

export function hashByOid(oid: string): HashAlg | undefined {
  return HASHES[oid];
}

function checkNullParams(alg: AlgorithmIdentifier): void {
  const p = alg.parameters;
  if (p === undefined || p === null) return;
  const b = new Uint8Array(p);
  if (!(b.length === 2 && b[0] === 0x05 && b[1] === 0x00)) throw new LogError('bad_format', `algorithm ${alg.algorithm} has unexpected parameters`);
}

function checkNoParams(alg: AlgorithmIdentifier): void {
  if (alg.parameters !== undefined && alg.parameters !== null) throw new LogError('bad_format', `algorithm ${alg.algorithm} must have no parameters`);
}

/** Parses `der` as `type`, refusing trailing bytes. Any failure is LogError('bad_format'). */
export function parseDer<T>(der: Uint8Array, type: new () => T, what: string): T {
  try {
    readWhole(der);
    return AsnConvert.parse(der, type);
  } catch (cause) {
    if (cause instanceof LogError) throw new LogError('bad_format', `${what}: ${cause.message}`, { cause });
    throw new LogError('bad_format', `${what} is not valid DER`, { cause });
  }
}

export function serialize(value: unknown): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

const view = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);

/** A parsed certificate with what the verifier reads from it. */
export interface ParsedCertificate {
  der: Uint8Array;
  asn: Certificate;
  /** The exact TBSCertificate bytes the issuer signed. */
  tbs: Uint8Array;
  subject: string;
  issuer: string;
  /** Exact DER of the subject and issuer Names (as signed). */
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  serial: Uint8Array;
  /** Exact DER of the serialNumber INTEGER. */
  serialDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: SubjectPublicKeyInfo;
  subjectKeyId: Uint8Array | undefined;
  /** The authorityKeyIdentifier's keyIdentifier: the subjectKeyId of the issuer's certificate, when named. */
  authorityKeyId: Uint8Array | undefined;
  /** Extended key usages, or undefined when the extension is absent. */
  extKeyUsage: { purposes: string[]; critical: boolean } | undefined;
  /** basicConstraints cA (false when the extension is absent). */
  isCa: boolean;
  /** keyUsage bits (KeyUsageFlags), or undefined when absent. */
  keyUsage: number | undefined;
}

const NAME_KEYS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** A distinguished name as `CN=…, O=…, C=…` (RFC 4514 order reversed for reading; values not escaped). */
export function formatName(name: Name): string {
  const parts: string[] = [];
  for (const rdn of name) {
    for (const atv of rdn) {
      let value: string;
      try {
        value = atv.value.toString();
      } catch {
        value = '#?';
      }
      parts.push(`${NAME_KEYS[atv.type] ?? atv.type}=${value}`);
    }
  }
  return parts.reverse().join(', ');
}

/** Largest X.509 certificate read (a TSA or CA certificate with a 4096-bit RSA key is under 2 KiB). */
export const MAX_X509_BYTES = 16 * 1024;

/**
 * Parses a DER X.509 certificate. MUST throw LogError('bad_format') when it is over MAX_X509_BYTES, on malformed input,
 * trailing bytes, a version other than v3 with extensions, or a malformed extension we read.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  if (der.length > MAX_X509_BYTES) throw new LogError('bad_format', `certificate: ${der.length} bytes, more than ${MAX_X509_BYTES}`);
  const asn = parseDer(der, Certificate, 'certificate');
  try {
    checkStructure(der);
    const [tbsTlv, , sig] = children(der, readWhole(der));
    if (sig === undefined || sig.tag !== 0x03 || der[sig.contentStart] !== 0) throw new LogError('bad_format', 'certificate: signature BIT STRING must have no unused bits');
    // Exact name and serial bytes, for matching (never re-encoded).
    const tf = children(der, tbsTlv!);
    const k = tf[0]?.tag === 0xa0 ? 1 : 0;
    const rawOf = (t: { start: number; end: number } | undefined, tag: number, what: string) => {
      if (t === undefined || der[t.start] !== tag) throw new LogError('bad_format', `certificate: malformed ${what}`);
      return der.slice(t.start, t.end);
    };
    const serialDer = rawOf(tf[k], 0x02, 'serial number');
    const issuerDer = rawOf(tf[k + 2], 0x30, 'issuer');
    const subjectDer = rawOf(tf[k + 4], 0x30, 'subject');
    const tbsRaw = asn.tbsCertificateRaw;
    if (tbsRaw === undefined) throw new Error('no TBSCertificate bytes');
    const t = asn.tbsCertificate;
    if (!equalBytes(serialize(asn.signatureAlgorithm), serialize(t.signature))) {
      throw new LogError('bad_format', 'certificate: the two signature algorithm fields differ');
    }
    let subjectKeyId: Uint8Array | undefined;
    let authorityKeyId: Uint8Array | undefined;
    let extKeyUsage: ParsedCertificate['extKeyUsage'];
    let isCa = false;
    let keyUsage: number | undefined;
    const seen = new Set<string>();
    for (const ext of t.extensions ?? []) {
      if (seen.has(ext.extnID)) throw new LogError('bad_format', `certificate: extension ${ext.extnID} appears twice`);
      seen.add(ext.extnID);
      const value = new Uint8Array(ext.extnValue.buffer);
      switch (ext.extnID) {
        case OID.subjectKeyIdentifier:
          subjectKeyId = new Uint8Array(parseDer(value, SubjectKeyIdentifier, 'subjectKeyIdentifier').buffer);
          break;
        case OID.authorityKeyIdentifier: {
          const id = parseDer(value, AuthorityKeyIdentifier, 'authorityKeyIdentifier').keyIdentifier;
          authorityKeyId = id === undefined ? undefined : new Uint8Array(id.buffer);
          break;
        }
        case OID.extKeyUsage:
          extKeyUsage = { purposes: [...parseDer(value, ExtendedKeyUsage, 'extendedKeyUsage')], critical: ext.critical };
          break;
        case OID.basicConstraints:
          isCa = parseDer(value, BasicConstraints, 'basicConstraints').cA;
          break;
        case OID.keyUsage: {
          const ku = parseDer(value, KeyUsage, 'keyUsage');
          keyUsage = ku.toNumber();
          break;
        }
      }
    }
    return {
      der,
      asn,
      tbs: view(tbsRaw),
      subject: formatName(t.subject),
      issuer: formatName(t.issuer),
      subjectDer,
      issuerDer,
      serial: view(t.serialNumber),
      serialDer,
      notBefore: t.validity.notBefore.getTime(),
      notAfter: t.validity.notAfter.getTime(),
      spki: t.subjectPublicKeyInfo,
      subjectKeyId,
      authorityKeyId,
      extKeyUsage,
      isCa,
      keyUsage,
    };
  } catch (cause) {
    if (cause instanceof LogError) throw cause;
    throw new LogError('bad_format', 'certificate: unreadable fields', { cause });
  }
}

/** Certificates in PEM text (any number of CERTIFICATE blocks). Throws LogError('bad_format') if none. */
export function certificatesFromPem(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(fromBase64(m[1]!.replace(/\s+/g, '')));
  }
  if (out.length === 0) throw new LogError('bad_format', 'no PEM CERTIFICATE block');
  return out;
}

/** PEM text of one DER certificate, 64-character lines. */
export function certificateToPem(der: Uint8Array): string {
  const b64 = toBase64(der);
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

type Curve = typeof p256;
const CURVES: Record<string, { curve: Curve; name: string }> = {
  [OID.p256]: { curve: p256, name: 'P-256' },
  [OID.p384]: { curve: p384, name: 'P-384' },
  [OID.p521]: { curve: p521 as unknown as Curve, name: 'P-521' },
};

/** A short description of the key: `RSA-3072`, `ECDSA P-256`, `Ed25519`. */
export function describeKey(spki: SubjectPublicKeyInfo): string {
  try {
    switch (spki.algorithm.algorithm) {
      case OID.rsaEncryption: {
        const k = AsnConvert.parse(spki.subjectPublicKey, RSAPublicKey);
        const n = view(k.modulus);
        let bits = n.length * 8;
        for (let i = 0; i < n.length && n[i] === 0; i++) bits -= 8;
        return `RSA-${bits}`;
      }
      case OID.ecPublicKey:
        return `ECDSA ${CURVES[ecCurveOid(spki)]?.name ?? '?'}`;
      case OID.ed25519:
        return 'Ed25519';
    }
  } catch {
    // fall through
  }
  return spki.algorithm.algorithm;
}

function ecCurveOid(spki: SubjectPublicKeyInfo): string {
  const p = spki.algorithm.parameters;
  if (p === undefined || p === null) throw new LogError('bad_format', 'EC key without curve parameters');
  const params = parseDer(new Uint8Array(p), ECParameters, 'EC parameters');
  if (params.namedCurve === undefined) throw new LogError('bad_format', 'EC key without a named curve');
  return params.namedCurve;
}

/**
 * Verifies `signature` over `data` with the key in `spki`, under `sigAlg`.
 *
 * `sigAlg` is a signature AlgorithmIdentifier: sha{256,384,512}WithRSAEncryption, RSASSA-PSS
 * (MGF1 with the same hash), ecdsa-with-SHA{256,384,512} or Ed25519. In CMS a signer MAY name
 * just the key algorithm (rsaEncryption, id-ecPublicKey); then `digestAlg` (the SignerInfo's
 * digestAlgorithm) names the hash. The key type MUST match the algorithm. MUST throw
 * LogError('bad_signature') if the signature does not verify, LogError('bad_format') for an
 * unsupported or malformed algorithm or key. Never returns false.
 */
export function verifySignature(spki: SubjectPublicKeyInfo, sigAlg: AlgorithmIdentifier, data: Uint8Array, signature: Uint8Array, digestAlg?: AlgorithmIdentifier): void {
  const keyAlg = spki.algorithm.algorithm;
  const oid = sigAlg.algorithm;
  const needDigest = (): HashAlg => {
    if (digestAlg === undefined) throw new LogError('bad_format', `${oid} names no hash`);
    return hashAlgorithm(digestAlg);
  };
  const rsaHash: Record<string, string> = { [OID.sha256WithRsa]: OID.sha256, [OID.sha384WithRsa]: OID.sha384, [OID.sha512WithRsa]: OID.sha512 };
  const ecHash: Record<string, string> = { [OID.ecdsaWithSha256]: OID.sha256, [OID.ecdsaWithSha384]: OID.sha384, [OID.ecdsaWithSha512]: OID.sha512 };

  if (oid === OID.ed25519) {
    checkNoParams(sigAlg);
    if (keyAlg !== OID.ed25519) throw new LogError('bad_format', 'Ed25519 signature with a non-Ed25519 key');
    const pub = new Uint8Array(spki.subjectPublicKey);
    let ok = false;
    try {
      ok = pub.length === 32 && signature.length === 64 && ed25519.verify(signature, data, pub, { zip215: false });
    } catch {
      ok = false;
    }
    if (!ok) throw new LogError('bad_signature', 'Ed25519 signature does not verify');
    return;
  }

  if (oid === OID.ecPublicKey || ecHash[oid] !== undefined) {
    if (oid === OID.ecPublicKey) checkNullParams(sigAlg);
    else checkNoParams(sigAlg);
    if (keyAlg !== OID.ecPublicKey) throw new LogError('bad_format', 'ECDSA signature with a non-EC key');
    const hash = oid === OID.ecPublicKey ? needDigest() : HASHES[ecHash[oid]!]!;
    const c = CURVES[ecCurveOid(spki)];
    if (c === undefined) throw new LogError('bad_format', 'unsupported elliptic curve');
    const point = new Uint8Array(spki.subjectPublicKey);
    let ok = false;
    try {
      ok = c.curve.verify(signature, hash.fn(data), point, { prehash: false, lowS: false, format: 'der' });
    } catch {
      ok = false;
    }
    if (!ok) throw new LogError('bad_signature', `ECDSA ${c.name} signature does not verify`);
    return;
  }

  if (oid === OID.rsaEncryption || rsaHash[oid] !== undefined || oid === OID.rsaPss) {
    if (keyAlg !== OID.rsaEncryption) throw new LogError('bad_format', 'RSA signature with a non-RSA key');
    let key: RSAPublicKey;
    try {
      key = AsnConvert.parse(spki.subjectPublicKey, RSAPublicKey);
    } catch (cause) {
      throw new LogError('bad_format', 'malformed RSA public key', { cause });
    }
    const pub = { n: view(key.modulus), e: view(key.publicExponent) };
    if (oid === OID.rsaPss) {
      if (sigAlg.parameters === undefined || sigAlg.parameters === null) throw new LogError('bad_format', 'RSASSA-PSS without parameters');
      const params = parseDer(new Uint8Array(sigAlg.parameters), RsaSaPssParams, 'RSASSA-PSS parameters');
      const hash = hashAlgorithm(params.hashAlgorithm);
      if (params.maskGenAlgorithm.algorithm !== OID.mgf1 || params.maskGenAlgorithm.parameters == null) {
        throw new LogError('bad_format', 'RSASSA-PSS: only MGF1 is supported');
      }
      const mgfHash = hashAlgorithm(parseDer(new Uint8Array(params.maskGenAlgorithm.parameters), AlgorithmIdentifier, 'MGF1 hash'));
      if (mgfHash.oid !== hash.oid) throw new LogError('bad_format', 'RSASSA-PSS: MGF1 hash differs from the message hash');
      if (params.trailerField !== 1) throw new LogError('bad_format', 'RSASSA-PSS: unsupported trailer field');
      if (digestAlg !== undefined && hashAlgorithm(digestAlg).oid !== hash.oid) throw new LogError('bad_format', 'RSASSA-PSS hash differs from the digest algorithm');
      verifyPss(pub, hash.fn(data), hash.fn, params.saltLength, signature);
      return;
    }
    checkNullParams(sigAlg);
    const hash = oid === OID.rsaEncryption ? needDigest() : HASHES[rsaHash[oid]!]!;
    verifyPkcs1v15(pub, hash.fn(data), hash.digestInfo, signature);
    return;
  }
  throw new LogError('bad_format', `unsupported signature algorithm ${oid}`);
}

/**
 * Checks that `issuer` issued `cert`: names match and the issuer's key verifies the
 * certificate's signature over its exact TBSCertificate bytes. Throws as {@link verifySignature}.
 */
export function verifyIssued(cert: ParsedCertificate, issuer: ParsedCertificate): void {
  if (!equalBytes(cert.issuerDer, issuer.subjectDer)) throw new LogError('bad_signature', `${cert.subject}: issuer name differs from ${issuer.subject}`);
  verifySignature(issuer.spki, cert.asn.signatureAlgorithm, cert.tbs, new Uint8Array(cert.asn.signatureValue));
}

/** True when subject and issuer are the same name (a self-issued certificate; its signature is not checked here). */
export function isSelfIssued(cert: ParsedCertificate): boolean {
  return equalBytes(cert.subjectDer, cert.issuerDer);
}
