/** OpenAPI operations of the account and key routes (accounts.ts) and of the storage usage route (limits.ts). */
import * as A from './accounts-schemas.js';
import { StorageUsage } from './limits-openapi.js';
import { empty, json, op, type Operation } from './openapi-kit.js';
import { AccountRequest } from './schemas.js';

const noStore = { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } };
const id = A.AccountId.meta({ description: 'Account id (acc_…)' });
const keyId = A.KeyId.meta({ description: 'Key id (key_…)' });
const notAdmin = 'Not an admin, or the calling account is disabled (code forbidden)';
const noAccount = 'No such account (code not_found)';
const optionalKey = 'An empty body, or {"label"}; not JSON: 415';

const sessionCookie = { 'Set-Cookie': { description: 'cl_session=<token>; Path=/; HttpOnly; SameSite=Lax; when PUBLIC_URL is https: __Host-cl_session=<token>; Path=/; HttpOnly; SameSite=Lax; Secure', schema: { type: 'string' } } };

/** Password sign-in and sessions (sessions.ts). */
export function sessionOperations(): Operation[] {
  return [
    op({
      method: 'post',
      path: '/v1/session',
      operationId: 'signIn',
      tag: 'Accounts',
      security: 'public',
      summary: 'Sign in with e-mail and password: sets the session cookie and answers the account and its CSRF token',
      description: 'Budget signup per IP (docs/LIMITS.md); 10 failures for one e-mail within 15 minutes answer 429 until the window ends.',
      body: A.SignIn,
      responses: { 200: json(A.SessionView, 'Signed in', { ...noStore, ...sessionCookie }) },
      errors: {
        401: 'Wrong e-mail or password, or an account without a password: one message for all (code unauthorized)',
        403: 'The account is disabled (code forbidden), or the Origin is another site (code csrf_failed)',
      },
    }),
    op({
      method: 'get',
      path: '/v1/session',
      operationId: 'getSession',
      tag: 'Accounts',
      security: 'session',
      summary: 'The signed-in account and the CSRF token of its session',
      responses: { 200: json(A.SessionView, 'OK', noStore) },
      errors: { 401: 'No cookie, or its session ended or expired (code unauthorized)', 403: 'The account is disabled (code forbidden)' },
    }),
    op({
      method: 'delete',
      path: '/v1/session',
      operationId: 'signOut',
      tag: 'Accounts',
      security: 'session',
      summary: 'Sign out: the session is deleted server-side and the cookie cleared (also 204 without a session)',
      responses: { 204: empty('Signed out') },
      errors: { 401: false, 403: 'A live session without its CSRF token (code csrf_failed)' },
    }),
    op({
      method: 'post',
      path: '/v1/accounts/me/password',
      operationId: 'setMyPassword',
      tag: 'Accounts',
      security: 'bearer',
      summary: "Set or change the caller's password; a change ends every other session of the account",
      body: A.SetPassword,
      responses: { 204: empty('Password set') },
      errors: {
        400: 'Bad input, or currentPassword missing while a password is set (code invalid_request)',
        403: 'currentPassword is wrong (code forbidden, field currentPassword), or the account is disabled',
        429: 'Too many wrong current passwords (code rate_limited)',
      },
    }),
  ];
}

