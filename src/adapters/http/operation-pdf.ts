/**
 * The printable operation certificate (许可 / 转让 / 质押登记证明): a bilingual A4 PDF in the
 * style of the registration certificate (registration-pdf.ts; page machinery in ../pdf/), with
 * the parties, the rights, the period and amounts, the log entry and block, the operator, how to
 * verify, a QR code of the public chain of title, the JSON certificate attached and the
 * operator's signature over the whole file. The JSON certificate is what a verifier checks.
 */
import { toHex } from '../../core/bytes.js';
import { openCheckpoint } from '../../core/checkpoint.js';
import { ECONOMIC_RIGHTS, type LicenceTerms, type Money, type Party, type PledgeTerms, type TransferTerms } from '../../core/operation.js';
import type { OperationCertificate } from '../../core/operation-certificate.js';
import { issuerSection, loopbackNotice, qrStep, SEE_JSON, signatureStep, signDetails, statementSection, VERIFIER_FILE, type PdfIssuer } from '../pdf/court.js';
import { ACCENT, beijingTime, bothTimes, CertificatePdf, clip, CONTENT_W, isLoopbackUrl, M, MUTED, NAVY } from '../pdf/layout.js';

export interface OperationPdfInput {
  certificate: OperationCertificate;
  verifierKey: string;
  /** The public chain of title of the registration (the QR code's text). */
  registryUrl: string;
  issuedAt: string;
  issuer?: PdfIssuer;
}

const TITLES = {
  licence: { zh: '著作权许可证明', en: 'COPYRIGHT LICENCE CERTIFICATE' },
  transfer: { zh: '著作权转让证明', en: 'COPYRIGHT TRANSFER CERTIFICATE' },
  pledge: { zh: '著作权质押登记证明', en: 'COPYRIGHT PLEDGE CERTIFICATE' },
} as const;

const party = (p: Party) => (p.account !== undefined ? `${p.name}  (${p.account})` : `${p.name}  (无账户 no account)`);
const money = (m: Money | undefined) => (m === undefined ? '—' : `${m.amount} ${m.currency}`);
const rights = (rs: readonly string[]) => rs.map((r) => `${ECONOMIC_RIGHTS[r as keyof typeof ECONOMIC_RIGHTS] ?? r} ${r}`).join('；');

