/**
 * The verify page reads the JSON certificate attached to a PDF in the browser
 * (web/verify/client/pdf.ts): FlateDecode-compressed and plain attachments as pdfkit writes
 * them, the first copyright-ledger certificate among several, none in a PDF without one.
 */
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { certificateFromPdf, pdfAttachments } from '../../src/adapters/web/verify/client/pdf.js';

async function pdf(compress: boolean, files: { name: string; text: string }[]): Promise<Uint8Array> {
  const doc = new PDFDocument({ compress });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.text('certificate');
  for (const f of files) doc.file(Buffer.from(f.text, 'utf8'), { name: f.name, type: 'application/json' });
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

const cert = JSON.stringify({ format: 'copyright-ledger/certificate@v1', deposit: { id: 'dep_0123456789abcdef0123' } }, null, 2);

describe('certificateFromPdf', () => {
  it('reads a compressed and an uncompressed attachment, with its file name', async () => {
    for (const compress of [true, false]) {
      const found = certificateFromPdf(await pdf(compress, [{ name: 'dep_x.certificate.json', text: cert }]));
      expect(found?.text, String(compress)).toBe(cert);
      expect(found?.name).toBe('dep_x.certificate.json');
    }
  });

  it('skips attachments that are not certificates and finds the one that is', async () => {
    const bytes = await pdf(true, [
      { name: 'notes.json', text: '{"hello":"world"}' },
      { name: 'readme.txt', text: 'not json' },
      { name: 'c.json', text: cert },
    ]);
    expect(pdfAttachments(bytes)).toHaveLength(3);
    expect(certificateFromPdf(bytes)?.text).toBe(cert);
  });

  it('finds nothing in a PDF without a certificate, and refuses what is not a PDF', async () => {
    expect(certificateFromPdf(await pdf(true, []))).toBeUndefined();
    expect(certificateFromPdf(await pdf(true, [{ name: 'a.json', text: '{"format":"other"}' }]))).toBeUndefined();
    expect(() => certificateFromPdf(new TextEncoder().encode('{"format":"copyright-ledger/certificate@v1"}'))).toThrow(/not a PDF/);
  });
});