export function accountOperations(): Operation[] {
  return [
    op({
      method: 'post',
      path: '/v1/accounts',
      operationId: 'createAccount',
      tag: 'Accounts',
      security: 'optional-bearer',
      summary: 'Create an account; its first API key is shown once. A role other than creator needs an admin key.',
      body: AccountRequest,
      responses: { 201: json(A.AccountCreated, 'Created', noStore) },
      errors: { 401: 'A role was asked for with a missing or unknown key (code unauthorized)', 403: 'A role was asked for by a non-admin (code forbidden)', 409: 'The e-mail address is taken (code conflict)' },
    }),
    op({ method: 'get', path: '/v1/accounts/me', operationId: 'getMe', tag: 'Accounts', security: 'bearer', summary: 'The calling account and the key it used', responses: { 200: json(A.AccountView, 'OK', noStore) } }),
    op({
      method: 'get',
      path: '/v1/accounts/me/usage',
      operationId: 'getMyUsage',
      tag: 'Accounts',
      security: 'bearer',
      summary: "The calling account's kept originals against its storage quota (docs/LIMITS.md)",
      responses: { 200: json(StorageUsage) },
    }),
    op({
      method: 'get',
      path: '/v1/accounts/me/keys',
      operationId: 'listMyKeys',
      tag: 'Accounts',
      security: 'bearer',
      summary: "The caller's keys (revoked ones too); the key of this request has current: true",
      responses: { 200: json(A.KeyList, 'OK', noStore) },
    }),
    op({
      method: 'post',
      path: '/v1/accounts/me/keys',
      operationId: 'createMyKey',
      tag: 'Accounts',
      security: 'bearer',
      summary: 'Create a key for the caller; the secret is shown once',
      description: optionalKey,
      body: A.CreateKey,
      bodyOptional: true,
      responses: { 201: json(A.NewKey, 'Created', { ...noStore, Location: { description: 'The new key', schema: { type: 'string' } } }) },
      errors: { 409: 'The account holds the most unrevoked keys it may (code conflict)' },
    }),
    op({
      method: 'delete',
      path: '/v1/accounts/me/keys/{keyId}',
      operationId: 'revokeMyKey',
      tag: 'Accounts',
      security: 'bearer',
      summary: "Revoke one of the caller's keys (also the one in use); it answers 401 from the next request on",
      params: { keyId },
      responses: { 204: empty('Revoked') },
      errors: { 404: 'No such key (code not_found)' },
    }),
    op({
      method: 'get',
      path: '/v1/accounts/{id}/keys',
      operationId: 'listAccountKeys',
      tag: 'Accounts',
      security: 'bearer',
      summary: "An account's keys (admin)",
      params: { id },
      responses: { 200: json(A.KeyList, 'OK', noStore) },
      errors: { 403: notAdmin, 404: noAccount },
    }),
    op({
      method: 'post',
      path: '/v1/accounts/{id}/keys',
      operationId: 'createAccountKey',
      tag: 'Accounts',
      security: 'bearer',
      summary: 'Create a key for an account (admin); the secret is shown once',
      description: optionalKey,
      params: { id },
      body: A.CreateKey,
      bodyOptional: true,
      responses: { 201: json(A.NewKey, 'Created', { ...noStore, Location: { description: 'The new key', schema: { type: 'string' } } }) },
      errors: { 403: notAdmin, 404: noAccount, 409: 'The account holds the most unrevoked keys it may (code conflict)' },
    }),
    op({
      method: 'delete',
      path: '/v1/accounts/{id}/keys/{keyId}',
      operationId: 'revokeAccountKey',
      tag: 'Accounts',
      security: 'bearer',
      summary: "Revoke an account's key (admin)",
      params: { id, keyId },
      responses: { 204: empty('Revoked') },
      errors: { 403: notAdmin, 404: 'No such account or key (code not_found)' },
    }),
    op({
      method: 'post',
      path: '/v1/accounts/{id}/disable',
      operationId: 'disableAccount',
      tag: 'Accounts',
      security: 'bearer',
      summary: 'Disable an account (admin): all its keys answer 403 forbidden until it is enabled; no body, or {}',
      params: { id },
      responses: { 200: json(A.AccountOnly, 'OK', noStore) },
      errors: { 403: notAdmin, 404: noAccount, 409: 'Disabling your own account (code conflict)', 415: 'A body that is not JSON' },
    }),
    op({
      method: 'post',
      path: '/v1/accounts/{id}/enable',
      operationId: 'enableAccount',
      tag: 'Accounts',
      security: 'bearer',
      summary: 'Enable a disabled account again (admin); no body, or {}',
      params: { id },
      responses: { 200: json(A.AccountOnly, 'OK', noStore) },
      errors: { 403: notAdmin, 404: noAccount, 415: 'A body that is not JSON' },
    }),
    op({
      method: 'put',
      path: '/v1/accounts/{id}/role',
      operationId: 'setAccountRole',
      tag: 'Accounts',
      security: 'bearer',
      summary: "Set an account's role (admin)",
      params: { id },
      body: A.SetRole,
      responses: { 200: json(A.AccountOnly, 'OK', noStore) },
      errors: { 403: notAdmin, 404: noAccount },
    }),
  ];
}
