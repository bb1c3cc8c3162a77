/**
 * Authorization matrix of every issue-6 route: no key → 401, wrong role → 403, another
 * account's private data → 404, and the allowed callers succeed. Each row names the route, the
 * caller and the status; the table is the documentation (docs/REGISTRATION.md, "Roles").
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { account, api, application, deposit, join, submitted, type Actor } from '../support/registration.js';

const ADMIN_API_KEY = 'admin-key-for-authz-tests-000';

let svc: TestService;
let url: string;
const who: Record<string, Actor | undefined> = {};
/** Fixtures the rows refer to. */
const f: Record<string, string> = {};

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY });
  url = svc.url;
  const me = (await api(url, 'GET', '/v1/accounts/me', { key: ADMIN_API_KEY })).body.account.id as string;
  who.none = undefined;
  who.admin = { key: ADMIN_API_KEY, id: me };
  who.creator = await account(url, ADMIN_API_KEY, { name: 'Applicant' });
  who.otherCreator = await account(url, ADMIN_API_KEY, { name: 'Other creator' });
  who.platform = await account(url, ADMIN_API_KEY, { role: 'platform', kind: 'organisation' });
  who.reviewer = await account(url, ADMIN_API_KEY, { role: 'reviewer' });
  who.org = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Org' });
  who.member = await account(url, ADMIN_API_KEY, { name: 'Member' });
  await join(url, who.org, who.member);
  f.org = who.org.id;
  f.member = who.member.id;
  f.someone = who.otherCreator.id;
  const pending = await api(url, 'POST', `/v1/organisations/${who.org.id}/members`, { key: who.org.key, body: { accountId: who.reviewer.id } });
  expect(pending.status).toBe(201);
  f.invitation = pending.body.invitation.id;

  const c = who.creator.key;
  f.dep = await deposit(url, c);
  const d = await api(url, 'POST', '/v1/registrations', { key: c, body: { title: 'A draft' } });
  f.draft = d.body.id;
  f.submitted = await submitted(url, c, [f.dep]);
  f.approved = await submitted(url, c, [f.dep]);
  expect((await api(url, 'POST', `/v1/registrations/${f.approved}/approve`, { key: who.reviewer.key })).status).toBe(200);
});

afterAll(async () => {
  await svc?.close();
  await rm(svc.dataDir, { recursive: true, force: true });
});

type Who = 'none' | 'admin' | 'creator' | 'otherCreator' | 'platform' | 'reviewer' | 'org' | 'member';

interface Row {
  route: string;
  method: string;
  path: (fx: string) => string;
  body?: () => unknown;
  /** A fresh application in this state for every caller (rows that change state). */
  fresh?: 'draft' | 'submitted' | 'approved' | 'changes_requested';
  /** Callers and the status each gets. */
  expect: Partial<Record<Who, number>>;
}

const fresh = async (state: 'draft' | 'submitted' | 'approved' | 'changes_requested'): Promise<string> => {
  const c = who.creator!.key;
  if (state === 'draft') return (await api(url, 'POST', '/v1/registrations', { key: c, body: { title: 'draft' } })).body.id;
  const id = await submitted(url, c, [f.dep!]);
  if (state === 'approved') expect((await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: who.reviewer!.key })).status).toBe(200);
  if (state === 'changes_requested') expect((await api(url, 'POST', `/v1/registrations/${id}/request-changes`, { key: who.reviewer!.key, body: { reason: 'r' } })).status).toBe(200);
  return id;
};

