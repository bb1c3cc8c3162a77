/** The OpenAPI paths of the issue-6 routes, generated from their zod schemas (openapi.ts merges them). */
import { z } from 'zod';
import * as R from './registration-schemas.js';
import { Problem } from './schemas.js';

type Json = Record<string, unknown>;

const schema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as Json;
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: z.toJSONSchema(Problem, { io: 'output', unrepresentable: 'any' }) as Json } },
});
const ok = (description: string) => ({ description });
const body = (s: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema: schema(s) } } });
const pp = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const q = (name: string, description: string) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description });
const bearer = [{ bearer: [] }];
const errors = (...codes: ('400' | '401' | '403' | '404' | '409')[]) =>
  Object.fromEntries(
    codes.map((c) => [
      c,
      problem(
        {
          '400': 'Bad input; `field` names the first bad field (code invalid_request)',
          '401': 'Missing or unknown API key (code unauthorized)',
          '403': 'Wrong role, not the applicant, or a conflict of interest (code forbidden)',
          '404': 'No such record, or not yours to see (code not_found)',
          '409': 'Not allowed in the current state (code conflict)',
        }[c],
      ),
    ]),
  );
const id = pp('id', 'registration id (reg_…)');
const view = ok('The application as the caller may see it (RegistrationView, docs/REGISTRATION.md)');

export function registrationPaths(): Json {
  return {
    '/v1/registrations': {
      post: {
        summary: 'Create a registration application: a draft, or submitted at once with "submit": true (creator, platform, admin)',
        security: bearer,
        requestBody: body(R.CreateRegistration),
        responses: { '201': view, ...errors('400', '401', '403', '404') },
      },
      get: {
        summary: "The caller's own applications, oldest first",
        security: bearer,
        parameters: [q('state', 'only this state'), q('after', 'the previous page\'s "next"'), q('limit', '1..100, default 20')],
        responses: { '200': ok('{"registrations":[RegistrationView…],"next"?}'), ...errors('400', '401') },
      },
    },
    '/v1/registrations/{id}': {
      get: { summary: 'One application (applicant, admins; reviewers once submitted)', security: bearer, parameters: [id], responses: { '200': view, ...errors('400', '401', '404') } },
      patch: {
        summary: 'Edit a draft or an application sent back for changes (applicant); null removes a field; no log entry',
        security: bearer,
        parameters: [id],
        requestBody: body(R.PatchRegistration),
        responses: { '200': view, ...errors('400', '401', '403', '404', '409') },
      },
    },
    '/v1/registrations/{id}/submit': { post: { summary: 'Submit a draft (applicant)', security: bearer, parameters: [id], responses: { '200': view, ...errors('400', '401', '403', '404', '409') } } },
    '/v1/registrations/{id}/amend': {
      post: {
        summary: 'Apply changes and resubmit after "changes requested" (applicant)',
        security: bearer,
        parameters: [id],
        requestBody: body(R.PatchRegistration, false),
        responses: { '200': view, ...errors('400', '401', '403', '404', '409') },
      },
    },
    '/v1/registrations/{id}/withdraw': { post: { summary: 'Withdraw (applicant)', security: bearer, parameters: [id], responses: { '200': view, ...errors('401', '403', '404', '409') } } },
    '/v1/registrations/{id}/approve': {
      post: { summary: 'Approve: allocates the next number of the year and category (reviewer, admin)', security: bearer, parameters: [id], responses: { '200': view, ...errors('401', '403', '404', '409') } },
    },
    '/v1/registrations/{id}/reject': {
      post: { summary: 'Reject with a reason (reviewer, admin)', security: bearer, parameters: [id], requestBody: body(R.Reason), responses: { '200': view, ...errors('400', '401', '403', '404', '409') } },
    },
    '/v1/registrations/{id}/request-changes': {
      post: { summary: 'Send back for changes with a reason (reviewer, admin)', security: bearer, parameters: [id], requestBody: body(R.Reason), responses: { '200': view, ...errors('400', '401', '403', '404', '409') } },
    },
    '/v1/registrations/{id}/revoke': {
      post: { summary: 'Revoke a registration (admin); the registry shows it', security: bearer, parameters: [id], requestBody: body(R.Reason), responses: { '200': view, ...errors('400', '401', '403', '404', '409') } },
    },
    '/v1/registrations/{id}/correct': {
      post: {
        summary: 'Correct the public fields of a registration (admin); the registry lists every correction',
        security: bearer,
        parameters: [id],
        requestBody: body(R.CorrectRegistration),
        responses: { '200': view, ...errors('400', '401', '403', '404', '409') },
      },
    },
    '/v1/registrations/{id}/certificate': {
      get: {
        summary: 'Registration certificate (JSON, copyright-ledger/registration-certificate@v1; PDF with Accept: application/pdf)',
        security: bearer,
        parameters: [id],
        responses: { '200': ok('The certificate'), '503': problem('PDF renderers busy or over budget; see Retry-After'), ...errors('401', '404', '409') },
      },
    },
    '/v1/review/queue': {
      get: {
        summary: 'Submitted applications with their deposits and evidence certificates, oldest first (reviewer, admin)',
        security: bearer,
        parameters: [q('after', 'the previous page\'s "next"'), q('limit', '1..100, default 20')],
        responses: { '200': ok('{"items":[{"registration","deposits":[{"deposit","certificate"}]}],"next"?}'), ...errors('400', '401', '403') },
      },
    },
    '/v1/registry': {
      get: {
        summary: 'Public registry: by number, or search titles and rights holders (q); public fields only, with corrections and revocations',
        parameters: [q('number', 'CL-<year>-<letter>-<8 digits>'), q('q', 'words (matched from their start) or Chinese text (any part)')],
        responses: { '200': ok('{"results":[RegistryEntry…],"truncated"}'), ...errors('400') },
      },
    },
    '/v1/stats': {
      get: { summary: 'Platform statistics and progress against the targets (admin, reviewer)', security: bearer, responses: { '200': ok('StatsView'), ...errors('401', '403') } },
    },
  };
}
