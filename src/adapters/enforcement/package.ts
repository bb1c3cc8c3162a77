/**
 * The evidence package of a case (GET /v1/cases/{id}/package, docs/ENFORCEMENT.md): one ZIP
 * that a lawyer or a court checks item by item without this service, with the standalone
 * verifier and openssl only.
 *
 *   VERIFY.txt                         the verification steps
 *   SHA256SUMS                         every other file's SHA-256 (sha256sum -c / openssl dgst)
 *   evidence-list.pdf                  证据目录, signed
 *   notice-cn.pdf, notice-cn.txt       通知书 (Art. 14), the PDF signed
 *   notice-dmca.pdf, notice-dmca.txt   DMCA 512(c)(3) notice, the PDF signed
 *   log-key.txt                        the log's verifier key (check it against the published one)
 *   pdf-signing-cert.pem               the certificate that signs the PDFs
 *   tsa-ca.pem                         the built-in TSA's certificate (when it issued the tokens)
 *   copyright-ledger-verify.mjs        the standalone verifier (Node.js ≥ 18, no network)
 *   work/<deposit>.certificate.json    deposit certificates of the work
 *   work/<number>.registration.json    the registration certificate (cases on a registration)
 *   capture/<capture>.wacz             the capture of the infringing page (signed WACZ)
 *   capture/<capture>.certificate.json the deposit certificate of that bundle
 *   timestamps/<name>.tsr, .body.txt   each certificate's RFC 3161 token and the checkpoint body it stamps
 *   case/case.json                     the case's log entries (index, leaf hash) in order
 *   case/entry-<seq>.json              each case entry's exact bytes
 *   case/entry-<seq>.snapshot.json     the case record it commits to (caseSha256 = its SHA-256)
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import type { CaseEvidence } from '../../app/cases.js';
import { fromBase64 } from '../../core/bytes.js';
import type { Certificate } from '../../core/certificate.js';
import type { PdfIssuer } from '../pdf/court.js';
import { renderEvidenceListPdf, renderNoticePdf, type EvidenceItem } from '../pdf/case-pdf.js';
import { noticeFacts, noticeText } from './notice.js';

export interface PackageOptions {
  issuer: PdfIssuer;
  issuedAt: string;
  /** The standalone verifier's bytes, when available. */
  verifier?: Uint8Array;
  /** The built-in TSA's certificate (PEM), when it issued the tokens. */
  tsaPem?: string;
  accountName?: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const json = (v: unknown) => strToU8(JSON.stringify(v, null, 2) + '\n');
const VERIFIER = 'copyright-ledger-verify.mjs';

/** The checkpoint body a certificate's timestamp token stamps: the note up to the blank line. */
export function checkpointBody(checkpoint: string): string {
  const end = checkpoint.indexOf('\n\n');
  return end < 0 ? checkpoint : checkpoint.slice(0, end + 1);
}

