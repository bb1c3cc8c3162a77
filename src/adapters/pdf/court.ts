/**
 * What a court weighs, shared by every certificate PDF: who operates the service and issued the
 * document (OPERATOR_*), how the PDF itself is signed, how the data was generated, stored and can
 * be verified with its legal basis, and the verification steps that need nothing from this
 * service. Statements stay factual: the PDF describes the technical means; what they prove is for
 * the court to decide.
 */
import QRCode from 'qrcode';
import { bothTimes, CONTENT_W, M, MONO, MUTED, NAVY, type CertificatePdf } from './layout.js';
import type { PdfSigning } from './signing-key.js';

export interface Operator {
  /** OPERATOR_NAME: the legal entity running the service. */
  name?: string;
  /** OPERATOR_CREDIT_CODE: 统一社会信用代码. */
  creditCode?: string;
  /** OPERATOR_FILING_NUMBER: 区块链信息服务备案号. */
  filingNumber?: string;
  /** OPERATOR_URL. */
  url?: string;
}

/** Who issues PDFs and how: plain data, handed to the PDF worker thread as is. */
export interface PdfIssuer {
  operator: Operator;
  /** The document-signing key and certificate; without it the PDF is not signed. */
  signing?: PdfSigning;
  /** PDF_FONT_DIR. */
  fontDir?: string;
  /** Base URL of this service (PUBLIC_URL or the bound address): downloads, signing certificate. */
  publicUrl: string;
}

export const NOT_CONFIGURED = '未配置 / not configured';

export const VERIFIER_FILE = 'copyright-ledger-verify.mjs';

/** Said after a field cut short on the page. */
export const SEE_JSON = '（全文见附带的 JSON 证书 / in full in the attached JSON certificate）';

/** The operator and the document's own signature. */
export function issuerSection(c: CertificatePdf, issuer: PdfIssuer, issuedAt: string): void {
  const op = issuer.operator;
  const unset = (v: string | undefined) => v ?? NOT_CONFIGURED;
  c.section('出具机构', 'Issued by (operator of the service)', 80);
  c.row({ zh: '运营方', en: 'Operator', value: unset(op.name), size: 9, color: op.name === undefined ? '#8a4b00' : undefined });
  c.row({ zh: '统一社会信用代码', en: 'Unified social credit code', value: unset(op.creditCode) }, { zh: '网址', en: 'Web site', value: unset(op.url) });
  c.row({ zh: '区块链信息服务备案号', en: 'Blockchain service filing no. (CAC)', value: unset(op.filingNumber) });
  c.row({ zh: '出具时间', en: 'Issued at', value: bothTimes(issuedAt) });
  const s = issuer.signing;
  if (s === undefined) {
    c.row({ zh: 'PDF 电子签名', en: 'PDF signature', value: '本 PDF 未签名。 This PDF is not signed.' });
  } else {
    c.row({
      zh: 'PDF 签名证书指纹',
      en: 'Signing certificate SHA-256',
      value: s.fingerprint,
      mono: true,
      size: 6.6,
    });
    c.row({
      zh: '签名证书说明',
      en: 'About it',
      value: s.selfSigned
        ? `运营方自签名证书（未经电子认证服务机构认证），公布于 ${issuer.publicUrl}/v1/pdf/signing-cert。Self-signed by the operator (no certification authority vouches for it); published at the URL shown.`
        : `由 ${s.subject.split(', ').find((x) => x.startsWith('CN='))?.slice(3) ?? s.subject} 持有，证书链随签名嵌入；亦公布于 ${issuer.publicUrl}/v1/pdf/signing-cert。Certificate chain embedded in the signature; also published at the URL shown.`,
      lines: 3,
      size: 7.8,
    });
  }
}

/**
 * How the data came to be and what law the court applies to it. `kind` picks the wording of the
 * first paragraph (a deposit or a registration).
 */
