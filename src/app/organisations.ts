/**
 * Organisations and their members (docs/REGISTRATION.md, "Organisations"). An organisation is an
 * account of kind `organisation` (contract §3); it acts as its own owner. Membership needs the
 * member's consent: an owner invites an individual account, and the invitee accepts or declines.
 * Until then nothing about the invitee (no name) is shown to the organisation, and the
 * invitation has no effect.
 *
 * Membership is what the conflict-of-interest rule of review looks at, over its whole history:
 * every membership period (joined … left) is kept, and every change is recorded in an audit
 * trail owners and admins can read.
 *
 * Records (outside the log: membership is not a claim about a work):
 *   org-member   `<org>/<account>`           → {role, joinedAt, invitedBy?} (current members)
 *   member-of    `<account>/<org>`           → {role}
 *   member-past  `<account>/<org>/<joinedAt>` → {joinedAt, leftAt, role} (ended periods)
 *   org-invite   `<invitation id>`           → InvitationRecord
 *   org-pending  `<org>/<account>`           → invitation id (pending invitations)
 *   invite-to    `<account>/<invitation id>` → '' (pending invitations of the invitee)
 *   org-history  `<org>/<at>/<seq>`          → HistoryEvent (oldest first)
 */
import { toHex } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import { formatTime } from '../core/time.js';
import { KeyedMutex } from './mutex.js';
import type { AccountRecord, Clock, LedgerStore, RandomBytes, RecordWrite } from './ports.js';

export type MemberRole = 'owner' | 'member';
export type InvitationState = 'pending' | 'accepted' | 'declined' | 'cancelled';
export type HistoryAction = 'invited' | 'accepted' | 'declined' | 'cancelled' | 'removed' | 'left' | 'role_changed';

export interface MemberView {
  accountId: string;
  name: string;
  role: MemberRole;
  joinedAt: string;
  /** Same as joinedAt (kept for clients of the first version). */
  addedAt: string;
}

export interface OrganisationView {
  organisation: { id: string; name: string; role: AccountRecord['role']; createdAt: string };
  members: MemberView[];
}

export interface InvitationRecord {
  id: string;
  org: string;
  account: string;
  role: MemberRole;
  invitedBy: string;
  invitedAt: string;
  state: InvitationState;
  decidedAt?: string;
  decidedBy?: string;
}

/** What the organisation sees of an invitation: the id it invited, never the invitee's name. */
export interface OrgInvitationView {
  id: string;
  accountId: string;
  role: MemberRole;
  state: InvitationState;
  invitedAt: string;
  invitedBy: string;
  decidedAt?: string;
}

/** What the invitee sees: which organisation invites them, as what. */
export interface MyInvitationView {
  id: string;
  organisation: { id: string; name: string };
  role: MemberRole;
  state: InvitationState;
  invitedAt: string;
  decidedAt?: string;
}

export interface HistoryEvent {
  at: string;
  action: HistoryAction;
  /** Who made the change. */
  actor: string;
  /** Whose membership changed. */
  account: string;
  role?: MemberRole;
  invitation?: string;
}

/** A membership period in epoch ms; `end` is Infinity while it lasts. */
export interface Period {
  start: number;
  end: number;
}

/** Most members, invitations or memberships read at once. */
export const MAX_MEMBERS = 10_000;

interface MemberJson {
  role: MemberRole;
  joinedAt?: string;
  /** Records of the first version. */
  addedAt?: string;
  invitedBy?: string;
}

const SP = {
  member: 'org-member',
  memberOf: 'member-of',
  past: 'member-past',
  invite: 'org-invite',
  pending: 'org-pending',
  inviteTo: 'invite-to',
  history: 'org-history',
} as const;

export class Organisations {
  private readonly locks = new KeyedMutex('organisations');
  private eventSeq = 0;

  constructor(
    private readonly store: LedgerStore,
    private readonly clock: Clock,
    private readonly random: RandomBytes,
  ) {}

