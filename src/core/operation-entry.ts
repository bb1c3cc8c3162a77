/**
 * Log entries of operation (运营, docs/OPERATION.md): `licence`, `transfer` and `pledge`. Each
 * offer, grant, acceptance, consent, cancellation, revocation, pledge and release is one entry.
 * Entries carry ids, the registration they concern, the acting account and salted SHA-256
 * commitments; no name, amount, term or contract text appears in plaintext. Pure: no I/O.
 */
import { LogError } from './errors.js';

export const OPERATION_KINDS = ['licence', 'transfer', 'pledge'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/**
 * Per kind: the id prefix, each action and the state it leads to, which actions carry a
 * certificate record (`recordSha256`) and which a reason (`reasonSha256`).
 */
export const OPERATION_RULES = {
  licence: {
    prefix: 'lic',
    actions: { offer: 'offered', grant: 'active', accept: 'active', revoke: 'revoked' },
    record: ['grant', 'accept'],
    reason: ['revoke'],
  },
  transfer: {
    prefix: 'trf',
    actions: { offer: 'offered', consent: 'offered', accept: 'completed', cancel: 'cancelled' },
    record: ['accept'],
    reason: [],
  },
  pledge: {
    prefix: 'plg',
    actions: { pledge: 'active', release: 'released' },
    record: ['pledge'],
    reason: [],
  },
} as const satisfies Record<OperationKind, { prefix: string; actions: Record<string, string>; record: readonly string[]; reason: readonly string[] }>;

export type LicenceAction = keyof (typeof OPERATION_RULES)['licence']['actions'];
export type TransferAction = keyof (typeof OPERATION_RULES)['transfer']['actions'];
export type PledgeAction = keyof (typeof OPERATION_RULES)['pledge']['actions'];
export type OperationAction = LicenceAction | TransferAction | PledgeAction;
export type LicenceState = (typeof OPERATION_RULES)['licence']['actions'][LicenceAction];
export type TransferState = (typeof OPERATION_RULES)['transfer']['actions'][TransferAction];
export type PledgeState = (typeof OPERATION_RULES)['pledge']['actions'][PledgeAction];
export type OperationState = LicenceState | TransferState | PledgeState;

/** `lic_`, `trf_` or `plg_` followed by 20 lowercase hex digits. */
export const OPERATION_ID_RE = /^(lic|trf|plg)_[0-9a-f]{20}$/;
const REGISTRATION_ID = /^reg_[0-9a-f]{20}$/;
const REGISTRATION_NUMBER = /^CL-[0-9]{4}-[A-Z]-[0-9]{8}$/;
const HEX64 = /^[0-9a-f]{64}$/;

export interface OperationEntry {
  v: 1;
  type: OperationKind;
  /** `lic_…`, `trf_…` or `plg_…`. */
  id: string;
  /** 1 for the operation's first entry, +1 for each later one. */
  seq: number;
  action: OperationAction;
  state: OperationState;
  /** The registration concerned (`reg_…`) and its public number. */
  registration: string;
  number: string;
  /** The account that acted. */
  account: string;
  /** SHA-256(JCS(terms ∪ {salt})): the operation's parties, rights, period, amounts, terms and contract hash, salted. */
  termsSha256: string;
  /** SHA-256(JCS(certificate record)) on the entries a certificate proves. */
  recordSha256?: string;
  /** SHA-256(JCS({reason, salt})) on a revocation. */
  reasonSha256?: string;
  receivedAt: string;
}

/** The kind an operation id belongs to, or undefined. */
export function operationKindOf(id: string): OperationKind | undefined {
  const m = OPERATION_ID_RE.exec(id);
  if (!m) return undefined;
  return OPERATION_KINDS.find((k) => OPERATION_RULES[k].prefix === m[1]);
}

/** The state `action` of `kind` leads to, or undefined when `kind` has no such action. */
export function stateAfter(kind: OperationKind, action: string): OperationState | undefined {
  const actions = OPERATION_RULES[kind].actions as Record<string, OperationState>;
  return Object.hasOwn(actions, action) ? actions[action] : undefined;
}

/**
 * Checks the fields of a `licence`, `transfer` or `pledge` entry (the common fields v, type and
 * receivedAt are checked by decodeEntry). MUST throw LogError('bad_format') naming the first bad
 * field; the state MUST be the one the action leads to.
 */
export function checkOperationEntry(e: Record<string, unknown>): void {
  const kind = e.type as OperationKind;
  const bad = (what: string): never => {
    throw new LogError('bad_format', `${kind} entry ${what}`);
  };
  const rules = OPERATION_RULES[kind];
  if (typeof e.id !== 'string' || operationKindOf(e.id) !== kind) bad(`id is not a ${rules.prefix}_ id`);
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) bad('seq invalid');
  if (typeof e.action !== 'string') bad('action invalid');
  const state = stateAfter(kind, e.action as string);
  if (state === undefined) bad('action invalid');
  if (e.state !== state) bad(`state is not ${state} after ${e.action as string}`);
  if (typeof e.registration !== 'string' || !REGISTRATION_ID.test(e.registration)) bad('registration invalid');
  if (typeof e.number !== 'string' || !REGISTRATION_NUMBER.test(e.number)) bad('number invalid');
  if (typeof e.account !== 'string' || e.account === '') bad('account missing');
  if (typeof e.termsSha256 !== 'string' || !HEX64.test(e.termsSha256)) bad('termsSha256 invalid');
  const action = e.action as string;
  for (const [f, needs] of [
    ['recordSha256', (rules.record as readonly string[]).includes(action)],
    ['reasonSha256', (rules.reason as readonly string[]).includes(action)],
  ] as const) {
    const has = e[f] !== undefined;
    if (has !== needs) bad(`${f} ${needs ? 'missing' : 'unexpected'}`);
    if (has && (typeof e[f] !== 'string' || !HEX64.test(e[f] as string))) bad(`${f} invalid`);
  }
  const known = new Set(['v', 'type', 'id', 'seq', 'action', 'state', 'registration', 'number', 'account', 'termsSha256', 'recordSha256', 'reasonSha256', 'receivedAt']);
  for (const k of Object.keys(e)) if (!known.has(k)) bad(`has an unknown field ${k}`);
}

export function isOperationType(type: string): type is OperationKind {
  return (OPERATION_KINDS as readonly string[]).includes(type);
}
