/**
 * RFC 3161 trusted time: verify a TimeStampToken over a block's checkpoint body, synchronously
 * and with no I/O, so the CLI, the HTTP verify API and the browser verify page share it.
 *
 * A token is a CMS SignedData (RFC 5652) whose content is a TSTInfo. Verifying one here means:
 * - the TSTInfo's messageImprint is SHA-256 and equals the digest the caller expects
 *   (SHA-256 of the checkpoint body, contract §5);
 * - the signed attributes hold the content type id-ct-TSTInfo, the messageDigest of the exact
 *   TSTInfo bytes, and an ESS signingCertificate(V2) naming the signer's certificate by hash;
 * - the signer's certificate is in the token (or pinned), is a time-stamping certificate
 *   (critical extendedKeyUsage id-kp-timeStamping only) valid at genTime, and its key verifies
 *   the signature over the DER signed attributes;
 * - every certificate in the token is on the signer's chain and verifies under its issuer;
 *   with pinned certificates (the TSA's own, or a CA), the chain MUST reach one of them.
 *
 * Parsing uses @peculiar/asn1-* (synchronous); exact byte ranges (signed attributes,
 * certificates, genTime text) are read with the tiny DER reader in der.ts, never re-encoded.
 */
import { SignedData, SignerInfo } from '@peculiar/asn1-cms';
import { TSTInfo, id_ct_tstInfo } from '@peculiar/asn1-tsp';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { concatBytes, equalBytes, fromBase64, toHex } from './bytes.js';
import { checkStructure, children, encodeTlv, readWhole, type Tlv } from './der.js';
import { EssCertId, EssCertIdV2, SigningCertificate, SigningCertificateV2, id_aa_signingCertificate, id_aa_signingCertificateV2 } from './ess.js';
import { isLogError, LogError } from './errors.js';
import { buildChain, signatureBudget, unreachableByName } from './chain.js';
import { describeKey, hashAlgorithm, isSelfIssued, MAX_X509_BYTES, OID, parseCertificate, parseDer, serialize, verifySignature, type ParsedCertificate } from './pkix.js';

/** The `tsa` label of the built-in TSA: also its certificate's subject commonName. */
export const BUILTIN_TSA_NAME = 'copyright-ledger built-in TSA (self-issued time)';

const ID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const ID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
// DER of the OID id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4), the value of the contentType attribute.
export const TST_INFO_OID_DER = Uint8Array.of(0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04);
/*
 * Bounds on the work one token can ask for (docs/TIMESTAMPS.md, "Bounds"). The token is
 * attacker-controlled (POST /v1/verify takes any certificate), so every loop and every signature
 * check is capped before it runs (the chain's caps are in chain.ts); RSA keys are checked for
 * size (rsa.ts) before any arithmetic.
 */
/** Largest token accepted (a token with a few certificates is a few KiB). */
export const MAX_TOKEN_BYTES = 64 * 1024;
/** Most certificates a token may carry (a TSA sends its own and at most a few CAs). */
export const MAX_TOKEN_CERTIFICATES = 16;

export interface TimestampInfo {
  /** genTime as RFC 3339 UTC with milliseconds (sub-millisecond digits truncated). */
  genTime: string;
  /** genTime exactly as the token spells it (GeneralizedTime, e.g. `20261126221828.334Z`). */
  genTimeRaw: string;
  /** TSA policy OID. */
  policy: string;
  /** Serial number, lowercase hex. */
  serial: string;
  /** The messageImprint hash algorithm and value. */
  imprint: { algorithm: string; hash: Uint8Array };
  /** Nonce, lowercase hex, when present. */
  nonce: string | undefined;
  /** Signer certificate subject (`CN=…, O=…`), when the token carries the certificate. */
  signer: string | undefined;
  /** {@link tsaLabel} of the signer certificate, when the token carries it. */
  label: string | undefined;
  /** True when the signer certificate is self-issued (no one else vouches for the TSA). */
  selfIssued: boolean;
}

export interface VerifiedTimestamp extends TimestampInfo {
  signer: string;
  label: string;
  /** Subjects from the signer up to the last certificate reached. */
  chain: string[];
  /** The signer's key, e.g. `ECDSA P-256`, `RSA-3072`. */
  key: string;
  /** True when the chain reached a pinned certificate. */
  pinned: boolean;
}

export interface TimestampTrust {
  /** DER certificates pinned out of band: the TSA's own certificate or a CA above it. */
  certificates?: readonly Uint8Array[];
}

