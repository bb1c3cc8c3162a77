/**
 * One contract suite for the OrganisationStore port (src/app/organisation-ports.ts), run through
 * its RecordStore adapter against the in-memory store, LevelDB and PostgreSQL: memberships and
 * their ends, invitations through their lifecycle, the audit trail and its pages, isolation
 * between organisations and accounts whose ids prefix each other, and the stored layout (spaces,
 * keys, values) that stores written by earlier versions hold.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ORGANISATION_SPACES, RecordOrganisationStore } from '../../src/adapters/records/organisation-store.js';
import type { HistoryEvent, InvitationRecord } from '../../src/app/organisation-ports.js';
import type { RecordStore } from '../../src/app/ports.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { concernOpener, storeImpls } from '../support/store-impls.js';

/** Random bytes of a fixed pattern: the event keys' random part is then known. */
const random = (n: number) => new Uint8Array(n).fill(0xab);

afterAll(stopSharedPgCluster);

// Ids that prefix each other, so a scan by `<id>/` must not reach the longer one.
const ORG = 'acc_1';
const ORG2 = 'acc_10';
const A = 'acc_2';
const A2 = 'acc_20';
const B = 'acc_3';

function inv(id: string, org: string, account: string, more: Partial<InvitationRecord> = {}): InvitationRecord {
  return { id, org, account, role: 'member', invitedBy: org, invitedAt: '2026-06-01T00:00:00.000Z', state: 'pending', ...more };
}

function ev(at: string, action: HistoryEvent['action'], account: string): HistoryEvent {
  return { at, action, actor: ORG, account };
}

/** Every record of a space, as stored. */
async function dump(records: RecordStore, space: string): Promise<{ key: string; value: string }[]> {
  return records.listRecords(space, { limit: 1000 });
}

