/**
 * The printable registration certificate (作品登记证书): a bilingual A4 PDF in the style of the
 * evidence certificate (pdf.ts; page machinery in ../pdf/layout.ts), with the applicant, the
 * operator, every time in Beijing time beside UTC, how the record was made and can be verified
 * with its legal basis, a QR code of the public registry entry, the JSON certificate attached and
 * the operator's signature over the whole file. The JSON certificate is what a verifier checks;
 * the page only presents it.
 */
import { toHex } from '../../core/bytes.js';
import { openCheckpoint } from '../../core/checkpoint.js';
import { WORK_TYPES, type RegistrationCertificate } from '../../core/registration.js';
import { issuerSection, loopbackNotice, qrStep, SEE_JSON, signatureStep, signDetails, statementSection, VERIFIER_FILE, type PdfIssuer } from '../pdf/court.js';
import { ACCENT, beijingTime, bothTimes, CertificatePdf, clip, CONTENT_W, INK, isLoopbackUrl, M, MUTED, NAVY } from '../pdf/layout.js';
import { WORK_TYPE_LABELS } from './metadata.js';

export interface RegistrationPdfInput {
  certificate: RegistrationCertificate;
  verifierKey: string;
  /** The public registry URL of this number (the QR code's text). */
  registryUrl: string;
  issuedAt: string;
  /** The account that applied. */
  applicant?: { id: string; name?: string };
  /** Operator, signing key, fonts; default: operator not configured, PDF unsigned. */
  issuer?: PdfIssuer;
}