const rows: Row[] = [
  {
    route: 'POST /v1/registrations',
    method: 'POST',
    path: () => '/v1/registrations',
    body: () => ({ title: 'x' }),
    expect: { none: 401, reviewer: 403, creator: 201, platform: 201, admin: 201 },
  },
  {
    route: "POST /v1/registrations with another account's deposit",
    method: 'POST',
    path: () => '/v1/registrations',
    body: () => ({ title: 'x', deposits: [f.dep] }),
    expect: { otherCreator: 404, platform: 404, creator: 201 },
  },
  { route: 'GET /v1/registrations', method: 'GET', path: () => '/v1/registrations', expect: { none: 401, creator: 200, reviewer: 200, platform: 200, admin: 200 } },
  {
    route: 'GET /v1/registrations/{id} (draft)',
    method: 'GET',
    path: () => `/v1/registrations/${f.draft}`,
    expect: { none: 401, otherCreator: 404, platform: 404, reviewer: 404, member: 404, creator: 200, admin: 200 },
  },
  {
    route: 'GET /v1/registrations/{id} (submitted)',
    method: 'GET',
    path: () => `/v1/registrations/${f.submitted}`,
    expect: { none: 401, otherCreator: 404, platform: 404, creator: 200, reviewer: 200, admin: 200 },
  },
  {
    route: 'PATCH /v1/registrations/{id}',
    method: 'PATCH',
    path: () => `/v1/registrations/${f.draft}`,
    body: () => ({ title: 'Renamed' }),
    expect: { none: 401, otherCreator: 404, reviewer: 404, admin: 403, creator: 200 },
  },
  {
    route: 'PATCH /v1/registrations/{id} (changes requested, visible to reviewers)',
    method: 'PATCH',
    fresh: 'changes_requested',
    path: (fx) => `/v1/registrations/${fx}`,
    body: () => ({ title: 'Renamed' }),
    expect: { reviewer: 403, otherCreator: 404, creator: 200 },
  },
  {
    route: 'POST /v1/registrations/{id}/submit',
    method: 'POST',
    fresh: 'draft',
    path: (fx) => `/v1/registrations/${fx}/submit`,
    expect: { none: 401, otherCreator: 404, reviewer: 404, admin: 403, creator: 400 /* incomplete draft */ },
  },
  {
    route: 'POST /v1/registrations/{id}/amend',
    method: 'POST',
    fresh: 'changes_requested',
    path: (fx) => `/v1/registrations/${fx}/amend`,
    expect: { none: 401, otherCreator: 404, platform: 404, reviewer: 403, admin: 403, creator: 200 },
  },
  {
    route: 'POST /v1/registrations/{id}/withdraw',
    method: 'POST',
    fresh: 'submitted',
    path: (fx) => `/v1/registrations/${fx}/withdraw`,
    expect: { none: 401, otherCreator: 404, reviewer: 403, admin: 403, creator: 200 },
  },
  {
    route: 'GET /v1/registrations/{id}/certificate',
    method: 'GET',
    path: () => `/v1/registrations/${f.approved}/certificate`,
    expect: { none: 401, otherCreator: 404, platform: 404, member: 404, creator: 200, reviewer: 200, admin: 200 },
  },
  { route: 'GET /v1/review/queue', method: 'GET', path: () => '/v1/review/queue', expect: { none: 401, creator: 403, platform: 403, org: 403, reviewer: 200, admin: 200 } },
  {
    route: 'GET /v1/review/{id}',
    method: 'GET',
    path: () => `/v1/review/${f.submitted}`,
    expect: { none: 401, creator: 403, otherCreator: 403, platform: 403, reviewer: 200, admin: 200 },
  },
  { route: 'GET /v1/review/{id} (a draft reviewers cannot see)', method: 'GET', path: () => `/v1/review/${f.draft}`, expect: { reviewer: 404 } },
  {
    route: 'POST /v1/registrations/{id}/approve',
    method: 'POST',
    fresh: 'submitted',
    path: (fx) => `/v1/registrations/${fx}/approve`,
    expect: { none: 401, creator: 403, otherCreator: 403, platform: 403, reviewer: 200 },
  },
  {
    route: 'POST /v1/registrations/{id}/approve (a draft reviewers cannot see)',
    method: 'POST',
    path: () => `/v1/registrations/${f.draft}/approve`,
    expect: { reviewer: 404 },
  },
  {
    route: 'POST /v1/registrations/{id}/reject',
    method: 'POST',
    fresh: 'submitted',
    path: (fx) => `/v1/registrations/${fx}/reject`,
    body: () => ({ reason: 'no' }),
    expect: { none: 401, creator: 403, platform: 403, reviewer: 200 },
  },
  {
    route: 'POST /v1/registrations/{id}/request-changes',
    method: 'POST',
    fresh: 'submitted',
    path: (fx) => `/v1/registrations/${fx}/request-changes`,
    body: () => ({ reason: 'more' }),
    expect: { none: 401, creator: 403, platform: 403, admin: 200 },
  },
  {
    route: 'POST /v1/registrations/{id}/correct',
    method: 'POST',
    path: () => `/v1/registrations/${f.approved}/correct`,
    body: () => ({ title: 'Corrected', reason: 'typo' }),
    expect: { none: 401, creator: 403, reviewer: 403, platform: 403, admin: 200 },
  },
  {
    route: 'POST /v1/registrations/{id}/correct (unknown id)',
    method: 'POST',
    path: () => '/v1/registrations/reg_00000000000000000000/correct',
    body: () => ({ title: 'Corrected', reason: 'typo' }),
    expect: { admin: 404 },
  },
  {
    route: 'POST /v1/registrations/{id}/revoke',
    method: 'POST',
    fresh: 'approved',
    path: (fx) => `/v1/registrations/${fx}/revoke`,
    body: () => ({ reason: 'ruling' }),
    expect: { none: 401, creator: 403, reviewer: 403, platform: 403, admin: 200 },
  },
  {
    route: 'PUT /v1/accounts/{id}/role',
    method: 'PUT',
    path: () => `/v1/accounts/${f.someone}/role`,
    body: () => ({ role: 'creator' }),
    expect: { none: 401, creator: 403, reviewer: 403, platform: 403, org: 403, admin: 200 },
  },
  { route: 'PUT /v1/accounts/{id}/role (unknown)', method: 'PUT', path: () => '/v1/accounts/acc_nobody/role', body: () => ({ role: 'creator' }), expect: { admin: 404 } },
  { route: 'GET /v1/registry (public)', method: 'GET', path: () => '/v1/registry?q=anything', expect: { none: 200, creator: 200 } },
  { route: 'GET /v1/stats', method: 'GET', path: () => '/v1/stats', expect: { none: 401, creator: 403, platform: 403, org: 403, reviewer: 200, admin: 200 } },
  { route: 'GET /v1/organisations', method: 'GET', path: () => '/v1/organisations', expect: { none: 401, creator: 200, member: 200, org: 200 } },
  {
    route: 'GET /v1/organisations/{id}',
    method: 'GET',
    path: () => `/v1/organisations/${f.org}`,
    expect: { none: 401, creator: 404, reviewer: 404, platform: 404, member: 200, org: 200, admin: 200 },
  },
  {
    route: 'POST /v1/organisations/{id}/members',
    method: 'POST',
    path: () => `/v1/organisations/${f.org}/members`,
    body: () => ({ accountId: f.someone }),
    expect: { none: 401, creator: 404, reviewer: 404, member: 403, org: 201, admin: 200 },
  },
  {
    route: 'GET /v1/organisations/{id}/history',
    method: 'GET',
    path: () => `/v1/organisations/${f.org}/history`,
    expect: { none: 401, creator: 404, reviewer: 404, member: 403, org: 200, admin: 200 },
  },
  {
    route: 'GET /v1/organisations/{id}/invitations',
    method: 'GET',
    path: () => `/v1/organisations/${f.org}/invitations`,
    expect: { none: 401, creator: 404, member: 403, org: 200, admin: 200 },
  },
  { route: 'GET /v1/invitations', method: 'GET', path: () => '/v1/invitations', expect: { none: 401, creator: 200, member: 200, org: 200 } },
  {
    route: 'POST /v1/invitations/{id}/accept (not the invitee)',
    method: 'POST',
    path: () => `/v1/invitations/${f.invitation}/accept`,
    expect: { none: 401, creator: 404, member: 404, org: 404, admin: 404 },
  },
  {
    route: 'DELETE /v1/organisations/{id}/members/{accountId}',
    method: 'DELETE',
    path: () => `/v1/organisations/${f.org}/members/${f.someone}`,
    expect: { none: 401, creator: 404, reviewer: 404, member: 403, org: 204 },
  },
];