  /** The organisations the caller belongs to, with the caller's role in each. */
  async mine(actor: AccountRecord): Promise<{ id: string; name: string; role: MemberRole }[]> {
    const out: { id: string; name: string; role: MemberRole }[] = [];
    if (actor.kind === 'organisation') out.push({ id: actor.id, name: actor.name, role: 'owner' });
    const rows = await this.store.listRecords(SP.memberOf, { prefix: `${actor.id}/`, limit: MAX_MEMBERS });
    for (const r of rows) {
      const id = r.key.slice(actor.id.length + 1);
      const org = await this.store.getAccount(id);
      if (org) out.push({ id, name: org.name, role: (JSON.parse(r.value) as { role: MemberRole }).role });
    }
    return out;
  }

  /** An organisation with its members. Visible to the organisation, its members and admins; others get not_found. */
  async view(actor: AccountRecord, orgId: string): Promise<OrganisationView> {
    const org = await this.visible(actor, orgId);
    const rows = await this.store.listRecords(SP.member, { prefix: `${orgId}/`, limit: MAX_MEMBERS });
    const members: MemberView[] = [];
    for (const r of rows) {
      const id = r.key.slice(orgId.length + 1);
      const m = JSON.parse(r.value) as MemberJson;
      const joinedAt = joined(m);
      members.push({ accountId: id, name: (await this.store.getAccount(id))?.name ?? '', role: m.role, joinedAt, addedAt: joinedAt });
    }
    return { organisation: { id: org.id, name: org.name, role: org.role, createdAt: org.createdAt }, members };
  }

  /**
   * Invites an individual account (owners, admins). A current member's role is changed instead;
   * a pending invitation of the same account is returned (with the new role). `created` is true
   * for a new invitation only.
   */
  async invite(
    actor: AccountRecord,
    orgId: string,
    input: { accountId: string; role: MemberRole },
  ): Promise<{ invitation: OrgInvitationView; created: boolean } | { member: { accountId: string; role: MemberRole; joinedAt: string }; created: false }> {
    await this.requireOwner(actor, orgId);
    if (input.accountId === orgId) throw new LogError('invalid_request', 'accountId: an organisation is not its own member', { details: { field: 'accountId' } });
    const target = await this.store.getAccount(input.accountId);
    if (!target) throw new LogError('not_found', 'accountId: no such account', { details: { field: 'accountId' } });
    if (target.kind !== 'individual') throw new LogError('invalid_request', 'accountId: only individual accounts can be members', { details: { field: 'accountId' } });
    return this.locks.run(orgId, async () => {
      const at = this.now();
      const current = await this.memberRecord(orgId, target.id);
      if (current !== undefined) {
        if (current.role !== input.role) {
          await this.store.writeRecords([
            { space: SP.member, key: `${orgId}/${target.id}`, value: JSON.stringify({ ...current, role: input.role }) },
            { space: SP.memberOf, key: `${target.id}/${orgId}`, value: JSON.stringify({ role: input.role }) },
            this.event(orgId, { at, action: 'role_changed', actor: actor.id, account: target.id, role: input.role }),
          ]);
        }
        return { member: { accountId: target.id, role: input.role, joinedAt: joined(current) }, created: false as const };
      }
      const pendingId = await this.store.getRecord(SP.pending, `${orgId}/${target.id}`);
      const pending = pendingId === undefined ? undefined : await this.invitation(pendingId);
      if (pending !== undefined && pending.state === 'pending') {
        if (pending.role === input.role) return { invitation: orgInvitationView(pending), created: false };
        const updated: InvitationRecord = { ...pending, role: input.role };
        await this.store.writeRecords([{ space: SP.invite, key: pending.id, value: JSON.stringify(updated) }]);
        return { invitation: orgInvitationView(updated), created: false };
      }
      const inv: InvitationRecord = { id: 'inv_' + toHex(this.random(10)), org: orgId, account: target.id, role: input.role, invitedBy: actor.id, invitedAt: at, state: 'pending' };
      await this.store.writeRecords([
        { space: SP.invite, key: inv.id, value: JSON.stringify(inv) },
        { space: SP.pending, key: `${orgId}/${target.id}`, value: inv.id },
        { space: SP.inviteTo, key: `${target.id}/${inv.id}`, value: '' },
        this.event(orgId, { at, action: 'invited', actor: actor.id, account: target.id, role: inv.role, invitation: inv.id }),
      ]);
      return { invitation: orgInvitationView(inv), created: true };
    });
  }

