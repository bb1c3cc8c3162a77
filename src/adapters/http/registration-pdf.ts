/**
 * The printable registration certificate (作品登记证书): a one-page bilingual A4 PDF rendered with
 * pdfkit from the JSON registration certificate, in the style of the evidence certificate
 * (pdf.ts, whose fonts it shares), with a QR code of the public registry entry. The JSON
 * certificate is attached to the PDF: it is what a verifier checks; the page only presents it.
 */
import QRCode from 'qrcode';
import { toHex } from '../../core/bytes.js';
import { openCheckpoint } from '../../core/checkpoint.js';
import { WORK_TYPES, type RegistrationCertificate } from '../../core/registration.js';
import { WORK_TYPE_LABELS } from './metadata.js';
import { ACCENT, certificateDocument, CONTENT_W, INK, M, MUTED, NAVY, PAGE_H, PAGE_W, RULE, TINT } from './pdf.js';

export interface RegistrationPdfInput {
  certificate: RegistrationCertificate;
  verifierKey: string;
  /** The public registry URL of this number (the QR code's text). */
  registryUrl: string;
  issuedAt: string;
}

const LABEL_W = 118;
/** More deposits than this are summarised (the page has room for the rest of the certificate). */
const MAX_DEPOSITS_SHOWN = 4;

const clip = (s: string, n: number) => ([...s].length > n ? [...s].slice(0, n - 1).join('') + '…' : s);

const RIGHTS: Record<string, string> = {
  original: '原始取得 Original',
  commissioned: '委托创作 Commissioned',
  employment: '职务作品 Employment',
  transfer: '受让 Transfer',
  inheritance: '继承 Inheritance',
  other: '其他 Other',
};

