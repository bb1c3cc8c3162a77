/**
 * Operation (运营) rules: the economic rights of Copyright Law Art. 10, licence periods and
 * territories, when two licences conflict and when one covers a use, and the salted terms every
 * licence, transfer and pledge entry commits to (docs/OPERATION.md). Pure: no I/O, no clock;
 * times and salts come in as arguments.
 */
import { toHex } from './bytes.js';
import { LogError } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';
import { canonicalBytes } from './jcs.js';
import type { OperationKind } from './operation-entry.js';

export * from './operation-entry.js';

/**
 * The economic rights of the Copyright Law of the PRC, Art. 10 (5)–(17): 复制权, 发行权, 出租权,
 * 展览权, 表演权, 放映权, 广播权, 信息网络传播权, 摄制权, 改编权, 翻译权, 汇编权, 其他权利.
 */
export const ECONOMIC_RIGHTS = {
  reproduction: '复制权',
  distribution: '发行权',
  rental: '出租权',
  exhibition: '展览权',
  performance: '表演权',
  screening: '放映权',
  broadcasting: '广播权',
  information_network_dissemination: '信息网络传播权',
  cinematography: '摄制权',
  adaptation: '改编权',
  translation: '翻译权',
  compilation: '汇编权',
  other: '其他权利',
} as const;
export type EconomicRight = keyof typeof ECONOMIC_RIGHTS;
export const RIGHT_NAMES = Object.keys(ECONOMIC_RIGHTS) as [EconomicRight, ...EconomicRight[]];

/** Every right, or a sorted list of ISO 3166-1 alpha-2 codes. */
export type Territory = 'worldwide' | string[];

/** An amount of money: a decimal string (no float rounding) and an ISO 4217 currency. */
export interface Money {
  amount: string;
  currency: string;
}

/** A party: an account of this service and the name shown for it, or a name only (someone off the service). */
export interface Party {
  account?: string;
  name: string;
}

interface TermsBase {
  registration: string;
  number: string;
  /** SHA-256 (hex) of the signed contract document, when one was given. */
  contractSha256?: string;
}

export interface LicenceTerms extends TermsBase {
  kind: 'licence';
  licensor: Required<Party>;
  licensee: Party;
  rights: EconomicRight[];
  exclusive: boolean;
  territory: Territory;
  /** [validFrom, validTo): contract times (RFC 3339 UTC, milliseconds). */
  validFrom: string;
  validTo: string;
  fee?: Money;
  /** An ODRL 2.2 policy (JSON object) or a Creative Commons licence URI. */
  terms?: string | Record<string, unknown>;
}

export interface TransferTerms extends TermsBase {
  kind: 'transfer';
  from: Required<Party>;
  to: Required<Party>;
  /** The rights transferred (`all` was resolved to the rights the transferor held). */
  rights: EconomicRight[];
  all: boolean;
  consideration?: Money;
}

export interface PledgeTerms extends TermsBase {
  kind: 'pledge';
  pledgor: Required<Party>;
  pledgee: Party;
  /** The rights pledged (`all` was resolved to the rights the pledgor held). */
  rights: EconomicRight[];
  securedAmount: Money;
  validFrom: string;
  validTo: string;
}

export type OperationTerms = LicenceTerms | TransferTerms | PledgeTerms;

/** SHA-256(JCS(terms ∪ {salt})) as lowercase hex: the commitment every entry of the operation carries. */
export function termsSha256(terms: OperationTerms, salt: string, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(canonicalBytes({ ...terms, salt })));
}

/** SHA-256(JCS({reason, salt})) as lowercase hex. */
export function operationReasonSha256(reason: string, salt: string, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(canonicalBytes({ reason, salt })));
}

// ---------------------------------------------------------------------------------------------
// Times

const CST = '+08:00';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Normalises a period bound to a contract time: an RFC 3339 instant with any offset, or a date
 * (YYYY-MM-DD, China Standard Time) meaning the start of that day (`start`) or the end of it,
 * i.e. the start of the next day (`end`: periods are half-open). Undefined when unparsable.
 */
