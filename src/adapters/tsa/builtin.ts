/**
 * The built-in TSA: an RFC 3161 responder with its own ECDSA P-256 key and self-signed
 * time-stamping certificate in DATA_DIR, used when no external TSA is configured. Its time is
 * the server's clock: certificates name it BUILTIN_TSA_NAME ("… (self-issued time)").
 *
 * Files: `tsa-key.pem` (PKCS#8, mode 0600, created once, never replaced) and `tsa-cert.pem`
 * (public; re-made from the key if missing or not matching it).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { equalBytes } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import { certificatesFromPem, certificateToPem, OID, parseCertificate, serialize } from '../../core/pkix.js';
import { BUILTIN_TSA_NAME } from '../../core/timestamp.js';
import type { Tsa } from '../../app/timestamps.js';
import { writeNewFileAtomically } from '../crypto/node.js';
import { BUILTIN_POLICY, buildSelfSignedTsaCertificate, buildTimestampToken, FAIL, grantedReply, parseQuery, positiveSerial, rejection, type SigningKey } from './tokens.js';

export const TSA_KEY_FILE = 'tsa-key.pem';
export const TSA_CERT_FILE = 'tsa-cert.pem';

export interface BuiltinTsa extends Tsa {
  /** DER of the TSA certificate (self-signed). */
  readonly certificate: Uint8Array;
  readonly certificatePem: string;
  /** Answers a DER TimeStampReq with a DER TimeStampResp (a refusal for a bad query). Never throws. */
  respond(query: Uint8Array): Uint8Array;
}

const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** A SigningKey over a node:crypto private key: ECDSA P-256/P-384 (SHA-256/384), Ed25519, RSA (SHA-256). */
export function nodeSigningKey(privateKey: KeyObject): SigningKey {
  const spki = plain(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
  switch (privateKey.asymmetricKeyType) {
    case 'ec': {
      const curve = privateKey.asymmetricKeyDetails?.namedCurve;
      const hash = curve === 'secp384r1' ? 'sha384' : 'sha256';
      const algorithm = hash === 'sha384' ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256;
      return { spki, signatureAlgorithm: new AlgorithmIdentifier({ algorithm }), sign: (d) => plain(nodeSign(hash, d, { key: privateKey, dsaEncoding: 'der' })) };
    }
    case 'ed25519':
      return { spki, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.ed25519 }), sign: (d) => plain(nodeSign(null, d, privateKey)) };
    case 'rsa':
      return { spki, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: null }), sign: (d) => plain(nodeSign('sha256', d, privateKey)) };
    default:
      throw new LogError('bad_format', `unsupported TSA key type ${privateKey.asymmetricKeyType}`);
  }
}

export interface BuiltinTsaOptions {
  /** Epoch milliseconds (genTime). */
  now: () => number;
  random: (n: number) => Uint8Array;
  /** The certificate's O= (the log origin), so one can tell whose TSA it is. */
  organization?: string;
}

/** A built-in TSA over an existing key and certificate (tests use it with any key type). */
export function builtinTsa(key: SigningKey, certificate: Uint8Array, opts: BuiltinTsaOptions): BuiltinTsa {
  const make = (req: Parameters<typeof buildTimestampToken>[0]['req']) =>
    buildTimestampToken({ req, key, certificate, genTime: new Date(opts.now()), serial: positiveSerial(opts.random(16)), policy: BUILTIN_POLICY });
  return {
    name: BUILTIN_TSA_NAME,
    certificate,
    certificatePem: certificateToPem(certificate),
    async timestamp(digest: Uint8Array) {
      if (digest.length !== 32) throw new LogError('invalid_request', 'digest must be 32 bytes');
      return grantedReply(make({ hashAlgorithm: OID.sha256, hashedMessage: digest, certReq: true }));
    },
    respond(query: Uint8Array) {
      try {
        const q = parseQuery(query, BUILTIN_POLICY);
        return q.ok ? grantedReply(make(q.req)) : q.reply;
      } catch {
        return rejection(FAIL.systemFailure, 'internal error');
      }
    },
  };
}

/**
 * Loads the built-in TSA from `dataDir`, creating its key (mode 0600, never replaced) and its
 * self-signed certificate on first start. A certificate file that is missing, unreadable or for
 * another key is re-made from the key. Throws LogError('internal') on I/O failure.
 */
export async function loadOrCreateBuiltinTsa(dataDir: string, opts: BuiltinTsaOptions): Promise<BuiltinTsa> {
  const keyPath = join(dataDir, TSA_KEY_FILE);
  const certPath = join(dataDir, TSA_CERT_FILE);
  let pem: string | undefined;
  try {
    pem = await readFile(keyPath, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw new LogError('internal', `cannot read ${keyPath}`, { cause: e });
  }
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const fresh = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    try {
      const outcome = await writeNewFileAtomically(keyPath, fresh);
      pem = outcome === 'created' ? fresh : await readFile(keyPath, 'utf8');
    } catch (cause) {
      throw new LogError('internal', `cannot create ${keyPath}`, { cause });
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new LogError('bad_format', `${keyPath}: not a PEM private key`, { cause });
  }
  const key = nodeSigningKey(privateKey);
  let certificate: Uint8Array | undefined;
  try {
    const [der] = certificatesFromPem(await readFile(certPath, 'utf8'));
    if (der !== undefined && equalBytes(serialize(parseCertificate(der).spki), key.spki)) certificate = der;
  } catch {
    certificate = undefined;
  }
  if (certificate === undefined) {
    certificate = buildSelfSignedTsaCertificate({
      key,
      commonName: BUILTIN_TSA_NAME,
      ...(opts.organization !== undefined ? { organization: opts.organization } : {}),
      serial: positiveSerial(opts.random(16)),
      notBefore: new Date(opts.now() - 60_000),
    });
    const tmp = `${certPath}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, certificateToPem(certificate), { mode: 0o644 });
      await rename(tmp, certPath);
    } catch (cause) {
      throw new LogError('internal', `cannot write ${certPath}`, { cause });
    }
  }
  return builtinTsa(key, certificate, opts);
}
