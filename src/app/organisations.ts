/**
 * Organisations and their members (docs/REGISTRATION.md). An organisation is an account of kind
 * `organisation` (contract §3); it acts as its own owner. Owners add and remove members, who are
 * individual accounts with the membership role `owner` or `member`. Membership is what the
 * conflict-of-interest rule of review looks at: a reviewer never decides an application of an
 * organisation they belong to.
 *
 * Records (outside the log: membership is not a claim about a work):
 *   org-member  `<org id>/<account id>` → {role, addedAt, addedBy}
 *   member-of   `<account id>/<org id>` → {role}
 */
import { LogError } from '../core/errors.js';
import { formatTime } from '../core/time.js';
import type { AccountRecord, Clock, LogStore } from './ports.js';

export type MemberRole = 'owner' | 'member';

export interface MemberView {
  accountId: string;
  name: string;
  role: MemberRole;
  addedAt: string;
}

export interface OrganisationView {
  organisation: { id: string; name: string; role: AccountRecord['role']; createdAt: string };
  members: MemberView[];
}

/** Most members listed, and most organisations one account belongs to that count. */
export const MAX_MEMBERS = 10_000;

interface MemberJson {
  role: MemberRole;
  addedAt: string;
  addedBy: string;
}

export class Organisations {
  constructor(
    private readonly store: LogStore,
    private readonly clock: Clock,
  ) {}

  /** The organisations `account` belongs to: itself if it is one, and every membership. */
  async organisationsOf(account: AccountRecord): Promise<string[]> {
    const rows = await this.store.listRecords('member-of', { prefix: `${account.id}/`, limit: MAX_MEMBERS });
    const ids = rows.map((r) => r.key.slice(account.id.length + 1));
    return account.kind === 'organisation' ? [account.id, ...ids] : ids;
  }

  /** True when the two accounts share an organisation (or are the same account). */
  async related(a: AccountRecord, b: AccountRecord): Promise<boolean> {
    if (a.id === b.id) return true;
    const [x, y] = await Promise.all([this.organisationsOf(a), this.organisationsOf(b)]);
    const set = new Set(x);
    return y.some((id) => set.has(id));
  }

  /** The organisations the caller belongs to, with the caller's role in each. */
  async mine(actor: AccountRecord): Promise<{ id: string; name: string; role: MemberRole }[]> {
    const out: { id: string; name: string; role: MemberRole }[] = [];
    if (actor.kind === 'organisation') out.push({ id: actor.id, name: actor.name, role: 'owner' });
    const rows = await this.store.listRecords('member-of', { prefix: `${actor.id}/`, limit: MAX_MEMBERS });
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
    const rows = await this.store.listRecords('org-member', { prefix: `${orgId}/`, limit: MAX_MEMBERS });
    const members: MemberView[] = [];
    for (const r of rows) {
      const id = r.key.slice(orgId.length + 1);
      const m = JSON.parse(r.value) as MemberJson;
      members.push({ accountId: id, name: (await this.store.getAccount(id))?.name ?? '', role: m.role, addedAt: m.addedAt });
    }
    return { organisation: { id: org.id, name: org.name, role: org.role, createdAt: org.createdAt }, members };
  }

  /** Adds (or changes the role of) a member. Owners and admins only. */
  async addMember(actor: AccountRecord, orgId: string, input: { accountId: string; role: MemberRole }): Promise<{ member: MemberView; created: boolean }> {
    await this.requireOwner(actor, orgId);
    if (input.accountId === orgId) throw new LogError('invalid_request', 'accountId: an organisation is not its own member', { details: { field: 'accountId' } });
    const target = await this.store.getAccount(input.accountId);
    if (!target) throw new LogError('not_found', 'accountId: no such account', { details: { field: 'accountId' } });
    if (target.kind !== 'individual') throw new LogError('invalid_request', 'accountId: only individual accounts can be members', { details: { field: 'accountId' } });
    const existing = await this.store.getRecord('org-member', `${orgId}/${target.id}`);
    const addedAt = existing ? (JSON.parse(existing) as MemberJson).addedAt : formatTime(this.clock.now());
    const json: MemberJson = { role: input.role, addedAt, addedBy: actor.id };
    await this.store.writeRecords([
      { space: 'org-member', key: `${orgId}/${target.id}`, value: JSON.stringify(json) },
      { space: 'member-of', key: `${target.id}/${orgId}`, value: JSON.stringify({ role: input.role }) },
    ]);
    return { member: { accountId: target.id, name: target.name, role: input.role, addedAt }, created: existing === undefined };
  }

  /** Removes a member. Owners and admins may remove anyone; a member may leave. */
  async removeMember(actor: AccountRecord, orgId: string, accountId: string): Promise<void> {
    if (actor.id !== accountId) await this.requireOwner(actor, orgId);
    else await this.visible(actor, orgId);
    if ((await this.store.getRecord('org-member', `${orgId}/${accountId}`)) === undefined) throw new LogError('not_found', 'no such member');
    await this.store.writeRecords([
      { space: 'org-member', key: `${orgId}/${accountId}`, value: null },
      { space: 'member-of', key: `${accountId}/${orgId}`, value: null },
    ]);
  }

  private async role(actor: AccountRecord, orgId: string): Promise<MemberRole | undefined> {
    if (actor.id === orgId) return 'owner';
    const m = await this.store.getRecord('member-of', `${actor.id}/${orgId}`);
    return m === undefined ? undefined : (JSON.parse(m) as { role: MemberRole }).role;
  }

  /** The organisation, if the actor may see it; else not_found (membership is private). */
  private async visible(actor: AccountRecord, orgId: string): Promise<AccountRecord> {
    const org = await this.store.getAccount(orgId);
    if (!org || org.kind !== 'organisation') throw new LogError('not_found', 'no such organisation');
    if (actor.role !== 'admin' && (await this.role(actor, orgId)) === undefined) throw new LogError('not_found', 'no such organisation');
    return org;
  }

  private async requireOwner(actor: AccountRecord, orgId: string): Promise<void> {
    await this.visible(actor, orgId);
    if (actor.role !== 'admin' && (await this.role(actor, orgId)) !== 'owner') throw new LogError('forbidden', 'only an owner of the organisation may change its members');
  }
}
