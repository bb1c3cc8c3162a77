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
 * Records are kept by the OrganisationStore port (organisation-ports.ts), outside the log:
 * membership is not a claim about a work.
 */
import { toHex } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import { formatTime } from '../core/time.js';
import { KeyedMutex } from './mutex.js';
import type { HistoryEvent, InvitationRecord, InvitationState, MemberRecord, MemberRole, OrganisationChange, OrganisationStore } from './organisation-ports.js';
import type { AccountRecord, AccountStore, Clock, RandomBytes } from './ports.js';

export { MAX_MEMBERS } from './organisation-ports.js';
export type { HistoryAction, HistoryEvent, InvitationRecord, InvitationState, MemberRole } from './organisation-ports.js';

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

/** A membership period in epoch ms; `end` is Infinity while it lasts. */
export interface Period {
  start: number;
  end: number;
}

export class Organisations {
  private readonly locks = new KeyedMutex('organisations');

  constructor(
    private readonly orgs: OrganisationStore,
    private readonly accounts: Pick<AccountStore, 'getAccount'>,
    private readonly clock: Clock,
    private readonly random: RandomBytes,
  ) {}

  /** The organisations the caller belongs to, with the caller's role in each. */
  async mine(actor: AccountRecord): Promise<{ id: string; name: string; role: MemberRole }[]> {
    const out: { id: string; name: string; role: MemberRole }[] = [];
    if (actor.kind === 'organisation') out.push({ id: actor.id, name: actor.name, role: 'owner' });
    for (const m of await this.orgs.membershipsOf(actor.id)) {
      const org = await this.accounts.getAccount(m.org);
      if (org) out.push({ id: m.org, name: org.name, role: m.role });
    }
    return out;
  }