export function statementSection(c: CertificatePdf, kind: 'deposit' | 'registration' | 'operation', selfIssuedTime: boolean | undefined): void {
  c.section('数据生成、存储与验证说明', 'How the data was generated, stored and can be verified', 90);
  if (kind === 'deposit') {
    c.para(
      '生成：存证人通过本系统的接口提交作品文件或其哈希值；系统计算文件的 SHA-256 与 SM3（GB/T 32905-2016）哈希值，连同存证时间、存证人账户和元数据摘要编为一条存证记录，由系统自动完成，无人工干预。',
      "Generated: the depositor submitted the work's file (or its hash) through the service's API; the service computed its SHA-256 and SM3 hashes and made one record of them with the time of receipt, the depositor's account and a digest of the metadata, automatically and without manual steps.",
    );
  } else if (kind === 'operation') {
    c.para(
      '生成：权利人通过本系统就已登记作品提出许可、转让或质押，相对方在本系统确认（或权利人凭已签署的合同登记）后，系统将其条款（双方、权利、期限、金额、合同哈希值）加盐后的摘要编为一条日志条目，由系统自动完成。',
      'Generated: the rights holder offered a licence, transfer or pledge of a registered work through the service; once the other party confirmed it there (or the holder recorded it on the signed contract), the service made one log entry committing to a salted digest of its terms (parties, rights, period, amounts, contract hash), automatically.',
    );
  } else {
    c.para(
      '生成：申请人通过本系统提交作品登记申请，经审查人员审查通过后，系统将登记记录（含作品、作者、著作权人与所引用存证的哈希值）的摘要编为一条登记条目。',
      'Generated: the applicant filed the application through the service; once a reviewer approved it, the service made one entry committing to a digest of the registration record (the work, its authors, rights holders and the hashes of the deposits it cites).',
    );
  }
  c.para(
    '存储：记录写入运营方服务器上仅可追加的默克尔树透明日志（RFC 9162）；日志定期以运营方的 Ed25519 密钥签署区块（检查点），每个区块包含此前全部记录的根哈希，事后更改或删除任何记录都会使根哈希与已签署的区块不符。' +
      (kind === 'deposit' ? '区块另由 RFC 3161 时间戳服务加盖时间戳。' : ''),
    'Stored: the record entered an append-only Merkle-tree transparency log (RFC 9162) on the operator\'s servers. The log signs blocks (checkpoints) with the operator\'s Ed25519 key; each block commits to the root hash of every earlier record, so changing or deleting any record afterwards no longer matches the signed blocks.' +
      (kind === 'deposit' ? ' Blocks are also timestamped under RFC 3161.' : ''),
  );
  c.para(
    '验证：本 PDF 附带的 JSON 证书载有记录、默克尔包含证明与签名区块，任何人均可按下文步骤用公开的验证程序和标准工具（OpenSSL）独立核验，无需访问或信任本系统。本 PDF 整体经运营方电子签名，签署后对其内容的任何改动都能被发现（参见《中华人民共和国电子签名法》第十三条）。',
    'Verifiable: the JSON certificate attached to this PDF carries the record, its Merkle inclusion proof and the signed block; anyone can check them with the public verifier and standard tools (OpenSSL) as shown below, without reaching or trusting this service. The whole PDF carries the operator\'s electronic signature, so any change after signing can be detected (cf. Electronic Signature Law of the PRC, Art. 13).',
  );
  c.para(
    '法律依据：《最高人民法院关于互联网法院审理案件若干问题的规定》第十一条规定，当事人提交的电子数据，通过电子签名、可信时间戳、哈希值校验、区块链等证据收集、固定和防篡改的技术手段能够证明其真实性的，互联网法院应当确认；《人民法院在线诉讼规则》第十六条至第十九条规定了区块链存储的电子数据的审查认定规则；《中华人民共和国电子签名法》规定了数据电文与电子签名的效力。本证书如实记录上述技术手段形成的数据，不构成司法鉴定意见；其证明力由人民法院依法审查认定，有相反证据足以推翻的除外。',
    "Legal basis: Art. 11 of the SPC Provisions on Several Issues Concerning the Trial of Cases by Internet Courts provides that electronic data whose authenticity can be proved by technical means of collecting, fixing and tamper-proofing evidence such as electronic signatures, trusted timestamps, hash checks and blockchains shall be confirmed by an Internet court; Arts. 16–19 of the SPC Online Litigation Rules set out how courts examine electronic data stored on a blockchain; the Electronic Signature Law of the PRC governs data messages and electronic signatures. This certificate records what these means produced; it is not a forensic expert opinion, and its weight is for the court to decide.",
    { size: 7.9 },
  );
  if (selfIssuedTime === true) {
    c.warning(
      '注意：本证书的时间戳由本系统内置的时间戳服务自行签发，并非独立的第三方可信时间戳服务机构出具，其时间仅为运营方的陈述。',
      'Note: the timestamp on this certificate was issued by the service\'s own built-in TSA, not by an independent trusted timestamp authority; its time rests on the operator\'s word alone.',
    );
  }
}

