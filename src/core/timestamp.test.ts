import { constants, createHash, generateKeyPairSync, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import { builtinTsa, nodeSigningKey } from '../adapters/tsa/builtin.js';
import { buildQuery, buildSelfSignedTsaCertificate, buildTimestampToken, positiveSerial, rejection, FAIL, type SigningKey } from '../adapters/tsa/tokens.js';
import { makeOpensslTsa, type OpensslTsa } from '../../test/support/openssl-tsa.js';
import { toBase64, utf8 } from './bytes.js';
import { isLogError, type ErrorCode } from './errors.js';
import { certificatesFromPem, OID } from './pkix.js';
import {
  BUILTIN_TSA_NAME,
  describeTimestamp,
  parseGeneralizedTime,
  parseTimestampTokenUnverified,
  responseFromToken,
  tokenFromResponse,
  verifyTimestampToken,
} from './timestamp.js';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const digest = sha256(utf8('localhost/copyright-ledger\n1\nAAAA\nblock 1\ntime 2026-11-26T21:48:51.349Z\nprev AAAA\n'));
const NOW = Date.parse('2026-11-26T21:48:52.123Z');

function codeOf(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (isLogError(e)) return e.code;
    throw e;
  }
}

/** A self-signed time-stamping certificate and a token over `digest` for a node key. */
function selfSigned(key: SigningKey, opts: { certReq?: boolean; name?: string } = {}) {
  const certificate = buildSelfSignedTsaCertificate({ key, commonName: opts.name ?? BUILTIN_TSA_NAME, organization: 'tests', serial: positiveSerial(randomBytes(16)), notBefore: new Date(NOW - 60_000) });
  const token = buildTimestampToken({
    req: { hashAlgorithm: OID.sha256, hashedMessage: digest, certReq: opts.certReq ?? true, nonce: Uint8Array.of(0x12, 0x34) },
    key,
    certificate,
    genTime: new Date(NOW),
    serial: positiveSerial(randomBytes(16)),
    policy: '1.2.3',
  });
  return { certificate, token };
}

function pssKey(privateKey: KeyObject): SigningKey {
  const base = nodeSigningKey(privateKey);
  const sha = new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: null });
  const params = new RsaSaPssParams({
    hashAlgorithm: sha,
    maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID.mgf1, parameters: AsnConvert.serialize(sha) }),
    saltLength: 32,
  });
  return {
    spki: base.spki,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.rsaPss, parameters: AsnConvert.serialize(params) }),
    sign: (d) => new Uint8Array(nodeSign('sha256', d, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })),
  };
}

const keys: Record<string, () => SigningKey> = {
  'ECDSA P-256': () => nodeSigningKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  'ECDSA P-384': () => nodeSigningKey(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey),
  Ed25519: () => nodeSigningKey(generateKeyPairSync('ed25519').privateKey),
  'RSA-2048 PKCS#1 v1.5': () => nodeSigningKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  'RSA-2048 PSS': () => pssKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
};