  /** An organisation with its members. Visible to the organisation, its members and admins; others get not_found. */
  async view(actor: AccountRecord, orgId: string): Promise<OrganisationView> {
    const org = await this.visible(actor, orgId);
    const members: MemberView[] = [];
    for (const { account, member } of await this.orgs.members(orgId)) {
      const joinedAt = joined(member);
      members.push({ accountId: account, name: (await this.accounts.getAccount(account))?.name ?? '', role: member.role, joinedAt, addedAt: joinedAt });
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
    const target = await this.accounts.getAccount(input.accountId);
    if (!target) throw new LogError('not_found', 'accountId: no such account', { details: { field: 'accountId' } });
    if (target.kind !== 'individual') throw new LogError('invalid_request', 'accountId: only individual accounts can be members', { details: { field: 'accountId' } });
    return this.locks.run(orgId, async () => {
      const at = this.now();
      const current = await this.orgs.member(orgId, target.id);
      if (current !== undefined) {
        if (current.role !== input.role) {
          await this.orgs.apply({
            org: orgId,
            members: [{ account: target.id, member: { ...current, role: input.role } }],
            events: [{ at, action: 'role_changed', actor: actor.id, account: target.id, role: input.role }],
          });
        }
        return { member: { accountId: target.id, role: input.role, joinedAt: joined(current) }, created: false as const };
      }
      const pending = await this.orgs.pendingInvitation(orgId, target.id);
      if (pending !== undefined && pending.state === 'pending') {
        if (pending.role === input.role) return { invitation: orgInvitationView(pending), created: false };
        const updated: InvitationRecord = { ...pending, role: input.role };
        await this.orgs.apply({ org: orgId, invitations: [updated] });
        return { invitation: orgInvitationView(updated), created: false };
      }
      const inv: InvitationRecord = { id: 'inv_' + toHex(this.random(10)), org: orgId, account: target.id, role: input.role, invitedBy: actor.id, invitedAt: at, state: 'pending' };
      await this.orgs.apply({
        org: orgId,
        invitations: [inv],
        events: [{ at, action: 'invited', actor: actor.id, account: target.id, role: inv.role, invitation: inv.id }],
      });
      return { invitation: orgInvitationView(inv), created: true };
    });
  }

  /** The caller's pending invitations, with the inviting organisation's name. */
  async myInvitations(actor: AccountRecord): Promise<MyInvitationView[]> {
    const out: MyInvitationView[] = [];
    for (const inv of await this.orgs.invitationsTo(actor.id)) out.push(await this.myInvitationView(inv));
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
    return (await this.orgs.pendingInvitations(orgId)).map(orgInvitationView);
  }

  /** Cancels a pending invitation (owners, admins). */
  async cancel(actor: AccountRecord, orgId: string, invitationId: string): Promise<void> {
    await this.requireOwner(actor, orgId);
    await this.locks.run(orgId, async () => {
      const inv = await this.orgs.invitation(invitationId);
      if (inv === undefined || inv.org !== orgId) throw new LogError('not_found', 'no such invitation');
      if (inv.state !== 'pending') throw new LogError('conflict', `the invitation was already ${inv.state}`);
      await this.orgs.apply(closeInvitation(inv, 'cancelled', actor.id, this.now()));
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
      const current = await this.orgs.member(orgId, accountId);
      if (current === undefined) {
        const inv = await this.orgs.pendingInvitation(orgId, accountId);
        if (inv === undefined || inv.state !== 'pending') throw new LogError('not_found', 'no such member');
        await this.orgs.apply(closeInvitation(inv, 'cancelled', actor.id, at));
        return;
      }
      await this.orgs.apply({
        org: orgId,
        ended: [{ account: accountId, joinedAt: joined(current), leftAt: at, role: current.role }],
        events: [{ at, action: actor.id === accountId ? 'left' : 'removed', actor: actor.id, account: accountId }],
      });
    });
  }

  /** The audit trail of membership changes, oldest first (owners, admins). `after` is the previous page's `next`. */
  async history(actor: AccountRecord, orgId: string, opts: { after?: string; limit: number }): Promise<{ events: HistoryEvent[]; next?: string }> {
    await this.requireOwner(actor, orgId, 'only an owner of the organisation may read its history');
    return this.orgs.history(orgId, opts);
  }

  /**
   * Every membership period of `account`, by organisation: current memberships (open-ended),
   * ended ones, and, for an organisation account, itself from its creation on.
   */
  async periodsOf(account: AccountRecord): Promise<Map<string, Period[]>> {
    const out = new Map<string, Period[]>();
    const add = (org: string, p: Period) => out.set(org, [...(out.get(org) ?? []), p]);
    if (account.kind === 'organisation') add(account.id, { start: Date.parse(account.createdAt), end: Infinity });
    const [current, past] = await Promise.all([this.orgs.membershipsOf(account.id), this.orgs.pastMembershipsOf(account.id)]);
    for (const { org } of current) {
      const m = await this.orgs.member(org, account.id);
      add(org, { start: m === undefined ? 0 : Date.parse(joined(m)), end: Infinity });
    }
    for (const p of past) add(p.org, { start: Date.parse(p.joinedAt), end: Date.parse(p.leftAt) });
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
    const first = await this.orgs.invitation(invitationId);
    if (first === undefined || first.account !== actor.id) throw new LogError('not_found', 'no such invitation');
    return this.locks.run(first.org, async () => {
      const inv = (await this.orgs.invitation(invitationId))!;
      if (inv.state !== 'pending') throw new LogError('conflict', `the invitation was already ${inv.state}`);
      const org = await this.accounts.getAccount(inv.org);
      if (org === undefined) throw new LogError('not_found', 'no such invitation');
      const at = this.now();
      const change = closeInvitation(inv, state, actor.id, at);
      if (state === 'accepted' && (await this.orgs.member(inv.org, actor.id)) === undefined) {
        change.members = [{ account: actor.id, member: { role: inv.role, joinedAt: at, invitedBy: inv.invitedBy } }];
      }
      await this.orgs.apply(change);
      return this.myInvitationView({ ...inv, state, decidedAt: at, decidedBy: actor.id });
    });
  }

  private async myInvitationView(inv: InvitationRecord): Promise<MyInvitationView> {
    const org = await this.accounts.getAccount(inv.org);
    return {
      id: inv.id,
      organisation: { id: inv.org, name: org?.name ?? '' },
      role: inv.role,
      state: inv.state,
      invitedAt: inv.invitedAt,
      ...(inv.decidedAt !== undefined ? { decidedAt: inv.decidedAt } : {}),
    };
  }

  private now(): string {
    return formatTime(this.clock.now());
  }

  private async role(actor: AccountRecord, orgId: string): Promise<MemberRole | undefined> {
    if (actor.id === orgId) return 'owner';
    return this.orgs.roleIn(orgId, actor.id);
  }

  /** The organisation, if the actor may see it; else not_found (membership is private). */
  private async visible(actor: AccountRecord, orgId: string): Promise<AccountRecord> {
    const org = await this.accounts.getAccount(orgId);
    if (!org || org.kind !== 'organisation') throw new LogError('not_found', 'no such organisation');
    if (actor.role !== 'admin' && (await this.role(actor, orgId)) === undefined) throw new LogError('not_found', 'no such organisation');
    return org;
  }

  private async requireOwner(actor: AccountRecord, orgId: string, why = 'only an owner of the organisation may change its members'): Promise<void> {
    await this.visible(actor, orgId);
    if (actor.role !== 'admin' && (await this.role(actor, orgId)) !== 'owner') throw new LogError('forbidden', why);
  }
}

/** The change that closes a pending invitation, with its history event. */
function closeInvitation(inv: InvitationRecord, state: 'accepted' | 'declined' | 'cancelled', by: string, at: string): OrganisationChange {
  return {
    org: inv.org,
    invitations: [{ ...inv, state, decidedAt: at, decidedBy: by }],
    events: [{ at, action: state, actor: by, account: inv.account, role: inv.role, invitation: inv.id }],
  };
}

function joined(m: MemberRecord): string {
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
