/**
 * The storage port of organisations (docs/REGISTRATION.md, "Organisations") and the records it
 * keeps: current memberships, ended membership periods, invitations and the audit trail of
 * membership changes. Membership is not a claim about a work, so none of this is in the log: a
 * change is written by `apply`, atomically, outside the log.
 */

export type MemberRole = 'owner' | 'member';
export type InvitationState = 'pending' | 'accepted' | 'declined' | 'cancelled';
export type HistoryAction = 'invited' | 'accepted' | 'declined' | 'cancelled' | 'removed' | 'left' | 'role_changed';

/** A current membership as stored. */
export interface MemberRecord {
  role: MemberRole;
  joinedAt?: string;
  /** Records of the first version have this instead of joinedAt (and an `addedBy`). */
  addedAt?: string;
  invitedBy?: string;
}

/** An ended membership period. */
export interface PastMembership {
  org: string;
  joinedAt: string;
  leftAt: string;
  role: MemberRole;
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

/** Everything one change of an organisation's membership writes (applied as one atomic write). */
export interface OrganisationChange {
  org: string;
  /** Memberships that start or whose record changes (role): the member record, as stored. */
  members?: { account: string; member: MemberRecord }[];
  /** Memberships that end: no longer current, kept as a past period. */
  ended?: { account: string; joinedAt: string; leftAt: string; role: MemberRole }[];
  /**
   * Invitations to store (new or updated). A pending one is the organisation's pending
   * invitation of its account and is listed for the invitee; any other state is neither.
   */
  invitations?: InvitationRecord[];
  /** Audit trail events of this change, in order (they follow every earlier event of the organisation). */
  events?: HistoryEvent[];
}

/** Most members, invitations or memberships read at once. */
export const MAX_MEMBERS = 10_000;

/**
 * Organisation storage. Implementations:
 * - MUST make `apply` atomic (all of the change or none of it) and durable before it resolves;
 * - MUST list members, memberships and invitations in account (or organisation, invitation id)
 *   order and MAY stop at `MAX_MEMBERS`;
 * - MUST list `history` oldest first, events of one `at` in the order they were applied, and
 *   page it by `after` (the previous page's `next`, opaque to callers);
 * - MUST keep records written by earlier versions readable (a member record with `addedAt`).
 */
export interface OrganisationStore {
  /** The current membership of `account` in `org`. */
  member(org: string, account: string): Promise<MemberRecord | undefined>;
  /** Current members of `org`, in account id order. */
  members(org: string): Promise<{ account: string; member: MemberRecord }[]>;
  /** The role of `account` in `org` while it is a member. */
  roleIn(org: string, account: string): Promise<MemberRole | undefined>;
  /** The organisations `account` is a current member of, in organisation id order, with its role. */
  membershipsOf(account: string): Promise<{ org: string; role: MemberRole }[]>;
  /** Ended membership periods of `account`, by organisation id, then start. */
  pastMembershipsOf(account: string): Promise<PastMembership[]>;
  invitation(id: string): Promise<InvitationRecord | undefined>;
  /** The invitation of `account` that is pending in `org`, if any. */
  pendingInvitation(org: string, account: string): Promise<InvitationRecord | undefined>;
  /** Pending invitations of `org`, in invitee account id order. */
  pendingInvitations(org: string): Promise<InvitationRecord[]>;
  /** Pending invitations of `account`, in invitation id order. */
  invitationsTo(account: string): Promise<InvitationRecord[]>;
  /** The audit trail of `org`, oldest first, after `after`, at most `limit`; `next` when the page is full. */
  history(org: string, opts: { after?: string; limit: number }): Promise<{ events: HistoryEvent[]; next?: string }>;
  apply(change: OrganisationChange): Promise<void>;
}
