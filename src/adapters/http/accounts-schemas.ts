/**
 * Zod schemas of the account and key routes (docs/ACCOUNTS.md): the only source of their
 * request types and of their part of /openapi.json.
 */
import { z } from 'zod';
import { Account, AccountRequest, Problem, Roles } from './schemas.js';

export const AccountId = z.string().regex(/^acc_[A-Za-z0-9_-]{1,64}$/, 'not an account id');
export const KeyId = z.string().regex(/^key_[A-Za-z0-9_-]{1,64}$/, 'not a key id');

/** No control, format or bidi-override characters in a label. */
const Label = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'at most 100 characters')
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control or formatting characters');

export const CreateKey = z.strictObject({ label: Label.optional().meta({ description: 'A name to recognise the key by, e.g. "CI" or "laptop"' }) }).meta({ id: 'CreateKey' });

export const SetRole = z.strictObject({ role: z.enum(Roles) }).meta({ id: 'SetRole' });

export const ApiKey = z
  .object({
    id: z.string().meta({ description: 'key_…, random' }),
    prefix: z.string().optional().meta({ description: "The secret's first characters (absent for keys made before key ids existed)" }),
    label: z.string().optional(),
    createdAt: z.string(),
    lastUsedAt: z.string().optional().meta({ description: 'Last use, updated at most about once a minute' }),
    revokedAt: z.string().optional(),
    current: z.boolean().optional().meta({ description: 'GET /v1/accounts/me/keys: true for the key of this request' }),
  })
  .meta({ id: 'ApiKey' });

export const KeyList = z.object({ keys: z.array(ApiKey) }).meta({ id: 'ApiKeyList' });
export const NewKey = z.object({ key: ApiKey, apiKey: z.string().meta({ description: 'The secret, shown once' }) }).meta({ id: 'NewApiKey' });
export const AccountCreated = z.object({ account: Account, apiKey: z.string().meta({ description: 'The secret, shown once' }), key: ApiKey }).meta({ id: 'AccountCreated' });
export const AccountView = z.object({ account: Account, key: ApiKey.optional() }).meta({ id: 'AccountView' });

type Json = Record<string, unknown>;
const inSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as Json;
const outSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any', reused: 'inline' }) as Json;
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: outSchema(Problem) } } });
const json = (s: z.ZodType, description = 'OK') => ({ description, content: { 'application/json': { schema: outSchema(s) } } });
const body = (s: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema: inSchema(s) } } });
const pp = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const bearer = [{ bearer: [] }];
const noStore = { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } };
const errors = (...codes: ('400' | '401' | '403' | '404' | '409')[]) =>
  Object.fromEntries(
    codes.map((c) => [
      c,
      problem(
        {
          '400': 'Malformed input; `field` names it (code invalid_request)',
          '401': 'Missing, unknown or revoked API key (code unauthorized)',
          '403': 'Not an admin, or the calling account is disabled (code forbidden)',
          '404': 'No such account or key (code not_found)',
          '409': 'E-mail taken, too many keys, or disabling yourself (code conflict)',
        }[c],
      ),
    ]),
  );
const id = pp('id', 'account id (acc_…)');
const keyId = pp('keyId', 'key id (key_…)');

/** OpenAPI paths of the account and key routes. */
export function accountPaths(): Json {
  return {
    '/v1/accounts': {
      post: {
        summary: 'Create an account; its first API key is shown once',
        requestBody: body(AccountRequest),
        responses: { '201': { ...json(AccountCreated), headers: noStore }, ...errors('400', '401', '403', '409') },
      },
    },
    '/v1/accounts/me': { get: { summary: 'The calling account and the key it used', security: bearer, responses: { '200': json(AccountView), ...errors('401', '403') } } },
    '/v1/accounts/me/keys': {
      get: { summary: "The caller's keys (revoked ones too); the key of this request has current: true", security: bearer, responses: { '200': { ...json(KeyList), headers: noStore }, ...errors('401', '403') } },
      post: {
        summary: 'Create a key for the caller; the secret is shown once',
        security: bearer,
        requestBody: body(CreateKey, false),
        responses: { '201': { ...json(NewKey), headers: noStore }, ...errors('400', '401', '403', '409') },
      },
    },
    '/v1/accounts/me/keys/{keyId}': {
      delete: { summary: 'Revoke one of the caller\'s keys (also the one in use); it answers 401 from the next request on', security: bearer, parameters: [keyId], responses: { '204': { description: 'Revoked' }, ...errors('400', '401', '403', '404') } },
    },
    '/v1/accounts/{id}/keys': {
      get: { summary: "An account's keys (admin)", security: bearer, parameters: [id], responses: { '200': { ...json(KeyList), headers: noStore }, ...errors('400', '401', '403', '404') } },
      post: {
        summary: 'Create a key for an account (admin); the secret is shown once',
        security: bearer,
        parameters: [id],
        requestBody: body(CreateKey, false),
        responses: { '201': { ...json(NewKey), headers: noStore }, ...errors('400', '401', '403', '404', '409') },
      },
    },
    '/v1/accounts/{id}/keys/{keyId}': {
      delete: { summary: "Revoke an account's key (admin)", security: bearer, parameters: [id, keyId], responses: { '204': { description: 'Revoked' }, ...errors('400', '401', '403', '404') } },
    },
    '/v1/accounts/{id}/disable': {
      post: { summary: 'Disable an account (admin): all its keys answer 403 forbidden until it is enabled', security: bearer, parameters: [id], responses: { '200': json(z.object({ account: Account })), ...errors('400', '401', '403', '404', '409') } },
    },
    '/v1/accounts/{id}/enable': {
      post: { summary: 'Enable a disabled account again (admin)', security: bearer, parameters: [id], responses: { '200': json(z.object({ account: Account })), ...errors('400', '401', '403', '404') } },
    },
    '/v1/accounts/{id}/role': {
      put: { summary: "Set an account's role (admin)", security: bearer, parameters: [id], requestBody: body(SetRole), responses: { '200': json(z.object({ account: Account })), ...errors('400', '401', '403', '404') } },
    },
  };
}