describe('verifyTimestampToken on tokens built here', () => {
  for (const [name, make] of Object.entries(keys)) {
    it(`${name}: verifies, pinned and not, and refuses other data`, () => {
      const { certificate, token } = selfSigned(make());
      const v = verifyTimestampToken(token, digest);
      expect(v.genTime).toBe('2026-11-26T21:48:52.123Z');
      expect(v.genTimeRaw).toBe('20261126214852.123Z');
      expect(v.label).toBe(BUILTIN_TSA_NAME);
      expect(v.selfIssued).toBe(true);
      expect(v.pinned).toBe(false);
      expect(v.nonce).toBe('1234');
      expect(verifyTimestampToken(token, digest, { certificates: [certificate] }).pinned).toBe(true);
      const other = digest.slice();
      other[0]! ^= 1;
      expect(codeOf(() => verifyTimestampToken(token, other))).toBe('invalid_proof');
    });
  }

  it('a token without the certificate verifies only when the certificate is pinned', () => {
    const key = keys['ECDSA P-256']!();
    const { certificate, token } = selfSigned(key, { certReq: false });
    expect(codeOf(() => verifyTimestampToken(token, digest))).toBe('bad_format');
    expect(verifyTimestampToken(token, digest, { certificates: [certificate] }).pinned).toBe(true);
  });

  it('refuses a token when a different certificate is pinned', () => {
    const { token } = selfSigned(keys['ECDSA P-256']!());
    const { certificate: other } = selfSigned(keys['ECDSA P-256']!());
    expect(codeOf(() => verifyTimestampToken(token, digest, { certificates: [other] }))).toBe('bad_signature');
  });

  it('refuses a signer certificate without the critical timeStamping extendedKeyUsage', async () => {
    // A certificate with EKU serverAuth instead: build it by hand from the same pieces.
    const key = keys['ECDSA P-256']!();
    const hacked = serverAuthCertificate(key);
    const token = buildTimestampToken({ req: { hashAlgorithm: OID.sha256, hashedMessage: digest, certReq: true }, key, certificate: hacked, genTime: new Date(NOW), serial: Uint8Array.of(1), policy: '1.2.3' });
    expect(codeOf(() => verifyTimestampToken(token, digest))).toBe('bad_signature');
  });

  it('every changed byte of the token makes verification fail', () => {
    const { certificate, token } = selfSigned(keys['ECDSA P-256']!());
    for (let i = 0; i < token.length; i++) {
      const a = token.slice();
      a[i]! ^= 0x01;
      expect(codeOf(() => verifyTimestampToken(a, digest, { certificates: [certificate] })), `byte ${i} ^ 0x01`).not.toBe('none');
      const b = token.slice();
      b[i]! ^= 0x80;
      expect(codeOf(() => verifyTimestampToken(b, digest)), `byte ${i} ^ 0x80 (unpinned)`).not.toBe('none');
    }
    // Truncated and extended tokens, too.
    expect(codeOf(() => verifyTimestampToken(token.subarray(0, token.length - 1), digest))).toBe('bad_format');
    expect(codeOf(() => verifyTimestampToken(Uint8Array.from([...token, 0]), digest))).toBe('bad_format');
  }, 120_000);

  it('reads garbage as bad_format, never a stray exception', () => {
    for (const junk of [new Uint8Array(0), Uint8Array.of(0x30), Uint8Array.of(0x30, 0x00), Uint8Array.of(0x30, 0x80, 0, 0), randomBytes(300), utf8('hello')]) {
      expect(codeOf(() => verifyTimestampToken(junk, digest))).toBe('bad_format');
      expect(codeOf(() => parseTimestampTokenUnverified(junk))).toBe('bad_format');
      expect(codeOf(() => tokenFromResponse(junk))).toBe('bad_format');
    }
  });
});

/** A self-signed certificate like the TSA's but with extendedKeyUsage serverAuth (not a TSA certificate). */
function serverAuthCertificate(key: SigningKey): Uint8Array {
  const cert = buildSelfSignedTsaCertificate({ key, commonName: 'not a TSA', serial: Uint8Array.of(5), notBefore: new Date(NOW - 60_000) });
  // Swap the EKU OID id-kp-timeStamping (…03 08) for id-kp-serverAuth (…03 01) and re-sign.
  const parsed = AsnConvert.parse(cert, Certificate);
  const ext = parsed.tbsCertificate.extensions!.find((e) => e.extnID === OID.extKeyUsage)!;
  const v = new Uint8Array(ext.extnValue.buffer);
  v[v.length - 1] = 0x01;
  const tbs = new Uint8Array(AsnConvert.serialize(parsed.tbsCertificate));
  parsed.signatureValue = key.sign(tbs).slice().buffer as ArrayBuffer;
  return new Uint8Array(AsnConvert.serialize(parsed));
}