/** Renders the PDF. MUST be given a certificate this service issued (its checkpoint opens under `verifierKey`). */
export async function renderOperationPdf(input: OperationPdfInput): Promise<Buffer> {
  const { certificate: cert, verifierKey, registryUrl } = input;
  const issuer: PdfIssuer = input.issuer ?? { operator: {}, publicUrl: registryUrl.replace(/\/v1\/registry.*$/, '') };
  const { checkpoint } = openCheckpoint(cert.checkpoint, verifierKey);
  const rec = cert.record;
  const kind = cert.operation.kind;
  const head = TITLES[kind];
  const id = cert.operation.id;
  const jsonName = `${id}.${kind}.json`;
  const loopback = isLoopbackUrl(registryUrl);

  const c = await CertificatePdf.create(
    { Title: `${head.zh} ${head.en} ${id}`, Author: issuer.operator.name ?? checkpoint.origin, Subject: clip(rec.title, 200), Creator: 'copyright-ledger', CreationDate: new Date(input.issuedAt) },
    `${head.zh}  ${id}`,
    issuer.fontDir,
  );
  const { doc } = c;
  c.y = 44;
  doc.font('sans-bold').fontSize(23).fillColor(NAVY).text(head.zh, M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 5 });
  c.y += 34;
  doc.font('sans').fontSize(10).fillColor(MUTED).text(head.en, M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 2.5 });
  c.y += 18;
  doc.moveTo(M + CONTENT_W / 2 - 40, c.y).lineTo(M + CONTENT_W / 2 + 40, c.y).lineWidth(1.2).strokeColor(ACCENT).stroke();
  c.y += 10;
  doc.font('sans-bold').fontSize(12).fillColor(ACCENT).text(`${id}  ·  登记号 No. ${cert.operation.number}`, M, c.y, { width: CONTENT_W, align: 'center' });
  c.y = doc.y + 2;
  doc.font('sans').fontSize(8.2).fillColor(MUTED).text(`出具 Issued  ${beijingTime(input.issuedAt)}`, M, c.y, { width: CONTENT_W, align: 'center' });
  c.y = doc.y + 8;
  if (loopback) loopbackNotice(c);

  c.section('作品', 'The work');
  c.row({ zh: '作品名称', en: 'Title', value: rec.title, size: 10, lines: 3, cutNote: SEE_JSON });
  c.row({ zh: '登记号', en: 'Registration', value: `${cert.operation.number}  (${cert.operation.registration})`, mono: true });

  if (rec.terms.kind === 'licence') {
    const t: LicenceTerms = rec.terms;
    c.section('许可', 'Licence');
    c.row({ zh: '许可人', en: 'Licensor', value: party(t.licensor), lines: 2 });
    c.row({ zh: '被许可人', en: 'Licensee', value: party(t.licensee), lines: 2 });
    c.row({ zh: '许可权利', en: 'Rights', value: rights(t.rights), lines: 6 });
    c.row({ zh: '许可类型', en: 'Kind', value: t.exclusive ? '专有许可 Exclusive' : '非专有许可 Non-exclusive' }, { zh: '地域', en: 'Territory', value: t.territory === 'worldwide' ? '全球 Worldwide' : t.territory.join(', ') });
    c.row({ zh: '期限', en: 'Period', value: `${bothTimes(t.validFrom)}\n— ${bothTimes(t.validTo)}`, lines: 2 });
    c.row({ zh: '许可费', en: 'Fee', value: money(t.fee) });
    if (t.terms !== undefined) c.row({ zh: '许可条款', en: 'Terms', value: typeof t.terms === 'string' ? t.terms : 'ODRL 2.2 policy ' + SEE_JSON, lines: 2 });
  } else if (rec.terms.kind === 'transfer') {
    const t: TransferTerms = rec.terms;
    c.section('转让', 'Transfer');
    c.row({ zh: '转让人', en: 'From', value: party(t.from), lines: 2 });
    c.row({ zh: '受让人', en: 'To', value: party(t.to), lines: 2 });
    c.row({ zh: '转让权利', en: 'Rights', value: t.all ? `全部 All: ${rights(t.rights)}` : rights(t.rights), lines: 6 });
    c.row({ zh: '对价', en: 'Consideration', value: money(t.consideration) });
  } else {
    const t: PledgeTerms = rec.terms;
    c.section('质押', 'Pledge');
    c.row({ zh: '出质人', en: 'Pledgor', value: party(t.pledgor), lines: 2 });
    c.row({ zh: '质权人', en: 'Pledgee', value: party(t.pledgee), lines: 2 });
    c.row({ zh: '出质权利', en: 'Rights pledged', value: rights(t.rights), lines: 6 });
    c.row({ zh: '担保金额', en: 'Secured amount', value: money(t.securedAmount) });
    c.row({ zh: '期限', en: 'Period', value: `${bothTimes(t.validFrom)}\n— ${bothTimes(t.validTo)}`, lines: 2 });
  }
  if (rec.terms.contractSha256 !== undefined) c.row({ zh: '合同哈希', en: 'Contract SHA-256', value: rec.terms.contractSha256, mono: true, size: 7.4 });

  c.section('记录', 'Record');
  c.row({ zh: '提出时间', en: 'Offered at', value: bothTimes(rec.offeredAt) });
  c.row({ zh: '生效时间', en: 'Effective at', value: bothTimes(rec.effectiveAt) });
  c.row({ zh: '日志条目', en: 'Log entry', value: `#${cert.entry.index}  (${kind} ${cert.operation.action})` }, { zh: '区块高度', en: 'Block height', value: String(checkpoint.height) });
  c.row({ zh: '区块时间', en: 'Block time', value: bothTimes(checkpoint.time) });
  c.row({ zh: '树根哈希', en: 'Root hash', value: `${toHex(checkpoint.rootHash)}  (size ${checkpoint.treeSize})`, mono: true, size: 7.4 });
  c.row({ zh: '日志验证公钥', en: 'Verifier key', value: verifierKey, mono: true, size: 7.2 });

  issuerSection(c, issuer, input.issuedAt);
  statementSection(c, 'operation', undefined);

  c.section('如何验证', 'How to verify', 120);
  c.step(
    '1',
    `离线验证（无需本系统）：下载独立验证程序 ${VERIFIER_FILE}，从本 PDF 取出附件 ${jsonName}，把上文“日志验证公钥”存为 log.key（并与运营方公布的公钥核对），再运行：`,
    `Offline, without this service: download the standalone verifier ${VERIFIER_FILE}, save the attachment ${jsonName} from this PDF, save the verifier key above as log.key (check it against the key the operator publishes), and run:`,
  );
  c.code(`curl -O ${issuer.publicUrl}/downloads/${VERIFIER_FILE}\npdfdetach -save 1 -o ${jsonName} ${id}.pdf\necho '${verifierKey}' > log.key\nnode ${VERIFIER_FILE} ${jsonName} --key-file log.key`);
  signatureStep(c, '2', issuer, `${id}.pdf`);
  qrStep(c, {
    n: '3',
    zh: '公开权属链（当前权利人、转让与质押；许可是否仍有效以此及许可查询接口为准）：',
    en: 'Public chain of title (current holders, transfers and pledges; whether a licence is still in force is shown there and by the licence check):',
    url: registryUrl,
    size: 90,
    caption: '扫码查询  Scan to look up',
    loopback,
  });

  doc.file(Buffer.from(JSON.stringify(cert, null, 2) + '\n', 'utf8'), {
    name: jsonName,
    type: 'application/json',
    description: `Operation certificate (copyright-ledger/operation-certificate@v1, ${kind})`,
    creationDate: new Date(input.issuedAt),
  });
  return c.finish(issuer.signing, signDetails(issuer, `${head.zh} ${id} / ${head.en} ${id}`, input.issuedAt));
}
