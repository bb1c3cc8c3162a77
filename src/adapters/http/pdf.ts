/**
 * The printable evidence certificate (存证证书 / Evidence Certificate): a bilingual A4 PDF
 * rendered with pdfkit from the JSON certificate (contract §5). It names the depositor, the work's
 * authors and rights holder, the operator that issues it, every time in Beijing time beside UTC,
 * the timestamp authority, how the data was made and can be verified with its legal basis, and the
 * verification steps; it carries a QR code of the public verify page, the JSON certificate as an
 * attachment, and the operator's signature over the whole file (../pdf/sign.ts).
 *
 * The PDF only presents: the JSON certificate is what a verifier checks.
 */
import { fromBase64, toHex } from '../../core/bytes.js';
import type { Certificate } from '../../core/certificate.js';
import { openCheckpoint } from '../../core/checkpoint.js';
import { decodeEntry } from '../../core/entry.js';
import { describeTimestamp } from '../../core/timestamp.js';
import { issuerSection, loopbackNotice, qrStep, SEE_JSON, signatureStep, signDetails, statementSection, VERIFIER_FILE, type PdfIssuer } from '../pdf/court.js';
import { bothTimes, beijingTime, CertificatePdf, clip, CONTENT_W, isLoopbackUrl, M, MUTED, NAVY } from '../pdf/layout.js';
import { WORK_TYPE_LABELS, type WorkType } from './metadata.js';

export { loadFonts } from '../pdf/layout.js';

export interface PdfInput {
  certificate: Certificate;
  /** The log's verifier key (the certificate's checkpoint is opened with it). */
  verifierKey: string;
  /** Public verify page of this deposit (the QR code's text). */
  verifyUrl: string;
  /** When the PDF is issued (RFC 3339). */
  issuedAt: string;
  /** The account that made the deposit. */
  depositor?: { id: string; name?: string };
  /** Operator, signing key, fonts; default: operator not configured, PDF unsigned. */
  issuer?: PdfIssuer;
}

const MAX_TITLE = 200;
const MAX_DESCRIPTION = 360;
const MAX_AUTHORS = 100;

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

/** The service base of a verify URL (…/verify/{id}), for an issuer left unset. */
const baseOf = (verifyUrl: string) => verifyUrl.replace(/\/verify\/[^/]*$/, '');