interface Parsed {
  info: TimestampInfo;
  tst: TSTInfo;
  tstDer: Uint8Array;
  sd: SignedData;
  si: SignerInfo;
  /** DER of the signed attributes with the SET OF tag, as signed. */
  signedAttrsDer: Uint8Array;
  /** Certificates in the token, exact DER, in order. */
  certs: ParsedCertificate[];
  signerCert: ParsedCertificate | undefined;
}

function bad(message: string, cause?: unknown): never {
  throw new LogError('bad_format', `timestamp: ${message}`, cause === undefined ? undefined : { cause });
}

function fail(message: string): never {
  throw new LogError('bad_signature', `timestamp: ${message}`);
}

const view = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);

/**
 * The label a certificate names its TSA by: its subject commonName, or the whole subject when it
 * has none. Certificates carry this as `timestamp.tsa`; the verifier requires equality, so the
 * label is covered by the token's signature (the ESS attribute hashes the certificate).
 */
export function tsaLabel(cert: ParsedCertificate): string {
  for (const rdn of cert.asn.tbsCertificate.subject) {
    for (const atv of rdn) if (atv.type === '2.5.4.3') return atv.value.toString();
  }
  return cert.subject;
}

/** Parses a DER GeneralizedTime text in its DER form (`YYYYMMDDHHMMSS[.f*]Z`, no trailing zero). */
export function parseGeneralizedTime(text: string): { ms: number; iso: string } {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d*[1-9]))?Z$/.exec(text);
  if (!m) bad(`genTime ${JSON.stringify(text)} is not a DER GeneralizedTime`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const frac = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, Number(frac));
  const date = new Date(ms);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
    bad(`genTime ${text} is not a real instant`);
  }
  if (y < 1970) bad('genTime before 1970');
  return { ms, iso: date.toISOString() };
}

/**
 * The TimeStampToken in `der`, which MAY be a TimeStampResp (RFC 3161 §2.4.2) or a bare token
 * (a ContentInfo). A response MUST have status granted (0) or grantedWithMods (1) and a token;
 * else LogError('bad_format') naming the status. Returns the token's exact bytes.
 */
export function tokenFromResponse(der: Uint8Array): Uint8Array {
  if (der.length > MAX_TOKEN_BYTES + 1024) bad('response too large');
  const top = readWhole(der);
  if (top.tag !== 0x30) bad('not a SEQUENCE');
  const parts = children(der, top);
  const first = parts[0];
  if (first === undefined) bad('empty SEQUENCE');
  if (first.tag === 0x06) return der; // ContentInfo: OID first
  if (first.tag !== 0x30 || parts.length > 2) bad('neither a TimeStampResp nor a ContentInfo');
  const statusParts = children(der, first);
  const s = statusParts[0];
  if (s === undefined || s.tag !== 0x02 || s.end - s.contentStart !== 1) bad('TimeStampResp: malformed status');
  const status = der[s.contentStart]!;
  const token = parts[1];
  if (status > 1) {
    let text = '';
    const free = statusParts[1];
    if (free !== undefined && free.tag === 0x30) {
      const texts = children(der, free);
      if (texts[0] !== undefined && texts[0].tag === 0x0c) text = `: ${new TextDecoder().decode(der.subarray(texts[0].contentStart, texts[0].end))}`;
    }
    bad(`the TSA refused (status ${status}${text})`);
  }
  if (token === undefined) bad('TimeStampResp with status granted but no token');
  return der.slice(token.start, token.end);
}

/** A TimeStampResp with status granted wrapping `token` (exact bytes kept). */
export function responseFromToken(token: Uint8Array): Uint8Array {
  return encodeTlv(0x30, concatBytes(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), token));
}

interface Envelope {
  /** Certificates in the token, exact DER, in order. */
  certs: Uint8Array[];
  /** DER of the signed attributes re-tagged as SET OF (what the signer signed), if present. */
  signedAttrs: Uint8Array | undefined;
  /** Exact DER of the signer identifier's issuer Name and serial INTEGER (issuerAndSerialNumber only). */
  sidIssuer: Uint8Array | undefined;
  sidSerial: Uint8Array | undefined;
  /** True when the ContentInfo's contentType is id-signedData, encoded as DER. */
  isSignedData: boolean;
  /**
   * The SignedData re-assembled from its exact fields without the certificate set, for the
   * schema parser: the certificates are read one by one (parseCertificate), not twice.
   */
  signedDataWithoutCerts: Uint8Array;
}