export async function buildCasePackage(ev: CaseEvidence, opts: PackageOptions): Promise<Uint8Array> {
  const c = ev.case;
  const files = new Map<string, Uint8Array>();
  const items: Omit<EvidenceItem, 'sha256' | 'size' | 'intact'>[] = [];
  const verifySteps: string[] = [];
  const tsSteps: string[] = [];
  const service = opts.issuer.operator.name ?? opts.issuer.publicUrl;
  const tsa = opts.tsaPem !== undefined;

  const addTimestamp = (name: string, cert: { timestamp?: Certificate['timestamp']; checkpoint: string }) => {
    if (cert.timestamp === undefined) return;
    files.set(`timestamps/${name}.tsr`, fromBase64(cert.timestamp.rfc3161));
    files.set(`timestamps/${name}.body.txt`, strToU8(checkpointBody(cert.checkpoint)));
    items.push({
      path: `timestamps/${name}.tsr`,
      zh: `时间戳令牌（${name}）`,
      en: `RFC 3161 timestamp token (${name})`,
      storedBy: `时间戳机构 ${cert.timestamp.tsa} 签发，盖在日志区块检查点上 / issued by the TSA ${cert.timestamp.tsa} over the block checkpoint`,
      storedHow: 'DER 编码 TimeStampToken（RFC 3161），消息摘要为检查点正文的 SHA-256 / DER TimeStampToken, imprint = SHA-256 of the checkpoint body',
      verifiedHow: `openssl ts -verify -data timestamps/${name}.body.txt -in timestamps/${name}.tsr -token_in -CAfile ${tsa ? 'tsa-ca.pem' : '<TSA CA>'}`,
    });
    tsSteps.push(`openssl ts -verify -data timestamps/${name}.body.txt -in timestamps/${name}.tsr -token_in -CAfile ${tsa ? 'tsa-ca.pem' : '<the TSA CA certificate>'}`);
  };

  for (const d of ev.depositCertificates) {
    const path = `work/${d.depositId}.certificate.json`;
    files.set(path, json(d.certificate));
    items.push({
      path,
      zh: `作品存证证书 ${d.depositId}`,
      en: `Deposit certificate of the work ${d.depositId}`,
      storedBy: `${service}，存证时间 ${d.certificate.deposit.receivedAt}（日志第 ${d.certificate.entry.index} 条）/ deposited ${d.certificate.deposit.receivedAt}, log entry ${d.certificate.entry.index}`,
      storedHow: '作品哈希（SHA-256/SM3）写入仅可追加的 RFC 9162 默克尔日志，区块检查点以 Ed25519 签名并链式相连 / work hashes in an append-only RFC 9162 Merkle log; blocks are Ed25519-signed, chained checkpoints',
      verifiedHow: `node ${VERIFIER} verify ${path} --key-file log-key.txt [--file <作品原件 the work>]`,
    });
    verifySteps.push(`node ${VERIFIER} verify ${path} --key-file log-key.txt          # add --file <the work> to check the file too`);
    addTimestamp(d.depositId, d.certificate);
  }
  if (ev.registrationCertificate) {
    const reg = ev.registrationCertificate;
    const path = `work/${reg.registration.number}.registration.json`;
    files.set(path, json(reg));
    items.push({
      path,
      zh: `作品登记证书 ${reg.registration.number}`,
      en: `Registration certificate ${reg.registration.number}`,
      storedBy: `${service}，登记时间 ${reg.record.registeredAt}（日志第 ${reg.entry.index} 条）/ registered ${reg.record.registeredAt}, log entry ${reg.entry.index}`,
      storedHow: '登记记录的加盐哈希写入同一透明日志 / the salted hash of the registration record in the same log',
      verifiedHow: `node ${VERIFIER} verify ${path} --key-file log-key.txt`,
    });
    verifySteps.push(`node ${VERIFIER} verify ${path} --key-file log-key.txt`);
  }
  if (ev.capture) {
    const cap = ev.capture;
    const wacz = `capture/${cap.id}.wacz`;
    const certPath = `capture/${cap.id}.certificate.json`;
    files.set(wacz, cap.bundle);
    files.set(certPath, json(cap.certificate));
    items.push({
      path: wacz,
      zh: `侵权页面取证包 ${cap.id}`,
      en: `Capture of the infringing page ${cap.id} (WACZ: WARC, screenshot, PDF, recording, environment report)`,
      storedBy: `${service} 受权利人委托自动取证，完成于 ${cap.endedAt ?? cap.certificate.deposit.receivedAt}，取证包随即存证为 ${cap.depositId} / captured by the service for the rights holder, finished ${cap.endedAt ?? cap.certificate.deposit.receivedAt}, deposited as ${cap.depositId}`,
      storedHow: 'WACZ 1.1.1（WARC、截图、PDF、录屏、环境报告），datapackage-digest.json 以服务的 ECDSA P-256 密钥签名；取证包哈希写入透明日志 / WACZ 1.1.1 with a signed datapackage digest; its hash is in the log',
      verifiedHow: `node ${VERIFIER} verify ${certPath} --key-file log-key.txt --file ${wacz}`,
    });
    items.push({
      path: certPath,
      zh: `取证包的存证证书 ${cap.depositId}`,
      en: `Deposit certificate of the capture bundle ${cap.depositId}`,
      storedBy: `${service}，存证时间 ${cap.certificate.deposit.receivedAt} / deposited ${cap.certificate.deposit.receivedAt}`,
      storedHow: '同上，日志第 ' + String(cap.certificate.entry.index) + ' 条 / as above, log entry ' + String(cap.certificate.entry.index),
      verifiedHow: `node ${VERIFIER} verify ${certPath} --key-file log-key.txt --file ${wacz}`,
    });
    verifySteps.push(`node ${VERIFIER} verify ${certPath} --key-file log-key.txt --file ${wacz}`);
    addTimestamp(cap.depositId, cap.certificate);
  }
  // The case's own log entries, with the snapshots they commit to.
  const caseList: unknown[] = [];
  for (const e of ev.entries) {
    const h = c.history.find((x) => x.seq === e.seq);
    files.set(`case/entry-${e.seq}.json`, e.bytes);
    if (h) files.set(`case/entry-${e.seq}.snapshot.json`, strToU8(h.snapshot));
    const leaf = createHash('sha256').update(Buffer.from([0])).update(e.bytes).digest('hex');
    caseList.push({ seq: e.seq, index: e.index, action: h?.action, state: h?.state, at: h?.at, leafHash: leaf, caseSha256: h?.caseSha256 });
  }
  files.set('case/case.json', json({ id: c.id, state: c.state, work: c.work, entries: caseList }));
  items.push({
    path: 'case/case.json',
    zh: `案件日志记录 ${c.id}（${ev.entries.length} 条）`,
    en: `The case's log entries ${c.id} (${ev.entries.length})`,
    storedBy: `${service}，每次状态变化时写入日志 / appended to the log at each state change`,
    storedHow: '每条 case 条目只含案件记录（含随机盐）的 SHA-256，不含个人信息明文 / each entry holds the SHA-256 of the salted case record, no personal data in plaintext',
    verifiedHow: 'openssl dgst -sha256 case/entry-<n>.snapshot.json = caseSha256；(printf "\\000"; cat case/entry-<n>.json) | openssl dgst -sha256 = leafHash',
  });

  // Notices, text and PDF.
  const facts = noticeFacts(ev, { ...(opts.accountName !== undefined ? { accountName: opts.accountName } : {}), packageUrl: `${opts.issuer.publicUrl}/v1/cases/${c.id}/package`, date: opts.issuedAt });
  for (const kind of ['cn', 'dmca'] as const) {
    files.set(`notice-${kind}.txt`, strToU8(noticeText(kind, facts)));
    files.set(`notice-${kind}.pdf`, await renderNoticePdf({ kind, facts, issuer: opts.issuer, issuedAt: opts.issuedAt }));
  }
  files.set('log-key.txt', strToU8(ev.logKey + '\n'));
  if (opts.issuer.signing) files.set('pdf-signing-cert.pem', strToU8(opts.issuer.signing.certPem));
  if (opts.tsaPem !== undefined) files.set('tsa-ca.pem', strToU8(opts.tsaPem));
  if (opts.verifier) files.set(VERIFIER, opts.verifier);

  const listed: EvidenceItem[] = items.map((i) => {
    const bytes = files.get(i.path)!;
    return { ...i, sha256: sha256(bytes), size: bytes.length, intact: `打包时 SHA-256 与 SHA256SUMS 一致 / SHA-256 matches SHA256SUMS when packaged (${new Date(opts.issuedAt).toISOString()})` };
  });
  files.set('evidence-list.pdf', await renderEvidenceListPdf({ caseId: c.id, state: c.state, items: listed, issuer: opts.issuer, issuedAt: opts.issuedAt }));
  files.set('VERIFY.txt', strToU8(verifyText(c.id, { verifySteps, tsSteps, hasVerifier: opts.verifier !== undefined, signed: opts.issuer.signing !== undefined, publicUrl: opts.issuer.publicUrl })));
  const sums = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, bytes]) => `${sha256(bytes)}  ${name}`).join('\n') + '\n';
  files.set('SHA256SUMS', strToU8(sums));
  // Bundles and PDFs are compressed already: stored as they are, so a large capture costs no deflate time.
  const zip: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, bytes] of files) zip[name] = [bytes, { level: /\.(wacz|pdf)$/.test(name) ? 0 : 6 }];
  return zipSync(zip, { mtime: new Date(opts.issuedAt) });
}

