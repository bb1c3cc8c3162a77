/**
 * The bounds on verification work (docs/TIMESTAMPS.md, "Bounds"): each cap turns hostile input
 * into a coded error before the expensive step, and input just inside the cap still gets the
 * full check. Codes are asserted, never messages: over a cap is bad_format, a signature that was
 * actually checked and failed is bad_signature.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { nodeSigningKey } from '../adapters/tsa/builtin.js';
import { buildTimestampToken, positiveSerial, type SigningKey } from '../adapters/tsa/tokens.js';
import { codeOf } from '../../test/support/errors.js';
import { bigBytes, buildCertificate, cn, decoyCertificate, decoyLadenToken, randomOddModulus, rsaSpki, withCertificates } from '../../test/support/decoys.js';
import { utf8 } from './bytes.js';
import { CERTIFICATE_FORMAT, TIMESTAMP_NOT_CHECKED, verifyCertificate } from './certificate.js';
import { createEd25519Signer, MAX_NOTE_SIGNATURES_PER_KEY, openNote, signNote } from './note.js';
import { MAX_X509_BYTES, OID, parseCertificate, verifySignature } from './pkix.js';
import { checkRsaKeySize, MAX_RSA_BITS, MIN_RSA_BITS } from './rsa.js';
import { issuerCandidates, MAX_ISSUER_CANDIDATES } from './chain.js';
import { MAX_TOKEN_CERTIFICATES, verifyTimestampToken } from './timestamp.js';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const digest = sha256(utf8('a checkpoint body\n'));
const NOW = Date.parse('2026-11-26T21:48:52.123Z');
const ecKey = (): SigningKey => nodeSigningKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const id = () => new Uint8Array(randomBytes(20));

/** A CA, a TSA certificate it issued (with or without an authorityKeyIdentifier) and a token signed by the TSA carrying both. */
function caAndTsa(opts: { aki: boolean }) {
  const caKey = ecKey();
  const tsaKey = ecKey();
  const caSki = id();
  const ca = buildCertificate({ subject: cn('Test CA'), issuer: cn('Test CA'), spki: caKey.spki, signer: caKey, ca: true, ski: caSki });
  const tsa = buildCertificate({ subject: cn('Test TSA'), issuer: cn('Test CA'), spki: tsaKey.spki, signer: caKey, tsa: true, ski: id(), ...(opts.aki ? { aki: caSki } : {}) });
  const token = buildTimestampToken({
    req: { hashAlgorithm: OID.sha256, hashedMessage: digest, certReq: true },
    key: tsaKey,
    certificate: tsa,
    genTime: new Date(NOW),
    serial: positiveSerial(new Uint8Array(randomBytes(8))),
    policy: '1.2.3',
  });
  return { ca, tsa, caSki, token };
}

/** RSA-2048 decoys named `name`: each attempt on one costs a real modPow that fails. */
const cheapDecoys = (name: string, n: number, ski?: Uint8Array) =>
  Array.from({ length: n }, () => decoyCertificate({ subject: cn(name), issuer: cn('Elsewhere'), bits: 2048, exponent: 65537n, signatureBytes: 256, ...(ski ? { ski } : {}) }));

const rsaKey = (bits: number, e: bigint) => AsnConvert.parse(rsaSpki(randomOddModulus(bits), bigBytes(e)), SubjectPublicKeyInfo);
const sha256WithRsa = new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: null });
/** verifySignature with a random signature as long as the modulus: bad_format if refused before the arithmetic, bad_signature after. */
const rsaVerifyCode = (bits: number, e: bigint) => codeOf(() => verifySignature(rsaKey(bits, e), sha256WithRsa, utf8('data'), new Uint8Array(Math.ceil(bits / 8))));

describe('the chain fixture verifies (so a failure below is the cap, not the fixture)', () => {
  it('a CA-issued TSA token verifies unpinned and pinned, with and without key identifiers', () => {
    for (const aki of [true, false]) {
      const { ca, tsa, token } = caAndTsa({ aki });
      const t = withCertificates(token, [tsa, ca]);
      expect(verifyTimestampToken(t, digest).chain).toEqual(['CN=Test TSA', 'CN=Test CA']);
      expect(verifyTimestampToken(t, digest, { certificates: [ca] }).pinned).toBe(true);
    }
  });
});

