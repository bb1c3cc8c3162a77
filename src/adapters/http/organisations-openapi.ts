/** OpenAPI operations of the organisation and invitation routes (organisations.ts). */
import { z } from 'zod';
import type { MyInvitationView, OrganisationView as AppOrganisationView, Organisations, OrgInvitationView } from '../../app/organisations.js';
import { Roles } from './schemas.js';
import { empty, json, op, type Operation } from './openapi-kit.js';
import * as O from './organisations-schemas.js';

const Role = z.enum(['owner', 'member']);

export const MyOrganisations = z
  .object({ organisations: z.array(z.object({ id: z.string(), name: z.string(), role: Role })) })
  .meta({ id: 'MyOrganisations' });
export const Member = z.object({ accountId: z.string(), name: z.string(), role: Role, joinedAt: z.string(), addedAt: z.string().meta({ description: 'Same as joinedAt' }) }).meta({ id: 'OrganisationMember' });
export const OrganisationView = z
  .object({ organisation: z.object({ id: z.string(), name: z.string(), role: z.enum(Roles), createdAt: z.string() }), members: z.array(Member) })
  .meta({ id: 'OrganisationView' });
const InvitationResult = z.object({ invitation: O.OrgInvitation }).meta({ id: 'OrgInvitationResult' });
const MemberRoleChanged = z
  .object({ member: z.object({ accountId: z.string(), role: Role, joinedAt: z.string() }) })
  .meta({ id: 'OrganisationRoleChanged', description: 'A current member whose role was set' });
const MemberOrInvitation = z.union([InvitationResult, MemberRoleChanged]);
const MyInvitationResult = z.object({ invitation: O.MyInvitation }).meta({ id: 'MyInvitationResult' });

const org = O.AccountId.meta({ description: 'Organisation account id (acc_…)' });
const inv = O.InvitationId.meta({ description: 'Invitation id (inv_…)' });
const notOwner = 'Not an owner or admin, or the account is disabled (code forbidden)';
const noOrg = 'No such organisation, or not yours to see (code not_found)';

export function organisationOperations(): Operation[] {
  return [
    op({ method: 'get', path: '/v1/organisations', operationId: 'listMyOrganisations', tag: 'Organisations', security: 'bearer', summary: 'Organisations the caller belongs to', responses: { 200: json(MyOrganisations) } }),
    op({
      method: 'get',
      path: '/v1/organisations/{id}',
      operationId: 'getOrganisation',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'An organisation and its members (the organisation, its members, admins)',
      params: { id: org },
      responses: { 200: json(OrganisationView) },
      errors: { 404: noOrg },
    }),
    op({
      method: 'post',
      path: '/v1/organisations/{id}/members',
      operationId: 'inviteMember',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'Invite an individual account (it becomes a member only when it accepts), or change the role of a current member (owners, admins)',
      params: { id: org },
      body: O.AddMember,
      responses: { 201: json(InvitationResult, 'A new pending invitation'), 200: json(MemberOrInvitation, '{"invitation"} (already invited) or {"member"} (a current member; role changed)') },
      errors: { 403: notOwner, 404: 'No such organisation or account (code not_found)' },
    }),
    op({
      method: 'delete',
      path: '/v1/organisations/{id}/members/{accountId}',
      operationId: 'removeMember',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'End a membership (owners, admins, or the member itself); for an invited account, cancel its invitation (owners, admins)',
      params: { id: org, accountId: O.AccountId.meta({ description: 'Member account id (acc_…)' }) },
      responses: { 204: empty('Removed') },
      errors: { 403: notOwner, 404: 'No such organisation or member (code not_found)' },
    }),
    op({
      method: 'get',
      path: '/v1/organisations/{id}/invitations',
      operationId: 'listOrganisationInvitations',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'Pending invitations (owners, admins): account ids, no names',
      params: { id: org },
      responses: { 200: json(z.object({ invitations: z.array(O.OrgInvitation) }).meta({ id: 'OrgInvitationList' })) },
      errors: { 403: notOwner, 404: noOrg },
    }),
    op({
      method: 'delete',
      path: '/v1/organisations/{id}/invitations/{invitationId}',
      operationId: 'cancelInvitation',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'Cancel a pending invitation (owners, admins)',
      params: { id: org, invitationId: inv },
      responses: { 204: empty('Cancelled') },
      errors: { 403: notOwner, 404: 'No such organisation or invitation (code not_found)', 409: 'The invitation was already decided (code conflict)' },
    }),
    op({
      method: 'get',
      path: '/v1/organisations/{id}/history',
      operationId: 'getOrganisationHistory',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'Audit trail of membership changes, oldest first (owners, admins)',
      params: { id: org },
      query: O.HistoryQuery,
      responses: { 200: json(z.object({ events: z.array(O.HistoryEvent), next: z.string().optional().meta({ description: 'Pass as `after` for the next page' }) }).meta({ id: 'MembershipHistory' })) },
      errors: { 403: notOwner, 404: noOrg },
    }),
    op({
      method: 'get',
      path: '/v1/invitations',
      operationId: 'listMyInvitations',
      tag: 'Organisations',
      security: 'bearer',
      summary: "The caller's pending invitations",
      responses: { 200: json(z.object({ invitations: z.array(O.MyInvitation) }).meta({ id: 'MyInvitationList' })) },
    }),
    op({
      method: 'post',
      path: '/v1/invitations/{id}/accept',
      operationId: 'acceptInvitation',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'Accept an invitation: the membership starts now (the invitee); no body, or {}',
      params: { id: inv },
      responses: { 200: json(MyInvitationResult) },
      errors: { 404: 'No such invitation for the caller (code not_found)', 409: 'The invitation was already decided (code conflict)', 415: 'A body that is not JSON' },
    }),
    op({
      method: 'post',
      path: '/v1/invitations/{id}/decline',
      operationId: 'declineInvitation',
      tag: 'Organisations',
      security: 'bearer',
      summary: 'Decline an invitation (the invitee); no body, or {}',
      params: { id: inv },
      responses: { 200: json(MyInvitationResult) },
      errors: { 404: 'No such invitation for the caller (code not_found)', 409: 'The invitation was already decided (code conflict)', 415: 'A body that is not JSON' },
    }),
  ];
}

// Compile-time checks: the answer schemas describe what the use case returns.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type Invited = Extract<Awaited<ReturnType<Organisations['invite']>>, { member: unknown }>['member'];
export type _ViewFits = Assert<Same<AppOrganisationView, z.output<typeof OrganisationView>>>;
export type _MineFits = Assert<Same<Awaited<ReturnType<Organisations['mine']>>, z.output<typeof MyOrganisations>['organisations']>>;
export type _RoleChangedFits = Assert<Same<Invited, z.output<typeof MemberRoleChanged>['member']>>;
export type _OrgInvitationFits = Assert<Same<OrgInvitationView, z.output<typeof O.OrgInvitation>>>;
export type _MyInvitationFits = Assert<Same<MyInvitationView, z.output<typeof O.MyInvitation>>>;
