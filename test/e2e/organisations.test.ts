/**
 * Organisations with consent and history (docs/REGISTRATION.md, "Organisations"): membership is
 * an invitation the invitee accepts; nothing about the invitee shows before; conflict of
 * interest is judged over membership history; every change is in the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, api, deposit, join, submitted, uscc, type Actor } from '../support/registration.js';
import { startTestService, type TestService } from '../support/service.js';

const ADMIN_API_KEY = 'admin-key-for-organisation-tests';

let svc: TestService;
let url: string;

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY });
  url = svc.url;
});

afterAll(async () => {
  await svc?.stop();
});

const orgApplication = async (org: Actor) =>
  submitted(url, org.key, [await deposit(url, org.key)], {
    rightsHolders: [{ name: 'Rival Studio Ltd', kind: 'organisation', idType: 'unified_social_credit_code', idNumber: uscc() }],
    rightsObtained: 'employment',
  });
const approve = (id: string, who: Actor) => api(url, 'POST', `/v1/registrations/${id}/approve`, { key: who.key });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('invitations', () => {
  it('an un-accepted invitation reveals nothing about the invitee, and counts for nothing', async () => {
    const org = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Curious Org' });
    const invitee = await account(url, ADMIN_API_KEY, { name: 'Zhang Secretname' });
    const invited = await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: invitee.id } });
    expect(invited.status).toBe(201);
    expect(invited.body.invitation).toMatchObject({ accountId: invitee.id, state: 'pending', role: 'member' });
    expect(invited.text).not.toContain('Secretname');
    for (const path of [`/v1/organisations/${org.id}`, `/v1/organisations/${org.id}/invitations`, `/v1/organisations/${org.id}/history`]) {
      const res = await api(url, 'GET', path, { key: org.key });
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain('Secretname');
    }
    expect((await api(url, 'GET', `/v1/organisations/${org.id}`, { key: org.key })).body.members).toEqual([]);
    // Repeating the invitation returns it (200), still without a name.
    const repeat = await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: invitee.id } });
    expect(repeat.status).toBe(200);
    expect(repeat.body.invitation.id).toBe(invited.body.invitation.id);
    // The invitee is not a member: the organisation stays invisible to them.
    expect((await api(url, 'GET', `/v1/organisations/${org.id}`, { key: invitee.key })).status).toBe(404);
    expect((await api(url, 'GET', '/v1/organisations', { key: invitee.key })).body.organisations).toEqual([]);
    // The invitee sees who invites them.
    const mine = await api(url, 'GET', '/v1/invitations', { key: invitee.key });
    expect(mine.body.invitations).toEqual([expect.objectContaining({ id: invited.body.invitation.id, organisation: { id: org.id, name: 'Curious Org' }, state: 'pending' })]);
  });

  it('adding a reviewer who never accepts blocks nothing for them', async () => {
    const rival = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Rival' });
    const reviewer = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Neutral reviewer' });
    const app = await orgApplication(rival);
    expect((await api(url, 'POST', `/v1/organisations/${rival.id}/members`, { key: rival.key, body: { accountId: reviewer.id } })).status).toBe(201);
    const queue = (await api(url, 'GET', '/v1/review/queue?limit=100', { key: reviewer.key })).body.items.map((i: { registration: { id: string } }) => i.registration.id);
    expect(queue).toContain(app);
    expect((await approve(app, reviewer)).status).toBe(200);
  });

  it('accept, decline and cancel; each invitation is decided once, by its invitee only', async () => {
    const org = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Org' });
    const a = await account(url, ADMIN_API_KEY, { name: 'Ann' });
    const b = await account(url, ADMIN_API_KEY, { name: 'Bo' });
    const c = await account(url, ADMIN_API_KEY, { name: 'Cy' });
    const invite = async (who: Actor, role?: string) =>
      (await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: who.id, ...(role ? { role } : {}) } })).body.invitation.id as string;
    const ia = await invite(a, 'owner');
    const ib = await invite(b);
    const ic = await invite(c);
    expect((await api(url, 'POST', `/v1/invitations/${ia}/accept`, { key: b.key })).status).toBe(404);
    const accepted = await api(url, 'POST', `/v1/invitations/${ia}/accept`, { key: a.key });
    expect(accepted.status).toBe(200);
    expect(accepted.body.invitation).toMatchObject({ state: 'accepted', role: 'owner', organisation: { id: org.id } });
    expect((await api(url, 'POST', `/v1/invitations/${ia}/decline`, { key: a.key })).status).toBe(409);
    expect((await api(url, 'POST', `/v1/invitations/${ib}/decline`, { key: b.key })).body.invitation.state).toBe('declined');
    expect((await api(url, 'POST', `/v1/invitations/${ib}/accept`, { key: b.key })).status).toBe(409);
    // The new owner cancels the third invitation.
    expect((await api(url, 'DELETE', `/v1/organisations/${org.id}/invitations/${ic}`, { key: a.key })).status).toBe(204);
    expect((await api(url, 'POST', `/v1/invitations/${ic}/accept`, { key: c.key })).status).toBe(409);
    expect((await api(url, 'GET', '/v1/invitations', { key: c.key })).body.invitations).toEqual([]);
    const view = await api(url, 'GET', `/v1/organisations/${org.id}`, { key: a.key });
    expect(view.body.members.map((m: { accountId: string; name: string; role: string }) => [m.accountId, m.name, m.role])).toEqual([[a.id, 'Ann', 'owner']]);
    expect((await api(url, 'GET', `/v1/organisations/${org.id}/invitations`, { key: org.key })).body.invitations).toEqual([]);
    const bad = await api(url, 'POST', '/v1/invitations/inv_nope/accept', { key: a.key });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('id');
  });
});

describe('conflict of interest over membership history', () => {
  it('leave, approve, rejoin: the approval is refused', async () => {
    const rival = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Rival Studio' });
    const insider = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Insider' });
    const outsider = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Outsider' });
    await join(url, rival, insider);
    const app = await orgApplication(rival);
    expect((await api(url, 'DELETE', `/v1/organisations/${rival.id}/members/${insider.id}`, { key: insider.key })).status).toBe(204);
    const res = await approve(app, insider);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
    expect(res.body.detail).toMatch(/conflict of interest/);
    const queue = (await api(url, 'GET', '/v1/review/queue?limit=100', { key: insider.key })).body.items.map((i: { registration: { id: string } }) => i.registration.id);
    expect(queue).not.toContain(app);
    // Rejoining changes nothing; neither does being removed by the owner.
    await join(url, rival, insider);
    expect((await approve(app, insider)).status).toBe(403);
    expect((await api(url, 'DELETE', `/v1/organisations/${rival.id}/members/${insider.id}`, { key: rival.key })).status).toBe(204);
    expect((await approve(app, insider)).status).toBe(403);
    expect((await approve(app, outsider)).status).toBe(200);
  });

  it('a membership that ended before the application was filed does not conflict; one that began after it was filed does', async () => {
    const rival = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Rival Two' });
    const member = await account(url, ADMIN_API_KEY, { name: 'Staff' });
    const former = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Former' });
    const newcomer = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Newcomer' });
    await join(url, rival, member);
    await join(url, rival, former);
    expect((await api(url, 'DELETE', `/v1/organisations/${rival.id}/members/${former.id}`, { key: former.key })).status).toBe(204);
    await tick();
    const byMember = await submitted(url, member.key, [await deposit(url, member.key)]);
    const byMember2 = await submitted(url, member.key, [await deposit(url, member.key)]);
    await tick();
    await join(url, rival, newcomer);
    expect((await approve(byMember, newcomer)).status).toBe(403);
    // The applicant's own membership counts while it overlaps: after the member leaves, the former reviewer is still clear.
    expect((await approve(byMember, former)).status).toBe(200);
    expect((await api(url, 'DELETE', `/v1/organisations/${rival.id}/members/${newcomer.id}`, { key: newcomer.key })).status).toBe(204);
    expect((await approve(byMember2, newcomer)).status).toBe(403);
  });
});

describe('membership history', () => {
  it('records every change with who and when; owners and admins read it, members do not', async () => {
    const org = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Audited' });
    const owner = await account(url, ADMIN_API_KEY, { name: 'Owner' });
    const m = await account(url, ADMIN_API_KEY, { name: 'M' });
    const d = await account(url, ADMIN_API_KEY, { name: 'D' });
    await join(url, org, owner, { role: 'owner' });
    await join(url, org, m, { inviter: owner });
    expect((await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: owner.key, body: { accountId: m.id, role: 'owner' } })).body.member).toMatchObject({ accountId: m.id, role: 'owner' });
    const inv = (await api(url, 'POST', `/v1/organisations/${org.id}/members`, { key: org.key, body: { accountId: d.id } })).body.invitation.id;
    await api(url, 'POST', `/v1/invitations/${inv}/decline`, { key: d.key });
    expect((await api(url, 'DELETE', `/v1/organisations/${org.id}/members/${m.id}`, { key: owner.key })).status).toBe(204);
    await join(url, org, m);
    expect((await api(url, 'DELETE', `/v1/organisations/${org.id}/members/${m.id}`, { key: m.key })).status).toBe(204);

    const res = await api(url, 'GET', `/v1/organisations/${org.id}/history`, { key: owner.key });
    expect(res.status).toBe(200);
    const events = res.body.events as { action: string; actor: string; account: string; at: string }[];
    const seen = events.map((e) => [e.action, e.actor === org.id ? 'org' : e.actor === owner.id ? 'owner' : e.actor === m.id ? 'm' : e.actor === d.id ? 'd' : e.actor, e.account === m.id ? 'm' : e.account === d.id ? 'd' : 'owner']);
    expect(seen).toEqual([
      ['invited', 'org', 'owner'],
      ['accepted', 'owner', 'owner'],
      ['invited', 'owner', 'm'],
      ['accepted', 'm', 'm'],
      ['role_changed', 'owner', 'm'],
      ['invited', 'org', 'd'],
      ['declined', 'd', 'd'],
      ['removed', 'owner', 'm'],
      ['invited', 'org', 'm'],
      ['accepted', 'm', 'm'],
      ['left', 'm', 'm'],
    ]);
    expect(events.every((e) => /Z$/.test(e.at))).toBe(true);
    // Pages follow the "next" cursor.
    const page1 = await api(url, 'GET', `/v1/organisations/${org.id}/history?limit=4`, { key: ADMIN_API_KEY });
    const page2 = await api(url, 'GET', `/v1/organisations/${org.id}/history?limit=100&after=${encodeURIComponent(page1.body.next)}`, { key: ADMIN_API_KEY });
    expect([...page1.body.events, ...page2.body.events]).toEqual(events);
    const member = await account(url, ADMIN_API_KEY, { name: 'Plain member' });
    await join(url, org, member);
    expect((await api(url, 'GET', `/v1/organisations/${org.id}/history`, { key: member.key })).status).toBe(403);
  });
});
