/**
 * Signs a rendered PDF: an incremental update adds a signature field whose /Contents holds a
 * detached PKCS#7 (CMS) SignedData, SHA-256 over the whole file but the /Contents value
 * (/SubFilter /adbe.pkcs7.detached, what Adobe Reader and poppler's pdfsig check). Any later
 * change of a byte in the signed range breaks it. Runs on the PDF worker thread.
 */
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { SignPdf } from '@signpdf/signpdf';
import { Signer, SUBFILTER_ADOBE_PKCS7_DETACHED } from '@signpdf/utils';
import forge from 'node-forge';
import type { PdfSigning } from './signing-key.js';

class PemSigner extends Signer {
  constructor(
    private readonly key: forge.pki.PrivateKey,
    private readonly certs: forge.pki.Certificate[],
  ) {
    super();
  }

  override async sign(pdf: Buffer, signingTime?: Date): Promise<Buffer> {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(pdf.toString('binary'));
    for (const c of this.certs) p7.addCertificate(c);
    p7.addSigner({
      key: this.key as forge.pki.rsa.PrivateKey,
      certificate: this.certs[0]!,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
        { type: forge.pki.oids.signingTime!, value: (signingTime ?? new Date()) as unknown as string },
        { type: forge.pki.oids.messageDigest! },
      ],
    });
    p7.sign({ detached: true });
    return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
  }
}

const signers = new Map<string, PemSigner>();

function signerFor(s: PdfSigning): PemSigner {
  let signer = signers.get(s.certPem);
  if (signer === undefined) {
    const certs = (s.certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => forge.pki.certificateFromPem(p));
    // forge keeps a parsed UTF8String as its raw bytes but encodes it again when it writes the
    // signer's issuerAndSerialNumber: decode it here, so the issuer matches the certificate's.
    for (const a of certs[0]?.issuer.attributes ?? []) {
      if (a.valueTagClass === (forge.asn1.Type.UTF8 as unknown) && typeof a.value === 'string') a.value = forge.util.decodeUtf8(a.value);
    }
    signer = new PemSigner(forge.pki.privateKeyFromPem(s.keyPem), certs);
    if (signers.size > 4) signers.clear();
    signers.set(s.certPem, signer);
  }
  return signer;
}

export interface SignDetails {
  /** Who signs (the operator). */
  name: string;
  reason: string;
  location: string;
  contactInfo: string;
  signingTime: Date;
}

/** `pdf` with a detached CMS signature over all of it (an invisible signature field on page 1). */
export async function signPdf(pdf: Buffer, signing: PdfSigning, d: SignDetails): Promise<Buffer> {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: pdf,
    reason: d.reason,
    contactInfo: d.contactInfo,
    name: d.name,
    location: d.location,
    signingTime: d.signingTime,
    signatureLength: 8192,
    subFilter: SUBFILTER_ADOBE_PKCS7_DETACHED,
    appName: 'copyright-ledger',
  });
  return new SignPdf().sign(withPlaceholder, signerFor(signing), d.signingTime);
}
