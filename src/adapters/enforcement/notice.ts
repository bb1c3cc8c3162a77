/**
 * Takedown notices filled from a case (docs/ENFORCEMENT.md), as structured data and plain text:
 * - `cn`: 通知书 under Art. 14 of the Regulations on the Protection of the Right of Communication
 *   through Information Network (信息网络传播权保护条例): the rights holder's name, contact and
 *   address; the name and network address of the infringing work; preliminary proof.
 * - `dmca`: a notice under 17 U.S.C. 512(c)(3)(A) with its six elements (signature, the work,
 *   the infringing material and where it is, contact information, the good-faith statement, the
 *   accuracy and authority statement under penalty of perjury).
 * The service fills in facts only; the rights holder reviews, signs and sends the notice.
 */
import type { CaseEvidence } from '../../app/cases.js';

export type NoticeKind = 'cn' | 'dmca';

export interface NoticeFacts {
  caseId: string;
  holderName: string;
  holderContact: string;
  holderAddress: string;
  workTitle: string;
  infringingUrl: string;
  /** Preliminary proof, one line each. */
  proofs: { zh: string; en: string }[];
  /** Where the evidence package can be fetched. */
  packageUrl: string;
  /** Date of the notice (RFC 3339). */
  date: string;
  /** The platform addressed, when given. */
  recipient?: string;
}

const MISSING = '（请填写 / to be filled in）';

/** Facts of a notice from a case's evidence. `holder` fills what the case lacks (the account's name). */
export function noticeFacts(ev: CaseEvidence, opts: { accountName?: string; packageUrl: string; date: string; recipient?: string | undefined }): NoticeFacts {
  const c = ev.case;
  const reg = ev.registrationCertificate;
  const firstDeposit = ev.depositCertificates[0];
  const meta = firstDeposit?.certificate.work.metadata as Record<string, unknown> | undefined;
  const title = reg?.record.title ?? (typeof meta?.title === 'string' ? meta.title : undefined) ?? firstDeposit?.depositId ?? c.work.depositId ?? '';
  const proofs: NoticeFacts['proofs'] = [];
  for (const d of ev.depositCertificates) {
    proofs.push({
      zh: `存证证书 ${d.depositId}：作品 SHA-256 ${d.certificate.work.sha256}，存证时间 ${d.certificate.deposit.receivedAt}（透明日志第 ${d.certificate.entry.index} 条）`,
      en: `Deposit certificate ${d.depositId}: work SHA-256 ${d.certificate.work.sha256}, deposited ${d.certificate.deposit.receivedAt} (log entry ${d.certificate.entry.index})`,
    });
  }
  if (reg) proofs.push({ zh: `作品登记证书 ${reg.registration.number}（${reg.record.title}），登记时间 ${reg.record.registeredAt}`, en: `Registration certificate ${reg.registration.number} (${reg.record.title}), registered ${reg.record.registeredAt}` });
  if (ev.capture) {
    proofs.push({
      zh: `侵权页面网页取证 ${ev.capture.id}：WACZ 证据包 SHA-256 ${ev.capture.certificate.work.sha256}，取证完成 ${ev.capture.endedAt ?? ev.capture.certificate.deposit.receivedAt}`,
      en: `Web capture of the infringing page ${ev.capture.id}: WACZ bundle SHA-256 ${ev.capture.certificate.work.sha256}, captured ${ev.capture.endedAt ?? ev.capture.certificate.deposit.receivedAt}`,
    });
  }
  const holder = c.rightsHolder ?? {};
  return {
    caseId: c.id,
    holderName: holder.name ?? reg?.record.rightsHolders[0]?.name ?? opts.accountName ?? MISSING,
    holderContact: holder.contact ?? MISSING,
    holderAddress: holder.address ?? MISSING,
    workTitle: title,
    infringingUrl: c.infringingUrl,
    proofs,
    packageUrl: opts.packageUrl,
    date: opts.date,
    ...(opts.recipient !== undefined ? { recipient: opts.recipient } : {}),
  };
}

/** The notice as plain text (UTF-8). */
export function noticeText(kind: NoticeKind, f: NoticeFacts): string {
  const day = f.date.slice(0, 10);
  if (kind === 'cn') {
    return [
      '通  知  书',
      '（依据《信息网络传播权保护条例》第十四条）',
      '',
      `致：${f.recipient ?? '网络服务提供者'}`,
      '',
      '权利人认为贵方提供的信息存储空间或者搜索、链接服务所涉及的下列作品侵犯了权利人的信息网络传播权，现依据《信息网络传播权保护条例》第十四条的规定，要求贵方删除该作品，或者断开与该作品的链接。',
      '',
      '一、权利人的姓名（名称）、联系方式和地址',
      `    姓名（名称）：${f.holderName}`,
      `    联系方式：${f.holderContact}`,
      `    地址：${f.holderAddress}`,
      '',
      '二、要求删除或者断开链接的侵权作品的名称和网络地址',
      `    作品名称：${f.workTitle}`,
      `    网络地址：${f.infringingUrl}`,
      '',
      '三、构成侵权的初步证明材料',
      ...f.proofs.map((p, i) => `    ${i + 1}. ${p.zh}`),
      `    以上材料均收录于证据包（含离线核验步骤）：${f.packageUrl}`,
      '',
      '四、权利人对本通知书的真实性负责。',
      '',
      `案件编号：${f.caseId}`,
      '',
      '权利人（签名或者盖章）：',
      '',
      `日期：${day}`,
      '',
    ].join('\n');
  }
  return [
    'NOTICE OF CLAIMED INFRINGEMENT',
    '(Digital Millennium Copyright Act, 17 U.S.C. 512(c)(3))',
    '',
    `To: ${f.recipient ?? 'Designated Agent of the service provider'}`,
    `Date: ${day}`,
    `Reference: ${f.caseId}`,
    '',
    '1. Copyrighted work claimed to be infringed (512(c)(3)(A)(ii)):',
    `   ${f.workTitle}`,
    ...f.proofs.map((p) => `   - ${p.en}`),
    '',
    '2. Material claimed to be infringing, to be removed or access to it disabled, and where it is (512(c)(3)(A)(iii)):',
    `   ${f.infringingUrl}`,
    '',
    '3. Contact information of the complaining party (512(c)(3)(A)(iv)):',
    `   Name: ${f.holderName}`,
    `   Address: ${f.holderAddress}`,
    `   Telephone / e-mail: ${f.holderContact}`,
    '',
    '4. Good-faith statement (512(c)(3)(A)(v)):',
    '   I have a good faith belief that use of the material in the manner complained of is not authorized by the copyright owner, its agent, or the law.',
    '',
    '5. Accuracy and authority (512(c)(3)(A)(vi)):',
    '   The information in this notification is accurate, and under penalty of perjury, I am the owner, or authorized to act on behalf of the owner, of an exclusive right that is allegedly infringed.',
    '',
    `Evidence package (with offline verification steps): ${f.packageUrl}`,
    '',
    '6. Signature (512(c)(3)(A)(i)):',
    `   /s/ ${f.holderName}`,
    '',
  ].join('\n');
}