for (const impl of storeImpls) {
  describe(`OrganisationStore contract: ${impl.name}`, () => {
    const openConcern = concernOpener(impl, (log) => new RecordOrganisationStore(log, random));
    const open = async () => {
      const o = await openConcern();
      return { records: o.log, orgs: o.store, reopen: o.reopen };
    };

    it('finds nothing in an empty store', async () => {
      const { orgs } = await open();
      expect(await orgs.member(ORG, A)).toBeUndefined();
      expect(await orgs.members(ORG)).toEqual([]);
      expect(await orgs.roleIn(ORG, A)).toBeUndefined();
      expect(await orgs.membershipsOf(A)).toEqual([]);
      expect(await orgs.pastMembershipsOf(A)).toEqual([]);
      expect(await orgs.invitation('inv_00')).toBeUndefined();
      expect(await orgs.pendingInvitation(ORG, A)).toBeUndefined();
      expect(await orgs.pendingInvitations(ORG)).toEqual([]);
      expect(await orgs.invitationsTo(A)).toEqual([]);
      expect(await orgs.history(ORG, { limit: 10 })).toEqual({ events: [] });
    });

    it('an empty change writes nothing', async () => {
      const { orgs, records } = await open();
      await orgs.apply({ org: ORG });
      for (const space of Object.values(ORGANISATION_SPACES)) expect(await dump(records, space)).toEqual([]);
    });

    it('stores memberships under both the organisation and the member, isolated from ids they prefix', async () => {
      const { orgs } = await open();
      await orgs.apply({ org: ORG, members: [{ account: A, member: { role: 'owner', joinedAt: '2026-06-01T00:00:00.000Z', invitedBy: ORG } }, { account: B, member: { role: 'member', joinedAt: '2026-06-02T00:00:00.000Z' } }] });
      await orgs.apply({ org: ORG2, members: [{ account: A2, member: { role: 'member', joinedAt: '2026-06-03T00:00:00.000Z' } }, { account: A, member: { role: 'member', joinedAt: '2026-06-04T00:00:00.000Z' } }] });
      expect(await orgs.member(ORG, A)).toEqual({ role: 'owner', joinedAt: '2026-06-01T00:00:00.000Z', invitedBy: ORG });
      expect(await orgs.member(ORG, A2)).toBeUndefined();
      expect(await orgs.members(ORG)).toEqual([
        { account: A, member: { role: 'owner', joinedAt: '2026-06-01T00:00:00.000Z', invitedBy: ORG } },
        { account: B, member: { role: 'member', joinedAt: '2026-06-02T00:00:00.000Z' } },
      ]);
      expect((await orgs.members(ORG2)).map((m) => m.account)).toEqual([A, A2]);
      expect(await orgs.roleIn(ORG, A)).toBe('owner');
      expect(await orgs.roleIn(ORG2, A)).toBe('member');
      expect(await orgs.roleIn(ORG2, B)).toBeUndefined();
      expect(await orgs.membershipsOf(A)).toEqual([
        { org: ORG, role: 'owner' },
        { org: ORG2, role: 'member' },
      ]);
      expect(await orgs.membershipsOf(A2)).toEqual([{ org: ORG2, role: 'member' }]);
    });

    it('changes a role in place and keeps the rest of the member record', async () => {
      const { orgs } = await open();
      await orgs.apply({ org: ORG, members: [{ account: A, member: { role: 'member', joinedAt: '2026-06-01T00:00:00.000Z', invitedBy: ORG } }] });
      const current = (await orgs.member(ORG, A))!;
      await orgs.apply({ org: ORG, members: [{ account: A, member: { ...current, role: 'owner' } }], events: [ev('2026-06-02T00:00:00.000Z', 'role_changed', A)] });
      expect(await orgs.member(ORG, A)).toEqual({ role: 'owner', joinedAt: '2026-06-01T00:00:00.000Z', invitedBy: ORG });
      expect(await orgs.roleIn(ORG, A)).toBe('owner');
      expect(await orgs.members(ORG)).toHaveLength(1);
    });

    it('ends a membership: gone from both indexes, kept as a past period; several periods per organisation', async () => {
      const { orgs } = await open();
      await orgs.apply({ org: ORG, members: [{ account: A, member: { role: 'member', joinedAt: '2026-06-01T00:00:00.000Z' } }] });
      await orgs.apply({ org: ORG, ended: [{ account: A, joinedAt: '2026-06-01T00:00:00.000Z', leftAt: '2026-06-05T00:00:00.000Z', role: 'member' }] });
      expect(await orgs.member(ORG, A)).toBeUndefined();
      expect(await orgs.members(ORG)).toEqual([]);
      expect(await orgs.roleIn(ORG, A)).toBeUndefined();
      expect(await orgs.membershipsOf(A)).toEqual([]);
      await orgs.apply({ org: ORG, members: [{ account: A, member: { role: 'owner', joinedAt: '2026-06-09T00:00:00.000Z' } }] });
      await orgs.apply({ org: ORG, ended: [{ account: A, joinedAt: '2026-06-09T00:00:00.000Z', leftAt: '2026-06-10T00:00:00.000Z', role: 'owner' }] });
      await orgs.apply({ org: ORG2, members: [{ account: A2, member: { role: 'member', joinedAt: '2026-06-01T00:00:00.000Z' } }] });
      await orgs.apply({ org: ORG2, ended: [{ account: A2, joinedAt: '2026-06-01T00:00:00.000Z', leftAt: '2026-06-02T00:00:00.000Z', role: 'member' }] });
      expect(await orgs.pastMembershipsOf(A)).toEqual([
        { org: ORG, joinedAt: '2026-06-01T00:00:00.000Z', leftAt: '2026-06-05T00:00:00.000Z', role: 'member' },
        { org: ORG, joinedAt: '2026-06-09T00:00:00.000Z', leftAt: '2026-06-10T00:00:00.000Z', role: 'owner' },
      ]);
      expect(await orgs.pastMembershipsOf(A2)).toEqual([{ org: ORG2, joinedAt: '2026-06-01T00:00:00.000Z', leftAt: '2026-06-02T00:00:00.000Z', role: 'member' }]);
    });

    it('takes an invitation through its lifecycle: pending, re-roled, then decided, and no longer listed', async () => {
      const { orgs } = await open();
      const i1 = inv('inv_01', ORG, A);
      const i2 = inv('inv_02', ORG, B, { role: 'owner' });
      const i3 = inv('inv_03', ORG2, A2);
      await orgs.apply({ org: ORG, invitations: [i1, i2], events: [ev('2026-06-01T00:00:00.000Z', 'invited', A), ev('2026-06-01T00:00:00.000Z', 'invited', B)] });
      await orgs.apply({ org: ORG2, invitations: [i3] });
      expect(await orgs.invitation('inv_01')).toEqual(i1);
      expect(await orgs.pendingInvitation(ORG, A)).toEqual(i1);
      expect(await orgs.pendingInvitation(ORG2, A)).toBeUndefined();
      expect(await orgs.pendingInvitations(ORG)).toEqual([i1, i2]);
      expect(await orgs.pendingInvitations(ORG2)).toEqual([i3]);
      expect(await orgs.invitationsTo(A)).toEqual([i1]);
      expect(await orgs.invitationsTo(A2)).toEqual([i3]);

      const reroled = { ...i1, role: 'owner' as const };
      await orgs.apply({ org: ORG, invitations: [reroled] });
      expect(await orgs.pendingInvitation(ORG, A)).toEqual(reroled);
      expect(await orgs.invitationsTo(A)).toEqual([reroled]);

      const accepted = { ...reroled, state: 'accepted' as const, decidedAt: '2026-06-02T00:00:00.000Z', decidedBy: A };
      await orgs.apply({ org: ORG, invitations: [accepted], members: [{ account: A, member: { role: 'owner', joinedAt: '2026-06-02T00:00:00.000Z', invitedBy: ORG } }] });
      const cancelled = { ...i2, state: 'cancelled' as const, decidedAt: '2026-06-03T00:00:00.000Z', decidedBy: ORG };
      await orgs.apply({ org: ORG, invitations: [cancelled] });
      expect(await orgs.invitation('inv_01')).toEqual(accepted);
      expect(await orgs.invitation('inv_02')).toEqual(cancelled);
      expect(await orgs.pendingInvitation(ORG, A)).toBeUndefined();
      expect(await orgs.pendingInvitation(ORG, B)).toBeUndefined();
      expect(await orgs.pendingInvitations(ORG)).toEqual([]);
      expect(await orgs.invitationsTo(A)).toEqual([]);
      expect(await orgs.invitationsTo(B)).toEqual([]);
      expect(await orgs.roleIn(ORG, A)).toBe('owner');
      // The other organisation's invitation is untouched; a new invitation of the same account is pending again.
      expect(await orgs.invitationsTo(A2)).toEqual([i3]);
      const again = inv('inv_04', ORG, B);
      await orgs.apply({ org: ORG, invitations: [again] });
      expect(await orgs.pendingInvitation(ORG, B)).toEqual(again);
      expect(await orgs.invitation('inv_02')).toEqual(cancelled);
    });

    it('keeps the audit trail oldest first, in applied order within one millisecond, and pages it', async () => {
      const { orgs } = await open();
      const events: HistoryEvent[] = [];
      // Applied out of time order across two calls; the trail sorts by time, then by application order.
      const later = [ev('2026-06-03T00:00:00.000Z', 'invited', A), ev('2026-06-03T00:00:00.000Z', 'accepted', A)];
      const earlier = [ev('2026-06-01T00:00:00.000Z', 'invited', B), ev('2026-06-01T00:00:00.000Z', 'declined', B), ev('2026-06-02T00:00:00.000Z', 'invited', B)];
      await orgs.apply({ org: ORG, events: later });
      await orgs.apply({ org: ORG, events: earlier });
      await orgs.apply({ org: ORG2, events: [ev('2026-06-01T00:00:00.000Z', 'invited', A2)] });
      events.push(...earlier, ...later);
      expect((await orgs.history(ORG, { limit: 100 })).events).toEqual(events);
      expect((await orgs.history(ORG2, { limit: 100 })).events).toEqual([ev('2026-06-01T00:00:00.000Z', 'invited', A2)]);

      const seen: HistoryEvent[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await orgs.history(ORG, { limit: 2, ...(after !== undefined ? { after } : {}) });
        seen.push(...page.events);
        pages++;
        if (page.next === undefined) break;
        expect(page.events).toHaveLength(2);
        after = page.next;
      }
      expect(seen).toEqual(events);
      // Five events in pages of two: 2, 2, 1.
      expect(pages).toBe(3);
      const exact = await orgs.history(ORG, { limit: 5 });
      expect(exact.events).toEqual(events);
      expect(exact.next).toBeDefined();
      expect(await orgs.history(ORG, { limit: 5, after: exact.next! })).toEqual({ events: [] });
    });

    it('stores the layout earlier versions wrote, byte for byte', async () => {
      const { orgs, records } = await open();
      await orgs.apply({ org: ORG, members: [{ account: A, member: { role: 'member', joinedAt: '2026-06-01T00:00:00.000Z', invitedBy: ORG } }] });
      await orgs.apply({ org: ORG, ended: [{ account: A, joinedAt: '2026-06-01T00:00:00.000Z', leftAt: '2026-06-02T00:00:00.000Z', role: 'member' }] });
      await orgs.apply({ org: ORG, members: [{ account: B, member: { role: 'owner', joinedAt: '2026-06-03T00:00:00.000Z', invitedBy: ORG } }] });
      const i1 = inv('inv_01', ORG, A);
      const i2 = inv('inv_02', ORG, B);
      await orgs.apply({ org: ORG, invitations: [i1, i2], events: [ev('2026-06-04T00:00:00.000Z', 'invited', A)] });
      await orgs.apply({ org: ORG, invitations: [{ ...i2, state: 'declined', decidedAt: '2026-06-05T00:00:00.000Z', decidedBy: B }] });
      expect(await dump(records, 'org-member')).toEqual([{ key: `${ORG}/${B}`, value: JSON.stringify({ role: 'owner', joinedAt: '2026-06-03T00:00:00.000Z', invitedBy: ORG }) }]);
      expect(await dump(records, 'member-of')).toEqual([{ key: `${B}/${ORG}`, value: '{"role":"owner"}' }]);
      expect(await dump(records, 'member-past')).toEqual([{ key: `${A}/${ORG}/2026-06-01T00:00:00.000Z`, value: '{"joinedAt":"2026-06-01T00:00:00.000Z","leftAt":"2026-06-02T00:00:00.000Z","role":"member"}' }]);
      expect(await dump(records, 'org-invite')).toEqual([
        { key: 'inv_01', value: JSON.stringify(i1) },
        { key: 'inv_02', value: JSON.stringify({ ...i2, state: 'declined', decidedAt: '2026-06-05T00:00:00.000Z', decidedBy: B }) },
      ]);
      expect(await dump(records, 'org-pending')).toEqual([{ key: `${ORG}/${A}`, value: 'inv_01' }]);
      expect(await dump(records, 'invite-to')).toEqual([{ key: `${A}/inv_01`, value: '' }]);
      const history = await dump(records, 'org-history');
      expect(history).toHaveLength(1);
      expect(history[0]!.key).toMatch(new RegExp(`^${ORG}/2026-06-04T00:00:00\\.000Z/\\d{9}abab$`));
      expect(history[0]!.value).toBe(JSON.stringify(ev('2026-06-04T00:00:00.000Z', 'invited', A)));
    });

    it('reads records of the first version (a member record with addedAt) as written', async () => {
      const { orgs, records } = await open();
      const legacy = { role: 'member', addedAt: '2026-06-10T00:00:00.000Z', addedBy: ORG };
      await records.writeRecords([
        { space: 'org-member', key: `${ORG}/${A}`, value: JSON.stringify(legacy) },
        { space: 'member-of', key: `${A}/${ORG}`, value: JSON.stringify({ role: 'member' }) },
      ]);
      expect(await orgs.member(ORG, A)).toEqual(legacy);
      expect(await orgs.members(ORG)).toEqual([{ account: A, member: legacy }]);
      expect(await orgs.membershipsOf(A)).toEqual([{ org: ORG, role: 'member' }]);
      // A role change through the port keeps the fields it does not know.
      await orgs.apply({ org: ORG, members: [{ account: A, member: { ...(await orgs.member(ORG, A))!, role: 'owner' } }] });
      expect(await records.getRecord('org-member', `${ORG}/${A}`)).toBe(JSON.stringify({ ...legacy, role: 'owner' }));
    });

    it('keeps everything across a reopen', async () => {
      const o = await open();
      if (!o.reopen) return;
      const i1 = inv('inv_01', ORG, B);
      await o.orgs.apply({ org: ORG, members: [{ account: A, member: { role: 'owner', joinedAt: '2026-06-01T00:00:00.000Z' } }], invitations: [i1], events: [ev('2026-06-01T00:00:00.000Z', 'invited', B)] });
      const again = (await o.reopen()).store;
      expect(await again.roleIn(ORG, A)).toBe('owner');
      expect(await again.pendingInvitations(ORG)).toEqual([i1]);
      expect(await again.invitationsTo(B)).toEqual([i1]);
      await again.apply({ org: ORG, events: [ev('2026-06-02T00:00:00.000Z', 'cancelled', B)] });
      expect((await again.history(ORG, { limit: 10 })).events.map((e) => e.action)).toEqual(['invited', 'cancelled']);
    });
  });
}