/** Renders the PDF. MUST be given a certificate this service issued (its checkpoint opens under `verifierKey`). */
export async function renderRegistrationPdf(input: RegistrationPdfInput): Promise<Buffer> {
  const { certificate: cert, verifierKey, registryUrl } = input;
  const { checkpoint } = openCheckpoint(cert.checkpoint, verifierKey);
  const rec = cert.record;
  const number = cert.registration.number;

  const { doc, finished } = await certificateDocument({
    Title: `作品登记证书 Registration Certificate ${number}`,
    Author: checkpoint.origin,
    Subject: clip(rec.title, 200),
    Creator: 'copyright-ledger',
    CreationDate: new Date(input.issuedAt),
  });
  const MONO = 'Courier';

  let y = 44;
  doc.font('sans-bold').fontSize(25).fillColor(NAVY).text('作品登记证书', M, y, { width: CONTENT_W, align: 'center', characterSpacing: 6 });
  y += 36;
  doc.font('sans').fontSize(10.5).fillColor(MUTED).text('COPYRIGHT REGISTRATION CERTIFICATE', M, y, { width: CONTENT_W, align: 'center', characterSpacing: 3 });
  y += 19;
  doc.moveTo(PAGE_W / 2 - 40, y).lineTo(PAGE_W / 2 + 40, y).lineWidth(1.2).strokeColor(ACCENT).stroke();
  y += 10;
  doc.font('sans-bold').fontSize(13).fillColor(ACCENT).text(`登记号 No. ${number}`, M, y, { width: CONTENT_W, align: 'center' });
  y = doc.y + 6;
  doc.font('sans').fontSize(8.5).fillColor(INK);
  doc.text(
    '经审查，下列作品的著作权登记申请符合要求，予以登记。登记记录已写入公开、仅可追加的透明日志。' +
      '\nUpon review, the application below has been registered. The registration is recorded in a public, append-only transparency log.',
    M,
    y,
    { width: CONTENT_W, align: 'center', lineGap: 1.5 },
  );
  y = doc.y + 10;

  const section = (zh: string, en: string) => {
    y += 4;
    doc.rect(M, y, CONTENT_W, 17).fill(TINT);
    doc.rect(M, y, 3, 17).fill(NAVY);
    doc.font('sans-bold').fontSize(9.5).fillColor(NAVY).text(zh, M + 10, y + 3, { lineBreak: false });
    const w = doc.widthOfString(zh);
    doc.font('sans').fontSize(8.5).fillColor(MUTED).text(en.toUpperCase(), M + 16 + w, y + 4, { lineBreak: false, characterSpacing: 0.8 });
    y += 22;
  };
  const row = (zh: string, en: string, value: string, opts: { mono?: boolean; size?: number } = {}) => {
    const width = CONTENT_W - LABEL_W;
    const size = opts.size ?? (opts.mono ? 8 : 9);
    doc.font(opts.mono ? MONO : 'sans').fontSize(size);
    const h = Math.max(doc.heightOfString(value, { width, lineGap: 1 }), 20);
    doc.font('sans').fontSize(8).fillColor(INK).text(zh, M + 8, y, { lineBreak: false });
    doc.font('sans').fontSize(6.5).fillColor(MUTED).text(en, M + 8, y + 10.5, { lineBreak: false });
    doc.font(opts.mono ? MONO : 'sans').fontSize(size).fillColor(INK).text(value, M + LABEL_W, y + (opts.mono ? 1.5 : 0), { width, lineGap: 1 });
    y += h + 4;
    doc.moveTo(M + 8, y - 2).lineTo(M + CONTENT_W, y - 2).lineWidth(0.3).strokeColor(RULE).stroke();
  };

  section('作品', 'The work');
  row('作品名称', 'Title', clip(rec.title, 200));
  const label = WORK_TYPE_LABELS[rec.workType];
  row('作品类别', 'Category', `${label.zh}  ${label.en}  (${WORK_TYPES[rec.workType].code})`);
  row('作者', 'Authors', clip(rec.authors.map((a) => (a.signature !== undefined && a.signature !== a.name ? `${a.name}（署名 ${a.signature}）` : a.name)).join('；'), 300));
  row('著作权人', 'Rights holders', clip(rec.rightsHolders.map((h) => h.name).join('；'), 300) + (rec.ownership === 'joint' ? '  （共有 joint）' : ''));
  row('创作完成', 'Completed', `${rec.creation.completedOn}  ${clip(rec.creation.place, 80)}`);
  row(
    '发表状态',
    'Publication',
    rec.publication.status === 'published' ? `已发表 Published  ${rec.publication.firstPublishedOn}  ${clip(rec.publication.place, 80)}` : '未发表 Unpublished',
  );
  row('权利取得方式', 'Rights obtained', RIGHTS[rec.rightsObtained] ?? rec.rightsObtained);

  section('登记', 'Registration');
  row('登记日期', 'Registered at', rec.registeredAt + (rec.correctedAt !== undefined ? `    更正 Corrected ${rec.correctedAt}` : ''));
  const shown = rec.deposits.slice(0, MAX_DEPOSITS_SHOWN).map((d) => `${d.id}\n  SHA-256 ${d.sha256}`);
  if (rec.deposits.length > MAX_DEPOSITS_SHOWN) shown.push(`… +${rec.deposits.length - MAX_DEPOSITS_SHOWN} (all in the JSON certificate)`);
  row('存证', 'Deposits', shown.join('\n'), { mono: true, size: 7 });
  row('日志条目', 'Log entry', `#${cert.entry.index}  (${cert.registration.action})    区块 Block ${checkpoint.height}  ${checkpoint.time}`);
  row('树根哈希', 'Root hash', `${toHex(checkpoint.rootHash)}  (size ${checkpoint.treeSize})`, { mono: true, size: 7.4 });
  row('验证公钥', 'Verifier key', verifierKey, { mono: true, size: 7.2 });

  section('如何验证', 'How to verify');
  const qrSize = 100;
  const textW = CONTENT_W - qrSize - 24;
  const qrTop = y;
  doc.font('sans').fontSize(8.5).fillColor(INK).text('离线验证：保存本 PDF 附带的 JSON 证书，运行：', M + 8, y, { width: textW });
  doc.font('sans').fontSize(7.8).fillColor(MUTED).text('Offline: save the JSON certificate attached to this PDF and run:', M + 8, doc.y + 1, { width: textW });
  y = doc.y + 4;
  const cmd = `npx copyright-ledger verify ${number}.registration.json --key '${verifierKey}'`;
  doc.font(MONO).fontSize(7.2);
  const cmdH = doc.heightOfString(cmd, { width: textW - 12 });
  doc.roundedRect(M + 8, y - 1, textW, cmdH + 8, 3).fill(TINT);
  doc.font(MONO).fontSize(7.2).fillColor(INK).text(cmd, M + 14, y + 3, { width: textW - 12 });
  y += cmdH + 12;
  doc.font('sans').fontSize(8.5).fillColor(INK).text('公开登记簿（更正与撤销均在此公示）：', M + 8, y, { width: textW });
  doc.font('sans').fontSize(7.8).fillColor(MUTED).text('Public registry (corrections and revocations are shown there):', M + 8, doc.y + 1, { width: textW });
  doc.font(MONO).fontSize(7.6).fillColor(NAVY).text(registryUrl, M + 8, doc.y + 2, { width: textW, link: registryUrl });
  y = doc.y + 6;

  const qr = QRCode.create(registryUrl, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const cell = qrSize / n;
  const qx = M + CONTENT_W - qrSize - 4;
  const qy = qrTop + 2;
  doc.rect(qx - 4, qy - 4, qrSize + 8, qrSize + 8).fill('#ffffff');
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.modules.get(r, c)) doc.rect(qx + c * cell, qy + r * cell, cell + 0.02, cell + 0.02);
  doc.fill('#000000');
  doc.font('sans').fontSize(7.5).fillColor(MUTED).text('扫码查询  Scan to look up', qx - 10, qy + qrSize + 5, { width: qrSize + 20, align: 'center' });

  const footY = PAGE_H - 80;
  doc.moveTo(M, footY).lineTo(M + CONTENT_W, footY).lineWidth(0.5).strokeColor(RULE).stroke();
  doc.font('sans').fontSize(7).fillColor(MUTED);
  doc.text(
    `本证书由 copyright-ledger 依据透明日志 ${checkpoint.origin} 出具；机器可验证的 JSON 证书（${number}.registration.json）作为附件嵌入本 PDF，是验证所依据的证据。登记的当前状态以公开登记簿为准。`,
    M,
    footY + 6,
    { width: CONTENT_W, lineGap: 1 },
  );
  doc.text(
    `Issued by copyright-ledger from the transparency log ${checkpoint.origin}. The attached JSON certificate (${number}.registration.json) is the evidence a verifier checks; the public registry shows the registration's current status.`,
    M,
    doc.y + 2,
    { width: CONTENT_W, lineGap: 1 },
  );

  doc.file(Buffer.from(JSON.stringify(cert, null, 2) + '\n', 'utf8'), {
    name: `${number}.registration.json`,
    type: 'application/json',
    description: 'Registration certificate (copyright-ledger/registration-certificate@v1)',
    creationDate: new Date(input.issuedAt),
  });
  doc.end();
  return finished;
}
