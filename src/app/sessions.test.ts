/** Sessions over the in-memory stores with an injected clock: expiry, lazy deletion, disabled accounts, the failure limit. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { MemorySessionStore } from '../adapters/memory/sessions.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { Accounts } from './accounts.js';
import type { PasswordHasher, PasswordRecord } from './ports.js';
import { constantTimeEqual, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, SESSION_TOUCH_MS, Sessions, SIGNIN_FAILURES } from './sessions.js';
import { accountRecords } from '../adapters/records/core-records.js';

/** A fast stand-in for scrypt that still records how often it was asked. */
class CountingHasher implements PasswordHasher {
  calls = 0;
  async hash(password: string): Promise<PasswordRecord> {
    this.calls++;
    return { algorithm: 'scrypt', N: 1, r: 1, p: 1, salt: 's', hash: 'h:' + password, setAt: '2026-06-01T00:00:00.000Z' };
  }
  async verify(password: string, stored: PasswordRecord | undefined): Promise<boolean> {
    this.calls++;
    return stored !== undefined && stored.hash === 'h:' + password;
  }
}

const PASSWORD = 'a long enough password';
const code = (c: string) => (e: unknown) => isLogError(e, c as never);

async function setup() {
  let now = Date.parse('2026-06-01T00:00:00.000Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const store = new MemoryLogStore();
  const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
  const sessionStore = new MemorySessionStore();
  const hasher = new CountingHasher();
  const sessions = new Sessions(sessionStore, store, hasher, portableSha256, random, clock);
  const { account } = await accounts.create({ name: 'A', email: 'Alice@Example.com', kind: 'individual' });
  await sessions.storePassword(account.id, await sessions.preparePassword(PASSWORD));
  const admin = (await accounts.create({ name: 'Admin', email: 'admin@example.com', kind: 'organisation', role: 'admin' })).account;
  return { clock, accounts, sessions, sessionStore, hasher, account, admin };
}

describe('Sessions', () => {
  it('signs in (e-mail case-insensitive), stores only the hash of the token, and resolves the token to the account', async () => {
    const { sessions, sessionStore, account } = await setup();
    const { token, session } = await sessions.signIn('alice@example.COM', PASSWORD);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.id).not.toBe(token);
    expect(session.csrfToken).not.toBe(token);
    expect(await sessionStore.getSession(token)).toBeUndefined();
    expect(await sessionStore.getSession(session.id)).toMatchObject({ account: account.id });
    const resolved = await sessions.resolve(token);
    expect(resolved).toEqual({ account, id: session.id, csrfToken: session.csrfToken });
  });

  it('an unknown e-mail and a wrong password both spend one hash check and answer the same unauthorized', async () => {
    const { sessions, hasher } = await setup();
    hasher.calls = 0;
    const wrong = await sessions.signIn('alice@example.com', 'not the password').catch((e: unknown) => e);
    expect(hasher.calls).toBe(1);
    const unknown = await sessions.signIn('nobody@example.com', PASSWORD).catch((e: unknown) => e);
    expect(hasher.calls).toBe(2);
    expect(isLogError(wrong, 'unauthorized') && isLogError(unknown, 'unauthorized')).toBe(true);
    expect((wrong as Error).message).toBe((unknown as Error).message);
  });

  it('an account without a password cannot sign in', async () => {
    const { sessions, accounts } = await setup();
    await accounts.create({ name: 'B', email: 'bob@example.com', kind: 'individual' });
    await expect(sessions.signIn('bob@example.com', PASSWORD)).rejects.toSatisfy(code('unauthorized'));
  });

  it('expires after 12 h idle, deleting the session when it is next presented; a request within the window keeps it alive', async () => {
    const { sessions, sessionStore, clock } = await setup();
    const { token, session } = await sessions.signIn('alice@example.com', PASSWORD);
    clock.advance(SESSION_IDLE_MS - 1_000);
    await sessions.resolve(token); // seen: the idle window starts again
    clock.advance(SESSION_IDLE_MS - 1_000);
    await sessions.resolve(token);
    clock.advance(SESSION_IDLE_MS);
    await expect(sessions.resolve(token)).rejects.toSatisfy(code('unauthorized'));
    expect(await sessionStore.getSession(session.id)).toBeUndefined();
  });

  it('expires 7 days after sign-in however busy it is', async () => {
    const { sessions, sessionStore, clock } = await setup();
    const { token, session } = await sessions.signIn('alice@example.com', PASSWORD);
    for (let t = 0; t < SESSION_ABSOLUTE_MS - 3_600_000; t += 3_600_000) {
      clock.advance(3_600_000);
      await sessions.resolve(token);
    }
    clock.advance(3_600_000);
    await expect(sessions.resolve(token)).rejects.toSatisfy(code('unauthorized'));
    expect(await sessionStore.getSession(session.id)).toBeUndefined();
  });

  it("a sign-in deletes the account's sessions that expired without being presented again", async () => {
    const { sessions, sessionStore, clock, account } = await setup();
    const old = await sessions.signIn('alice@example.com', PASSWORD);
    clock.advance(SESSION_IDLE_MS / 2);
    const recent = await sessions.signIn('alice@example.com', PASSWORD);
    clock.advance(SESSION_IDLE_MS / 2);
    const fresh = await sessions.signIn('alice@example.com', PASSWORD);
    const left = (await sessionStore.listAccountSessions(account.id, 10)).map((e) => e.hash).sort();
    expect(left).toEqual([recent.session.id, fresh.session.id].sort());
    expect(await sessionStore.getSession(old.session.id)).toBeUndefined();
  });

  it('writes lastSeenAt at most about once a minute', async () => {
    const { sessions, sessionStore, clock } = await setup();
    const { token, session } = await sessions.signIn('alice@example.com', PASSWORD);
    const first = (await sessionStore.getSession(session.id))!.lastSeenAt;
    clock.advance(SESSION_TOUCH_MS - 1);
    await sessions.resolve(token);
    expect((await sessionStore.getSession(session.id))!.lastSeenAt).toBe(first);
    clock.advance(1);
    await sessions.resolve(token);
    expect((await sessionStore.getSession(session.id))!.lastSeenAt).toBe(first + SESSION_TOUCH_MS);
  });

  it("refuses a disabled account's session at once, and its sign-in", async () => {
    const { sessions, accounts, account, admin } = await setup();
    const { token } = await sessions.signIn('alice@example.com', PASSWORD);
    await accounts.setDisabled(admin, account.id, true);
    await expect(sessions.resolve(token)).rejects.toSatisfy(code('forbidden'));
    await expect(sessions.signIn('alice@example.com', PASSWORD)).rejects.toSatisfy(code('forbidden'));
    await accounts.setDisabled(admin, account.id, false);
    expect((await sessions.resolve(token)).account.id).toBe(account.id);
  });

  it('refuses malformed and unknown tokens, and a token after sign-out', async () => {
    const { sessions } = await setup();
    for (const t of ['', 'short', 'x'.repeat(44), 'A'.repeat(42) + '.', 'A'.repeat(43)]) await expect(sessions.resolve(t)).rejects.toSatisfy(code('unauthorized'));
    const { token } = await sessions.signIn('alice@example.com', PASSWORD);
    await sessions.signOut(token);
    await expect(sessions.resolve(token)).rejects.toSatisfy(code('unauthorized'));
    await sessions.signOut('garbage');
  });

  it(`limits failures per e-mail: after ${SIGNIN_FAILURES.max} in ${SIGNIN_FAILURES.windowMs / 60_000} minutes even the right password answers rate_limited, until the window ends`, async () => {
    const { sessions, clock } = await setup();
    for (let i = 0; i < SIGNIN_FAILURES.max; i++) await expect(sessions.signIn('alice@example.com', 'wrong password')).rejects.toSatisfy(code('unauthorized'));
    const limited = await sessions.signIn('ALICE@example.com', PASSWORD).catch((e: unknown) => e);
    expect(isLogError(limited, 'rate_limited')).toBe(true);
    expect((limited as { details: { retryAfter: number } }).details.retryAfter).toBe(SIGNIN_FAILURES.windowMs / 1000);
    // Another e-mail is not affected.
    await expect(sessions.signIn('other@example.com', 'whatever password')).rejects.toSatisfy(code('unauthorized'));
    clock.advance(SIGNIN_FAILURES.windowMs);
    await sessions.signIn('alice@example.com', PASSWORD);
  });

  it('a password change needs the current one when set, and ends every other session', async () => {
    const { sessions, account } = await setup();
    const a = await sessions.signIn('alice@example.com', PASSWORD);
    const b = await sessions.signIn('alice@example.com', PASSWORD);
    await expect(sessions.setPassword(account, 'new password 123', undefined, a.session.id)).rejects.toSatisfy(code('invalid_request'));
    await expect(sessions.setPassword(account, 'new password 123', 'wrong one', a.session.id)).rejects.toSatisfy(code('forbidden'));
    await sessions.setPassword(account, 'new password 123', PASSWORD, a.session.id);
    expect((await sessions.resolve(a.token)).account.id).toBe(account.id);
    await expect(sessions.resolve(b.token)).rejects.toSatisfy(code('unauthorized'));
    await expect(sessions.signIn('alice@example.com', PASSWORD)).rejects.toSatisfy(code('unauthorized'));
    await sessions.signIn('alice@example.com', 'new password 123');
  });

  it('compares CSRF tokens in full', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
  });
});