  /** The caller's pending invitations, with the inviting organisation's name. */
  async myInvitations(actor: AccountRecord): Promise<MyInvitationView[]> {
    const rows = await this.store.listRecords(SP.inviteTo, { prefix: `${actor.id}/`, limit: MAX_MEMBERS });
    const out: MyInvitationView[] = [];
    for (const r of rows) {
      const inv = await this.invitation(r.key.slice(actor.id.length + 1));
      if (inv !== undefined && inv.state === 'pending') out.push(await this.myInvitationView(inv));
    }
    return out;
  }

  /** The invitee accepts: the membership starts now. */
  async accept(actor: AccountRecord, invitationId: string): Promise<MyInvitationView> {
    return this.decideInvitation(actor, invitationId, 'accepted');
  }

  /** The invitee declines. */
  async decline(actor: AccountRecord, invitationId: string): Promise<MyInvitationView> {
    return this.decideInvitation(actor, invitationId, 'declined');
  }

  /** Pending invitations of an organisation (owners, admins): account ids, no names. */
  async invitations(actor: AccountRecord, orgId: string): Promise<OrgInvitationView[]> {
    await this.requireOwner(actor, orgId, 'only an owner of the organisation may see its invitations');
    const rows = await this.store.listRecords(SP.pending, { prefix: `${orgId}/`, limit: MAX_MEMBERS });
    const out: OrgInvitationView[] = [];
    for (const r of rows) {
      const inv = await this.invitation(r.value);
      if (inv !== undefined && inv.state === 'pending') out.push(orgInvitationView(inv));
    }
    return out;
  }

  /** Cancels a pending invitation (owners, admins). */
  async cancel(actor: AccountRecord, orgId: string, invitationId: string): Promise<void> {
    await this.requireOwner(actor, orgId);
    await this.locks.run(orgId, async () => {
      const inv = await this.invitation(invitationId);
      if (inv === undefined || inv.org !== orgId) throw new LogError('not_found', 'no such invitation');
      if (inv.state !== 'pending') throw new LogError('conflict', `the invitation was already ${inv.state}`);
      await this.store.writeRecords(this.closeInvitation(inv, 'cancelled', actor.id, this.now()));
    });
  }

  /**
   * Ends a membership: owners and admins may remove anyone, a member may leave. For an account
   * that was only invited, an owner's removal cancels the invitation.
   */
  async removeMember(actor: AccountRecord, orgId: string, accountId: string): Promise<void> {
    if (actor.id !== accountId) await this.requireOwner(actor, orgId);
    else await this.visible(actor, orgId);
    await this.locks.run(orgId, async () => {
      const at = this.now();
      const current = await this.memberRecord(orgId, accountId);
      if (current === undefined) {
        const pendingId = await this.store.getRecord(SP.pending, `${orgId}/${accountId}`);
        const inv = pendingId === undefined ? undefined : await this.invitation(pendingId);
        if (inv === undefined || inv.state !== 'pending') throw new LogError('not_found', 'no such member');
        await this.store.writeRecords(this.closeInvitation(inv, 'cancelled', actor.id, at));
        return;
      }
      const joinedAt = joined(current);
      await this.store.writeRecords([
        { space: SP.member, key: `${orgId}/${accountId}`, value: null },
        { space: SP.memberOf, key: `${accountId}/${orgId}`, value: null },
        { space: SP.past, key: `${accountId}/${orgId}/${joinedAt}`, value: JSON.stringify({ joinedAt, leftAt: at, role: current.role }) },
        this.event(orgId, { at, action: actor.id === accountId ? 'left' : 'removed', actor: actor.id, account: accountId }),
      ]);
    });
  }

