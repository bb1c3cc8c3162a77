/**
 * Bad input to every field of every issue-6 route → 400 application/problem+json naming the
 * field (`field`) with a detail that starts with it. Nothing is written for a bad request.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { account, api, application, deposit, residentId, submitted, uscc, type Actor } from '../support/registration.js';

const ADMIN_API_KEY = 'admin-key-for-validation-tests';

let svc: TestService;
let url: string;
let creator: Actor;
let reviewer: Actor;
let org: Actor;
let dep: string;
let approved: string;
let submittedId: string;

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY });
  url = svc.url;
  creator = await account(url, ADMIN_API_KEY);
  reviewer = await account(url, ADMIN_API_KEY, { role: 'reviewer' });
  org = await account(url, ADMIN_API_KEY, { kind: 'organisation' });
  dep = await deposit(url, creator.key);
  approved = await submitted(url, creator.key, [dep]);
  expect((await api(url, 'POST', `/v1/registrations/${approved}/approve`, { key: reviewer.key })).status).toBe(200);
  submittedId = await submitted(url, creator.key, [dep]);
});

afterAll(async () => {
  await svc?.close();
  await rm(svc.dataDir, { recursive: true, force: true });
});

/** Sets `path` (dot-separated, numeric parts index arrays) in a deep copy of `obj`; undefined deletes. */
function set(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(obj);
  const parts = path.split('.');
  let cur: any = out;
  for (const p of parts.slice(0, -1)) cur = cur[p];
  const last = parts.at(-1)!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return out;
}

const tomorrow = () => new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

async function expectField(res: { status: number; body: any; headers: Headers; text: string }, field: string, status = 400) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.field, res.text).toBe(field);
  expect(res.body.detail.startsWith(`${field}: `), res.body.detail).toBe(true);
}