/** One line under the heading of page 1 when the printed URLs only work on the issuing machine. */
export function loopbackNotice(c: CertificatePdf): void {
  c.warning(
    '注意：本证书所载网址为签发机器的本机回环地址，仅在该机器上可以打开（详见“如何验证”）。',
    'Note: the addresses printed in this certificate are loopback addresses of the issuing machine and open only there (see How to verify).',
  );
}

/** The loopback warning, when the printed URL only works on the machine that issued it. */
export function loopbackWarning(c: CertificatePdf, url: string): void {
  c.warning(
    `注意：本证书所载网址 ${url} 指向签发机器本身（本机回环地址），他人无法访问，二维码亦无法在其他设备上使用。请以附带的 JSON 证书离线验证。`,
    `Note: the address printed here (${url}) points at the issuing machine itself (a loopback address): nobody else can open it and the QR code will not work on any other device. Verify offline with the attached JSON certificate. (The operator should set PUBLIC_URL.)`,
  );
}

/** The step checking the PDF's own signature. */
export function signatureStep(c: CertificatePdf, n: string, issuer: PdfIssuer, pdfName: string): void {
  if (issuer.signing === undefined) return;
  c.step(
    n,
    '核验本 PDF 的电子签名：用 Adobe Acrobat Reader 打开本文件查看“签名面板”，或运行 pdfsig（poppler-utils）。“签名有效”表示文件自签署后未被改动；签名证书为运营方自签名时，阅读器会提示“身份未知/不受信任”，请将证书指纹与上文及运营方公布的证书核对。',
    "The PDF's own signature: open this file in Adobe Acrobat Reader (Signature Panel) or run pdfsig (poppler-utils). \"Signature is valid\" means the file is unchanged since it was signed. With a self-signed operator certificate the reader reports the signer's identity as unknown or untrusted: compare the certificate's fingerprint with the one above and the one the operator publishes.",
  );
  c.code(`pdfsig ${pdfName}\ncurl -s ${issuer.publicUrl}/v1/pdf/signing-cert | openssl x509 -noout -fingerprint -sha256`);
}

/** Details written into the signature dictionary. */
export function signDetails(issuer: PdfIssuer, reason: string, issuedAt: string) {
  return {
    name: issuer.operator.name ?? 'copyright-ledger',
    reason,
    location: issuer.operator.url ?? issuer.publicUrl,
    contactInfo: issuer.operator.url ?? issuer.publicUrl,
    signingTime: new Date(issuedAt),
  };
}

/**
 * The last step of a certificate: a URL to open online beside its QR code, kept together on one
 * page, with the loopback warning when the URL only works on the issuing machine.
 */
export function qrStep(c: CertificatePdf, p: { n: string; zh: string; en: string; url: string; size: number; caption: string; loopback: boolean }): void {
  const doc = c.doc;
  c.ensure(p.size + 30 + (p.loopback ? 60 : 0));
  const qrTop = c.y;
  const textW = CONTENT_W - p.size - 44;
  c.step(p.n, p.zh, p.en, textW);
  doc.font(MONO).fontSize(7.6).fillColor(NAVY).text(p.url, M + 22, c.y - 2, { width: textW, link: p.url });
  c.y = doc.y + 6;
  const qx = M + CONTENT_W - p.size - 8;
  c.qr(QRCode.create(p.url, { errorCorrectionLevel: 'M' }).modules, qx, qrTop + 2, p.size);
  doc.font('sans').fontSize(7).fillColor(MUTED).text(p.caption, qx - 10, qrTop + p.size + 6, { width: p.size + 20, align: 'center' });
  c.y = Math.max(c.y, qrTop + p.size + 20);
  if (p.loopback) loopbackWarning(c, p.url);
}
