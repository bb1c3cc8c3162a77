/**
 * The PDFs of an infringement case (docs/ENFORCEMENT.md), in the layout of the certificates
 * (layout.ts) and signed like them (court.ts, sign.ts):
 * - the evidence list (证据目录): every item of the evidence package with, for each, what the
 *   SPC Online Litigation Rules Art. 17 weigh: who stored it and when, how it was stored, how it
 *   is verified, and whether it is intact (its SHA-256 as packaged);
 * - the takedown notice (通知书 / DMCA), the text of notice.ts laid out for printing and signing.
 */
import { issuerSection, signDetails, type PdfIssuer } from './court.js';
import { ACCENT, beijingTime, CertificatePdf, CONTENT_W, INK, M, MUTED, NAVY } from './layout.js';
import type { NoticeFacts, NoticeKind } from '../enforcement/notice.js';
import { noticeText } from '../enforcement/notice.js';

export interface EvidenceItem {
  /** Path inside the ZIP. */
  path: string;
  zh: string;
  en: string;
  sha256: string;
  size: number;
  /** Who stored it and when (Art. 17). */
  storedBy: string;
  /** How it was stored. */
  storedHow: string;
  /** How it is verified. */
  verifiedHow: string;
  /** Whether it is intact, as checked when the package was made. */
  intact: string;
}

function title(c: CertificatePdf, zh: string, en: string, sub: string): void {
  const { doc } = c;
  c.y = 44;
  doc.font('sans-bold').fontSize(22).fillColor(NAVY).text(zh, M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 4 });
  c.y += 32;
  doc.font('sans').fontSize(10).fillColor(MUTED).text(en, M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 2 });
  c.y += 17;
  doc.moveTo(M + CONTENT_W / 2 - 40, c.y).lineTo(M + CONTENT_W / 2 + 40, c.y).lineWidth(1.2).strokeColor(ACCENT).stroke();
  c.y += 8;
  doc.font('sans').fontSize(8.5).fillColor(INK).text(sub, M, c.y, { width: CONTENT_W, align: 'center' });
  c.y = doc.y + 8;
}

/** The evidence list (证据目录) of a case's package, signed. */
export async function renderEvidenceListPdf(p: { caseId: string; state: string; items: EvidenceItem[]; issuer: PdfIssuer; issuedAt: string }): Promise<Buffer> {
  const c = await CertificatePdf.create(
    { Title: `证据目录 Evidence list ${p.caseId}`, Author: p.issuer.operator.name ?? 'copyright-ledger', Subject: p.caseId, Creator: 'copyright-ledger', CreationDate: new Date(p.issuedAt) },
    `证据目录 Evidence list  ${p.caseId}`,
    p.issuer.fontDir,
  );
  title(c, '证据目录', 'EVIDENCE LIST', `案件 Case ${p.caseId} · 状态 State ${p.state} · 制作时间 Made ${beijingTime(p.issuedAt)}`);
  c.para(
    '本目录列出证据包中的每一项电子数据，并按《人民法院在线诉讼规则》第十七条所考量的因素逐项说明：由谁、在何时存储；以何种方式存储；如何核验；是否完整（以打包时计算的 SHA-256 为准）。每项均可不依赖本服务离线核验，步骤见证据包中的 VERIFY.txt。本目录只陈述技术事实，证明力由法院判断。',
    'Each item of the evidence package, with what Art. 17 of the SPC Online Litigation Rules weighs: who stored it and when, how it was stored, how it is verified, and whether it is intact (its SHA-256 when packaged). Every item verifies offline without this service (VERIFY.txt). The list states technical facts; their weight is for the court.',
  );
  p.items.forEach((item, i) => {
    c.section(`证据 ${i + 1}  ${item.zh}`, `Item ${i + 1}`, 110);
    c.row({ zh: '名称', en: 'Item', value: item.en });
    c.row({ zh: '文件', en: 'File', value: `${item.path}  (${item.size} bytes)`, mono: true });
    c.row({ zh: 'SHA-256', en: '', value: item.sha256, mono: true, size: 7.4 });
    c.row({ zh: '存储主体与时间', en: 'Stored by, when', value: item.storedBy, lines: 3 });
    c.row({ zh: '存储方式', en: 'How stored', value: item.storedHow, lines: 3 });
    c.row({ zh: '核验方式', en: 'How verified', value: item.verifiedHow, lines: 4 });
    c.row({ zh: '完整性', en: 'Intact', value: item.intact, lines: 2 });
  });
  issuerSection(c, p.issuer, p.issuedAt);
  return c.finish(p.issuer.signing, signDetails(p.issuer, `证据目录 ${p.caseId} / Evidence list ${p.caseId}`, p.issuedAt));
}

/** A takedown notice as a signed PDF: the same text as noticeText, laid out for printing. */
export async function renderNoticePdf(p: { kind: NoticeKind; facts: NoticeFacts; issuer: PdfIssuer; issuedAt: string }): Promise<Buffer> {
  const zh = p.kind === 'cn';
  const c = await CertificatePdf.create(
    {
      Title: zh ? `通知书 ${p.facts.caseId}` : `DMCA notice ${p.facts.caseId}`,
      Author: p.facts.holderName,
      Subject: p.facts.infringingUrl.slice(0, 200),
      Creator: 'copyright-ledger',
      CreationDate: new Date(p.issuedAt),
    },
    zh ? `通知书  ${p.facts.caseId}` : `DMCA notice  ${p.facts.caseId}`,
    p.issuer.fontDir,
  );
  const { doc } = c;
  const lines = noticeText(p.kind, p.facts).split('\n');
  const [head, sub, ...body] = lines;
  title(c, head!, zh ? 'TAKEDOWN NOTICE · ART. 14' : '17 U.S.C. 512(c)(3)', sub!);
  for (const line of body) {
    const heading = /^(一|二|三|四|[0-9]\.) ?/.test(line);
    doc.font(heading ? 'sans-bold' : 'sans').fontSize(heading ? 9.6 : 9).fillColor(heading ? NAVY : INK);
    const text = line === '' ? ' ' : line;
    const h = doc.heightOfString(text, { width: CONTENT_W - 16, lineGap: 2 });
    c.ensure(h + 2);
    doc.text(text, M + 8, c.y, { width: CONTENT_W - 16, lineGap: 2 });
    c.y = doc.y + (line === '' ? 0 : 2);
  }
  c.y += 6;
  c.para(
    '本通知书由存证服务依据案件记录填写事实部分，权利人核对、签名后发送。PDF 的电子签名表明文件由服务出具后未被改动，不代替权利人的签名。',
    'The service filled in the facts from the case; the rights holder reviews, signs and sends it. The PDF signature shows the file is unchanged since the service issued it; it does not replace the signature of the rights holder.',
  );
  return c.finish(p.issuer.signing, signDetails(p.issuer, zh ? `通知书 ${p.facts.caseId}` : `DMCA notice ${p.facts.caseId}`, p.issuedAt));
}