describe('authorization matrix', () => {
  it.each(rows.map((r) => [r.route, r] as const))('%s', async (_name, row) => {
    for (const [name, status] of Object.entries(row.expect) as [Who, number][]) {
      const fx = row.fresh ? await fresh(row.fresh) : '';
      const caller = who[name];
      const res = await api(url, row.method, row.path(fx), {
        ...(caller ? { key: caller.key } : {}),
        ...(row.body ? { body: row.body() } : {}),
      });
      expect(res.status, `${row.route} as ${name}: ${res.text}`).toBe(status);
      if (status >= 400) {
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe({ 400: 'invalid_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[status]);
      }
    }
  });

  it("never lists another account's applications", async () => {
    const mine = await api(url, 'GET', '/v1/registrations?limit=100', { key: who.otherCreator!.key });
    expect(mine.body.registrations.every((r: { applicant: string }) => r.applicant === who.otherCreator!.id)).toBe(true);
    const creator = await api(url, 'GET', '/v1/registrations?limit=100', { key: who.creator!.key });
    expect(creator.body.registrations.map((r: { id: string }) => r.id)).toContain(f.draft);
    expect(creator.body.registrations.every((r: { applicant: string }) => r.applicant === who.creator!.id)).toBe(true);
  });

  it('an unknown key is 401 on every authenticated route', async () => {
    for (const row of rows.filter((r) => r.expect.none === 401)) {
      const res = await api(url, row.method, row.path('reg_00000000000000000000'), { key: 'clk_not-a-key', ...(row.body ? { body: row.body() } : {}) });
      expect(res.status, row.route).toBe(401);
    }
  });

  it('application data in the public registry has no private fields', async () => {
    const number = (await api(url, 'GET', `/v1/registrations/${f.approved}`, { key: who.creator!.key })).body.number as string;
    const pub = await api(url, 'GET', `/v1/registry?number=${number}`);
    const text = JSON.stringify(pub.body);
    for (const secret of ['idNumber', 'idType', 'address', 'applicant', who.creator!.id, '深圳']) expect(text).not.toContain(secret);
    expect(Object.keys(pub.body.results[0]).sort()).toEqual(['corrections', 'number', 'registeredAt', 'rightsHolders', 'status', 'title', 'workType', 'workTypeCode']);
    void application;
  });
});