// DER of the OID id-signedData (1.2.840.113549.1.7.2).
const SIGNED_DATA_OID_DER = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02);

/**
 * Walks the CMS envelope of a token with exact tags: ContentInfo, SignedData, its
 * digestAlgorithms, encapsulated content, certificate set and the one SignerInfo. The schema
 * parser accepts some wrong tag classes; parts not covered by a signature are checked here so a
 * changed byte in them is an error, and exact byte ranges are returned for hashing.
 */
function envelope(token: Uint8Array): Envelope {
  const want = (t: Tlv | undefined, tag: number, what: string): Tlv => {
    if (t === undefined || t.tag !== tag) bad(`${what}: expected tag 0x${tag.toString(16)}`);
    return t;
  };
  const algId = (t: Tlv | undefined, what: string) => {
    const parts = children(token, want(t, 0x30, what));
    want(parts[0], 0x06, what);
    if (parts.length > 2) bad(`${what}: malformed AlgorithmIdentifier`);
  };
  const ci = children(token, want(readWhole(token), 0x30, 'ContentInfo'));
  if (ci.length !== 2) bad('ContentInfo: expected 2 fields');
  want(ci[0], 0x06, 'ContentInfo contentType');
  const inner = children(token, want(ci[1], 0xa0, 'ContentInfo content'));
  if (inner.length !== 1) bad('ContentInfo content is not one value');
  const sd = children(token, want(inner[0], 0x30, 'SignedData'));
  want(sd[0], 0x02, 'SignedData version');
  for (const a of children(token, want(sd[1], 0x31, 'SignedData digestAlgorithms'))) algId(a, 'digestAlgorithm');
  const eci = children(token, want(sd[2], 0x30, 'encapContentInfo'));
  want(eci[0], 0x06, 'eContentType');
  const eContent = children(token, want(eci[1], 0xa0, 'eContent'));
  if (eci.length !== 2 || eContent.length !== 1) bad('encapContentInfo: expected one eContent');
  want(eContent[0], 0x04, 'eContent OCTET STRING');
  let i = 3;
  const certs: Uint8Array[] = [];
  const certSet = sd[i]?.tag === 0xa0 ? sd[i] : undefined;
  if (sd[i]?.tag === 0xa0) {
    const set = children(token, sd[i]!);
    if (set.length > MAX_TOKEN_CERTIFICATES) bad(`the token carries ${set.length} certificates, more than ${MAX_TOKEN_CERTIFICATES}`);
    for (const c of set) {
      if (c.end - c.start > MAX_X509_BYTES) bad(`a certificate in the token is ${c.end - c.start} bytes, more than ${MAX_X509_BYTES}`);
      const parts = children(token, want(c, 0x30, 'certificate'));
      if (parts.length !== 3) bad('certificate: expected 3 fields');
      want(parts[0], 0x30, 'tbsCertificate');
      algId(parts[1], 'certificate signatureAlgorithm');
      want(parts[2], 0x03, 'certificate signature');
      certs.push(token.slice(c.start, c.end));
    }
    i++;
  }
  if (sd[i]?.tag === 0xa1) bad('tokens carrying CRLs are not supported');
  const infos = want(sd[i], 0x31, 'signerInfos');
  if (sd.length !== i + 1) bad('SignedData: unexpected fields');
  const signers = children(token, infos);
  if (signers.length !== 1) bad(`expected one SignerInfo, found ${signers.length}`);
  const si = children(token, want(signers[0], 0x30, 'SignerInfo'));
  want(si[0], 0x02, 'SignerInfo version');
  let sidIssuer: Uint8Array | undefined;
  let sidSerial: Uint8Array | undefined;
  if (si[1]?.tag === 0x30) {
    const ias = children(token, si[1]);
    if (ias.length !== 2) bad('issuerAndSerialNumber: expected 2 fields');
    sidIssuer = token.slice(want(ias[0], 0x30, 'sid issuer').start, ias[0]!.end);
    sidSerial = token.slice(want(ias[1], 0x02, 'sid serial').start, ias[1]!.end);
  } else want(si[1], 0x80, 'SignerInfo sid');
  algId(si[2], 'SignerInfo digestAlgorithm');
  let j = 3;
  let signedAttrs: Uint8Array | undefined;
  if (si[j]?.tag === 0xa0) {
    const attrs = si[j]!;
    for (const a of children(token, attrs)) {
      const parts = children(token, want(a, 0x30, 'signed attribute'));
      if (parts.length !== 2) bad('signed attribute: expected 2 fields');
      want(parts[0], 0x06, 'attribute type');
      want(parts[1], 0x31, 'attribute values');
    }
    signedAttrs = concatBytes(Uint8Array.of(0x31), token.subarray(attrs.start + 1, attrs.end));
    j++;
  }
  algId(si[j], 'SignerInfo signatureAlgorithm');
  want(si[j + 1], 0x04, 'SignerInfo signature');
  if (si.length > j + 3 || (si.length === j + 3 && si[j + 2]!.tag !== 0xa1)) bad('SignerInfo: unexpected fields');
  const sdFields = sd.filter((t) => t !== certSet).map((t) => token.subarray(t.start, t.end));
  return {
    certs,
    signedAttrs,
    sidIssuer,
    sidSerial,
    isSignedData: equalBytes(token.subarray(ci[0]!.start, ci[0]!.end), SIGNED_DATA_OID_DER),
    signedDataWithoutCerts: encodeTlv(0x30, concatBytes(...sdFields)),
  };
}