function verifyText(caseId: string, p: { verifySteps: string[]; tsSteps: string[]; hasVerifier: boolean; signed: boolean; publicUrl: string }): string {
  return [
    `Evidence package of case ${caseId} — how to verify it offline`,
    `证据包离线核验步骤（案件 ${caseId}）`,
    '',
    'Needs: Node.js 18 or later (for the standalone verifier) and openssl. No network, nothing from this service.',
    '所需工具：Node.js 18 及以上（运行独立核验程序）和 openssl。无需联网，无需本服务。',
    '',
    '0. Pin the log key. log-key.txt is the key this package was made with: compare it with the key the',
    '   operator publishes (GET /v1/log/key) or obtained independently. Verification is only as good as that check.',
    '   核对日志公钥：log-key.txt 须与运营方公布的公钥一致。',
    '',
    '1. Every file is intact (SHA256SUMS lists all other files):',
    '   每个文件完整：',
    '   sha256sum -c SHA256SUMS',
    '   # or, with openssl only, for each line of SHA256SUMS:',
    '   openssl dgst -sha256 <file>      # must print the hash on that line',
    '',
    `2. Each certificate verifies against the pinned key (exit code 0 = valid)${p.hasVerifier ? '' : ` — download ${VERIFIER} from ${p.publicUrl}/downloads/${VERIFIER}`}:`,
    '   每份证书用独立核验程序核验（退出码 0 表示有效）：',
    ...p.verifySteps.map((s) => `   ${s}`),
    '',
    '3. Each RFC 3161 timestamp token stamps its checkpoint body (prints "Verification: OK"):',
    '   时间戳令牌核验：',
    ...(p.tsSteps.length > 0 ? p.tsSteps.map((s) => `   ${s}`) : ['   (no timestamp tokens in this package)']),
    '   openssl ts -reply -in timestamps/<name>.tsr -token_in -text    # shows the time and the TSA',
    '',
    '4. The case entries commit to the case record and are leaves of the log:',
    '   案件日志条目核验：',
    '   openssl dgst -sha256 case/entry-1.snapshot.json               # = "caseSha256" in case/entry-1.json',
    "   (printf '\\000'; cat case/entry-1.json) | openssl dgst -sha256   # = leafHash in case/case.json",
    '   # online, optional: the same leaf at that index in the public log: GET /v1/log/entries/<index>',
    '',
    `5. The PDFs are signed by the operator${p.signed ? '' : ' (this server does not sign PDFs)'}:`,
    '   PDF 电子签名核验：',
    '   pdfsig evidence-list.pdf ; pdfsig notice-cn.pdf ; pdfsig notice-dmca.pdf',
    '   openssl x509 -in pdf-signing-cert.pem -noout -fingerprint -sha256   # compare with the operator’s published fingerprint',
    '',
    '6. The capture bundle (WACZ) carries its own signature over datapackage-digest.json; its deposit',
    '   certificate (step 2, with --file) binds the exact bundle bytes to the log.',
    '',
  ].join('\n');
}