describe('tokens from openssl ts', () => {
  let rsa: OpensslTsa;
  let ec: OpensslTsa;
  let signerOnly: OpensslTsa;
  beforeAll(async () => {
    [rsa, ec, signerOnly] = await Promise.all([makeOpensslTsa({ key: 'rsa' }), makeOpensslTsa({ key: 'ec384' }), makeOpensslTsa({ key: 'ec', includeChain: false })]);
  });
  afterAll(async () => {
    await Promise.all([rsa?.remove(), ec?.remove(), signerOnly?.remove()]);
  });

  const tokenOf = async (tsa: OpensslTsa) => tokenFromResponse(await tsa.reply(buildQuery(digest, Uint8Array.of(0x42, 0x01))));
  const ca = async (tsa: OpensslTsa) => certificatesFromPem(await readFile(tsa.caFile, 'utf8'));

  it('verifies RSA and ECDSA P-384 tokens with their chain, pinned to the CA', async () => {
    for (const tsa of [rsa, ec]) {
      const token = await tokenOf(tsa);
      const v = verifyTimestampToken(token, digest, { certificates: await ca(tsa) });
      expect(v.pinned).toBe(true);
      expect(v.label).toBe('openssl test TSA');
      expect(v.chain).toEqual(['CN=openssl test TSA, O=copyright-ledger tests', 'CN=copyright-ledger test TSA root']);
      expect(v.nonce).toBe('4201');
      expect(v.selfIssued).toBe(false);
      expect(verifyTimestampToken(token, digest).pinned).toBe(false);
    }
  });

  it('a token with only the signer certificate verifies unpinned, and pinned to its CA', async () => {
    const token = await tokenOf(signerOnly);
    expect(verifyTimestampToken(token, digest).chain).toHaveLength(1);
    expect(verifyTimestampToken(token, digest, { certificates: await ca(signerOnly) }).pinned).toBe(true);
    const otherCa = await ca(rsa);
    expect(codeOf(() => verifyTimestampToken(token, digest, { certificates: otherCa }))).toBe('bad_signature');
  });

  it('refuses a token pinned to another CA', async () => {
    const token = await tokenOf(rsa);
    const otherCa = await ca(ec);
    expect(codeOf(() => verifyTimestampToken(token, digest, { certificates: otherCa }))).toBe('bad_signature');
  });

  it('every changed byte of an openssl token makes verification fail', async () => {
    const token = await tokenOf(rsa);
    const pins = await ca(rsa);
    for (let i = 0; i < token.length; i++) {
      const t = token.slice();
      t[i]! ^= 1 + ((i * 37) % 255);
      expect(codeOf(() => verifyTimestampToken(t, digest, { certificates: pins })), `byte ${i}`).not.toBe('none');
    }
  }, 120_000);

  it('a refusal reply names its status', async () => {
    const reply = await rsa.reply(buildQuery(new Uint8Array(20), undefined));
    expect(() => tokenFromResponse(reply)).toThrow(/status 2/);
  });
});

describe('responses, times and descriptions', () => {
  it('wraps a token as a granted TimeStampResp and unwraps it unchanged', () => {
    const { token } = selfSigned(keys['ECDSA P-256']!());
    const resp = responseFromToken(token);
    expect(tokenFromResponse(resp)).toEqual(token);
    expect(tokenFromResponse(token)).toEqual(token);
  });

  it('reads a refusal as bad_format with its text', () => {
    expect(() => tokenFromResponse(rejection(FAIL.badAlg, 'no such hash'))).toThrow(/status 2: no such hash/);
  });

  it('parses DER GeneralizedTime strictly', () => {
    expect(parseGeneralizedTime('20261126214852Z').iso).toBe('2026-11-26T21:48:52.000Z');
    expect(parseGeneralizedTime('20261126214852.5Z').iso).toBe('2026-11-26T21:48:52.500Z');
    expect(parseGeneralizedTime('20261126214852.123456Z').iso).toBe('2026-11-26T21:48:52.123Z');
    for (const bad of ['20261126214852.50Z', '20261126214852', '20260230120000Z', '2026112621485Z', '20261126214852+0100']) {
      expect(codeOf(() => parseGeneralizedTime(bad)), bad).toBe('bad_format');
    }
  });

  it('describeTimestamp reports TSA, genTime and self-issued without verifying', () => {
    const { token } = selfSigned(keys['ECDSA P-256']!());
    expect(describeTimestamp({ timestamp: { rfc3161: toBase64(token), tsa: BUILTIN_TSA_NAME } })).toEqual({
      tsa: BUILTIN_TSA_NAME,
      genTime: '2026-11-26T21:48:52.123Z',
      selfIssued: true,
    });
    expect(describeTimestamp({})).toBeUndefined();
    expect(codeOf(() => describeTimestamp({ timestamp: { rfc3161: 'AAAA', tsa: 'x' } }))).toBe('bad_format');
  });

  it('the built-in TSA answers queries and refuses bad ones', async () => {
    const key = keys['ECDSA P-256']!();
    const { certificate } = selfSigned(key);
    const tsa = builtinTsa(key, certificate, { now: () => NOW, random: (n) => new Uint8Array(randomBytes(n)) });
    const v = verifyTimestampToken(tokenFromResponse(tsa.respond(buildQuery(digest, Uint8Array.of(7)))), digest, { certificates: [certificate] });
    expect(v.nonce).toBe('07');
    expect(verifyTimestampToken(tokenFromResponse(await tsa.timestamp(digest)), digest, { certificates: [certificate] }).genTime).toBe('2026-11-26T21:48:52.123Z');
    expect(() => tokenFromResponse(tsa.respond(utf8('not a query')))).toThrow(/status 2/);
    expect(() => tokenFromResponse(tsa.respond(buildQuery(new Uint8Array(31), undefined)))).toThrow(/status 2/);
  });
});