/** genTime text: the fifth field of the TSTInfo SEQUENCE. */
function genTimeText(tstDer: Uint8Array): string {
  const fields = children(tstDer, readWhole(tstDer));
  const g = fields[4];
  if (g === undefined || g.tag !== 0x18) bad('TSTInfo has no genTime');
  return new TextDecoder().decode(tstDer.subarray(g.contentStart, g.end));
}

function parse(token: Uint8Array, pinned: readonly ParsedCertificate[] = []): Parsed {
  if (token.length > MAX_TOKEN_BYTES) bad(`token too large (${token.length} bytes, at most ${MAX_TOKEN_BYTES})`);
  checkStructure(token);
  // The exact envelope first: it caps the certificates before the schema parser reads them.
  const raw = envelope(token);
  if (!raw.isSignedData) bad('the content type is not SignedData');
  const sd = parseDer(raw.signedDataWithoutCerts, SignedData, 'SignedData');
  if (sd.version !== 3) bad(`SignedData version ${sd.version}, expected 3`);
  if (sd.encapContentInfo.eContentType !== id_ct_tstInfo) bad(`encapsulated content ${sd.encapContentInfo.eContentType} is not TSTInfo`);
  const single = sd.encapContentInfo.eContent?.single;
  if (single === undefined) bad('no TSTInfo content');
  const tstDer = view(single.buffer);
  const tst = parseDer(tstDer, TSTInfo, 'TSTInfo');
  if (tst.version !== 1) bad(`TSTInfo version ${tst.version}, expected 1`);
  const rawGenTime = genTimeText(tstDer);
  const genTime = parseGeneralizedTime(rawGenTime);
  if (sd.signerInfos.length !== 1) bad(`expected one SignerInfo, found ${sd.signerInfos.length}`);
  const si = sd.signerInfos[0]!;
  if (raw.signedAttrs === undefined || si.signedAttrs === undefined) bad('SignerInfo has no signed attributes');
  // Each one an X.509 Certificate SEQUENCE (the envelope checked the tags), parsed once.
  const certs = raw.certs.map((c) => parseCertificate(c));
  const signerCert = findSigner(si, raw, [...certs, ...pinned]);
  const imprintAlg = hashAlgorithm(tst.messageImprint.hashAlgorithm);
  const info: TimestampInfo = {
    genTime: genTime.iso,
    genTimeRaw: rawGenTime,
    policy: tst.policy,
    serial: toHex(view(tst.serialNumber)),
    imprint: { algorithm: imprintAlg.name, hash: view(tst.messageImprint.hashedMessage.buffer) },
    nonce: tst.nonce === undefined ? undefined : toHex(view(tst.nonce)),
    signer: signerCert?.subject,
    label: signerCert === undefined ? undefined : tsaLabel(signerCert),
    selfIssued: signerCert !== undefined && isSelfIssued(signerCert),
  };
  return { info, tst, tstDer, sd, si, signedAttrsDer: raw.signedAttrs, certs, signerCert };
}