  /** The audit trail of membership changes, oldest first (owners, admins). `after` is the previous page's `next`. */
  async history(actor: AccountRecord, orgId: string, opts: { after?: string; limit: number }): Promise<{ events: HistoryEvent[]; next?: string }> {
    await this.requireOwner(actor, orgId, 'only an owner of the organisation may read its history');
    const prefix = `${orgId}/`;
    const rows = await this.store.listRecords(SP.history, { prefix, ...(opts.after !== undefined ? { after: prefix + opts.after } : {}), limit: opts.limit });
    const events = rows.map((r) => JSON.parse(r.value) as HistoryEvent);
    return { events, ...(rows.length === opts.limit ? { next: rows[rows.length - 1]!.key.slice(prefix.length) } : {}) };
  }

  /**
   * Every membership period of `account`, by organisation: current memberships (open-ended),
   * ended ones, and, for an organisation account, itself from its creation on.
   */
  async periodsOf(account: AccountRecord): Promise<Map<string, Period[]>> {
    const out = new Map<string, Period[]>();
    const add = (org: string, p: Period) => out.set(org, [...(out.get(org) ?? []), p]);
    if (account.kind === 'organisation') add(account.id, { start: Date.parse(account.createdAt), end: Infinity });
    const [current, past] = await Promise.all([
      this.store.listRecords(SP.memberOf, { prefix: `${account.id}/`, limit: MAX_MEMBERS }),
      this.store.listRecords(SP.past, { prefix: `${account.id}/`, limit: MAX_MEMBERS }),
    ]);
    for (const r of current) {
      const org = r.key.slice(account.id.length + 1);
      const m = await this.memberRecord(org, account.id);
      add(org, { start: m === undefined ? 0 : Date.parse(joined(m)), end: Infinity });
    }
    for (const r of past) {
      const rest = r.key.slice(account.id.length + 1);
      const v = JSON.parse(r.value) as { joinedAt: string; leftAt: string };
      add(rest.slice(0, rest.indexOf('/')), { start: Date.parse(v.joinedAt), end: Date.parse(v.leftAt) });
    }
    return out;
  }

  /**
   * True when `a` and `b` are the same account, or when a membership period of `a` and one of
   * `b` in the same organisation overlap each other and the interval [from, to] (RFC 3339).
   */
  async overlapping(a: AccountRecord, b: AccountRecord, from: string, to: string): Promise<boolean> {
    if (a.id === b.id) return true;
    const [pa, pb] = await Promise.all([this.periodsOf(a), this.periodsOf(b)]);
    const lo = Date.parse(from);
    const hi = Date.parse(to);
    for (const [org, xs] of pa) {
      for (const x of xs) {
        for (const y of pb.get(org) ?? []) {
          if (Math.max(x.start, y.start, lo) <= Math.min(x.end, y.end, hi)) return true;
        }
      }
    }
    return false;
  }

  private async decideInvitation(actor: AccountRecord, invitationId: string, state: 'accepted' | 'declined'): Promise<MyInvitationView> {
    const first = await this.invitation(invitationId);
    if (first === undefined || first.account !== actor.id) throw new LogError('not_found', 'no such invitation');
    return this.locks.run(first.org, async () => {
      const inv = (await this.invitation(invitationId))!;
      if (inv.state !== 'pending') throw new LogError('conflict', `the invitation was already ${inv.state}`);
      const org = await this.store.getAccount(inv.org);
      if (org === undefined) throw new LogError('not_found', 'no such invitation');
      const at = this.now();
      const writes = this.closeInvitation(inv, state, actor.id, at);
      if (state === 'accepted' && (await this.memberRecord(inv.org, actor.id)) === undefined) {
        const m: MemberJson = { role: inv.role, joinedAt: at, invitedBy: inv.invitedBy };
        writes.push(
          { space: SP.member, key: `${inv.org}/${actor.id}`, value: JSON.stringify(m) },
          { space: SP.memberOf, key: `${actor.id}/${inv.org}`, value: JSON.stringify({ role: inv.role }) },
        );
      }
      await this.store.writeRecords(writes);
      return this.myInvitationView({ ...inv, state, decidedAt: at, decidedBy: actor.id });
    });
  }

