/**
 * Building RFC 3161 objects for the built-in TSA: the self-signed time-stamping certificate, the
 * TimeStampToken (CMS SignedData over a TSTInfo, ESS signingCertificateV2 signed attribute, the
 * certificate included on request) and TimeStampResp replies, including refusals.
 *
 * Pure apart from the `sign` callback (the adapter signs with node:crypto), so tests can build
 * tokens with any key type. Every object is DER, checked by `openssl ts -verify` in the tests.
 */
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  id_signedData,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, PKIFailureInfo, PKIFreeText, PKIStatusInfo, TimeStampReq, TimeStampResp, TSTInfo, id_ct_tstInfo } from '@peculiar/asn1-tsp';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  GeneralNames,
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
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../../core/bytes.js';
import { encodeTlv } from '../../core/der.js';
import { EssCertIdV2, IssuerSerial, SigningCertificateV2, id_aa_signingCertificateV2 } from '../../core/ess.js';
import { hashByOid, OID } from '../../core/pkix.js';
import { responseFromToken, TST_INFO_OID_DER } from '../../core/timestamp.js';

/** Signs `data` with the TSA key; returns the signature as the named algorithm encodes it (ECDSA: DER). */
export type SignFn = (data: Uint8Array) => Uint8Array;

export interface SigningKey {
  /** DER SubjectPublicKeyInfo of the key. */
  spki: Uint8Array;
  /** The signature algorithm `sign` implements, e.g. ecdsa-with-SHA256. */
  signatureAlgorithm: AlgorithmIdentifier;
  sign: SignFn;
}

const ab = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;
const der = (v: unknown): Uint8Array => new Uint8Array(AsnConvert.serialize(v));

/** The policy OID of the built-in TSA: a UUID OID (ITU-T X.667), needing no registration. */
export const BUILTIN_POLICY = '2.25.216623532479386478232427015815106651237';

/** A positive DER INTEGER value of `bytes.length` bytes from random bytes (first byte 0x01..0x7f). */
export function positiveSerial(random: Uint8Array): Uint8Array {
  const s = random.slice();
  s[0] = 1 + (s[0]! % 0x7f);
  return s;
}

/**
 * A self-signed time-stamping certificate: subject = issuer = CN=`commonName`[, O=`organization`],
 * valid from `notBefore` with no well-defined expiry (99991231235959Z, RFC 5280 §4.1.2.5),
 * basicConstraints CA:FALSE, keyUsage digitalSignature, critical extendedKeyUsage
 * id-kp-timeStamping (what `openssl ts -verify` requires), subjectKeyIdentifier.
 */
export function buildSelfSignedTsaCertificate(opts: {
  key: SigningKey;
  commonName: string;
  organization?: string;
  serial: Uint8Array;
  notBefore: Date;
}): Uint8Array {
  const rdn = (type: string, value: string) => new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]);
  const name = new Name([...(opts.organization !== undefined ? [rdn('2.5.4.10', opts.organization)] : []), rdn('2.5.4.3', opts.commonName)]);
  const spki = AsnConvert.parse(opts.key.spki, SubjectPublicKeyInfo);
  const ext = (extnID: string, critical: boolean, value: unknown) => new Extension({ extnID, critical, extnValue: new OctetString(der(value)) });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: ab(opts.serial),
    signature: opts.key.signatureAlgorithm,
    issuer: name,
    // Time picks UTCTime before 2050 and GeneralizedTime after, as RFC 5280 §4.1.2.5 asks.
    validity: new Validity({
      notBefore: new Date(Math.floor(opts.notBefore.getTime() / 1000) * 1000),
      notAfter: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
    }),
    subject: name,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([
      ext(OID.basicConstraints, true, new BasicConstraints({ cA: false })),
      ext(OID.keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
      ext(OID.extKeyUsage, true, new ExtendedKeyUsage([OID.kpTimeStamping])),
      ext(OID.subjectKeyIdentifier, false, new SubjectKeyIdentifier(sha1(new Uint8Array(spki.subjectPublicKey)))),
    ]),
  });
  const tbsDer = der(tbs);
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: opts.key.signatureAlgorithm, signatureValue: ab(opts.key.sign(tbsDer)) });
  return der(cert);
}

export interface TokenRequest {
  /** messageImprint: the hash algorithm OID (SHA-256/384/512) and the hash. */
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
  nonce?: Uint8Array;
  /** Include the TSA certificate in the token. */
  certReq: boolean;
}

/**
 * A TimeStampToken (DER ContentInfo) for `req`, signed with `key` whose certificate is
 * `certificate` (DER). The signer's digest algorithm is SHA-256; the signed attributes are
 * contentType, messageDigest and signingCertificateV2 (SHA-256 of the certificate, with
 * issuerSerial), sorted as DER SET OF requires.
 */