function findSigner(si: SignerInfo, raw: Envelope, pool: readonly ParsedCertificate[]): ParsedCertificate | undefined {
  if (si.sid.issuerAndSerialNumber !== undefined) {
    if (si.version !== 1) bad(`SignerInfo version ${si.version} with issuerAndSerialNumber, expected 1`);
    const { sidIssuer, sidSerial } = raw;
    if (sidIssuer === undefined || sidSerial === undefined) bad('malformed issuerAndSerialNumber');
    return pool.find((c) => equalBytes(c.issuerDer, sidIssuer) && equalBytes(c.serialDer, sidSerial));
  }
  const ski = si.sid.subjectKeyIdentifier;
  if (ski === undefined) bad('SignerInfo has no signer identifier');
  if (si.version !== 3) bad(`SignerInfo version ${si.version} with subjectKeyIdentifier, expected 3`);
  const id = view(ski.buffer);
  return pool.find((c) => c.subjectKeyId !== undefined && equalBytes(c.subjectKeyId, id));
}

/**
 * Reads a token WITHOUT verifying anything: for display only (genTime, TSA). MUST NOT be
 * trusted; use {@link verifyTimestampToken}. Throws LogError('bad_format') if unreadable.
 */
export function parseTimestampTokenUnverified(token: Uint8Array): TimestampInfo {
  return wrap(() => parse(token).info);
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isLogError(e)) throw e;
    bad(e instanceof Error ? e.message : String(e), e);
  }
}

function singleValue(si: SignerInfo, oid: string): Uint8Array | undefined {
  const found = (si.signedAttrs ?? []).filter((a) => a.attrType === oid);
  if (found.length === 0) return undefined;
  if (found.length > 1 || found[0]!.attrValues.length !== 1) bad(`signed attribute ${oid} must appear once with one value`);
  return view(found[0]!.attrValues[0]!);
}

/**
 * Verifies `token` (a DER TimeStampToken) as described at the top of this file, for a message
 * whose SHA-256 is `digest` (32 bytes). Throws LogError: 'invalid_proof' when the imprint is of
 * other data, 'bad_signature' when a signature, certificate hash or chain does not verify or does
 * not reach a pinned certificate, 'bad_format' for malformed or unsupported tokens. MUST NOT
 * return unless every check passed.
 */
export function verifyTimestampToken(token: Uint8Array, digest: Uint8Array, trust: TimestampTrust = {}): VerifiedTimestamp {
  return wrap(() => {
    const pinned = (trust.certificates ?? []).map((c) => parseCertificate(c));
    const p = parse(token, pinned);
    const { info, si, sd } = p;

    // 1. The token is for this checkpoint.
    if (info.imprint.algorithm !== 'SHA-256') bad(`message imprint uses ${info.imprint.algorithm}, expected SHA-256`);
    if (digest.length !== 32 || !equalBytes(info.imprint.hash, digest)) {
      throw new LogError('invalid_proof', 'timestamp: the token is for other data (message imprint differs from SHA-256 of the checkpoint body)');
    }

    // 2. Signed attributes: content type, message digest over the exact TSTInfo bytes.
    const digestAlg = hashAlgorithm(si.digestAlgorithm);
    if (!sd.digestAlgorithms.some((a: AlgorithmIdentifier) => a.algorithm === digestAlg.oid)) bad("SignedData digestAlgorithms lacks the signer's");
    for (const a of sd.digestAlgorithms) hashAlgorithm(a);
    const ct = singleValue(si, ID_CONTENT_TYPE);
    if (ct === undefined || !equalBytes(ct, TST_INFO_OID_DER)) bad('signed contentType attribute is missing or not id-ct-TSTInfo');
    const md = singleValue(si, ID_MESSAGE_DIGEST);
    if (md === undefined) bad('no signed messageDigest attribute');
    if (!equalBytes(md, encodeTlv(0x04, digestAlg.fn(p.tstDer)))) fail('messageDigest attribute differs from the hash of the TSTInfo');

    // 3. The signer's certificate: present, bound by the ESS attribute, a time-stamping certificate valid at genTime.
    const signer = p.signerCert;
    if (signer === undefined) bad('the signer certificate is neither in the token nor pinned (ask the TSA with certReq, or pin its certificate)');
    checkEss(si, signer);
    const eku = signer.extKeyUsage;
    if (eku === undefined || !eku.critical || eku.purposes.length !== 1 || eku.purposes[0] !== OID.kpTimeStamping) {
      fail(`${signer.subject} is not a time-stamping certificate (needs a critical extendedKeyUsage of id-kp-timeStamping only)`);
    }
    if (signer.keyUsage !== undefined && (signer.keyUsage & ~0b11) !== 0) fail(`${signer.subject}: keyUsage allows more than signing`);
    const t = Date.parse(info.genTime);
    if (t < signer.notBefore.getTime() || t > signer.notAfter.getTime()) fail(`genTime ${info.genTime} is outside the validity of ${signer.subject}`);

    // Before any signature: a certificate no chain from the signer can reach by names fails now.
    const stray = unreachableByName(signer, p.certs);
    if (stray !== undefined) fail(`certificate ${stray.subject} in the token is not on the signer's chain`);

    // 4. The signature over the DER signed attributes.
    const budget = signatureBudget();
    budget.spend();
    verifySignature(signer.spki, si.signatureAlgorithm, p.signedAttrsDer, view(si.signature.buffer), si.digestAlgorithm);

    // 5. The chain: every certificate in the token on it, each verified under its issuer.
    const { chain, pinnedHit } = buildChain(signer, p.certs, pinned, budget);
    for (const c of p.certs) {
      if (!chain.some((x) => equalBytes(x.der, c.der))) fail(`certificate ${c.subject} in the token is not on the signer's chain`);
    }
    if (pinned.length > 0 && !pinnedHit) fail(`${signer.subject} does not chain to a pinned TSA certificate`);
    return {
      ...info,
      signer: signer.subject,
      label: tsaLabel(signer),
      selfIssued: isSelfIssued(signer),
      chain: chain.map((c) => c.subject),
      key: describeKey(signer.spki),
      pinned: pinnedHit,
    };
  });
}