/** Renders the certificate PDF. MUST be given a certificate this service issued (its checkpoint opens under `verifierKey`). */
export async function renderCertificatePdf(input: PdfInput): Promise<Buffer> {
  const { certificate: cert, verifierKey, verifyUrl } = input;
  const issuer: PdfIssuer = input.issuer ?? { operator: {}, publicUrl: baseOf(verifyUrl) };
  const { checkpoint } = openCheckpoint(cert.checkpoint, verifierKey);
  const entry = decodeEntry(fromBase64(cert.entry.bytes));
  const meta = cert.work.metadata;
  const depositId = cert.deposit.id;
  const keyId = verifierKey.split('+')[1] ?? '';
  const jsonName = `${depositId}.certificate.json`;
  const loopback = isLoopbackUrl(verifyUrl);

  const c = await CertificatePdf.create(
    {
      Title: `存证证书 Evidence Certificate ${depositId}`,
      Author: issuer.operator.name ?? checkpoint.origin,
      Subject: `SHA-256 ${cert.work.sha256}`,
      Keywords: 'copyright-ledger evidence certificate RFC 9162',
      Creator: 'copyright-ledger',
      CreationDate: new Date(input.issuedAt),
    },
    `存证证书 Evidence Certificate  ${depositId}`,
    issuer.fontDir,
  );
  const { doc } = c;

  // Header.
  doc.font('sans-bold').fontSize(24).fillColor(NAVY).text('存证证书', M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 6 });
  c.y += 34;
  doc.font('sans').fontSize(10).fillColor(MUTED).text('EVIDENCE CERTIFICATE', M, c.y, { width: CONTENT_W, align: 'center', characterSpacing: 3 });
  c.y += 17;
  doc.moveTo(M + CONTENT_W / 2 - 40, c.y).lineTo(M + CONTENT_W / 2 + 40, c.y).lineWidth(1.2).strokeColor('#a4262c').stroke();
  c.y += 6;
  doc.font('sans').fontSize(8.2).fillColor(MUTED);
  doc.text(`证书编号 Certificate No.  ${depositId}        出具 Issued  ${beijingTime(input.issuedAt)}`, M, c.y, { width: CONTENT_W, align: 'center' });
  c.y = doc.y + 5;
  doc.font('sans').fontSize(8.4).fillColor('#1b2433');
  doc.text('兹证明下列作品的数字指纹已于所示时间写入公开、仅可追加的透明日志，并由日志签名的区块所覆盖。', M, c.y, { width: CONTENT_W, align: 'center' });
  doc.font('sans').fontSize(7.8).fillColor(MUTED);
  doc.text('The fingerprint of the work below entered a public, append-only transparency log at the time shown, under a block the log signed.', M, doc.y + 1, { width: CONTENT_W, align: 'center' });
  c.y = doc.y + 8;
  if (loopback) loopbackNotice(c);

  // 1. The work.
  c.section('作品信息', 'The work');
  const title = str(meta.title);
  c.row({ zh: '作品名称', en: 'Title', value: title !== undefined ? clip(title, MAX_TITLE) : '—', size: 10, lines: 3, cutNote: SEE_JSON });
  const wt = str(meta.workType);
  const known = wt !== undefined ? WORK_TYPE_LABELS[wt as WorkType] : undefined;
  const typeLabel = wt === undefined ? '—' : known === undefined ? clip(wt, 40) : `${known.zh}  ${known.en}`;
  const created = str(meta.creationDate);
  c.row({ zh: '作品类型', en: 'Type', value: typeLabel, lines: 2 }, { zh: '创作完成日期', en: 'Created', value: created !== undefined ? clip(created, 20) : '—' });
  let authors = '—';
  if (Array.isArray(meta.authors) && meta.authors.length > 0) {
    const names = meta.authors.slice(0, MAX_AUTHORS).map((a) => {
      const o = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
      const n = clip(str(o.name) ?? '?', 60);
      const r = str(o.role);
      return r !== undefined ? `${n} (${clip(r, 30)})` : n;
    });
    authors = names.join('；') + (meta.authors.length > MAX_AUTHORS ? `；等共 ${meta.authors.length} 人 (${meta.authors.length} in all)` : '');
  }
  c.row({ zh: '作者', en: 'Authors', value: authors, lines: 24, cutNote: SEE_JSON });
  const holder = str(meta.rightsHolder);
  c.row({ zh: '著作权人', en: 'Rights holder', value: holder !== undefined ? holder : '—', lines: 3, cutNote: SEE_JSON });
  const pubStatus = str(meta.publicationStatus);
  const pubDate = str(meta.publicationDate);
  const publication =
    (pubStatus === 'published' ? '已发表 Published' : pubStatus === 'unpublished' ? '未发表 Unpublished' : pubStatus !== undefined ? clip(pubStatus, 30) : '—') +
    (pubDate !== undefined ? `  ${clip(pubDate, 20)}` : '');
  c.row({ zh: '发表状态', en: 'Publication', value: publication });
  const description = str(meta.description);
  if (description !== undefined) c.row({ zh: '作品说明', en: 'Description', value: clip(description, MAX_DESCRIPTION), size: 8, lines: 4, cutNote: SEE_JSON });
  c.para('以上作品信息由存证人提供，本系统未作实质审查。', 'The facts above were supplied by the depositor; the service has not examined them.', { size: 7.4 });

  // 2. Who deposited it.
  c.section('存证人', 'Depositor');
  const dep = input.depositor;
  c.row({ zh: '名称', en: 'Name', value: dep?.name ?? '—', lines: 2 });
  c.row({ zh: '账户', en: 'Account id', value: dep?.id ?? '—', mono: dep !== undefined });
  const behalf = (typeof meta.onBehalfOf === 'object' && meta.onBehalfOf !== null ? meta.onBehalfOf : undefined) as Record<string, unknown> | undefined;
  if (behalf !== undefined) {
    const who = [str(behalf.name), str(behalf.account), str(behalf.reference) !== undefined ? `ref ${str(behalf.reference)}` : undefined].filter((x) => x !== undefined);
    c.row({ zh: '代为存证', en: 'On behalf of', value: who.length > 0 ? clip(who.join('  ·  '), 120) : '—' });
  }

  // 3. The fingerprint.
  c.section('数字指纹', 'Fingerprint of the file');
  c.row({ zh: 'SHA-256', en: '', value: cert.work.sha256, mono: true });
  c.row({ zh: 'SM3', en: 'GB/T 32905-2016', value: cert.work.sm3 ?? '— (not given)', mono: cert.work.sm3 !== undefined });
  c.row({ zh: '文件大小', en: 'Size', value: cert.work.size !== undefined ? humanSize(cert.work.size) : '— (not given)' });
  c.row({ zh: '元数据摘要', en: 'Metadata', value: `${String(entry.metaSha256)}  (SHA-256, salted)`, mono: true, size: 7.6 });

  // 4. The log record.
  c.section('存证记录', 'Record in the log');
  c.row({ zh: '存证编号', en: 'Deposit id', value: depositId, mono: true });
  c.row({ zh: '存证时间', en: 'Received', value: bothTimes(cert.deposit.receivedAt) });
  c.row({ zh: '条目序号', en: 'Entry index', value: String(cert.entry.index) }, { zh: '区块高度', en: 'Block height', value: String(checkpoint.height) });
  c.row({ zh: '区块时间', en: 'Block time', value: bothTimes(checkpoint.time) });
  c.row({ zh: '树大小', en: 'Tree size', value: String(checkpoint.treeSize) }, { zh: '密钥 ID', en: 'Log key id', value: keyId, mono: true });
  c.row({ zh: '树根哈希', en: 'Root hash', value: toHex(checkpoint.rootHash), mono: true });
  c.row({ zh: '日志验证公钥', en: 'Verifier key', value: verifierKey, mono: true, size: 7.2 });

  // 5. The timestamp.
  const ts = describeTimestamp(cert);
  c.section('时间戳', 'RFC 3161 timestamp');
  if (ts === undefined) {
    c.row({ zh: '时间戳', en: 'Timestamp', value: '出具时该区块尚无时间戳。 The block had no timestamp yet when this PDF was issued.' });
  } else {
    c.row({ zh: '时间戳机构', en: 'TSA', value: clip(ts.tsa, 120) });
    c.row({
      zh: '来源',
      en: 'Source',
      value: ts.selfIssued
        ? '本系统内置时间戳服务自行签发（非第三方机构）  Self-issued by the service\'s built-in TSA (not an independent authority)'
        : '外部时间戳服务机构签发  Issued by an external timestamp authority',
      color: ts.selfIssued ? '#8a4b00' : undefined,
    });
    c.row({ zh: '时间戳时间', en: 'Time', value: bothTimes(ts.genTime) });
  }

  // 6. Operator and document signature; 7. statement and legal basis.
  issuerSection(c, issuer, input.issuedAt);
  statementSection(c, 'deposit', ts?.selfIssued);

  // 8. How to verify.
  c.para(
    `本证书由 ${issuer.operator.name ?? 'copyright-ledger'} 依据透明日志 ${checkpoint.origin} 出具；机器可验证的 JSON 证书（${jsonName}）作为附件嵌入本 PDF，是验证所依据的证据。`,
    `Issued from the transparency log ${checkpoint.origin}. The machine-verifiable JSON certificate (${jsonName}) attached to this PDF is the evidence a verifier checks; this page presents it.`,
    { size: 8 },
  );

  c.section('如何验证', 'How to verify', 120);
  const base = issuer.publicUrl;
  c.step(
    '1',
    `离线验证（无需本系统）：下载独立验证程序 ${VERIFIER_FILE}（Node.js 18 及以上，无其他依赖），从本 PDF 取出附件 ${jsonName}（PDF 阅读器的“附件”面板，或 pdfdetach），把上文“日志验证公钥”存为 log.key（并与运营方在其网站 /v1/log/keys 公布的、或另行取得的公钥核对一致：验证只对已核对的公钥有效），再与作品文件一起运行：`,
    `Offline, without this service: download the standalone verifier ${VERIFIER_FILE} (Node.js 18 or later, nothing else), save the attachment ${jsonName} from this PDF (the reader's attachments panel, or pdfdetach), save the verifier key above as log.key (and check it against the key the operator publishes at /v1/log/keys, or one obtained independently: verification is only as good as that check), and run it with the work's file:`,
  );
  c.code(
    `curl -O ${base}/downloads/${VERIFIER_FILE}\n` +
      `pdfdetach -save 1 -o ${jsonName} ${depositId}.certificate.pdf\n` +
      `echo '${verifierKey}' > log.key\n` +
      `node ${VERIFIER_FILE} ${jsonName} --file <work-file> --key-file log.key`,
  );
  c.para('它核对区块签名、默克尔包含证明、文件哈希与时间戳；输出 VALID 并以 0 退出表示全部通过。也可在断网的浏览器中打开 ' + `${base}/downloads/verify.html。`, `It checks the block signature, the Merkle inclusion proof, the file's hashes and the timestamp; VALID and exit code 0 mean every check passed. The same checks run in a browser, offline, at ${base}/downloads/verify.html.`, { x: M + 22, size: 7.8 });
  if (ts !== undefined) {
    c.step(
      '2',
      '用 OpenSSL 单独核验时间戳：取出时间戳令牌和区块正文，以时间戳机构的 CA 证书（内置时间戳服务为其自身证书）验证，应输出 “Verification: OK”。',
      "The timestamp with OpenSSL alone: extract the token and the block's body and verify them against the TSA's CA certificate (for the built-in TSA, its own certificate); expect \"Verification: OK\".",
    );
    c.code(
      `jq -r .timestamp.rfc3161 ${jsonName} | base64 -d > token.der\n` +
        `jq -j .checkpoint ${jsonName} | awk 'NF == 0 { exit } { print }' > body.txt\n` +
        `curl -s ${base}/v1/tsa/certificate > ca.pem    # built-in TSA; else the TSA's CA\n` +
        `openssl ts -verify -data body.txt -in token.der -token_in -CAfile ca.pem`,
    );
  }
  signatureStep(c, ts !== undefined ? '3' : '2', issuer, `${depositId}.certificate.pdf`);

  // The online check beside its QR code, kept together on one page.
  qrStep(c, {
    n: ts !== undefined ? '4' : '3',
    zh: '在线查看：扫描右侧二维码，或访问公开验证页面：',
    en: 'Online: scan the QR code or open the public verify page:',
    url: verifyUrl,
    size: 84,
    caption: '扫码验证  Scan to verify',
    loopback,
  });

  doc.file(Buffer.from(JSON.stringify(cert, null, 2) + '\n', 'utf8'), {
    name: jsonName,
    type: 'application/json',
    description: 'Evidence certificate (copyright-ledger/certificate@v1)',
    creationDate: new Date(input.issuedAt),
  });
  return c.finish(issuer.signing, signDetails(issuer, `存证证书 ${depositId} / Evidence certificate ${depositId}`, input.issuedAt));
}
