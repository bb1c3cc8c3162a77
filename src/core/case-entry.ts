/**
 * Case entries (docs/ENFORCEMENT.md): one log entry per state change of an infringement case.
 * No personal data and no URL in plaintext: the case record (infringing URL, description, rights
 * holder's contact, notes) is committed to by `caseSha256` = SHA-256(JCS(record incl. its random
 * salt)). Ids of deposits, registrations and captures are not personal data and appear as is.
 */
import { LogError } from './errors.js';

export const CASE_ACTIONS = {
  open: 'open',
  collect_evidence: 'evidence_collected',
  send_notice: 'notice_sent',
  settle: 'settled',
  litigate: 'litigation',
  close: 'closed',
} as const;
export type CaseAction = keyof typeof CASE_ACTIONS;
export type CaseState = (typeof CASE_ACTIONS)[CaseAction];

/** Which states each state may move to. */
export const CASE_TRANSITIONS: Record<CaseState, readonly CaseState[]> = {
  open: ['evidence_collected', 'closed'],
  evidence_collected: ['notice_sent', 'litigation', 'settled', 'closed'],
  notice_sent: ['settled', 'litigation', 'closed'],
  litigation: ['settled', 'closed'],
  settled: ['closed'],
  closed: [],
};

/** The action that leads to `state`. */
export function actionFor(state: CaseState): CaseAction {
  return (Object.keys(CASE_ACTIONS) as CaseAction[]).find((a) => CASE_ACTIONS[a] === state)!;
}

export const CASE_ID_RE = /^case_[0-9a-f]{20}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const DEPOSIT_ID_RE = /^dep_[0-9a-f]{20}$/;
const REGISTRATION_ID_RE = /^reg_[0-9a-f]{20}$/;
const CAPTURE_ID_RE = /^cap_[0-9a-f]{20}$/;

export interface CaseEntry {
  v: 1;
  type: 'case';
  id: string;
  /** 1 for the case's first entry, +1 for each later one. */
  seq: number;
  action: CaseAction;
  state: CaseState;
  /** The account that made the change (the rights holder who opened the case, or an admin). */
  account: string;
  /** SHA-256(JCS(case record incl. its salt)) as it stood after the change. */
  caseSha256: string;
  /** The deposit the case is about (open, when opened from a deposit). */
  deposit?: string;
  /** The registration the case is about (open, when opened from a registration). */
  registration?: string;
  /** The capture of the infringing page (collect_evidence). */
  capture?: string;
  receivedAt: string;
}

const KNOWN = new Set(['v', 'type', 'id', 'seq', 'action', 'state', 'account', 'caseSha256', 'deposit', 'registration', 'capture', 'receivedAt']);

/** Checks a decoded case entry. MUST throw bad_format on any field out of its documented shape. */
export function checkCaseEntry(e: Record<string, unknown>): void {
  const bad = (what: string): never => {
    throw new LogError('bad_format', `case entry ${what}`);
  };
  if (typeof e.id !== 'string' || !CASE_ID_RE.test(e.id)) bad('id invalid');
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) bad('seq invalid');
  if (typeof e.action !== 'string' || !Object.hasOwn(CASE_ACTIONS, e.action)) bad('action invalid');
  const action = e.action as CaseAction;
  if (e.state !== CASE_ACTIONS[action]) bad(`state is not ${CASE_ACTIONS[action]} after ${action}`);
  if ((action === 'open') !== (e.seq === 1)) bad('only the first entry opens the case');
  if (typeof e.account !== 'string' || e.account === '') bad('account missing');
  if (typeof e.caseSha256 !== 'string' || !HEX64.test(e.caseSha256)) bad('caseSha256 invalid');
  const has = (f: string) => e[f] !== undefined;
  if (action === 'open') {
    if (has('deposit') === has('registration')) bad('open names exactly one of deposit, registration');
    if (has('deposit') && (typeof e.deposit !== 'string' || !DEPOSIT_ID_RE.test(e.deposit))) bad('deposit invalid');
    if (has('registration') && (typeof e.registration !== 'string' || !REGISTRATION_ID_RE.test(e.registration))) bad('registration invalid');
  } else if (has('deposit') || has('registration')) bad('deposit/registration only on open');
  if (has('capture') !== (action === 'collect_evidence')) bad(`capture ${action === 'collect_evidence' ? 'missing' : 'unexpected'}`);
  if (has('capture') && (typeof e.capture !== 'string' || !CAPTURE_ID_RE.test(e.capture))) bad('capture invalid');
  for (const k of Object.keys(e)) if (!KNOWN.has(k)) bad(`field ${k} unexpected`);
}