export function normaliseInstant(text: string, edge: 'start' | 'end'): string | undefined {
  const d = DATE.exec(text);
  if (d) {
    const ms = Date.parse(`${text}T00:00:00.000${CST}`);
    if (!Number.isFinite(ms)) return undefined;
    const check = new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
    if (check !== text) return undefined;
    return new Date(edge === 'end' ? ms + 86_400_000 : ms).toISOString();
  }
  if (!INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  const out = new Date(ms).toISOString();
  return out.startsWith('-') || out.startsWith('+') ? undefined : out;
}

function invalid(field: string, message: string): never {
  throw new LogError('invalid_request', `${field}: ${message}`, { details: { field } });
}

/** Checks a period given as text. MUST throw invalid_request naming `validFrom` or `validTo`. */
export function parsePeriod(validFrom: string, validTo: string): { validFrom: string; validTo: string } {
  const from = normaliseInstant(validFrom, 'start');
  if (from === undefined) invalid('validFrom', 'must be an RFC 3339 time or a date YYYY-MM-DD');
  const to = normaliseInstant(validTo, 'end');
  if (to === undefined) invalid('validTo', 'must be an RFC 3339 time or a date YYYY-MM-DD');
  if (to <= from) invalid('validTo', 'must be after validFrom');
  return { validFrom: from, validTo: to };
}

// ---------------------------------------------------------------------------------------------
// Conflicts and coverage

export function periodsOverlap(a: { validFrom: string; validTo: string }, b: { validFrom: string; validTo: string }): boolean {
  return a.validFrom < b.validTo && b.validFrom < a.validTo;
}

export function territoriesOverlap(a: Territory, b: Territory): boolean {
  if (a === 'worldwide' || b === 'worldwide') return true;
  return a.some((c) => b.includes(c));
}

export function inTerritory(t: Territory, code: string | undefined): boolean {
  return t === 'worldwide' || (code !== undefined && t.includes(code));
}

/** Rights both licences grant. */
export function sharedRights(a: readonly EconomicRight[], b: readonly EconomicRight[]): EconomicRight[] {
  return a.filter((r) => b.includes(r));
}

type LicenceScope = Pick<LicenceTerms, 'rights' | 'exclusive' | 'territory' | 'validFrom' | 'validTo'>;

/**
 * True when two licences may not both be in force: at least one is exclusive and they share a
 * right, some territory and some time.
 */
export function licencesConflict(a: LicenceScope, b: LicenceScope): boolean {
  return (a.exclusive || b.exclusive) && sharedRights(a.rights, b.rights).length > 0 && territoriesOverlap(a.territory, b.territory) && periodsOverlap(a, b);
}

/** True when the licence grants `right` at `at` (a contract time), in `territory` when one is named. */
export function licenceCovers(l: LicenceScope, use: { right: EconomicRight; at: string; territory?: string }): boolean {
  if (!l.rights.includes(use.right)) return false;
  if (!(l.validFrom <= use.at && use.at < l.validTo)) return false;
  return use.territory === undefined || inTerritory(l.territory, use.territory);
}

/** The kinds whose accepted operations carry a certificate, and the action that issues it. */
export const CERTIFIED_ACTIONS: Record<OperationKind, readonly string[]> = {
  licence: ['grant', 'accept'],
  transfer: ['accept'],
  pledge: ['pledge'],
};

/** The states each action may start from (`none`: the operation's first entry). */
export const OPERATION_TRANSITIONS: Readonly<Record<OperationKind, Readonly<Record<string, readonly string[]>>>> = {
  licence: { offer: ['none'], grant: ['none'], accept: ['offered'], revoke: ['offered', 'active'] },
  transfer: { offer: ['none'], consent: ['offered'], accept: ['offered'], cancel: ['offered'] },
  pledge: { pledge: ['none'], release: ['active'] },
};

/** MUST throw LogError('conflict') when `action` of `kind` may not start from `state`. */
export function checkOperationTransition(kind: OperationKind, state: string, action: string): void {
  const from = OPERATION_TRANSITIONS[kind][action];
  if (from === undefined || !from.includes(state)) throw new LogError('conflict', `cannot ${action} a ${kind} in state ${state}`, { details: { state } });
}
