/**
 * What the registration pages show about applications, in both languages: the shapes the
 * registration API answers (docs/REGISTRATION.md) and the names of states, categories,
 * identity documents and the other enumerations. Types only from src/core, so the bundle
 * carries no rules it does not use.
 */
import type { ApplicationDraft, RegistrationAction, RegistrationState, RightsObtained, WorkType } from '../../../../core/registration.js';
import type { IdType } from '../../../../core/identity.js';
import type { Text } from './i18n.js';

export type { ApplicationDraft, RegistrationState, WorkType };

export interface HistoryItem {
  seq: number;
  action: RegistrationAction;
  state: RegistrationState;
  at: string;
  account: string;
  index: number;
  applicationSha256: string;
  reason?: string;
}

/** `GET /v1/registrations/{id}`. */
export interface RegistrationView {
  id: string;
  state: RegistrationState;
  applicant: string;
  application: ApplicationDraft;
  applicationSha256: string;
  createdAt: string;
  updatedAt: string;
  submittedAt?: string;
  reason?: string;
  number?: string;
  registeredAt?: string;
  certificateUrl?: string;
  history: HistoryItem[];
}

export interface DepositSummary {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  receivedAt: string;
  block?: number;
  title?: string;
  fileName?: string;
}

/** `GET /v1/review/{id}`. */
export interface ReviewItem {
  registration: RegistrationView;
  deposits: { deposit: DepositSummary }[];
  applicant: { id: string; name?: string; kind?: 'individual' | 'organisation' };
  conflict: boolean;
}

/** One public registry entry (`GET /v1/registry`). */
export interface RegistryEntry {
  number: string;
  title: string;
  workType: WorkType;
  workTypeCode: string;
  rightsHolders: string[];
  registeredAt: string;
  status: 'registered' | 'revoked';
  corrections: { correctedAt: string; changes: Record<string, { from: unknown; to: unknown }>; reason: string }[];
  revocation?: { revokedAt: string; reason: string };
}

export const REGISTRATION_NUMBER = /^CL-\d{4}-[A-Z]-\d{8}$/;

export const STATE: Record<RegistrationState, Text> = {
  draft: { zh: '草稿', en: 'Draft' },
  submitted: { zh: '已提交，待审查', en: 'Submitted, awaiting review' },
  changes_requested: { zh: '需要修改', en: 'Changes requested' },
  withdrawn: { zh: '已撤回', en: 'Withdrawn' },
  rejected: { zh: '已驳回', en: 'Rejected' },
  approved: { zh: '已登记', en: 'Registered' },
  revoked: { zh: '已撤销', en: 'Revoked' },
};

/** Badge style of a state: settled good, settled bad, or waiting. */
export const STATE_TONE: Record<RegistrationState, '' | 'ok' | 'bad'> = {
  draft: '',
  submitted: '',
  changes_requested: 'bad',
  withdrawn: '',
  rejected: 'bad',
  approved: 'ok',
  revoked: 'bad',
};

export const ACTION: Record<RegistrationAction, Text> = {
  create: { zh: '创建草稿', en: 'Draft created' },
  submit: { zh: '提交', en: 'Submitted' },
  request_changes: { zh: '要求修改', en: 'Changes requested' },
  amend: { zh: '修改后重新提交', en: 'Amended and resubmitted' },
  withdraw: { zh: '撤回', en: 'Withdrawn' },
  reject: { zh: '驳回', en: 'Rejected' },
  approve: { zh: '批准登记', en: 'Approved' },
  correct: { zh: '更正', en: 'Corrected' },
  revoke: { zh: '撤销', en: 'Revoked' },
};

export const WORK_TYPE: Record<WorkType, Text> = {
  literary: { zh: '文字作品', en: 'Literary work' },
  oral: { zh: '口述作品', en: 'Oral work' },
  musical: { zh: '音乐作品', en: 'Musical work' },
  dramatic: { zh: '戏剧作品', en: 'Dramatic work' },
  quyi: { zh: '曲艺作品', en: 'Quyi (folk performance) work' },
  fine_art: { zh: '美术作品', en: 'Fine art' },
  photographic: { zh: '摄影作品', en: 'Photographic work' },
  choreographic: { zh: '舞蹈作品', en: 'Choreographic work' },
  audiovisual: { zh: '视听作品', en: 'Audiovisual work' },
  graphic_model: { zh: '图形作品和模型作品', en: 'Graphic work or model' },
  acrobatic: { zh: '杂技艺术作品', en: 'Acrobatic work' },
  other: { zh: '其他作品', en: 'Other work' },
  architectural: { zh: '建筑作品', en: 'Architectural work' },
  software: { zh: '计算机软件', en: 'Computer software' },
};

export const ID_TYPE: Record<IdType, Text> = {
  resident_id: { zh: '居民身份证', en: 'Resident identity card' },
  passport: { zh: '护照', en: 'Passport' },
  hk_macao_permit: { zh: '港澳居民来往内地通行证', en: 'Hong Kong/Macao permit' },
  taiwan_permit: { zh: '台湾居民来往大陆通行证', en: 'Taiwan permit' },
  foreign_permanent_residence: { zh: '外国人永久居留身份证', en: 'Foreign permanent residence card' },
  unified_social_credit_code: { zh: '统一社会信用代码', en: 'Unified social credit code' },
  other: { zh: '其他证件', en: 'Other document' },
};

export const RIGHTS_OBTAINED: Record<RightsObtained, Text> = {
  original: { zh: '原始取得（自己创作）', en: 'Original (own creation)' },
  commissioned: { zh: '委托创作', en: 'Commissioned' },
  employment: { zh: '职务作品', en: 'Work made in employment' },
  transfer: { zh: '受让', en: 'Transfer' },
  inheritance: { zh: '继承', en: 'Inheritance' },
  other: { zh: '其他', en: 'Other' },
};

export const HOLDER_KIND: Record<'individual' | 'organisation', Text> = {
  individual: { zh: '自然人', en: 'Individual' },
  organisation: { zh: '法人或其他组织', en: 'Organisation' },
};

export const OWNERSHIP: Record<'sole' | 'joint', Text> = {
  sole: { zh: '单独所有', en: 'Sole' },
  joint: { zh: '共同所有', en: 'Joint' },
};

/** The conflict-of-interest rule, in words for reviewers and applicants. */
export const CONFLICT_RULE: Text = {
  zh: '审查员不得决定本人提交的申请，也不得决定在申请存续期间（自创建至今）与其同属某一组织的申请人的申请——无论现在是否仍是成员。已被此规则排除的申请不会出现在您的审查队列中，服务器也会拒绝此类决定。',
  en: 'A reviewer may not decide their own application, nor one from an applicant with whom they shared an organisation at any time during the application’s life (from its creation until now) — whether or not either is still a member. Applications this rule excludes are left out of your queue, and the server refuses such a decision.',
};
