/**
 * The printable evidence certificate: a one-page bilingual (存证证书 / Evidence Certificate) A4
 * PDF rendered with pdfkit from the JSON certificate (contract §5), with a QR code of the public
 * verify page. Chinese is set in Noto Sans SC (SIL OFL 1.1, from the npm package
 * @expo-google-fonts/noto-sans-sc), embedded as a subset holding only the glyphs used. The JSON
 * certificate itself is attached to the PDF, so the printout carries its own evidence.
 *
 * The PDF only presents: the JSON certificate is what a verifier checks.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { fromBase64, toHex } from '../../core/bytes.js';
import type { Certificate } from '../../core/certificate.js';
import { openCheckpoint } from '../../core/checkpoint.js';
import { decodeEntry } from '../../core/entry.js';
import { describeTimestamp } from '../../core/timestamp.js';
import { WORK_TYPE_LABELS, type WorkType } from './metadata.js';

export interface PdfInput {
  certificate: Certificate;
  /** The log's verifier key (the certificate's checkpoint is opened with it). */
  verifierKey: string;
  /** Public verify page of this deposit (the QR code's text). */
  verifyUrl: string;
  /** When the PDF is issued (RFC 3339). */
  issuedAt: string;
}

const require = createRequire(import.meta.url);

let fonts: Promise<{ regular: Buffer; bold: Buffer }> | undefined;

/** Noto Sans SC Regular and Bold, read once. */
export function loadFonts(): Promise<{ regular: Buffer; bold: Buffer }> {
  return (fonts ??= (async () => {
    const dir = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
    const [regular, bold] = await Promise.all([
      readFile(join(dir, '400Regular', 'NotoSansSC_400Regular.ttf')),
      readFile(join(dir, '700Bold', 'NotoSansSC_700Bold.ttf')),
    ]);
    return { regular, bold };
  })().catch((e: unknown) => {
    fonts = undefined;
    throw e;
  }));
}

// Palette and geometry (points; A4 is 595.28 x 841.89), shared by every certificate PDF.
export const INK = '#1b2433';
export const MUTED = '#5b6677';
export const NAVY = '#17365d';
export const ACCENT = '#a4262c';
export const RULE = '#c9d1dc';
export const TINT = '#f3f6fa';
export const PAGE_W = 595.28;
export const PAGE_H = 841.89;
export const M = 42; // outer margin of the content
export const CONTENT_W = PAGE_W - 2 * M;
const LABEL_W = 112;

/**
 * A new A4 certificate page: fonts 'sans' and 'sans-bold' registered, the double frame drawn,
 * and `finished` resolving to the PDF bytes once the caller calls `doc.end()`.
 */
export async function certificateDocument(info: PDFKit.DocumentInfo): Promise<{ doc: PDFKit.PDFDocument; finished: Promise<Buffer> }> {
  const { regular, bold } = await loadFonts();
  const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: true, compress: true, info });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('sans', regular);
  doc.registerFont('sans-bold', bold);
  // Frame: a double rule around the page, like a printed certificate.
  doc.lineWidth(1.6).strokeColor(NAVY).rect(18, 18, PAGE_W - 36, PAGE_H - 36).stroke();
  doc.lineWidth(0.5).strokeColor(NAVY).rect(23, 23, PAGE_W - 46, PAGE_H - 46).stroke();
  return { doc, finished };
}

const MAX_TITLE = 200;
const MAX_DESCRIPTION = 360;
const MAX_AUTHORS = 6;

