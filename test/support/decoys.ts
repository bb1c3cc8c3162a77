/**
 * Hostile RFC 3161 material for the verification-bounds tests: certificates with arbitrary RSA
 * keys (huge moduli, huge exponents: they need not be real keys), small CA chains, and tokens
 * whose certificate set is swapped for any list of certificates. Swapping the set keeps the
 * token's signature valid: CMS signs the signed attributes, not the certificate set.
 */
import { randomBytes } from 'node:crypto';
import { CertificateChoices, CertificateSet, ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { OID } from '../../src/core/pkix.js';
import { buildTimestampToken, type SigningKey } from '../../src/adapters/tsa/tokens.js';

const ab = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;
const der = (v: unknown): Uint8Array => new Uint8Array(AsnConvert.serialize(v));

/** A Name with one commonName. */
export function cn(commonName: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: commonName }) })])]);
}

/** Big-endian bytes of a positive DER INTEGER value (a leading 0 when the top bit is set). */
function positive(bytes: Uint8Array): Uint8Array {
  return bytes[0]! & 0x80 ? Uint8Array.from([0, ...bytes]) : bytes;
}

/** A random odd number of exactly `bits` bits, big-endian (not a real modulus: none is needed). */
export function randomOddModulus(bits: number): Uint8Array {
  const n = new Uint8Array(randomBytes(Math.ceil(bits / 8)));
  const top = bits % 8 === 0 ? 8 : bits % 8;
  n[0] = (n[0]! & ((1 << top) - 1)) | (1 << (top - 1));
  n[n.length - 1]! |= 1;
  return n;
}

/** Big-endian bytes of a bigint. */
export function bigBytes(v: bigint): Uint8Array {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** DER SubjectPublicKeyInfo of an RSA key with this modulus and exponent. */
export function rsaSpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  const key = new RSAPublicKey({ modulus: ab(positive(modulus)), publicExponent: ab(positive(exponent)) });
  return der(
    new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null }),
      subjectPublicKey: ab(der(key)),
    }),
  );
}

export interface CertSpec {
  subject: Name;
  issuer: Name;
  /** DER SubjectPublicKeyInfo of the certified key. */
  spki: Uint8Array;
  /** Signs the TBSCertificate; absent: `fakeSignatureBytes` random bytes (the first 0) under sha256WithRSAEncryption. */
  signer?: SigningKey;
  fakeSignatureBytes?: number;
  ca?: boolean;
  /** Critical extendedKeyUsage id-kp-timeStamping (a TSA certificate). */
  tsa?: boolean;
  ski?: Uint8Array;
  aki?: Uint8Array;
  serial?: Uint8Array;
  /** No extensions at all (the smallest certificate). */
  bare?: boolean;
}

/** A DER X.509 v3 certificate built from `spec`. */
export function buildCertificate(spec: CertSpec): Uint8Array {
  const ext = (extnID: string, critical: boolean, value: unknown) => new Extension({ extnID, critical, extnValue: new OctetString(der(value)) });
  const exts: Extension[] = [ext(OID.basicConstraints, true, new BasicConstraints({ cA: spec.ca ?? false }))];
  exts.push(ext(OID.keyUsage, true, new KeyUsage(spec.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.digitalSignature : KeyUsageFlags.digitalSignature)));
  if (spec.tsa) exts.push(ext(OID.extKeyUsage, true, new ExtendedKeyUsage([OID.kpTimeStamping])));
  if (spec.ski) exts.push(ext(OID.subjectKeyIdentifier, false, new SubjectKeyIdentifier(spec.ski)));
  if (spec.aki) exts.push(ext(OID.authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(spec.aki) })));
  const sigAlg = spec.signer?.signatureAlgorithm ?? new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: null });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: ab(positive(spec.serial ?? new Uint8Array(randomBytes(8)))),
    signature: sigAlg,
    issuer: spec.issuer,
    validity: new Validity({ notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2049, 11, 31, 23, 59, 59)) }),
    subject: spec.subject,
    subjectPublicKeyInfo: AsnConvert.parse(spec.spki, SubjectPublicKeyInfo),
    ...(spec.bare ? {} : { extensions: new Extensions(exts) }),
  });
  // A fake signature starts with 0: as an integer it is below any modulus of its length.
  const signature = spec.signer ? spec.signer.sign(der(tbs)) : Uint8Array.from(randomBytes(spec.fakeSignatureBytes ?? 256), (b, i) => (i === 0 ? 0 : b));
  return der(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: sigAlg, signatureValue: ab(signature) }));
}

