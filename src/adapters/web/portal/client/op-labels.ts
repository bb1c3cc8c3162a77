/**
 * What the operation pages (licences, transfers, pledges, the licence check, the chain of title)
 * show, in both languages: the shapes the operation API answers (docs/OPERATION.md) and the names
 * of the economic rights of Copyright Law Art. 10 and of each state. Types only from src/core, so
 * the bundle carries no rules it does not use.
 */
import type { EconomicRight, LicenceTerms, Money, OperationKind, PledgeTerms, TransferTerms } from '../../../../core/operation.js';
import type { Text } from './i18n.js';
import type { RegistryEntry } from './reg-labels.js';

export type { EconomicRight, Money, OperationKind };

/** Art. 10 (5)–(17), in the law's order. */
export const RIGHT: Record<EconomicRight, Text> = {
  reproduction: { zh: '复制权', en: 'Reproduction' },
  distribution: { zh: '发行权', en: 'Distribution' },
  rental: { zh: '出租权', en: 'Rental' },
  exhibition: { zh: '展览权', en: 'Exhibition' },
  performance: { zh: '表演权', en: 'Performance' },
  screening: { zh: '放映权', en: 'Screening' },
  broadcasting: { zh: '广播权', en: 'Broadcasting' },
  information_network_dissemination: { zh: '信息网络传播权', en: 'Information network dissemination' },
  cinematography: { zh: '摄制权', en: 'Cinematography' },
  adaptation: { zh: '改编权', en: 'Adaptation' },
  translation: { zh: '翻译权', en: 'Translation' },
  compilation: { zh: '汇编权', en: 'Compilation' },
  other: { zh: '其他权利', en: 'Other rights' },
};

export const RIGHTS = Object.keys(RIGHT) as EconomicRight[];

/** Art. 10 item of each right (for the hint beside a checkbox). */
export const ARTICLE: Record<EconomicRight, string> = Object.fromEntries(RIGHTS.map((r, i) => [r, String(5 + i)])) as Record<EconomicRight, string>;

export const STATE: Record<string, Text> = {
  offered: { zh: '待接受', en: 'Offered' },
  active: { zh: '有效', en: 'In force' },
  revoked: { zh: '已撤销', en: 'Revoked' },
  completed: { zh: '已完成', en: 'Completed' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  released: { zh: '已解除', en: 'Released' },
};

export const STATE_TONE: Record<string, '' | 'ok' | 'bad'> = { offered: '', active: 'ok', completed: 'ok', revoked: 'bad', cancelled: 'bad', released: '' };

export const ACTION: Record<string, Text> = {
  offer: { zh: '发出要约', en: 'Offered' },
  grant: { zh: '授予（依已签合同）', en: 'Granted (signed contract)' },
  accept: { zh: '接受', en: 'Accepted' },
  revoke: { zh: '撤销', en: 'Revoked' },
  consent: { zh: '质权人同意', en: 'Pledgee consented' },
  cancel: { zh: '取消', en: 'Cancelled' },
  pledge: { zh: '质押登记', en: 'Pledge registered' },
  release: { zh: '解除质押', en: 'Released' },
};

interface HistoryItem {
  seq: number;
  action: string;
  state: string;
  at: string;
  account: string;
  index: number;
  reason?: string;
}

interface ViewBase {
  id: string;
  state: string;
  registrationId: string;
  number: string;
  createdAt: string;
  updatedAt: string;
  reason?: string;
  certificateUrl?: string;
  history: HistoryItem[];
  salt: string;
  termsSha256: string;
}

/** `GET /v1/licences/{id}` and the items of `GET /v1/licences`. */
export interface LicenceView extends ViewBase {
  kind: 'licence';
  terms: LicenceTerms;
}
export interface TransferView extends ViewBase {
  kind: 'transfer';
  terms: TransferTerms;
  consents?: string[];
}
export interface PledgeView extends ViewBase {
  kind: 'pledge';
  terms: PledgeTerms;
}
export type OperationView = LicenceView | TransferView | PledgeView;

/** `GET /v1/licences/check`. */
export interface LicenceCheck {
  covered: boolean;
  right: EconomicRight;
  at: string;
  licence?: { id: string; number: string; exclusive: boolean; validFrom: string; validTo: string; territory: 'worldwide' | string[] };
}

/** `GET /v1/registry/{number}`: the registry entry with its chain of title. */
export interface TitleView extends RegistryEntry {
  holders: { name: string; rights: EconomicRight[] | 'all' }[];
  chain: { kind: 'registration' | 'transfer'; at: string; from?: string; to: string; rights: EconomicRight[] | 'all'; transfer?: string; index?: number }[];
  pledges: { pledgee: string; at: string; index: number; state: 'active' | 'released'; releasedAt?: string }[];
  pledged: boolean;
  licences: { active: number; exclusive: number };
}

/** The URL path of each kind's routes. */
export const KIND_PATH: Record<OperationKind, string> = { licence: 'licences', transfer: 'transfers', pledge: 'pledges' };