function checkEss(si: SignerInfo, signer: ParsedCertificate): void {
  const v2 = singleValue(si, id_aa_signingCertificateV2);
  const v1 = singleValue(si, id_aa_signingCertificate);
  let id: EssCertId | EssCertIdV2 | undefined;
  let alg;
  if (v2 !== undefined) {
    const first: EssCertIdV2 | undefined = parseDer(v2, SigningCertificateV2, 'signingCertificateV2').certs[0];
    id = first;
    alg = first?.hashAlgorithm === undefined ? hashAlgorithm({ algorithm: OID.sha256 } as AlgorithmIdentifier) : hashAlgorithm(first.hashAlgorithm);
  } else if (v1 !== undefined) {
    id = parseDer(v1, SigningCertificate, 'signingCertificate').certs[0];
    alg = hashAlgorithm({ algorithm: OID.sha1 } as AlgorithmIdentifier, true);
  } else {
    bad('no signed ESS signingCertificate(V2) attribute');
  }
  if (id === undefined) bad('ESS signingCertificate lists no certificate');
  if (!equalBytes(view(id.certHash.buffer), alg.fn(signer.der))) fail(`ESS signingCertificate does not name ${signer.subject}`);
  if (id.issuerSerial !== undefined) {
    const names = id.issuerSerial.issuer;
    const dn = names.length === 1 ? names[0]!.directoryName : undefined;
    if (dn === undefined || !equalBytes(serialize(dn), signer.issuerDer) || !equalBytes(view(id.issuerSerial.serialNumber), signer.serial)) {
      fail('ESS signingCertificate issuerSerial does not match the signer certificate');
    }
  }
}

/** What a person reads about a certificate's timestamp (for the PDF and the verify page). */
export interface TimestampDescription {
  /** The certificate's `timestamp.tsa` label. */
  tsa: string;
  /** genTime, RFC 3339 UTC with milliseconds. */
  genTime: string;
  /** True when the time comes from the log's own built-in TSA (or another self-signed TSA), not an independent one. */
  selfIssued: boolean;
}

/**
 * Describes `cert.timestamp` for display, WITHOUT verifying it (run verifyCertificate for
 * that). Returns undefined when the certificate has no timestamp; throws LogError('bad_format')
 * when it has one that cannot be read. `cert` is any JSON value (attacker-controlled).
 */
export function describeTimestamp(cert: unknown): TimestampDescription | undefined {
  if (typeof cert !== 'object' || cert === null) return undefined;
  const ts = (cert as { timestamp?: unknown }).timestamp;
  if (ts === undefined) return undefined;
  if (typeof ts !== 'object' || ts === null) bad('certificate timestamp is not an object');
  const { rfc3161, tsa } = ts as { rfc3161?: unknown; tsa?: unknown };
  if (typeof rfc3161 !== 'string' || typeof tsa !== 'string') bad('certificate timestamp needs rfc3161 and tsa strings');
  const info = parseTimestampTokenUnverified(fromBase64(rfc3161));
  return { tsa, genTime: info.genTime, selfIssued: info.selfIssued || tsa === BUILTIN_TSA_NAME || /self-issued/i.test(tsa) };
}