function clip(s: string, max: number): string {
  const chars = [...s.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : chars.slice(0, max - 1).join('') + '…';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function humanSize(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const exact = n.toLocaleString('en-US') + ' bytes';
  return u === 0 ? exact : `${exact} (${v.toFixed(2)} ${units[u]})`;
}

/** Renders the certificate PDF. MUST be given a certificate this service issued (its checkpoint opens under `verifierKey`). */
export async function renderCertificatePdf(input: PdfInput): Promise<Buffer> {
  const { certificate: cert, verifierKey, verifyUrl } = input;
  const { checkpoint } = openCheckpoint(cert.checkpoint, verifierKey);
  const entry = decodeEntry(fromBase64(cert.entry.bytes));
  const meta = cert.work.metadata;
  const depositId = cert.deposit.id;
  const keyId = verifierKey.split('+')[1] ?? '';

  const { doc, finished } = await certificateDocument({
    Title: `存证证书 Evidence Certificate ${depositId}`,
    Author: checkpoint.origin,
    Subject: `SHA-256 ${cert.work.sha256}`,
    Keywords: 'copyright-ledger evidence certificate RFC 9162',
    Creator: 'copyright-ledger',
    CreationDate: new Date(input.issuedAt),
  });
  const MONO = 'Courier';

  // Header.
  let y = 40;
  doc.font('sans-bold').fontSize(24).fillColor(NAVY).text('存证证书', M, y, { width: CONTENT_W, align: 'center', characterSpacing: 6 });
  y += 34;
  doc.font('sans').fontSize(10).fillColor(MUTED).text('EVIDENCE CERTIFICATE', M, y, { width: CONTENT_W, align: 'center', characterSpacing: 3 });
  y += 17;
  doc.moveTo(PAGE_W / 2 - 40, y).lineTo(PAGE_W / 2 + 40, y).lineWidth(1.2).strokeColor(ACCENT).stroke();
  y += 6;
  doc.font('sans').fontSize(8).fillColor(MUTED);
  doc.text(`证书编号 Certificate No.  ${depositId}        签发 Issued  ${input.issuedAt}`, M, y, { width: CONTENT_W, align: 'center' });
  y += 15;
  doc.font('sans').fontSize(8.3).fillColor(INK);
  doc.text('兹证明下列作品的数字指纹已于所示时间写入公开、仅可追加的透明日志，并由日志签名的区块所覆盖。', M, y, { width: CONTENT_W, align: 'center' });
  doc.font('sans').fontSize(7.8).fillColor(MUTED);
  doc.text('The fingerprint of the work below entered a public, append-only transparency log at the time shown, under a block the log signed.', M, doc.y + 1, {
    width: CONTENT_W,
    align: 'center',
  });
  y = doc.y + 8;

  const section = (zh: string, en: string) => {
    y += 3;
    doc.rect(M, y, CONTENT_W, 16).fill(TINT);
    doc.rect(M, y, 3, 16).fill(NAVY);
    doc.font('sans-bold').fontSize(9).fillColor(NAVY).text(zh, M + 10, y + 2.5, { lineBreak: false });
    const w = doc.widthOfString(zh);
    doc.font('sans').fontSize(7.5).fillColor(MUTED).text(en.toUpperCase(), M + 16 + w, y + 4, { lineBreak: false, characterSpacing: 0.8 });
    y += 20;
  };

  interface Cell {
    zh: string;
    en: string;
    value: string;
    mono?: boolean;
    size?: number;
    /** Longest the value may run (default 2 lines, 1 in a half-width cell); longer text is cut with "…". */
    lines?: number;
  }
  const HALF = CONTENT_W / 2;
  const LABEL2_W = 92;
  const label = (zh: string, en: string, x: number, top: number) => {
    doc.font('sans').fontSize(7.8).fillColor(INK).text(zh, x, top + 0.8, { lineBreak: false });
    const w = doc.widthOfString(zh);
    doc.font('sans').fontSize(6.2).fillColor(MUTED).text(en, x + w + 3, top + 2.4, { lineBreak: false });
  };
  /** `text` cut (with "…") to at most `lines` lines of `width` in the current font. */
  const fit = (text: string, width: number, lines: number): string => {
    const opts = { width, lineGap: 0.5 };
    const limit = doc.heightOfString('Ag', opts) * lines + 0.5;
    if (doc.heightOfString(text, opts) <= limit) return text;
    const chars = [...text];
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (doc.heightOfString(chars.slice(0, mid).join('') + '…', opts) <= limit) lo = mid;
      else hi = mid - 1;
    }
    return chars.slice(0, lo).join('').trimEnd() + '…';
  };
  /** One row: a full-width cell, or two half-width cells side by side. */
  const row = (...cells: Cell[]) => {
    const top = y;
    let bottom = top + 12;
    cells.forEach((c, i) => {
      const lx = M + 8 + i * HALF;
      const vx = i === 0 ? M + LABEL_W : M + HALF + LABEL2_W;
      const width = cells.length === 1 ? M + CONTENT_W - vx : i === 0 ? HALF - LABEL_W - 6 : M + CONTENT_W - vx;
      label(c.zh, c.en, lx, top);
      const size = c.size ?? (c.mono ? 7.9 : 8.6);
      doc.font(c.mono ? MONO : 'sans').fontSize(size).fillColor(INK);
      const value = fit(c.value, width, c.lines ?? (cells.length === 1 ? 2 : 1));
      doc.text(value, vx, top + (c.mono ? 1.6 : 0), { width, lineGap: 0.5 });
      bottom = Math.max(bottom, doc.y);
    });
    y = bottom + 6;
    doc.moveTo(M + 8, y - 3).lineTo(M + CONTENT_W, y - 2).lineWidth(0.3).strokeColor(RULE).stroke();
  };

  // 1. The work.
  section('作品信息', 'The work');
  const title = str(meta.title);
  row({ zh: '作品名称', en: 'Title', value: title !== undefined ? clip(title, MAX_TITLE) : '—', size: 9.5 });
  const wt = str(meta.workType);
  const known = wt !== undefined ? WORK_TYPE_LABELS[wt as WorkType] : undefined;
  let typeLabel = wt === undefined ? '—' : known === undefined ? clip(wt, 40) : `${known.zh}  ${known.en}`;
  doc.font('sans').fontSize(8.6);
  if (known !== undefined && doc.widthOfString(typeLabel) > HALF - LABEL_W - 6) typeLabel = known.zh;
  const created = str(meta.creationDate);
  row({ zh: '作品类型', en: 'Type', value: typeLabel }, { zh: '创作完成日期', en: 'Created', value: created !== undefined ? clip(created, 20) : '—' });
  let authors = '—';
  if (Array.isArray(meta.authors) && meta.authors.length > 0) {
    const names = meta.authors.slice(0, MAX_AUTHORS).map((a) => {
      const o = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
      const n = clip(str(o.name) ?? '?', 60);
      const r = str(o.role);
      return r !== undefined ? `${n} (${clip(r, 30)})` : n;
    });
    authors = names.join('; ') + (meta.authors.length > MAX_AUTHORS ? `; +${meta.authors.length - MAX_AUTHORS}` : '');
  }
  row({ zh: '作者', en: 'Authors', value: authors });
  const holder = str(meta.rightsHolder);
  const pubStatus = str(meta.publicationStatus);
  const pubDate = str(meta.publicationDate);
  const publication =
    (pubStatus === 'published' ? '已发表 Published' : pubStatus === 'unpublished' ? '未发表 Unpublished' : pubStatus !== undefined ? clip(pubStatus, 30) : '—') +
    (pubDate !== undefined ? `  ${clip(pubDate, 20)}` : '');
  row({ zh: '著作权人', en: 'Rights holder', value: holder !== undefined ? clip(holder, 80) : '—', lines: 2 }, { zh: '发表状态', en: 'Publication', value: publication });
  const description = str(meta.description);
  if (description !== undefined) row({ zh: '作品说明', en: 'Description', value: clip(description, MAX_DESCRIPTION), size: 8, lines: 3 });

  // 2. The fingerprint.
  section('数字指纹', 'Fingerprint of the file');
  row({ zh: 'SHA-256', en: '', value: cert.work.sha256, mono: true });
  row({ zh: 'SM3', en: 'GB/T 32905-2016', value: cert.work.sm3 ?? '— (not given)', mono: cert.work.sm3 !== undefined });
  row({ zh: '文件大小', en: 'Size', value: cert.work.size !== undefined ? humanSize(cert.work.size) : '— (not given)' });
  row({ zh: '元数据摘要', en: 'Metadata', value: `${String(entry.metaSha256)}  (SHA-256, salted)`, mono: true, size: 7.6 });

  // 3. The log record.
  section('存证记录', 'Record in the log');
  row({ zh: '存证编号', en: 'Deposit id', value: depositId, mono: true });
  row({ zh: '存证时间', en: 'Received', value: cert.deposit.receivedAt }, { zh: '条目序号', en: 'Entry index', value: String(cert.entry.index) });
  row({ zh: '区块高度', en: 'Block height', value: String(checkpoint.height) }, { zh: '区块时间', en: 'Block time', value: checkpoint.time });
  row({ zh: '树大小', en: 'Tree size', value: String(checkpoint.treeSize) }, { zh: '密钥 ID', en: 'Log key id', value: keyId, mono: true });
  row({ zh: '树根哈希', en: 'Root hash', value: toHex(checkpoint.rootHash), mono: true });
  row({ zh: '验证公钥', en: 'Verifier key', value: verifierKey, mono: true, size: 7.2 });
  const ts = describeTimestamp(cert);
  if (ts !== undefined) {
    const self = ts.selfIssued && !/self-issued/i.test(ts.tsa) ? ' (self-issued time)' : '';
    row({ zh: '可信时间戳', en: 'Timestamp', value: `RFC 3161 ${ts.genTime} · ${clip(ts.tsa, 70)}${self}`, lines: 1 });
  }

  // The footer sits at the bottom of the frame; what is left above it is for section 4.
  const footZh = `本证书由 copyright-ledger 依据透明日志 ${checkpoint.origin} 出具。所载数据由日志签名的区块与 RFC 9162 默克尔证明担保；机器可验证的 JSON 证书（${depositId}.certificate.json）作为附件嵌入本 PDF，是验证所依据的证据。`;
  const footEn = `Issued by copyright-ledger from the transparency log ${checkpoint.origin}. The facts above are vouched for by a block the log signed and an RFC 9162 Merkle proof; the machine-verifiable JSON certificate (${depositId}.certificate.json) is attached to this PDF and is the evidence a verifier checks.`;
  doc.font('sans').fontSize(6.6);
  const footH = doc.heightOfString(footZh, { width: CONTENT_W }) + doc.heightOfString(footEn, { width: CONTENT_W }) + 2;
  const footY = PAGE_H - 32 - footH;
  doc.moveTo(M, footY - 5).lineTo(M + CONTENT_W, footY - 5).lineWidth(0.5).strokeColor(RULE).stroke();

  // 4. How to verify: the command across the page, then the verify URL beside its QR code.
  const textX = M + 22;
  const fullW = M + CONTENT_W - textX;
  const step1 = [
    '离线验证：用本 PDF 附带的 JSON 证书和作品文件，在任意电脑上运行下列命令，核对区块签名、默克尔包含证明与文件哈希。',
    "Offline: with the JSON certificate attached to this PDF and the work's file, run this anywhere; it checks the block signature, the Merkle inclusion proof and the file's hashes.",
  ] as const;
  // One command per line, so that a copy from the PDF still runs.
  const cmd = `npx copyright-ledger verify ${depositId}.certificate.json --file <work-file> \\\n    --key '${verifierKey}'`;
  const stepHeight = (zh: string, en: string, width: number) =>
    doc.font('sans').fontSize(8).heightOfString(zh, { width, lineGap: 0.5 }) + 0.5 + doc.font('sans').fontSize(7.3).heightOfString(en, { width, lineGap: 0.5 }) + 4;
  const cmdH = doc.font(MONO).fontSize(7).heightOfString(cmd, { width: fullW - 12 });
  // Long metadata above leaves less room: then the QR code shrinks (it still scans at 60 pt, 21 mm).
  const room = footY - 12 - (y + 23 + stepHeight(step1[0], step1[1], fullW) + cmdH + 11) - 14;
  const qrSize = Math.max(60, Math.min(84, room));

  section('如何验证', 'How to verify');
  const step = (n: string, zh: string, en: string, width: number) => {
    doc.font('sans-bold').fontSize(8.3).fillColor(NAVY).text(n, M + 8, y, { lineBreak: false });
    doc.font('sans').fontSize(8).fillColor(INK).text(zh, textX, y, { width, lineGap: 0.5 });
    doc.font('sans').fontSize(7.3).fillColor(MUTED).text(en, textX, doc.y + 0.5, { width, lineGap: 0.5 });
    y = doc.y + 4;
  };
  step('1', step1[0], step1[1], fullW);
  doc.roundedRect(textX, y - 1, fullW, cmdH + 7, 3).fill(TINT);
  doc.font(MONO).fontSize(7).fillColor(INK).text(cmd, textX + 6, y + 2.5, { width: fullW - 12 });
  y += cmdH + 11;
  const qrTop = y;
  const textW = CONTENT_W - qrSize - 40;
  step('2', '在线查看：扫描右侧二维码，或访问公开验证页面：', 'Online: scan the QR code or open the public verify page:', textW);
  doc.font(MONO).fontSize(7.6).fillColor(NAVY).text(verifyUrl, textX, y - 2, { width: textW, link: verifyUrl });
  y = doc.y + 4;

  const qr = QRCode.create(verifyUrl, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const cell = qrSize / n;
  const qx = M + CONTENT_W - qrSize - 14;
  const qy = qrTop;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.modules.get(r, c)) doc.rect(qx + c * cell, qy + r * cell, cell + 0.02, cell + 0.02);
    }
  }
  doc.fill('#000000');
  doc.font('sans').fontSize(7).fillColor(MUTED).text('扫码验证  Scan to verify', qx - 10, qy + qrSize + 4, { width: qrSize + 20, align: 'center' });

  doc.font('sans').fontSize(6.6).fillColor(MUTED).text(footZh, M, footY, { width: CONTENT_W });
  doc.text(footEn, M, doc.y + 2, { width: CONTENT_W });

  doc.file(Buffer.from(JSON.stringify(cert, null, 2) + '\n', 'utf8'), {
    name: `${depositId}.certificate.json`,
    type: 'application/json',
    description: 'Evidence certificate (copyright-ledger/certificate@v1)',
    creationDate: new Date(input.issuedAt),
  });
  doc.end();
  return finished;
}
