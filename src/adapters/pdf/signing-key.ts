/**
 * The operator's document-signing key for PDF certificates: PDF_SIGNING_KEY_FILE and
 * PDF_SIGNING_CERT_FILE (PEM, an RSA key and its certificate chain), or an RSA-2048 key and a
 * self-signed X.509 certificate naming the operator, generated into DATA_DIR on first start
 * (files 0600) and kept. The certificate is published at GET /v1/pdf/signing-cert; every PDF
 * names it by its SHA-256 fingerprint.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, X509Certificate } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { ConfigError } from '../../config.js';

/** What a PDF renderer needs to sign: plain strings, so it crosses to a worker thread as is. */
export interface PdfSigning {
  /** PKCS#1 PEM RSA private key. */
  keyPem: string;
  /** The signing certificate first, then its chain (PEM). */
  certPem: string;
  /** SHA-256 of the signing certificate's DER, uppercase hex pairs joined by ":". */
  fingerprint: string;
  /** The certificate's subject, as openssl prints it. */
  subject: string;
  /** True when the certificate is its own issuer (no certification authority vouches for it). */
  selfSigned: boolean;
  notAfter: string;
}

export const GENERATED_KEY = 'pdf-signing-key.pem';
export const GENERATED_CERT = 'pdf-signing-cert.pem';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Loads the configured key and certificate, else the generated pair in `dataDir` (creating it on first use). */
export async function loadPdfSigning(opts: { dataDir: string; keyFile?: string; certFile?: string; operatorName?: string }): Promise<PdfSigning> {
  if (opts.keyFile !== undefined && opts.certFile !== undefined) {
    const [key, cert] = await Promise.all([
      readFile(opts.keyFile, 'utf8').catch((e: unknown) => {
        throw new ConfigError('PDF_SIGNING_KEY_FILE', `PDF_SIGNING_KEY_FILE: cannot read ${opts.keyFile} (${(e as { code?: string }).code ?? String(e)})`);
      }),
      readFile(opts.certFile, 'utf8').catch((e: unknown) => {
        throw new ConfigError('PDF_SIGNING_CERT_FILE', `PDF_SIGNING_CERT_FILE: cannot read ${opts.certFile} (${(e as { code?: string }).code ?? String(e)})`);
      }),
    ]);
    return material(key, cert, 'PDF_SIGNING_KEY_FILE');
  }
  const keyPath = join(opts.dataDir, GENERATED_KEY);
  const certPath = join(opts.dataDir, GENERATED_CERT);
  const existing = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]).catch((e: unknown) => {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw e;
  });
  if (existing !== undefined) return material(existing[0], existing[1], 'DATA_DIR');
  // None yet, or a first start died between the two renames below (a key without its certificate,
  // never served): make a new pair. Each file is written whole under a temporary name, synced and
  // renamed, so neither is ever seen half-written.
  const generated = await generate(opts.operatorName);
  await writeWhole(keyPath, generated.keyPem);
  await writeWhole(certPath, generated.certPem);
  return material(generated.keyPem, generated.certPem, 'DATA_DIR');
}

async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

function material(keyText: string, certText: string, variable: string): PdfSigning {
  let key;
  try {
    key = createPrivateKey(keyText);
  } catch (e) {
    throw new ConfigError(variable, `${variable}: the PDF signing key is not a PEM private key (${e instanceof Error ? e.message : String(e)})`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new ConfigError(variable, `${variable}: the PDF signing key must be RSA (got ${key.asymmetricKeyType})`);
  const pems = certText.match(PEM_CERT) ?? [];
  const certVar = variable === 'DATA_DIR' ? variable : 'PDF_SIGNING_CERT_FILE';
  if (pems.length === 0) throw new ConfigError(certVar, `${certVar}: no PEM certificate found`);
  const cert = new X509Certificate(pems[0]!);
  const pub = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(pub)) {
    throw new ConfigError(certVar, `${certVar}: the first certificate does not belong to the PDF signing key`);
  }
  return {
    keyPem: key.export({ type: 'pkcs1', format: 'pem' }).toString(),
    certPem: pems.join('\n') + '\n',
    fingerprint: createHash('sha256').update(cert.raw).digest('hex').toUpperCase().match(/../g)!.join(':'),
    subject: cert.subject.replace(/\n/g, ', '),
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

const utf8 = (value: string) => ({ value, valueTagClass: forge.asn1.Type.UTF8 as unknown as undefined });

/** An RSA-2048 key and a self-signed certificate (10 years) naming the operator. */
async function generate(operatorName: string | undefined): Promise<{ keyPem: string; certPem: string }> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const fkey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(fkey.n, fkey.e);
  cert.serialNumber = '01' + createHash('sha256').update(keyPem).digest('hex').slice(0, 30);
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365.25 * 86_400_000);
  const attrs = [
    { name: 'commonName', ...utf8(`${operatorName ?? 'copyright-ledger'} PDF certificate signing (self-signed)`) },
    ...(operatorName !== undefined ? [{ name: 'organizationName', ...utf8(operatorName) }] : []),
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(fkey, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}