/** More deposits than this are summarised (all are in the JSON certificate). */
const MAX_DEPOSITS_SHOWN = 6;

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
  const issuer: PdfIssuer = input.issuer ?? { operator: {}, publicUrl: registryUrl.replace(/\/v1\/registry.*$/, '') };
  const { checkpoint } = openCheckpoint(cert.checkpoint, verifierKey);
  const rec = cert.record;
  const number = cert.registration.number;
  const jsonName = `${number}.registration.json`;
  const loopback = isLoopbackUrl(registryUrl);

  const c = await CertificatePdf.create(
    {
      Title: `作品登记证书 Registration Certificate ${number}`,
      Author: issuer.operator.name ?? checkpoint.origin,
      Subject: clip(rec.title, 200),
      Creator: 'copyright-ledger',
      CreationDate: new Date(input.issuedAt),
    },
    `作品登记证书 Registration Certificate  ${number}`,
    issuer.fontDir,
  );
  const { doc } = c;

  c.y = 44;
  doc.font('sans-bold').fontSize(25).fillColor(NAVY).text('作品登记证书', M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 6 });
  c.y += 36;
  doc.font('sans').fontSize(10.5).fillColor(MUTED).text('COPYRIGHT REGISTRATION CERTIFICATE', M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 3 });
  c.y += 19;
  doc.moveTo(M + CONTENT_W / 2 - 40, c.y).lineTo(M + CONTENT_W / 2 + 40, c.y).lineWidth(1.2).strokeColor(ACCENT).stroke();
  c.y += 10;
  doc.font('sans-bold').fontSize(13).fillColor(ACCENT).text(`登记号 No. ${number}`, M, c.y, { width: CONTENT_W, align: 'center' });
  c.y = doc.y + 2;
  doc.font('sans').fontSize(8.2).fillColor(MUTED).text(`出具 Issued  ${beijingTime(input.issuedAt)}`, M, c.y, { width: CONTENT_W, align: 'center' });
  c.y = doc.y + 5;
  doc.font('sans').fontSize(8.5).fillColor(INK);
  doc.text(
    '经审查，下列作品的著作权登记申请符合要求，予以登记。登记记录已写入公开、仅可追加的透明日志。' +
      '\nUpon review, the application below has been registered. The registration is recorded in a public, append-only transparency log.',
    M,
    c.y,
    { width: CONTENT_W, align: 'center', lineGap: 1.5 },
  );
  c.y = doc.y + 8;
  if (loopback) loopbackNotice(c);

  c.section('作品', 'The work');
  c.row({ zh: '作品名称', en: 'Title', value: rec.title, size: 10, lines: 3, cutNote: SEE_JSON });
  const label = WORK_TYPE_LABELS[rec.workType];
  c.row({ zh: '作品类别', en: 'Category', value: `${label.zh}  ${label.en}  (${WORK_TYPES[rec.workType].code})` });
  c.row({ zh: '作者', en: 'Authors', value: rec.authors.map((a) => (a.signature !== undefined && a.signature !== a.name ? `${a.name}（署名 ${a.signature}）` : a.name)).join('；'), lines: 24, cutNote: SEE_JSON });
  c.row({ zh: '著作权人', en: 'Rights holders', value: rec.rightsHolders.map((h) => h.name).join('；') + (rec.ownership === 'joint' ? '  （共有 joint）' : ''), lines: 6, cutNote: SEE_JSON });
  c.row({ zh: '创作完成', en: 'Completed', value: `${rec.creation.completedOn}  ${clip(rec.creation.place, 80)}` });
  c.row({
    zh: '发表状态',
    en: 'Publication',
    value: rec.publication.status === 'published' ? `已发表 Published  ${rec.publication.firstPublishedOn}  ${clip(rec.publication.place, 80)}` : '未发表 Unpublished',
  });
  c.row({ zh: '权利取得方式', en: 'Rights obtained', value: RIGHTS[rec.rightsObtained] ?? rec.rightsObtained });

  c.section('申请人', 'Applicant');
  const ap = input.applicant;
  c.row({ zh: '名称', en: 'Name', value: ap?.name ?? '—', lines: 2 });
  c.row({ zh: '账户', en: 'Account id', value: ap?.id ?? '—', mono: ap !== undefined });

  c.section('登记', 'Registration');
  c.row({ zh: '登记时间', en: 'Registered at', value: bothTimes(rec.registeredAt) });
  if (rec.correctedAt !== undefined) c.row({ zh: '更正时间', en: 'Corrected at', value: bothTimes(rec.correctedAt) });
  const shown = rec.deposits.slice(0, MAX_DEPOSITS_SHOWN).map((d) => `${d.id}\n  SHA-256 ${d.sha256}`);
  if (rec.deposits.length > MAX_DEPOSITS_SHOWN) shown.push(`… +${rec.deposits.length - MAX_DEPOSITS_SHOWN} (all in the JSON certificate)`);
  c.row({ zh: '所引存证', en: 'Deposits', value: shown.join('\n') || '—', mono: true, size: 7, lines: MAX_DEPOSITS_SHOWN * 2 + 1 });
  c.row({ zh: '日志条目', en: 'Log entry', value: `#${cert.entry.index}  (${cert.registration.action})` }, { zh: '区块高度', en: 'Block height', value: String(checkpoint.height) });
  c.row({ zh: '区块时间', en: 'Block time', value: bothTimes(checkpoint.time) });
  c.row({ zh: '树根哈希', en: 'Root hash', value: `${toHex(checkpoint.rootHash)}  (size ${checkpoint.treeSize})`, mono: true, size: 7.4 });
  c.row({ zh: '日志验证公钥', en: 'Verifier key', value: verifierKey, mono: true, size: 7.2 });

  issuerSection(c, issuer, input.issuedAt);
  statementSection(c, 'registration', undefined);

  c.para(
    `本证书由 ${issuer.operator.name ?? 'copyright-ledger'} 依据透明日志 ${checkpoint.origin} 出具；机器可验证的 JSON 证书（${jsonName}）作为附件嵌入本 PDF，是验证所依据的证据。`,
    `Issued from the transparency log ${checkpoint.origin}. The attached JSON certificate (${jsonName}) is the evidence a verifier checks; the public registry shows the registration's current status.`,
    { size: 8 },
  );

  c.section('如何验证', 'How to verify', 120);
  const base = issuer.publicUrl;
  c.step(
    '1',
    `离线验证（无需本系统）：下载独立验证程序 ${VERIFIER_FILE}（Node.js 18 及以上，无其他依赖），从本 PDF 取出附件 ${jsonName}，把上文“日志验证公钥”存为 log.key（并与运营方在其网站 /v1/log/keys 公布的、或另行取得的公钥核对一致：验证只对已核对的公钥有效），再运行：`,
    `Offline, without this service: download the standalone verifier ${VERIFIER_FILE} (Node.js 18 or later, nothing else), save the attachment ${jsonName} from this PDF, save the verifier key above as log.key (and check it against the key the operator publishes at /v1/log/keys, or one obtained independently: verification is only as good as that check), and run:`,
  );
  c.code(
    `curl -O ${base}/downloads/${VERIFIER_FILE}\n` +
      `pdfdetach -save 1 -o ${jsonName} ${number}.pdf\n` +
      `echo '${verifierKey}' > log.key\n` +
      `node ${VERIFIER_FILE} ${jsonName} --key-file log.key`,
  );
  signatureStep(c, '2', issuer, `${number}.pdf`);

  qrStep(c, {
    n: '3',
    zh: '公开登记簿（更正与撤销均在此公示；登记的当前状态以此为准）：',
    en: "Public registry (corrections and revocations are shown there; it shows the registration's current status):",
    url: registryUrl,
    size: 90,
    caption: '扫码查询  Scan to look up',
    loopback,
  });

  doc.file(Buffer.from(JSON.stringify(cert, null, 2) + '\n', 'utf8'), {
    name: jsonName,
    type: 'application/json',
    description: 'Registration certificate (copyright-ledger/registration-certificate@v1)',
    creationDate: new Date(input.issuedAt),
  });
  return c.finish(issuer.signing, signDetails(issuer, `作品登记证书 ${number} / Registration certificate ${number}`, input.issuedAt));
}