export function buildTimestampToken(opts: {
  req: TokenRequest;
  key: SigningKey;
  certificate: Uint8Array;
  genTime: Date;
  serial: Uint8Array;
  policy: string;
}): Uint8Array {
  const cert = AsnConvert.parse(opts.certificate, Certificate);
  const sha256Alg = () => new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: null });
  const tst = new TSTInfo({
    version: 1,
    policy: opts.policy,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: opts.req.hashAlgorithm, parameters: null }),
      hashedMessage: new OctetString(opts.req.hashedMessage),
    }),
    serialNumber: ab(opts.serial),
    genTime: opts.genTime,
    ...(opts.req.nonce !== undefined ? { nonce: ab(opts.req.nonce) } : {}),
  });
  const tstDer = der(tst);
  const issuerSerial = new IssuerSerial({
    issuer: new GeneralNames([new GeneralName({ directoryName: cert.tbsCertificate.issuer })]),
    serialNumber: cert.tbsCertificate.serialNumber,
  });
  const attrs = [
    new Attribute({ attrType: '1.2.840.113549.1.9.3', attrValues: [ab(TST_INFO_OID_DER)] }),
    new Attribute({ attrType: '1.2.840.113549.1.9.4', attrValues: [ab(encodeTlv(0x04, sha256(tstDer)))] }),
    new Attribute({
      attrType: id_aa_signingCertificateV2,
      attrValues: [ab(der(new SigningCertificateV2({ certs: [new EssCertIdV2({ certHash: new OctetString(sha256(opts.certificate)), issuerSerial })] })))],
    }),
  ]
    .map((a) => ({ a, bytes: der(a) }))
    .sort((x, y) => compareBytes(x.bytes, y.bytes));
  const signedAttrsDer = encodeTlv(0x31, concatBytes(...attrs.map((x) => x.bytes)));
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer, serialNumber: cert.tbsCertificate.serialNumber }) }),
    digestAlgorithm: sha256Alg(),
    signedAttrs: attrs.map((x) => x.a),
    signatureAlgorithm: opts.key.signatureAlgorithm,
    signature: new OctetString(opts.key.sign(signedAttrsDer)),
  });
  const sd = new SignedData({
    version: 3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([sha256Alg()]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_ct_tstInfo, eContent: new EncapsulatedContent({ single: new OctetString(tstDer) }) }),
    ...(opts.req.certReq ? { certificates: new CertificateSet([new CertificateChoices({ certificate: cert })]) } : {}),
    signerInfos: new SignerInfos([signerInfo]),
  });
  return der(new ContentInfo({ contentType: id_signedData, content: ab(der(sd)) }));
}

/** PKIFailureInfo bits (RFC 3161 §2.4.2). */
export const FAIL = { badAlg: 0, badRequest: 2, badDataFormat: 5, unacceptedPolicy: 15, unacceptedExtension: 16, systemFailure: 25 } as const;

/** A TimeStampResp with status rejection (2), the reason as text and one failInfo bit. */
export function rejection(bit: number, text: string): Uint8Array {
  const bytes = new Uint8Array(Math.floor(bit / 8) + 1);
  bytes[Math.floor(bit / 8)] = 0x80 >> bit % 8;
  const unused = 7 - (bit % 8);
  return der(new TimeStampResp({ status: new PKIStatusInfo({ status: 2, statusString: new PKIFreeText([text]), failInfo: new PKIFailureInfo(bytes, unused) }) }));
}

export type ParsedQuery = { ok: true; req: TokenRequest } | { ok: false; reply: Uint8Array };

/**
 * Parses and checks a DER TimeStampReq for the built-in TSA: version 1, a SHA-256/384/512
 * imprint of the right length, no policy or our `policy`, no extensions. A bad query yields the
 * rejection reply to send.
 */
export function parseQuery(query: Uint8Array, policy: string): ParsedQuery {
  let req: TimeStampReq;
  try {
    req = AsnConvert.parse(query, TimeStampReq);
  } catch {
    return { ok: false, reply: rejection(FAIL.badDataFormat, 'the query is not a DER TimeStampReq') };
  }
  if (req.version !== 1) return { ok: false, reply: rejection(FAIL.badRequest, 'only version 1 queries are supported') };
  const alg = hashByOid(req.messageImprint.hashAlgorithm.algorithm);
  const hashed = new Uint8Array(req.messageImprint.hashedMessage.buffer);
  if (alg === undefined) return { ok: false, reply: rejection(FAIL.badAlg, 'the imprint must use SHA-256, SHA-384 or SHA-512') };
  if (alg.fn(new Uint8Array(0)).length !== hashed.length) return { ok: false, reply: rejection(FAIL.badDataFormat, 'the imprint length does not match its algorithm') };
  if (req.reqPolicy !== undefined && req.reqPolicy !== policy) return { ok: false, reply: rejection(FAIL.unacceptedPolicy, `the only policy is ${policy}`) };
  if (req.extensions !== undefined && req.extensions.length > 0) return { ok: false, reply: rejection(FAIL.unacceptedExtension, 'no extensions are supported') };
  const nonce = req.nonce === undefined ? undefined : new Uint8Array(req.nonce);
  if (nonce !== undefined && nonce.length > 64) return { ok: false, reply: rejection(FAIL.badRequest, 'nonce too long') };
  return { ok: true, req: { hashAlgorithm: alg.oid, hashedMessage: hashed, certReq: req.certReq, ...(nonce !== undefined ? { nonce } : {}) } };
}

/** A TimeStampResp with status granted around `token`. */
export function grantedReply(token: Uint8Array): Uint8Array {
  return responseFromToken(token);
}

/** A DER TimeStampReq (what external TSAs are sent). */
export function buildQuery(digest: Uint8Array, nonce: Uint8Array | undefined, certReq = true): Uint8Array {
  return der(
    new TimeStampReq({
      version: 1,
      messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: null }), hashedMessage: new OctetString(digest) }),
      ...(nonce !== undefined ? { nonce: ab(nonce) } : {}),
      certReq,
    }),
  );
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
