/**
 * Issue 6 end to end, in process (server on port 0): the application workflow, review, numbers,
 * registration certificates verified by the CLI, the public registry, corrections and
 * revocations, organisations and conflicts of interest, platform deposits on behalf of creators,
 * statistics, and an offline audit of every entry afterwards.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { makeTempDir, runCli, type TempDir } from '../support/proc.js';
import { account, api, application, deposit, hex32, join as joinOrg, residentId, submitted, uscc, type Actor } from '../support/registration.js';

const ADMIN_API_KEY = 'admin-key-for-registration-tests';

let svc: TestService;
let url: string;
let tmp: TempDir;
const admin: Actor = { key: ADMIN_API_KEY, id: '' };
let creator: Actor;
let other: Actor;
let platform: Actor;
let reviewer: Actor;

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY, STATS_TARGET_DEPOSITS: '1000' });
  url = svc.url;
  tmp = await makeTempDir('cl-reg-');
  admin.id = (await api(url, 'GET', '/v1/accounts/me', { key: ADMIN_API_KEY })).body.account.id;
  creator = await account(url, ADMIN_API_KEY, { name: 'Li Lei' });
  other = await account(url, ADMIN_API_KEY, { name: 'Han Meimei' });
  platform = await account(url, ADMIN_API_KEY, { role: 'platform', kind: 'organisation', name: 'Platform' });
  reviewer = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Reviewer' });
});

afterAll(async () => {
  await svc?.close();
  await rm(svc.dataDir, { recursive: true, force: true });
  await tmp?.remove();
});

async function entryOf(index: number): Promise<Record<string, unknown>> {
  const res = await api(url, 'GET', `/v1/log/entries/${index}`);
  expect(res.status).toBe(200);
  return JSON.parse(Buffer.from(res.body.entry, 'base64').toString('utf8')) as Record<string, unknown>;
}

describe('registration workflow', () => {
  it('draft → submit → changes requested → amend → approve, every change an entry, certificate verifies offline', async () => {
    const dep = await deposit(url, creator.key);
    // A draft may be incomplete.
    const draft = await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { title: '星空之夜 Starry Night', workType: 'fine_art' } });
    expect(draft.status).toBe(201);
    expect(draft.headers.get('location')).toBe(`/v1/registrations/${draft.body.id}`);
    expect(draft.body).toMatchObject({ state: 'draft', applicant: creator.id });
    const id = draft.body.id as string;

    // Submitting an incomplete draft names the first missing field.
    const early = await api(url, 'POST', `/v1/registrations/${id}/submit`, { key: creator.key });
    expect(early.status).toBe(400);
    expect(early.body.field).toBe('authors');

    const { title: _t, workType: _w, ...rest } = application([dep]);
    const patched = await api(url, 'PATCH', `/v1/registrations/${id}`, { key: creator.key, body: { ...rest, statementOfTruth: false } });
    expect(patched.status).toBe(200);
    expect(patched.body.state).toBe('draft');
    const untrue = await api(url, 'POST', `/v1/registrations/${id}/submit`, { key: creator.key });
    expect(untrue.status).toBe(400);
    expect(untrue.body.field).toBe('statementOfTruth');
    await api(url, 'PATCH', `/v1/registrations/${id}`, { key: creator.key, body: { statementOfTruth: true } });

    const sub = await api(url, 'POST', `/v1/registrations/${id}/submit`, { key: creator.key });
    expect(sub.status).toBe(200);
    expect(sub.body.state).toBe('submitted');

    // The reviewer sees it in the queue with the deposit and its evidence certificate.
    const queue = await api(url, 'GET', '/v1/review/queue?limit=100', { key: reviewer.key });
    expect(queue.status).toBe(200);
    const item = queue.body.items.find((i: { registration: { id: string } }) => i.registration.id === id);
    expect(item.deposits).toHaveLength(1);
    expect(item.deposits[0].deposit.id).toBe(dep);
    expect(item.deposits[0].certificate.format).toBe('copyright-ledger/certificate@v1');
    expect(item.registration.application.rightsHolders[0].idNumber).toBe(residentId());
    expect(item.registration.salt).toBeUndefined();

    const changes = await api(url, 'POST', `/v1/registrations/${id}/request-changes`, { key: reviewer.key, body: { reason: 'Please give the place of first publication in full.' } });
    expect(changes.status).toBe(200);
    expect(changes.body).toMatchObject({ state: 'changes_requested', reason: 'Please give the place of first publication in full.' });
    // Approving now is a state conflict.
    expect((await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key })).status).toBe(409);

    const amended = await api(url, 'POST', `/v1/registrations/${id}/amend`, {
      key: creator.key,
      body: { publication: { status: 'published', firstPublishedOn: '2025-07-01', place: '上海市徐汇区' } },
    });
    expect(amended.status).toBe(200);
    expect(amended.body.state).toBe('submitted');

    const approved = await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
    expect(approved.status).toBe(200);
    expect(approved.body.state).toBe('approved');
    const number = approved.body.number as string;
    expect(number).toMatch(/^CL-\d{4}-F-\d{8}$/);
    expect(approved.body.certificateUrl).toBe(`/v1/registrations/${id}/certificate`);

    // Each state change is one registration entry, in order, without personal data.
    const full = await api(url, 'GET', `/v1/registrations/${id}`, { key: creator.key });
    const history = full.body.history as { action: string; index: number; state: string; applicationSha256: string }[];
    expect(history.map((h) => h.action)).toEqual(['create', 'submit', 'request_changes', 'amend', 'approve']);
    for (const [i, h] of history.entries()) {
      const e = await entryOf(h.index);
      expect(e).toMatchObject({ v: 1, type: 'registration', id, seq: i + 1, action: h.action, state: h.state, applicationSha256: h.applicationSha256 });
      const text = JSON.stringify(e);
      for (const secret of [residentId(), '李雷', 'Starry', '星空', '深圳', 'Li Lei']) expect(text).not.toContain(secret);
      // The applicant can prove each version: SHA-256(JCS(version ∪ salt)).
      expect(full.body.versions[h.applicationSha256]).toBeDefined();
    }
    const approveEntry = await entryOf(history[4]!.index);
    expect(approveEntry).toMatchObject({ number, deposits: [dep] });

    // The certificate verifies offline with the CLI, pinned to the log key; one changed byte fails it.
    const cert = await api(url, 'GET', `/v1/registrations/${id}/certificate`, { key: creator.key });
    expect(cert.status).toBe(200);
    expect(cert.body.format).toBe('copyright-ledger/registration-certificate@v1');
    expect(cert.body.registration).toMatchObject({ id, number, action: 'approve' });
    expect(JSON.stringify(cert.body)).not.toContain(residentId());
    const logKey = (await api(url, 'GET', '/v1/log/key')).text.trim();
    const file = join(tmp.path, `${number}.json`);
    await writeFile(file, JSON.stringify(cert.body));
    const ok = await runCli(['verify', file, '--key', logKey]);
    expect(ok.text).toContain('VALID');
    expect(ok.code).toBe(0);
    const tampered = JSON.parse(JSON.stringify(cert.body)) as { record: { title: string } };
    tampered.record.title = 'Starry Night II';
    await writeFile(file, JSON.stringify(tampered));
    const bad = await runCli(['verify', file, '--key', logKey]);
    expect(bad.code).toBe(1);
    expect(bad.text).toMatch(/FAIL\s+record/);
    // The printable certificate: a PDF carrying the JSON certificate as an attachment.
    const pdf = await fetch(`${url}/v1/registrations/${id}/certificate`, { headers: { authorization: `Bearer ${creator.key}`, accept: 'application/pdf' } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.toString('latin1')).toContain(`${number}.registration.json`);
    await writeFile(join(tmp.path, `${number}.pdf`), bytes);
    // The HTTP verify endpoint picks the kind by format too.
    const viaApi = await api(url, 'POST', '/v1/verify', { body: cert.body });
    expect(viaApi.body.valid).toBe(true);

    // The public registry shows public fields only.
    const pub = await api(url, 'GET', `/v1/registry?number=${number}`);
    expect(pub.status).toBe(200);
    expect(pub.body.results).toEqual([
      { number, title: '星空之夜 Starry Night', workType: 'fine_art', workTypeCode: 'F', rightsHolders: ['Li Lei Studio'], registeredAt: approved.body.registeredAt, status: 'registered', corrections: [] },
    ]);
    for (const q of ['starry', 'STAR', '星空', '夜', '空之', 'li lei', 'Starry 星空']) {
      const found = await api(url, 'GET', `/v1/registry?q=${encodeURIComponent(q)}`);
      expect(found.status, q).toBe(200);
      expect(found.body.results.map((r: { number: string }) => r.number), q).toContain(number);
    }
    for (const q of ['tarry', '夜空', 'moon']) {
      const missed = await api(url, 'GET', `/v1/registry?q=${encodeURIComponent(q)}`);
      expect(missed.body.results.map((r: { number: string }) => r.number), q).not.toContain(number);
    }
  });

  it('rejects with a reason, and withdraws; terminal states take no further action', async () => {
    const a = await submitted(url, creator.key, [await deposit(url, creator.key)]);
    const rej = await api(url, 'POST', `/v1/registrations/${a}/reject`, { key: reviewer.key, body: { reason: 'Not original.' } });
    expect(rej.status).toBe(200);
    expect(rej.body).toMatchObject({ state: 'rejected', reason: 'Not original.' });
    expect((await api(url, 'POST', `/v1/registrations/${a}/withdraw`, { key: creator.key })).status).toBe(409);
    expect((await api(url, 'POST', `/v1/registrations/${a}/approve`, { key: reviewer.key })).status).toBe(409);
    expect((await api(url, 'GET', `/v1/registrations/${a}/certificate`, { key: creator.key })).status).toBe(409);

    const b = await submitted(url, creator.key, [await deposit(url, creator.key)]);
    const w = await api(url, 'POST', `/v1/registrations/${b}/withdraw`, { key: creator.key });
    expect(w.status).toBe(200);
    expect(w.body.state).toBe('withdrawn');
    expect((await api(url, 'PATCH', `/v1/registrations/${b}`, { key: creator.key, body: { title: 'x' } })).status).toBe(409);

    const list = await api(url, 'GET', '/v1/registrations?state=withdrawn', { key: creator.key });
    expect(list.body.registrations.map((r: { id: string }) => r.id)).toContain(b);
    expect(list.body.registrations.every((r: { state: string }) => r.state === 'withdrawn')).toBe(true);
  });

  it('corrections and revocations are appended and shown, never silently changed', async () => {
    const id = await submitted(url, creator.key, [await deposit(url, creator.key)], { title: 'Harbour Lights', workType: 'photographic' });
    const approved = await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
    const number = approved.body.number as string;
    expect(number).toMatch(/^CL-\d{4}-G-\d{8}$/);

    const cor = await api(url, 'POST', `/v1/registrations/${id}/correct`, {
      key: ADMIN_API_KEY,
      body: { title: 'Harbor Lights at Dusk', rightsHolders: [{ name: '李雷', displayName: 'Li Lei' }], reason: 'Title misspelt by the applicant.' },
    });
    expect(cor.status).toBe(200);
    expect(cor.body.state).toBe('approved');
    const pub = (await api(url, 'GET', `/v1/registry?number=${number}`)).body.results[0];
    expect(pub).toMatchObject({ title: 'Harbor Lights at Dusk', rightsHolders: ['Li Lei'], status: 'registered' });
    expect(pub.corrections).toEqual([
      {
        correctedAt: expect.any(String),
        changes: { title: { from: 'Harbour Lights', to: 'Harbor Lights at Dusk' }, rightsHolders: { from: ['Li Lei Studio'], to: ['Li Lei'] } },
        reason: 'Title misspelt by the applicant.',
      },
    ]);
    expect((await api(url, 'GET', '/v1/registry?q=harbor')).body.results.map((r: { number: string }) => r.number)).toContain(number);
    expect((await api(url, 'GET', '/v1/registry?q=harbour')).body.results.map((r: { number: string }) => r.number)).not.toContain(number);

    // The certificate is reissued on the correction entry and still verifies.
    const cert = await api(url, 'GET', `/v1/registrations/${id}/certificate`, { key: creator.key });
    expect(cert.body.registration).toMatchObject({ number, action: 'correct' });
    expect(cert.body.record).toMatchObject({ title: 'Harbor Lights at Dusk', correctedAt: expect.any(String) });
    const file = join(tmp.path, `${number}-corrected.json`);
    await writeFile(file, JSON.stringify(cert.body));
    // Pinned to the log's key (unpinned, verify exits 3: never valid).
    expect((await runCli(['verify', file, '--key', svc.ledger.verifierKey])).code).toBe(0);
    expect((await runCli(['verify', file])).code).toBe(3);

    const rev = await api(url, 'POST', `/v1/registrations/${id}/revoke`, { key: ADMIN_API_KEY, body: { reason: 'Court ruling 2026-12.' } });
    expect(rev.status).toBe(200);
    expect(rev.body.state).toBe('revoked');
    const after = (await api(url, 'GET', `/v1/registry?number=${number}`)).body.results[0];
    expect(after).toMatchObject({ status: 'revoked', revocation: { revokedAt: expect.any(String), reason: 'Court ruling 2026-12.' }, title: 'Harbor Lights at Dusk' });
    expect(after.corrections).toHaveLength(1);
    expect((await api(url, 'GET', `/v1/registrations/${id}/certificate`, { key: creator.key })).status).toBe(409);
    expect((await api(url, 'POST', `/v1/registrations/${id}/revoke`, { key: ADMIN_API_KEY, body: { reason: 'again' } })).status).toBe(409);
    const history = (await api(url, 'GET', `/v1/registrations/${id}`, { key: creator.key })).body.history as { action: string; index: number }[];
    expect(history.map((h) => h.action)).toEqual(['submit', 'approve', 'correct', 'revoke']);
    expect(await entryOf(history[3]!.index)).toMatchObject({ action: 'revoke', state: 'revoked', number });
  });

  it('a platform deposits on behalf of a creator, who may then register the work; others may not use it', async () => {
    const dep = await deposit(url, platform.key, { onBehalfOf: { account: creator.id, name: '李雷', reference: 'artist-42' }, metadata: { title: 'Song' } });
    // The rights holder is in the private metadata (hashed), not in the log.
    const cert = await api(url, 'GET', `/v1/deposits/${dep}/certificate`, { key: platform.key });
    expect(cert.body.work.metadata.onBehalfOf).toEqual({ account: creator.id, name: '李雷', reference: 'artist-42' });
    const entry = Buffer.from(cert.body.entry.bytes, 'base64').toString('utf8');
    expect(entry).not.toContain('李雷');
    expect(JSON.parse(entry).account).toBe(platform.id);

    const ok = await api(url, 'POST', '/v1/registrations', { key: creator.key, body: { ...application([dep]), workType: 'musical', submit: true } });
    expect(ok.status).toBe(201);
    const denied = await api(url, 'POST', '/v1/registrations', { key: other.key, body: { ...application([dep]), submit: true } });
    expect(denied.status).toBe(404);
    expect(denied.body.field).toBe('deposits.0');

    // Only platforms (and admins) may deposit on behalf of someone.
    const creatorTries = await api(url, 'POST', '/v1/deposits', { key: creator.key, body: { sha256: hex32(), onBehalfOf: { name: 'x' } } });
    expect(creatorTries.status).toBe(403);
    const reserved = await api(url, 'POST', '/v1/deposits', { key: platform.key, body: { sha256: hex32(), metadata: { onBehalfOf: { name: 'x' } } } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.field).toBe('metadata.onBehalfOf');
    const batch = await api(url, 'POST', '/v1/deposits/batch', { key: platform.key, body: { items: [{ sha256: hex32(), onBehalfOf: { account: other.id } }] } });
    expect(batch.status).toBe(201);
  });

  it('a reviewer never decides an application of their own organisation', async () => {
    const org = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Qianhai Studio' });
    const member = await account(url, ADMIN_API_KEY, { name: 'Member' });
    const insider = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Insider' });
    await joinOrg(url, org, member);
    await joinOrg(url, org, insider, { role: 'member' });

    const byOrg = await submitted(url, org.key, [await deposit(url, org.key)], {
      rightsHolders: [{ name: 'Qianhai Studio Ltd', kind: 'organisation', idType: 'unified_social_credit_code', idNumber: uscc() }],
      rightsObtained: 'employment',
    });
    const byMember = await submitted(url, member.key, [await deposit(url, member.key)]);
    for (const id of [byOrg, byMember]) {
      const res = await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: insider.key });
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/conflict of interest/);
      expect((await api(url, 'POST', `/v1/registrations/${id}/reject`, { key: insider.key, body: { reason: 'x' } })).status).toBe(403);
      // The decision screen's view says so, and an unrelated reviewer's does not.
      const item = await api(url, 'GET', `/v1/review/${id}`, { key: insider.key });
      expect(item.status).toBe(200);
      expect(item.body.conflict).toBe(true);
      expect(item.body.registration.id).toBe(id);
      expect(item.body.deposits[0].deposit.sha256).toMatch(/^[0-9a-f]{64}$/);
      const fair = await api(url, 'GET', `/v1/review/${id}`, { key: reviewer.key });
      expect(fair.body.conflict).toBe(false);
      expect(fair.body.applicant.name).toBe(id === byOrg ? 'Qianhai Studio' : 'Member');
    }
    const queue = (await api(url, 'GET', '/v1/review/queue?limit=100', { key: insider.key })).body.items.map((i: { registration: { id: string } }) => i.registration.id);
    expect(queue).not.toContain(byOrg);
    expect(queue).not.toContain(byMember);
    // A reviewer who is also an applicant cannot approve their own application either.
    expect((await api(url, 'POST', '/v1/registrations', { key: insider.key, body: { title: 'mine' } })).status).toBe(403);
    // An unrelated reviewer can.
    expect((await api(url, 'POST', `/v1/registrations/${byMember}/approve`, { key: reviewer.key })).status).toBe(200);

    // Leaving does not clear the conflict: the insider was a member during the application's life.
    expect((await api(url, 'DELETE', `/v1/organisations/${org.id}/members/${insider.id}`, { key: insider.key })).status).toBe(204);
    expect((await api(url, 'POST', `/v1/registrations/${byOrg}/approve`, { key: insider.key })).status).toBe(403);
    // An application filed after they left is theirs to decide.
    await new Promise((r) => setTimeout(r, 5));
    const later = await submitted(url, org.key, [await deposit(url, org.key)], {
      rightsHolders: [{ name: 'Qianhai Studio Ltd', kind: 'organisation', idType: 'unified_social_credit_code', idNumber: uscc() }],
      rightsObtained: 'employment',
    });
    expect((await api(url, 'POST', `/v1/registrations/${later}/approve`, { key: insider.key })).status).toBe(200);
  });

  it('organisations: owners manage members; members see, do not manage; others see nothing', async () => {
    const org = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Org' });
    const owner = await account(url, ADMIN_API_KEY, { name: 'Owner' });
    const member = await account(url, ADMIN_API_KEY, { name: 'Member' });
    const outsider = await account(url, ADMIN_API_KEY, { name: 'Outsider' });
    await joinOrg(url, org, owner, { role: 'owner' });
    await joinOrg(url, org, member, { inviter: owner });
    // Repeating for a member changes nothing but the role: 200.
    expect((await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: owner.key, body: { accountId: member.id, role: 'member' } })).status).toBe(200);
    const view = await api(url, 'GET', `/v1/organisations/${org.id}`, { key: member.key });
    expect(view.status).toBe(200);
    expect(view.body.members.map((m: { accountId: string; role: string }) => [m.accountId, m.role]).sort()).toEqual([[owner.id, 'owner'], [member.id, 'member']].sort());
    expect((await api(url, 'GET', '/v1/organisations', { key: member.key })).body.organisations).toEqual([{ id: org.id, name: 'Org', role: 'member' }]);
    expect((await api(url, 'GET', '/v1/organisations', { key: org.key })).body.organisations).toEqual([{ id: org.id, name: 'Org', role: 'owner' }]);
    expect((await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: member.key, body: { accountId: outsider.id } })).status).toBe(403);
    expect((await api(url, 'DELETE', `/v1/organisations/${org.id}/members/${owner.id}`, { key: member.key })).status).toBe(403);
    expect((await api(url, 'GET', `/v1/organisations/${org.id}`, { key: outsider.key })).status).toBe(404);
    expect((await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: outsider.key, body: { accountId: outsider.id } })).status).toBe(404);
    expect((await api(url, 'GET', `/v1/organisations/${org.id}`, { key: ADMIN_API_KEY })).status).toBe(200);
    const notIndividual = await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: platform.id } });
    expect(notIndividual.status).toBe(400);
    expect(notIndividual.body.field).toBe('accountId');
    const unknown = await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: 'acc_doesnotexist' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.field).toBe('accountId');
    expect((await api(url, 'DELETE', `/v1/organisations/${org.id}/members/${member.id}`, { key: owner.key })).status).toBe(204);
    expect((await api(url, 'GET', `/v1/organisations/${org.id}`, { key: member.key })).status).toBe(404);
  });

  it('only an admin sets roles, and a new role takes effect at once', async () => {
    const x = await account(url, ADMIN_API_KEY, { name: 'Future reviewer' });
    expect((await api(url, 'GET', '/v1/review/queue', { key: x.key })).status).toBe(403);
    expect((await api(url, 'PUT', `/v1/accounts/${x.id}/role`, { key: reviewer.key, body: { role: 'reviewer' } })).status).toBe(403);
    expect((await api(url, 'PUT', `/v1/accounts/${x.id}/role`, { key: x.key, body: { role: 'admin' } })).status).toBe(403);
    const set = await api(url, 'PUT', `/v1/accounts/${x.id}/role`, { key: ADMIN_API_KEY, body: { role: 'reviewer' } });
    expect(set.status).toBe(200);
    expect(set.body.account).toMatchObject({ id: x.id, role: 'reviewer' });
    expect((await api(url, 'GET', '/v1/review/queue', { key: x.key })).status).toBe(200);
    const bad = await api(url, 'PUT', `/v1/accounts/${x.id}/role`, { key: ADMIN_API_KEY, body: { role: 'superuser' } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('role');
    expect((await api(url, 'PUT', '/v1/accounts/acc_nobody/role', { key: ADMIN_API_KEY, body: { role: 'reviewer' } })).status).toBe(404);
  });

  it('statistics count what the batches wrote, with progress against the configured targets', async () => {
    const before = (await api(url, 'GET', '/v1/stats', { key: ADMIN_API_KEY })).body;
    const org = await account(url, ADMIN_API_KEY, { kind: 'organisation' });
    const dep = await deposit(url, org.key);
    const id = await submitted(url, org.key, [dep]);
    const mid = (await api(url, 'GET', '/v1/stats', { key: reviewer.key })).body;
    expect(mid.deposits).toBe(before.deposits + 1);
    expect(mid.accounts).toBe(before.accounts + 1);
    expect(mid.organisations).toBe(before.organisations + 1);
    expect(mid.applications.total).toBe(before.applications.total + 1);
    expect(mid.applications.byState.submitted).toBe(before.applications.byState.submitted + 1);
    await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
    const after = (await api(url, 'GET', '/v1/stats', { key: ADMIN_API_KEY })).body;
    expect(after.applications.byState.submitted).toBe(before.applications.byState.submitted);
    expect(after.applications.byState.approved).toBe(before.applications.byState.approved + 1);
    expect(after.registrations.issued).toBe(before.registrations.issued + 1);
    expect(after.log.treeSize).toBe(Number((await api(url, 'GET', '/v1/blocks/latest')).body.treeSize));
    expect(after.log.blocks).toBe(Number((await api(url, 'GET', '/v1/blocks/latest')).body.height) + 1);
    expect(after.progress.deposits).toEqual({ value: after.deposits, target: 1000, ratio: Math.round((after.deposits / 1000) * 10000) / 10000 });
    expect(after.progress.applications.target).toBe(100_000);
    expect(after.progress.entities).toMatchObject({ value: after.organisations, target: 4000 });
    const sum = Object.values(after.applications.byState as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThanOrEqual(after.applications.total);
  });
});

describe('every state change is audited', () => {
  it('audit --data-dir replays every entry (registration entries included) once the server stopped', async () => {
    await svc.close();
    const r = await runCli(['audit', '--data-dir', svc.dataDir]);
    expect(r.text).toMatch(/audit ok: \d+ blocks, \d+ entries/);
    expect(r.code).toBe(0);
  });
});
