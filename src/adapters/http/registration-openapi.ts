/** OpenAPI operations of the registration, review, registry and statistics routes (registrations.ts). */
import { binary, json, op, type Operation, type OpSpec } from './openapi-kit.js';
import * as R from './registration-schemas.js';
import * as V from './registration-views.js';

const id = R.RegistrationId.meta({ description: 'Registration id (reg_…)' });
const view = json(V.RegistrationView, 'The application as the caller may see it (docs/REGISTRATION.md)');
const e403 = 'Wrong role, not the applicant, or a conflict of interest (code forbidden)';
const e404 = 'No such registration, or not yours to see (code not_found)';
const e409 = 'Not allowed in the current state (code conflict)';

/** An action on one registration: POST /v1/registrations/{id}/<action>. */
const action = (name: string, operationId: string, tag: OpSpec['tag'], summary: string, extra: Partial<OpSpec> = {}): Operation =>
  op({
    method: 'post',
    path: `/v1/registrations/{id}/${name}`,
    operationId,
    tag,
    security: 'bearer',
    summary,
    params: { id },
    responses: { 200: view },
    errors: { 403: e403, 404: e404, 409: e409 },
    ...extra,
  });
const noBody = { description: 'No body, or {}', errors: { 403: e403, 404: e404, 409: e409, 415: 'A body that is not JSON' } } as const;

export function registrationOperations(): Operation[] {
  return [
    op({
      method: 'post',
      path: '/v1/registrations',
      operationId: 'createRegistration',
      tag: 'Registrations',
      security: 'bearer',
      summary: 'Create a registration application: a draft, or submitted at once with "submit": true (creator, platform, admin)',
      body: R.CreateRegistration,
      responses: { 201: { ...view, headers: { Location: { description: 'The application', schema: { type: 'string' } } } } },
      errors: { 403: e403, 404: 'A named deposit does not exist or is not the applicant’s (code not_found)' },
    }),
    op({
      method: 'get',
      path: '/v1/registrations',
      operationId: 'listRegistrations',
      tag: 'Registrations',
      security: 'bearer',
      summary: "The caller's own applications, oldest first",
      query: R.ListQuery,
      responses: { 200: json(V.RegistrationList, 'Oldest first; `next` is given when there may be more: pass it as `after`') },
    }),
    op({
      method: 'get',
      path: '/v1/registrations/{id}',
      operationId: 'getRegistration',
      tag: 'Registrations',
      security: 'bearer',
      summary: 'One application (applicant, admins; reviewers once submitted)',
      params: { id },
      responses: { 200: view },
      errors: { 404: e404 },
    }),
    op({
      method: 'patch',
      path: '/v1/registrations/{id}',
      operationId: 'updateRegistration',
      tag: 'Registrations',
      security: 'bearer',
      summary: 'Edit a draft or an application sent back for changes (applicant); null removes a field; no log entry',
      params: { id },
      body: R.PatchRegistration,
      responses: { 200: view },
      errors: { 403: e403, 404: e404, 409: e409 },
    }),
    action('submit', 'submitRegistration', 'Registrations', 'Submit a draft (applicant)', noBody),
    action('amend', 'amendRegistration', 'Registrations', 'Apply changes (optional body) and resubmit after "changes requested" (applicant)', { body: R.PatchRegistration, bodyOptional: true }),
    action('withdraw', 'withdrawRegistration', 'Registrations', 'Withdraw (applicant)', noBody),
    action('approve', 'approveRegistration', 'Review', 'Approve: allocates the next number of the year and category (reviewer, admin)', noBody),
    action('reject', 'rejectRegistration', 'Review', 'Reject with a reason (reviewer, admin)', { body: R.Reason }),
    action('request-changes', 'requestRegistrationChanges', 'Review', 'Send back for changes with a reason (reviewer, admin)', { body: R.Reason }),
    action('revoke', 'revokeRegistration', 'Registry', 'Revoke a registration (admin); the registry shows it', { body: R.Reason }),
    action('correct', 'correctRegistration', 'Registry', 'Correct the public fields of a registration (admin); the registry lists every correction', { body: R.CorrectRegistration }),
    op({
      method: 'get',
      path: '/v1/registrations/{id}/certificate',
      operationId: 'getRegistrationCertificate',
      tag: 'Registrations',
      security: 'bearer',
      summary: 'Registration certificate (JSON, copyright-ledger/registration-certificate@v1; PDF with Accept: application/pdf)',
      params: { id },
      responses: { 200: { description: 'The certificate (attachment)', content: { ...json(V.RegistrationCertificate).content, ...binary('application/pdf', '').content } } },
      errors: { 404: e404, 409: 'Not approved, or revoked (code conflict)', 415: 'PDF asked for but PDF certificates are off on this server', 503: 'PDF renderers busy or over budget; see Retry-After' },
    }),
    op({
      method: 'get',
      path: '/v1/review/queue',
      operationId: 'getReviewQueue',
      tag: 'Review',
      security: 'bearer',
      summary: 'Submitted applications with their deposits and evidence certificates, oldest first (reviewer, admin)',
      query: R.QueueQuery,
      responses: { 200: json(V.ReviewQueue) },
      errors: { 403: 'Not a reviewer or admin (code forbidden)' },
    }),
    op({
      method: 'get',
      path: '/v1/review/{id}',
      operationId: 'getReviewItem',
      tag: 'Review',
      security: 'bearer',
      summary: 'One application for the decision screen: with its deposits, the applicant, and whether a conflict of interest bars the caller (reviewer, admin)',
      params: { id },
      responses: { 200: json(V.ReviewItem) },
      errors: { 403: 'Not a reviewer or admin (code forbidden)', 404: e404 },
    }),
    op({
      method: 'get',
      path: '/v1/registry',
      operationId: 'searchRegistry',
      tag: 'Registry',
      security: 'public',
      summary: 'Public registry: by number, or search titles and rights holders (q); public fields only, with corrections and revocations',
      description: 'Give exactly one of `number` (CL-<year>-<letter>-<8 digits>) and `q` (words matched from their start, or Chinese text matched anywhere).',
      query: R.RegistryQuery,
      responses: { 200: json(V.RegistrySearch) },
    }),
    op({
      method: 'get',
      path: '/v1/stats',
      operationId: 'getStats',
      tag: 'Review',
      security: 'bearer',
      summary: 'Platform statistics and progress against the targets (admin, reviewer)',
      responses: { 200: json(V.Stats) },
      errors: { 403: 'Not a reviewer or admin (code forbidden)' },
    }),
  ];
}