  /** The writes that close a pending invitation, with its history event. */
  private closeInvitation(inv: InvitationRecord, state: 'accepted' | 'declined' | 'cancelled', by: string, at: string): RecordWrite[] {
    const closed: InvitationRecord = { ...inv, state, decidedAt: at, decidedBy: by };
    return [
      { space: SP.invite, key: inv.id, value: JSON.stringify(closed) },
      { space: SP.pending, key: `${inv.org}/${inv.account}`, value: null },
      { space: SP.inviteTo, key: `${inv.account}/${inv.id}`, value: null },
      this.event(inv.org, { at, action: state, actor: by, account: inv.account, role: inv.role, invitation: inv.id }),
    ];
  }

  private event(orgId: string, e: HistoryEvent): RecordWrite {
    // Events of the same millisecond keep their order: a counter, then random bytes against a restart within it.
    const seq = (this.eventSeq = (this.eventSeq + 1) % 1e9).toString().padStart(9, '0');
    return { space: SP.history, key: `${orgId}/${e.at}/${seq}${toHex(this.random(2))}`, value: JSON.stringify(e) };
  }

  private async myInvitationView(inv: InvitationRecord): Promise<MyInvitationView> {
    const org = await this.store.getAccount(inv.org);
    return {
      id: inv.id,
      organisation: { id: inv.org, name: org?.name ?? '' },
      role: inv.role,
      state: inv.state,
      invitedAt: inv.invitedAt,
      ...(inv.decidedAt !== undefined ? { decidedAt: inv.decidedAt } : {}),
    };
  }

  private async invitation(id: string): Promise<InvitationRecord | undefined> {
    const raw = await this.store.getRecord(SP.invite, id);
    return raw === undefined ? undefined : (JSON.parse(raw) as InvitationRecord);
  }

  private async memberRecord(orgId: string, accountId: string): Promise<MemberJson | undefined> {
    const raw = await this.store.getRecord(SP.member, `${orgId}/${accountId}`);
    return raw === undefined ? undefined : (JSON.parse(raw) as MemberJson);
  }

  private now(): string {
    return formatTime(this.clock.now());
  }

  private async role(actor: AccountRecord, orgId: string): Promise<MemberRole | undefined> {
    if (actor.id === orgId) return 'owner';
    const m = await this.store.getRecord(SP.memberOf, `${actor.id}/${orgId}`);
    return m === undefined ? undefined : (JSON.parse(m) as { role: MemberRole }).role;
  }

  /** The organisation, if the actor may see it; else not_found (membership is private). */
  private async visible(actor: AccountRecord, orgId: string): Promise<AccountRecord> {
    const org = await this.store.getAccount(orgId);
    if (!org || org.kind !== 'organisation') throw new LogError('not_found', 'no such organisation');
    if (actor.role !== 'admin' && (await this.role(actor, orgId)) === undefined) throw new LogError('not_found', 'no such organisation');
    return org;
  }

  private async requireOwner(actor: AccountRecord, orgId: string, why = 'only an owner of the organisation may change its members'): Promise<void> {
    await this.visible(actor, orgId);
    if (actor.role !== 'admin' && (await this.role(actor, orgId)) !== 'owner') throw new LogError('forbidden', why);
  }
}

function joined(m: MemberJson): string {
  return m.joinedAt ?? m.addedAt ?? '1970-01-01T00:00:00.000Z';
}

function orgInvitationView(inv: InvitationRecord): OrgInvitationView {
  return {
    id: inv.id,
    accountId: inv.account,
    role: inv.role,
    state: inv.state,
    invitedAt: inv.invitedAt,
    invitedBy: inv.invitedBy,
    ...(inv.decidedAt !== undefined ? { decidedAt: inv.decidedAt } : {}),
  };
}
