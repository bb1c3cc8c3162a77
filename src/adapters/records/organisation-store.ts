/**
 * The OrganisationStore port (src/app/organisation-ports.ts) over a store's auxiliary records
 * (RecordStore: LevelDB, in memory, PostgreSQL). Record spaces:
 *
 * - `org-member`  `<org>/<account>`            → MemberRecord JSON (current members)
 * - `member-of`   `<account>/<org>`            → {"role":…} (the same memberships, by member)
 * - `member-past` `<account>/<org>/<joinedAt>` → {"joinedAt","leftAt","role"} (ended periods)
 * - `org-invite`  `<invitation id>`            → InvitationRecord JSON
 * - `org-pending` `<org>/<account>`            → invitation id (pending invitations)
 * - `invite-to`   `<account>/<invitation id>`  → '' (pending invitations of the invitee)
 * - `org-history` `<org>/<at>/<seq><rand>`     → HistoryEvent JSON (oldest first); seq is a
 *   9-digit counter of this process and rand 4 hex digits, so events of one millisecond keep
 *   their order and events written by another process (or after a restart) in the same
 *   millisecond are unlikely to collide. The page cursor `next` is the key without `<org>/`.
 */
import { toHex } from '../../core/bytes.js';
import {
  MAX_MEMBERS,
  type HistoryEvent,
  type InvitationRecord,
  type MemberRecord,
  type MemberRole,
  type OrganisationChange,
  type OrganisationStore,
  type PastMembership,
} from '../../app/organisation-ports.js';
import type { RandomBytes, RecordStore, RecordWrite } from '../../app/ports.js';
import { getJson } from './json.js';

export const ORGANISATION_SPACES = {
  member: 'org-member',
  memberOf: 'member-of',
  past: 'member-past',
  invite: 'org-invite',
  pending: 'org-pending',
  inviteTo: 'invite-to',
  history: 'org-history',
} as const;

const SP = ORGANISATION_SPACES;

type Records = Pick<RecordStore, 'getRecord' | 'listRecords' | 'writeRecords'>;

export class RecordOrganisationStore implements OrganisationStore {
  private eventSeq = 0;

  constructor(
    private readonly store: Records,
    private readonly random: RandomBytes = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
  ) {}

  async member(org: string, account: string): Promise<MemberRecord | undefined> {
    return getJson<MemberRecord>(this.store, SP.member, `${org}/${account}`);
  }

  async members(org: string): Promise<{ account: string; member: MemberRecord }[]> {
    const rows = await this.store.listRecords(SP.member, { prefix: `${org}/`, limit: MAX_MEMBERS });
    return rows.map((r) => ({ account: r.key.slice(org.length + 1), member: JSON.parse(r.value) as MemberRecord }));
  }

  async roleIn(org: string, account: string): Promise<MemberRole | undefined> {
    const raw = await this.store.getRecord(SP.memberOf, `${account}/${org}`);
    return raw === undefined ? undefined : (JSON.parse(raw) as { role: MemberRole }).role;
  }

  async membershipsOf(account: string): Promise<{ org: string; role: MemberRole }[]> {
    const rows = await this.store.listRecords(SP.memberOf, { prefix: `${account}/`, limit: MAX_MEMBERS });
    return rows.map((r) => ({ org: r.key.slice(account.length + 1), role: (JSON.parse(r.value) as { role: MemberRole }).role }));
  }

  async pastMembershipsOf(account: string): Promise<PastMembership[]> {
    const rows = await this.store.listRecords(SP.past, { prefix: `${account}/`, limit: MAX_MEMBERS });
    return rows.map((r) => {
      const rest = r.key.slice(account.length + 1);
      const v = JSON.parse(r.value) as { joinedAt: string; leftAt: string; role: MemberRole };
      return { org: rest.slice(0, rest.indexOf('/')), joinedAt: v.joinedAt, leftAt: v.leftAt, role: v.role };
    });
  }

  async invitation(id: string): Promise<InvitationRecord | undefined> {
    return getJson<InvitationRecord>(this.store, SP.invite, id);
  }

  async pendingInvitation(org: string, account: string): Promise<InvitationRecord | undefined> {
    const id = await this.store.getRecord(SP.pending, `${org}/${account}`);
    return id === undefined ? undefined : pending(await this.invitation(id));
  }

  async pendingInvitations(org: string): Promise<InvitationRecord[]> {
    const rows = await this.store.listRecords(SP.pending, { prefix: `${org}/`, limit: MAX_MEMBERS });
    return this.resolve(rows.map((r) => r.value));
  }

  async invitationsTo(account: string): Promise<InvitationRecord[]> {
    const rows = await this.store.listRecords(SP.inviteTo, { prefix: `${account}/`, limit: MAX_MEMBERS });
    return this.resolve(rows.map((r) => r.key.slice(account.length + 1)));
  }

  async history(org: string, opts: { after?: string; limit: number }): Promise<{ events: HistoryEvent[]; next?: string }> {
    const prefix = `${org}/`;
    const rows = await this.store.listRecords(SP.history, { prefix, ...(opts.after !== undefined ? { after: prefix + opts.after } : {}), limit: opts.limit });
    const events = rows.map((r) => JSON.parse(r.value) as HistoryEvent);
    const last = rows.at(-1);
    return { events, ...(rows.length === opts.limit && last !== undefined ? { next: last.key.slice(prefix.length) } : {}) };
  }

  async apply(change: OrganisationChange): Promise<void> {
    const { org } = change;
    const writes: RecordWrite[] = [];
    for (const { account, member } of change.members ?? []) {
      writes.push(
        { space: SP.member, key: `${org}/${account}`, value: JSON.stringify(member) },
        { space: SP.memberOf, key: `${account}/${org}`, value: JSON.stringify({ role: member.role }) },
      );
    }
    for (const e of change.ended ?? []) {
      writes.push(
        { space: SP.member, key: `${org}/${e.account}`, value: null },
        { space: SP.memberOf, key: `${e.account}/${org}`, value: null },
        { space: SP.past, key: `${e.account}/${org}/${e.joinedAt}`, value: JSON.stringify({ joinedAt: e.joinedAt, leftAt: e.leftAt, role: e.role }) },
      );
    }
    for (const inv of change.invitations ?? []) {
      const open = inv.state === 'pending';
      writes.push(
        { space: SP.invite, key: inv.id, value: JSON.stringify(inv) },
        { space: SP.pending, key: `${inv.org}/${inv.account}`, value: open ? inv.id : null },
        { space: SP.inviteTo, key: `${inv.account}/${inv.id}`, value: open ? '' : null },
      );
    }
    for (const e of change.events ?? []) writes.push(this.event(org, e));
    if (writes.length > 0) await this.store.writeRecords(writes);
  }

  private event(org: string, e: HistoryEvent): RecordWrite {
    const seq = (this.eventSeq = (this.eventSeq + 1) % 1e9).toString().padStart(9, '0');
    return { space: SP.history, key: `${org}/${e.at}/${seq}${toHex(this.random(2))}`, value: JSON.stringify(e) };
  }

  private async resolve(ids: string[]): Promise<InvitationRecord[]> {
    const out: InvitationRecord[] = [];
    for (const id of ids) {
      const inv = pending(await this.invitation(id));
      if (inv !== undefined) out.push(inv);
    }
    return out;
  }
}

function pending(inv: InvitationRecord | undefined): InvitationRecord | undefined {
  return inv?.state === 'pending' ? inv : undefined;
}