describe('application fields (POST /v1/registrations with submit)', () => {
  const cases: [string, string, unknown][] = [
    ['foo', 'foo', 1],
    ['title', 'title', ''],
    ['title', 'title', 'x'.repeat(201)],
    ['title', 'title', 42],
    ['workType', 'workType', 'poetry'],
    ['description', 'description', ''],
    ['authors', 'authors', []],
    ['authors', 'authors', 'Li Lei'],
    ['authors.0.name', 'authors.0.name', undefined],
    ['authors.0.signature', 'authors.0.signature', ''],
    ['authors.0.nationality', 'authors.0.nationality', 'China'],
    ['authors.0.age', 'authors.0.age', 30],
    ['rightsHolders', 'rightsHolders', []],
    ['rightsHolders.0.name', 'rightsHolders.0.name', ' '],
    ['rightsHolders.0.displayName', 'rightsHolders.0.displayName', ''],
    ['rightsHolders.0.kind', 'rightsHolders.0.kind', 'robot'],
    ['rightsHolders.0.idType', 'rightsHolders.0.idType', 'driving_licence'],
    ['rightsHolders.0.idType', 'rightsHolders.0.idType', 'unified_social_credit_code'], // not an individual's document
    ['rightsHolders.0.idNumber', 'rightsHolders.0.idNumber', ''],
    ['rightsHolders.0.idNumber', 'rightsHolders.0.idNumber', residentId().slice(0, 17) + (residentId().endsWith('0') ? '1' : '0')], // wrong check digit
    ['rightsHolders.0.idNumber', 'rightsHolders.0.idNumber', '110105194902300021'], // 30 February
    ['rightsHolders.0.nationality', 'rightsHolders.0.nationality', 'cn'],
    ['rightsHolders.0.address', 'rightsHolders.0.address', ''],
    ['rightsHolders.0.extra', 'rightsHolders.0.extra', true],
    ['creation', 'creation', '2025-06-01'],
    ['creation.completedOn', 'creation.completedOn', '2025-02-30'],
    ['creation.completedOn', 'creation.completedOn', '2025/06/01'],
    ['creation.completedOn', 'creation.completedOn', tomorrow()],
    ['creation.place', 'creation.place', ''],
    ['publication.firstPublishedOn', 'publication.firstPublishedOn', undefined],
    ['publication.place', 'publication.place', undefined],
    ['publication.firstPublishedOn', 'publication.firstPublishedOn', '2025-05-01'], // before completion
    ['publication.firstPublishedOn', 'publication.firstPublishedOn', tomorrow()],
    ['publication.status', 'publication.status', 'maybe'],
    ['rightsObtained', 'rightsObtained', 'stolen'],
    ['rightsObtainedNote', 'rightsObtainedNote', ''],
    ['ownership', 'ownership', 'shared'],
    ['ownership', 'ownership', 'joint'], // one rights holder
    ['statementOfTruth', 'statementOfTruth', 'yes'],
    ['statementOfTruth', 'statementOfTruth', false],
    ['deposits', 'deposits', []],
    ['deposits.0', 'deposits.0', 'dep_xyz'],
    ['submit', 'submit', 'yes'],
    // Missing at submit:
    ['title', 'title', undefined],
    ['deposits', 'deposits', undefined],
    ['statementOfTruth', 'statementOfTruth', undefined],
  ];
  it.each(cases)('%s = %j → 400 naming %s', async (path, field, value) => {
    const body = set({ ...application([dep]), submit: true }, path, value);
    await expectField(await api(url, 'POST', '/v1/registrations', { key: creator.key, body }), field);
  });

  it('cross-field rules: rightsObtained other needs a note; an organisation needs its code; deposits are distinct and the applicant’s', async () => {
    await expectField(await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { ...application([dep]), rightsObtained: 'other', submit: true } }), 'rightsObtainedNote');
    const orgHolder = { name: 'Co', kind: 'organisation', idType: 'unified_social_credit_code', idNumber: uscc().slice(0, 17) + (uscc().endsWith('0') ? '1' : '0') };
    await expectField(await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { ...application([dep]), rightsHolders: [orgHolder], submit: true } }), 'rightsHolders.0.idNumber');
    await expectField(
      await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { ...application([dep]), rightsHolders: [{ ...orgHolder, idType: 'passport', idNumber: 'E12345678' }], submit: true } }),
      'rightsHolders.0.idType',
    );
    await expectField(await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { ...application([dep, dep]), submit: true } }), 'deposits.1');
    const foreign = await deposit(url, org.key);
    await expectField(await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { ...application([dep, foreign]), submit: true } }), 'deposits.1', 404);
    await expectField(await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { ...application(['dep_00000000000000000000']), submit: true } }), 'deposits.0', 404);
    // Lower-case document numbers are accepted and stored upper-case.
    const ok = await api(url, 'POST', '/v1/registrations', {
      key: creator.key,
      body: { ...application([dep]), ownership: 'joint', rightsHolders: [{ name: 'A', kind: 'individual', idType: 'passport', idNumber: 'e1234567' }, { ...orgHolder, idNumber: uscc().toLowerCase() }], submit: true },
    });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.application.rightsHolders.map((h: { idNumber: string }) => h.idNumber)).toEqual(['E1234567', uscc()]);
  });

  it('a JSON syntax error, a wrong media type and a non-object body are rejected without writing', async () => {
    const before = (await api(url, 'GET', '/v1/log/checkpoint')).text;
    expect((await api(url, 'POST', '/v1/registrations', { key: creator.key, body: '{"title":' })).status).toBe(400);
    expect((await api(url, 'POST', '/v1/registrations', { key: creator.key, body: 'title=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const arr = await api(url, 'POST', '/v1/registrations', { key: creator.key, body: [1] });
    expect(arr.status).toBe(400);
    expect((await api(url, 'GET', '/v1/log/checkpoint')).text).toBe(before);
  });
});

describe('the other routes', () => {
  it('PATCH and amend validate like create, and null removes an optional field', async () => {
    const draft = (await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { title: 'T', description: 'D' } })).body.id as string;
    await expectField(await api(url, 'PATCH', `/v1/registrations/${draft}`, { key: creator.key, body: { workType: 'x' } }), 'workType');
    await expectField(await api(url, 'PATCH', `/v1/registrations/${draft}`, { key: creator.key, body: { bogus: 1 } }), 'bogus');
    const removed = await api(url, 'PATCH', `/v1/registrations/${draft}`, { key: creator.key, body: { description: null } });
    expect(removed.status).toBe(200);
    expect(removed.body.application).toEqual({ title: 'T' });
    await expectField(await api(url, 'PATCH', '/v1/registrations/nope', { key: creator.key, body: { title: 'x' } }), 'id');
    await expectField(await api(url, 'POST', `/v1/registrations/${draft}/submit`, { key: creator.key, body: { x: 1 } }), 'x');
    await expectField(await api(url, 'POST', `/v1/registrations/${draft}/withdraw`, { key: creator.key, body: { x: 1 } }), 'x');
  });

  it('review and admin bodies', async () => {
    for (const path of ['reject', 'request-changes']) {
      await expectField(await api(url, 'POST', `/v1/registrations/${submittedId}/${path}`, { key: reviewer.key, body: {} }), 'reason');
      await expectField(await api(url, 'POST', `/v1/registrations/${submittedId}/${path}`, { key: reviewer.key, body: { reason: '' } }), 'reason');
      await expectField(await api(url, 'POST', `/v1/registrations/${submittedId}/${path}`, { key: reviewer.key, body: { reason: 'x'.repeat(2001) } }), 'reason');
      await expectField(await api(url, 'POST', `/v1/registrations/${submittedId}/${path}`, { key: reviewer.key, body: { reason: 'r', extra: 1 } }), 'extra');
    }
    await expectField(await api(url, 'POST', `/v1/registrations/${submittedId}/approve`, { key: reviewer.key, body: { number: 'CL-2026-F-00000009' } }), 'number');
    await expectField(await api(url, 'POST', `/v1/registrations/${approved}/revoke`, { key: ADMIN_API_KEY, body: { reason: 7 } }), 'reason');
    await expectField(await api(url, 'POST', `/v1/registrations/${approved}/correct`, { key: ADMIN_API_KEY, body: { reason: 'r' } }), 'title');
    await expectField(await api(url, 'POST', `/v1/registrations/${approved}/correct`, { key: ADMIN_API_KEY, body: { title: '', reason: 'r' } }), 'title');
    await expectField(await api(url, 'POST', `/v1/registrations/${approved}/correct`, { key: ADMIN_API_KEY, body: { title: 'T' } }), 'reason');
    await expectField(await api(url, 'POST', `/v1/registrations/${approved}/correct`, { key: ADMIN_API_KEY, body: { rightsHolders: [{ name: '' }], reason: 'r' } }), 'rightsHolders.0.name');
    await expectField(
      await api(url, 'POST', `/v1/registrations/${approved}/correct`, { key: ADMIN_API_KEY, body: { rightsHolders: [{ name: 'A' }, { name: 'B' }], reason: 'r' } }),
      'rightsHolders',
    );
    await expectField(await api(url, 'PUT', `/v1/accounts/${creator.id}/role`, { key: ADMIN_API_KEY, body: { role: 'owner' } }), 'role');
    await expectField(await api(url, 'PUT', '/v1/accounts/x/role', { key: ADMIN_API_KEY, body: { role: 'creator' } }), 'id');
    await expectField(await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: 'bob' } }), 'accountId');
    await expectField(await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: creator.id, role: 'boss' } }), 'role');
    await expectField(await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: org.id } }), 'accountId');
    await expectField(await api(url, 'GET', '/v1/organisations/not-an-id', { key: org.key }), 'id');
    await expectField(await api(url, 'DELETE', `/v1/organisations/${org.id}/members/x`, { key: org.key }), 'accountId');
  });

  it('query parameters', async () => {
    await expectField(await api(url, 'GET', '/v1/registry'), 'q');
    await expectField(await api(url, 'GET', '/v1/registry?q='), 'q');
    await expectField(await api(url, 'GET', '/v1/registry?q=%20%21%21'), 'q'); // nothing searchable
    await expectField(await api(url, 'GET', '/v1/registry?number=CL-26-F-1'), 'number');
    await expectField(await api(url, 'GET', '/v1/registry?number=CL-2026-F-00000001&q=x'), 'q');
    await expectField(await api(url, 'GET', '/v1/registry?q=x&sort=asc'), 'sort');
    await expectField(await api(url, 'GET', '/v1/registrations?state=bogus', { key: creator.key }), 'state');
    await expectField(await api(url, 'GET', '/v1/registrations?limit=0', { key: creator.key }), 'limit');
    await expectField(await api(url, 'GET', '/v1/registrations?limit=101', { key: creator.key }), 'limit');
    await expectField(await api(url, 'GET', '/v1/review/queue?limit=abc', { key: reviewer.key }), 'limit');
    await expectField(await api(url, 'GET', '/v1/review/queue?after=%20', { key: reviewer.key }), 'after');
    await expectField(await api(url, 'GET', '/v1/registrations/reg_123', { key: creator.key }), 'id');
    await expectField(await api(url, 'GET', '/v1/registrations/reg_123/certificate', { key: creator.key }), 'id');
  });
});
