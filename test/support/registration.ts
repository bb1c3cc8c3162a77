/** Helpers for the registration end-to-end tests (issue 6). */
import { randomBytes } from 'node:crypto';

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** One HTTP call; `body` is sent as JSON unless it is a string. */
export async function api<T = any>(
  url: string,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T, headers: res.headers, text };
}

export const hex32 = () => randomBytes(32).toString('hex');

const RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A resident identity card number with a valid check digit, from 17 digits. */
export function residentId(first17 = '11010519491231002'): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_WEIGHTS[i]!;
  return first17 + '10X98765432'[sum % 11];
}

const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A unified social credit code with a valid check character, from 17 characters. */
export function uscc(first17 = '91440300MA5F00000'): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC.indexOf(first17[i]!) * USCC_W[i]!;
  return first17 + USCC[(31 - (sum % 31)) % 31];
}

/** A complete application for the given deposits. */
export function application(deposits: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: '星空之夜 Starry Night',
    workType: 'fine_art',
    description: 'Oil on canvas, painted from memory.',
    authors: [{ name: '李雷', signature: 'Li Lei', nationality: 'CN' }],
    rightsHolders: [{ name: '李雷', displayName: 'Li Lei Studio', kind: 'individual', idType: 'resident_id', idNumber: residentId(), nationality: 'CN', address: '深圳市前海' }],
    creation: { completedOn: '2025-06-01', place: '深圳' },
    publication: { status: 'published', firstPublishedOn: '2025-07-01', place: '上海' },
    rightsObtained: 'original',
    ownership: 'sole',
    statementOfTruth: true,
    deposits,
    ...overrides,
  };
}

export interface Actor {
  key: string;
  id: string;
}

/** Creates an account; with `role`, the admin key creates it. */
export async function account(url: string, adminKey: string, opts: { role?: string; kind?: 'individual' | 'organisation'; name?: string } = {}): Promise<Actor> {
  const res = await api(url, 'POST', '/v1/accounts', {
    ...(opts.role !== undefined ? { key: adminKey } : {}),
    body: {
      name: opts.name ?? 'Tester',
      email: `t-${randomBytes(6).toString('hex')}@example.com`,
      kind: opts.kind ?? 'individual',
      ...(opts.role !== undefined ? { role: opts.role } : {}),
    },
  });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${res.text}`);
  return { key: res.body.apiKey, id: res.body.account.id };
}

/** A hash-only deposit; returns its id. */
export async function deposit(url: string, key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api(url, 'POST', '/v1/deposits', { key, body: { sha256: hex32(), ...extra } });
  if (res.status !== 201) throw new Error(`deposit: ${res.status} ${res.text}`);
  return res.body.id as string;
}

/** Creates and submits an application; returns its id. */
export async function submitted(url: string, key: string, deposits: string[], overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await api(url, 'POST', '/v1/registrations', { key, body: { ...application(deposits, overrides), submit: true } });
  if (res.status !== 201) throw new Error(`application: ${res.status} ${res.text}`);
  return res.body.id as string;
}

/** Invites `member` into `org` (by `inviter`, default the organisation) and accepts as the member; returns the invitation id. */
export async function join(url: string, org: Actor, member: Actor, opts: { role?: 'owner' | 'member'; inviter?: Actor } = {}): Promise<string> {
  const inv = await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: (opts.inviter ?? org).key, body: { accountId: member.id, ...(opts.role ? { role: opts.role } : {}) } });
  if (inv.status !== 201) throw new Error(`invite: ${inv.status} ${inv.text}`);
  const ok = await api(url, 'POST', `/v1/invitations/${inv.body.invitation.id}/accept`, { key: member.key });
  if (ok.status !== 200) throw new Error(`accept: ${ok.status} ${ok.text}`);
  return inv.body.invitation.id as string;
}
