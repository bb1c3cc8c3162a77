/** Organisations over the in-memory store with a controlled clock: membership periods and their overlap. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { isLogError } from '../core/errors.js';
import { Organisations } from './organisations.js';
import { RecordOrganisationStore } from '../adapters/records/organisation-store.js';
import type { AccountRecord } from './ports.js';

function setup() {
  const store = new MemoryLogStore();
  let now = Date.parse('2026-06-01T00:00:00.000Z');
  const clock = { now: () => now, at: (iso: string) => (now = Date.parse(iso)) };
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const orgs = new Organisations(new RecordOrganisationStore(store, random), store, clock, random);
  let n = 0;
  const mk = async (kind: AccountRecord['kind'], role: AccountRecord['role'] = 'creator'): Promise<AccountRecord> => {
    const a: AccountRecord = { id: `acc_${++n}`, name: `N${n}`, email: `${n}@e.com`, kind, role, createdAt: new Date(now).toISOString() };
    await store.putAccount(a, { record: { id: `key_${n}`, account: a.id, createdAt: a.createdAt }, hash: new Uint8Array(32).fill(n) });
    return a;
  };
  const joinAt = async (org: AccountRecord, who: AccountRecord, iso: string) => {
    clock.at(iso);
    const r = await orgs.invite(org, org.id, { accountId: who.id, role: 'member' });
    if (!('invitation' in r)) throw new Error('expected an invitation');
    await orgs.accept(who, r.invitation.id);
  };
  const leaveAt = async (org: AccountRecord, who: AccountRecord, iso: string) => {
    clock.at(iso);
    await orgs.removeMember(who, org.id, who.id);
  };
  return { store, clock, orgs, mk, joinAt, leaveAt };
}

describe('Organisations: conflict over membership history', () => {
  it('judges overlap of both periods with the interval asked about', async () => {
    const t = setup();
    const org = await t.mk('organisation');
    const reviewer = await t.mk('individual', 'reviewer');
    const staff = await t.mk('individual');
    await t.joinAt(org, staff, '2026-06-02T00:00:00.000Z');
    await t.joinAt(org, reviewer, '2026-06-03T00:00:00.000Z');
    await t.leaveAt(org, reviewer, '2026-06-05T00:00:00.000Z');
    await t.joinAt(org, reviewer, '2026-06-09T00:00:00.000Z');
    const periods = (await t.orgs.periodsOf(reviewer)).get(org.id)!;
    expect(periods.map((p) => [new Date(p.start).toISOString(), p.end === Infinity ? '∞' : new Date(p.end).toISOString()]).sort()).toEqual([
      ['2026-06-03T00:00:00.000Z', '2026-06-05T00:00:00.000Z'],
      ['2026-06-09T00:00:00.000Z', '∞'],
    ]);
    const check = (a: AccountRecord, from: string, to: string) => t.orgs.overlapping(reviewer, a, from, to);
    // The organisation itself and its staff, over intervals inside, between and after the periods.
    expect(await check(org, '2026-06-04T00:00:00.000Z', '2026-06-04T01:00:00.000Z')).toBe(true);
    expect(await check(staff, '2026-06-04T00:00:00.000Z', '2026-06-04T01:00:00.000Z')).toBe(true);
    expect(await check(staff, '2026-06-06T00:00:00.000Z', '2026-06-08T00:00:00.000Z')).toBe(false);
    expect(await check(staff, '2026-06-06T00:00:00.000Z', '2026-06-10T00:00:00.000Z')).toBe(true);
    expect(await check(reviewer, '2026-06-06T00:00:00.000Z', '2026-06-07T00:00:00.000Z')).toBe(true);
    // Staff who left before the reviewer joined never overlapped them.
    const early = await t.mk('individual');
    await t.joinAt(org, early, '2026-06-01T01:00:00.000Z');
    await t.leaveAt(org, early, '2026-06-02T12:00:00.000Z');
    expect(await check(early, '2026-06-01T00:00:00.000Z', '2026-06-30T00:00:00.000Z')).toBe(false);
  });

  it('counts a pending or declined invitation for nothing, and a membership of an earlier version from its addedAt', async () => {
    const t = setup();
    const org = await t.mk('organisation');
    const reviewer = await t.mk('individual', 'reviewer');
    const r = await t.orgs.invite(org, org.id, { accountId: reviewer.id, role: 'member' });
    expect(await t.orgs.overlapping(reviewer, org, '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z')).toBe(false);
    if (!('invitation' in r)) throw new Error('expected an invitation');
    await t.orgs.decline(reviewer, r.invitation.id);
    expect(await t.orgs.overlapping(reviewer, org, '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z')).toBe(false);
    await expect(t.orgs.accept(reviewer, r.invitation.id)).rejects.toSatisfy((e: unknown) => isLogError(e, 'conflict'));

    const legacy = await t.mk('individual', 'reviewer');
    await t.store.writeRecords([
      { space: 'org-member', key: `${org.id}/${legacy.id}`, value: JSON.stringify({ role: 'member', addedAt: '2026-06-10T00:00:00.000Z', addedBy: org.id }) },
      { space: 'member-of', key: `${legacy.id}/${org.id}`, value: JSON.stringify({ role: 'member' }) },
    ]);
    expect(await t.orgs.overlapping(legacy, org, '2026-06-02T00:00:00.000Z', '2026-06-05T00:00:00.000Z')).toBe(false);
    expect(await t.orgs.overlapping(legacy, org, '2026-06-02T00:00:00.000Z', '2026-06-15T00:00:00.000Z')).toBe(true);
    expect((await t.orgs.view(org, org.id)).members).toEqual([expect.objectContaining({ accountId: legacy.id, joinedAt: '2026-06-10T00:00:00.000Z' })]);
  });
});
