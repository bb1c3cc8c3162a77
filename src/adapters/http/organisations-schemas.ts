/**
 * Zod schemas and OpenAPI paths of the organisation and invitation routes (docs/REGISTRATION.md,
 * "Organisations").
 */
import { z } from 'zod';
import { AccountId } from './accounts-schemas.js';
import { Problem } from './schemas.js';

export { AccountId };
export const InvitationId = z.string().regex(/^inv_[0-9a-f]{20}$/, 'not an invitation id');

export const AddMember = z
  .strictObject({ accountId: AccountId, role: z.enum(['owner', 'member']).default('member') })
  .meta({ id: 'AddMember', description: 'Invites the account (it must accept), or changes the role of a current member' });

export const HistoryQuery = z.strictObject({
  after: z.string().min(1).max(300).regex(/^[\x21-\x7e]+$/, 'not a cursor').optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be 1..100')
    .transform(Number)
    .refine((n) => n <= 100, 'at most 100')
    .optional(),
});

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

type Json = Record<string, unknown>;
const inSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as Json;
const outSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any', reused: 'inline' }) as Json;
const json = (s: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: outSchema(s) } } });
const ok = (description: string) => ({ description });
const pp = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const q = (name: string, description: string) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description });
const bearer = [{ bearer: [] }];
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: outSchema(Problem) } } });
const errors = (...codes: ('400' | '401' | '403' | '404' | '409')[]) =>
  Object.fromEntries(
    codes.map((c) => [
      c,
      problem(
        {
          '400': 'Bad input; `field` names the first bad field (code invalid_request)',
          '401': 'Missing, unknown or revoked API key (code unauthorized)',
          '403': 'Not an owner, or the account is disabled (code forbidden)',
          '404': 'No such organisation or invitation, or not yours to see (code not_found)',
          '409': 'The invitation was already decided (code conflict)',
        }[c],
      ),
    ]),
  );
const org = pp('id', 'organisation account id');

export function organisationPaths(): Json {
  return {
    '/v1/organisations': { get: { summary: 'Organisations the caller belongs to', security: bearer, responses: { '200': ok('{"organisations":[{"id","name","role"}]}'), ...errors('401') } } },
    '/v1/organisations/{id}': {
      get: { summary: 'An organisation and its members (the organisation, its members, admins)', security: bearer, parameters: [org], responses: { '200': ok('OrganisationView'), ...errors('400', '401', '404') } },
    },
    '/v1/organisations/{id}/members': {
      post: {
        summary: 'Invite an individual account (it becomes a member only when it accepts), or change the role of a current member (owners, admins)',
        security: bearer,
        parameters: [org],
        requestBody: { required: true, content: { 'application/json': { schema: inSchema(AddMember) } } },
        responses: {
          '201': json(z.object({ invitation: OrgInvitation }), 'A new pending invitation'),
          '200': ok('{"invitation"} (already invited) or {"member"} (a current member; role changed)'),
          ...errors('400', '401', '403', '404'),
        },
      },
    },
    '/v1/organisations/{id}/members/{accountId}': {
      delete: {
        summary: "End a membership (owners, admins, or the member itself); for an invited account, cancel its invitation (owners, admins)",
        security: bearer,
        parameters: [org, pp('accountId', 'member account id')],
        responses: { '204': ok('Removed'), ...errors('400', '401', '403', '404') },
      },
    },
    '/v1/organisations/{id}/invitations': {
      get: { summary: 'Pending invitations (owners, admins): account ids, no names', security: bearer, parameters: [org], responses: { '200': json(z.object({ invitations: z.array(OrgInvitation) }), 'OK'), ...errors('400', '401', '403', '404') } },
    },
    '/v1/organisations/{id}/invitations/{invitationId}': {
      delete: { summary: 'Cancel a pending invitation (owners, admins)', security: bearer, parameters: [org, pp('invitationId', 'inv_…')], responses: { '204': ok('Cancelled'), ...errors('400', '401', '403', '404', '409') } },
    },
    '/v1/organisations/{id}/history': {
      get: {
        summary: 'Audit trail of membership changes, oldest first (owners, admins)',
        security: bearer,
        parameters: [org, q('after', 'the previous page\'s "next"'), q('limit', '1..100, default 50')],
        responses: { '200': json(z.object({ events: z.array(HistoryEvent), next: z.string().optional() }), 'OK'), ...errors('400', '401', '403', '404') },
      },
    },
    '/v1/invitations': {
      get: { summary: "The caller's pending invitations", security: bearer, responses: { '200': json(z.object({ invitations: z.array(MyInvitation) }), 'OK'), ...errors('401') } },
    },
    '/v1/invitations/{id}/accept': {
      post: { summary: 'Accept an invitation: the membership starts now (the invitee)', security: bearer, parameters: [pp('id', 'inv_…')], responses: { '200': json(z.object({ invitation: MyInvitation }), 'OK'), ...errors('400', '401', '404', '409') } },
    },
    '/v1/invitations/{id}/decline': {
      post: { summary: 'Decline an invitation (the invitee)', security: bearer, parameters: [pp('id', 'inv_…')], responses: { '200': json(z.object({ invitation: MyInvitation }), 'OK'), ...errors('400', '401', '404', '409') } },
    },
  };
}
