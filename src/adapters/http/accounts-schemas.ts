/**
 * Zod schemas of the account and key routes (docs/ACCOUNTS.md): the only source of their
 * request types and of their part of /openapi.json (accounts-openapi.ts).
 */
import { z } from 'zod';
import { Account, Roles } from './schemas.js';

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

export const AccountOnly = z.object({ account: Account }).meta({ id: 'AccountResult' });

/** A new password: 10–200 characters. */
export const NewPassword = z.string().min(10, 'at least 10 characters').max(200, 'at most 200 characters');

export const SignIn = z
  .strictObject({
    email: z.email().max(254),
    password: z.string().min(1, 'must not be empty').max(200, 'at most 200 characters'),
  })
  .meta({ id: 'SignIn' });

export const SessionView = z
  .object({
    account: Account,
    csrfToken: z.string().meta({ description: 'Send it in X-CSRF-Token with every POST, PUT, PATCH and DELETE the session cookie authenticates' }),
  })
  .meta({ id: 'Session' });

export const SetPassword = z
  .strictObject({
    currentPassword: z.string().min(1).max(200).optional().meta({ description: 'Required when the account already has a password' }),
    newPassword: NewPassword,
  })
  .meta({ id: 'SetPassword' });