describe('RSA keys: 2048–4096 bits, odd exponent 3 ≤ e < 2^32, refused before any modPow', () => {
  it('modulus size', () => {
    expect(rsaVerifyCode(2047, 65537n)).toBe('bad_format');
    expect(rsaVerifyCode(MIN_RSA_BITS, 65537n)).toBe('bad_signature');
    expect(rsaVerifyCode(3072, 65537n)).toBe('bad_signature');
    expect(rsaVerifyCode(MAX_RSA_BITS, 65537n)).toBe('bad_signature');
    expect(rsaVerifyCode(MAX_RSA_BITS + 1, 65537n)).toBe('bad_format');
    expect(rsaVerifyCode(16384, 65537n)).toBe('bad_format');
  });

  it('public exponent', () => {
    for (const e of [3n, 65537n, (1n << 32n) - 1n]) expect(rsaVerifyCode(2048, e), `e = ${e}`).toBe('bad_signature');
    for (const e of [0n, 1n, 2n, 65536n, 1n << 32n, (1n << 32n) + 1n, (1n << 64n) - 1n]) expect(rsaVerifyCode(2048, e), `e = ${e}`).toBe('bad_format');
  });

  it('the issue’s key (16384 bits, e = 2^64−1) is refused from its bytes', () => {
    const n = randomOddModulus(16384);
    expect(codeOf(() => checkRsaKeySize({ n, e: bigBytes((1n << 64n) - 1n) }))).toBe('bad_format');
    expect(codeOf(() => checkRsaKeySize({ n: Uint8Array.from([0, 0, ...randomOddModulus(2048)]), e: Uint8Array.of(1, 0, 1) }))).toBeUndefined();
  });
});

describe('certificates in a token', () => {
  it(`more than ${MAX_TOKEN_CERTIFICATES} certificates: bad_format; ${MAX_TOKEN_CERTIFICATES} are read and checked`, () => {
    const { ca, tsa, token } = caAndTsa({ aki: true });
    const others = (n: number) => cheapDecoys('Unrelated', n);
    // At the cap: the chain verifies, then the unrelated certificates are found off the chain.
    expect(codeOf(() => verifyTimestampToken(withCertificates(token, [tsa, ca, ...others(MAX_TOKEN_CERTIFICATES - 2)]), digest))).toBe('bad_signature');
    expect(codeOf(() => verifyTimestampToken(withCertificates(token, [tsa, ca, ...others(MAX_TOKEN_CERTIFICATES - 1)]), digest))).toBe('bad_format');
  });

  it('the decoy-laden token of the attack (28 × RSA-16384, e = 2^64−1, named like the signer) is bad_format', () => {
    const { ca, tsa, token } = caAndTsa({ aki: false });
    const hostile = decoyLadenToken(withCertificates(token, [tsa, ca]), 28);
    expect(codeOf(() => verifyTimestampToken(hostile, digest))).toBe('bad_format');
  });

  it(`a certificate over ${MAX_X509_BYTES} bytes is bad_format, in a token and alone`, () => {
    const { ca, tsa, token } = caAndTsa({ aki: true });
    const big = decoyCertificate({ subject: cn('Big'), bits: 2048, exponent: 65537n, signatureBytes: MAX_X509_BYTES });
    expect(codeOf(() => parseCertificate(big))).toBe('bad_format');
    expect(codeOf(() => verifyTimestampToken(withCertificates(token, [tsa, ca, big]), digest))).toBe('bad_format');
  });
});

