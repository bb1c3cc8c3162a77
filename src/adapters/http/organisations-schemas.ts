/**
 * Zod schemas of the organisation and invitation routes (docs/REGISTRATION.md,
 * "Organisations").
 */
import { z } from 'zod';
import { PageAfter, pageLimit } from './schemas.js';
import { AccountId } from './accounts-schemas.js';

export { AccountId };
export const InvitationId = z.string().regex(/^inv_[0-9a-f]{20}$/, 'not an invitation id');

export const AddMember = z
  .strictObject({ accountId: AccountId, role: z.enum(['owner', 'member']).default('member') })
  .meta({ id: 'AddMember', description: 'Invites the account (it must accept), or changes the role of a current member' });

export const HistoryQuery = z.strictObject({ after: PageAfter, limit: pageLimit(50) });

const Role = z.enum(['owner', 'member']);
const State = z.enum(['pending', 'accepted', 'declined', 'cancelled']);

export const OrgInvitation = z
  .object({ id: z.string(), accountId: z.string(), role: Role, state: State, invitedAt: z.string(), invitedBy: z.string(), decidedAt: z.string().optional() })
  .meta({ id: 'OrgInvitation', description: "An invitation as the organisation sees it: the account id it invited, never the invitee's name" });
export const MyInvitation = z
  .object({ id: z.string(), organisation: z.object({ id: z.string(), name: z.string() }), role: Role, state: State, invitedAt: z.string(), decidedAt: z.string().optional() })
  .meta({ id: 'MyInvitation' });
export const HistoryEvent = z
  .object({
    at: z.string(),
    action: z.enum(['invited', 'accepted', 'declined', 'cancelled', 'removed', 'left', 'role_changed']),
    actor: z.string().meta({ description: 'who made the change' }),
    account: z.string().meta({ description: 'whose membership changed' }),
    role: Role.optional(),
    invitation: z.string().optional(),
  })
  .meta({ id: 'MembershipEvent' });