/**
 * A decoy: a certificate named `subject` (issued by `issuer`, default the same) over an RSA key of
 * `bits` bits and exponent `exponent`, with a fake signature; with `bare`, no extensions (smallest).
 */
export function decoyCertificate(opts: { subject: Name; issuer?: Name; bits: number; exponent: bigint; signatureBytes?: number; ski?: Uint8Array; bare?: boolean; serial?: Uint8Array }): Uint8Array {
  return buildCertificate({
    subject: opts.subject,
    issuer: opts.issuer ?? opts.subject,
    spki: rsaSpki(randomOddModulus(opts.bits), bigBytes(opts.exponent)),
    fakeSignatureBytes: opts.signatureBytes ?? 16,
    ...(opts.ski ? { ski: opts.ski } : {}),
    ...(opts.bare ? { bare: true } : {}),
    ...(opts.serial ? { serial: opts.serial } : {}),
  });
}

/** The DER certificates a token carries, in order. */
export function tokenCertificates(token: Uint8Array): Uint8Array[] {
  const ci = AsnConvert.parse(token, ContentInfo);
  const sd = AsnConvert.parse(ci.content, SignedData);
  return (sd.certificates ?? []).map((c) => der(c.certificate));
}

/** `token` with its certificate set replaced by `certs` (DER, in this order). */
export function withCertificates(token: Uint8Array, certs: readonly Uint8Array[]): Uint8Array {
  const ci = AsnConvert.parse(token, ContentInfo);
  const sd = AsnConvert.parse(ci.content, SignedData);
  sd.certificates = new CertificateSet(certs.map((c) => new CertificateChoices({ certificate: AsnConvert.parse(c, Certificate) })));
  return der(new ContentInfo({ contentType: ci.contentType, content: ab(der(sd)) }));
}

/** The subject Name of a DER certificate. */
export function subjectOf(cert: Uint8Array): Name {
  return AsnConvert.parse(cert, Certificate).tbsCertificate.subject;
}

/**
 * The attack's hostile token: `token`'s own certificates followed by `count` decoys whose subject
 * is the signer's (issuer `CN=x`), each with a `bits`-bit RSA modulus and exponent 2^64−1
 * (default 16384 bits), no extensions and a 1-byte signature: 28 of them fit in 64 KiB.
 */
export function decoyLadenToken(token: Uint8Array, count: number, bits = 16384): Uint8Array {
  const own = tokenCertificates(token);
  const subject = subjectOf(own[0]!);
  const decoys = Array.from({ length: count }, (_, i) =>
    decoyCertificate({ subject, issuer: cn('x'), bits, exponent: (1n << 64n) - 1n, signatureBytes: 1, bare: true, serial: Uint8Array.of(i + 1) }),
  );
  return withCertificates(token, [...own, ...decoys]);
}

/**
 * A token an attacker can make for any digest with a key of their own: the TSA certificate names
 * an issuer ("CN=Evil CA") that only `decoys` decoys carry as their subject, each with a
 * `bits`-bit RSA modulus and exponent 2^64−1, and claims an RSA signature as long as their
 * moduli, so a chain builder without bounds would run one huge modPow per decoy.
 */
export function attackerToken(digest: Uint8Array, decoys: number, key: SigningKey, bits = 16384): Uint8Array {
  const evil = cn('Evil CA');
  const tsa = buildCertificate({ subject: cn('Evil TSA'), issuer: evil, spki: key.spki, fakeSignatureBytes: bits / 8, tsa: true, serial: Uint8Array.of(1) });
  const token = buildTimestampToken({
    req: { hashAlgorithm: OID.sha256, hashedMessage: digest, certReq: true },
    key,
    certificate: tsa,
    genTime: new Date(),
    serial: Uint8Array.of(2),
    policy: '1.2.3',
  });
  const list = Array.from({ length: decoys }, (_, i) =>
    decoyCertificate({ subject: evil, issuer: cn('x'), bits, exponent: (1n << 64n) - 1n, signatureBytes: 1, bare: true, serial: Uint8Array.of(i + 1) }),
  );
  return withCertificates(token, [tsa, ...list]);
}