describe('issuer candidates: key identifier first, then name; at most a handful tried', () => {
  it('orders key-identifier matches first and drops certificates whose key identifier contradicts', () => {
    const { ca, tsa, caSki } = caAndTsa({ aki: true });
    const noSki = cheapDecoys('Test CA', 2);
    const wrongSki = cheapDecoys('Test CA', 2, id());
    const pool = [...noSki, ...wrongSki, ca].map(parseCertificate);
    const got = issuerCandidates(parseCertificate(tsa), pool);
    expect(got.map((c) => c.der)).toEqual([ca, ...noSki]);
    expect(got[0]!.subjectKeyId).toEqual(caSki);
    // Without an authorityKeyIdentifier every certificate with the issuer's name is a candidate, in order.
    const { tsa: bare } = caAndTsa({ aki: false });
    expect(issuerCandidates(parseCertificate(bare), pool)).toHaveLength(5);
  });

  it(`more than ${MAX_ISSUER_CANDIDATES} candidates that fail: bad_format (gave up); the issuer within the first ${MAX_ISSUER_CANDIDATES}: checked`, () => {
    const { ca, tsa, token } = caAndTsa({ aki: false });
    const tooMany = withCertificates(token, [tsa, ...cheapDecoys('Test CA', MAX_ISSUER_CANDIDATES + 1), ca]);
    expect(codeOf(() => verifyTimestampToken(tooMany, digest))).toBe('bad_format');
    // The real issuer is the 4th candidate: found, the chain verifies, the decoys are then off the chain.
    const within = withCertificates(token, [tsa, ...cheapDecoys('Test CA', MAX_ISSUER_CANDIDATES - 1), ca]);
    expect(codeOf(() => verifyTimestampToken(within, digest))).toBe('bad_signature');
  });

  it('the key-identifier match is tried first, whatever the decoys before it', () => {
    const { ca, tsa, token } = caAndTsa({ aki: true });
    const t = withCertificates(token, [tsa, ...cheapDecoys('Test CA', 8), ca]);
    // Not bad_format: the CA was found first; the decoys are off the chain.
    expect(codeOf(() => verifyTimestampToken(t, digest))).toBe('bad_signature');
  });

  it('decoys with 16384-bit keys are refused as candidates without arithmetic, and count against the cap', () => {
    const { ca, tsa, token } = caAndTsa({ aki: false });
    const huge = Array.from({ length: MAX_ISSUER_CANDIDATES }, () => decoyCertificate({ subject: cn('Test CA'), issuer: cn('Elsewhere'), bits: 16384, exponent: (1n << 64n) - 1n }));
    expect(codeOf(() => verifyTimestampToken(withCertificates(token, [tsa, ...huge, ca]), digest))).toBe('bad_format');
  });

  it('a chain needing more than 8 signature checks is bad_format; one needing 8 is checked', () => {
    const rootKey = ecKey();
    const interKey = ecKey();
    const tsaKey = ecKey();
    const root = buildCertificate({ subject: cn('Root'), issuer: cn('Root'), spki: rootKey.spki, signer: rootKey, ca: true });
    const inter = buildCertificate({ subject: cn('Inter'), issuer: cn('Root'), spki: interKey.spki, signer: rootKey, ca: true });
    const tsa = buildCertificate({ subject: cn('Test TSA'), issuer: cn('Inter'), spki: tsaKey.spki, signer: interKey, tsa: true });
    const token = buildTimestampToken({
      req: { hashAlgorithm: OID.sha256, hashedMessage: digest, certReq: true },
      key: tsaKey,
      certificate: tsa,
      genTime: new Date(NOW),
      serial: Uint8Array.of(7),
      policy: '1.2.3',
    });
    expect(verifyTimestampToken(withCertificates(token, [tsa, inter, root]), digest).chain).toEqual(['CN=Test TSA', 'CN=Inter', 'CN=Root']);
    // 1 (signer) + 3 + 3 + 1 (root under itself) = 8 checks: within budget, then decoys off the chain.
    const eight = withCertificates(token, [tsa, ...cheapDecoys('Inter', 2), inter, ...cheapDecoys('Root', 2), root]);
    expect(codeOf(() => verifyTimestampToken(eight, digest))).toBe('bad_signature');
    // 1 + 4 + 4 = 9 checks: over budget before the root is reached.
    const nine = withCertificates(token, [tsa, ...cheapDecoys('Inter', 3), inter, ...cheapDecoys('Root', 3), root]);
    expect(codeOf(() => verifyTimestampToken(nine, digest))).toBe('bad_format');
  });
});

describe('checkpoint first', () => {
  it('with an unverified checkpoint the timestamp is not read: bad_signature "not checked", never the token’s own error', () => {
    const cert = {
      format: CERTIFICATE_FORMAT,
      deposit: { id: 'dep_x', receivedAt: '2026-01-01T00:00:00.000Z' },
      work: { sha256: '0'.repeat(64), metadata: { salt: 'x' } },
      entry: { index: 0, bytes: 'AAAA' },
      proof: { treeSize: 1, hashes: [] },
      checkpoint: 'not a checkpoint\n',
      logKey: 'not a key',
      // Unreadable as a token: reading it would be bad_format.
      timestamp: { rfc3161: 'AAAA', tsa: 'x' },
    };
    const ts = verifyCertificate(cert).checks.find((c) => c.name === 'timestamp');
    expect(ts).toEqual({ name: 'timestamp', ok: false, detail: `bad_signature: ${TIMESTAMP_NOT_CHECKED}` });
  });

  it(`a checkpoint with more than ${MAX_NOTE_SIGNATURES_PER_KEY} lines claiming the log key is bad_format before any is verified`, () => {
    const signer = createEd25519Signer('example.com/log', new Uint8Array(32).fill(3));
    const body = 'example.com/log\n1\nAAAA\n';
    const line = signNote(body, signer).slice(body.length + 1);
    expect(openNote(`${body}\n${line.repeat(MAX_NOTE_SIGNATURES_PER_KEY)}`, signer.verifierKey).signatures).toHaveLength(MAX_NOTE_SIGNATURES_PER_KEY);
    expect(codeOf(() => openNote(`${body}\n${line.repeat(MAX_NOTE_SIGNATURES_PER_KEY + 1)}`, signer.verifierKey))).toBe('bad_format');
  });
});
