/** Sessions under concurrency: parallel sign-ins against the failure limit, the failure map when full, and a session ended while it is being read. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { MemorySessionStore } from '../adapters/memory/sessions.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { Accounts } from './accounts.js';
import type { PasswordHasher, PasswordRecord, SessionRecord } from './ports.js';
import { SESSION_TOUCH_MS, Sessions, type SessionOptions } from './sessions.js';
import { accountRecords } from '../adapters/records/core-records.js';

const PASSWORD = 'a long enough password';
const code = (c: string) => (e: unknown) => isLogError(e, c as never);

/** A stand-in for scrypt that counts checks and holds each one until the test lets them go. */
class GatedHasher implements PasswordHasher {
  verifies = 0;
  gated = false;
  private waiting: (() => void)[] = [];
  async hash(password: string): Promise<PasswordRecord> {
    return { algorithm: 'scrypt', N: 1, r: 1, p: 1, salt: 's', hash: 'h:' + password, setAt: '2026-06-01T00:00:00.000Z' };
  }
  async verify(password: string, stored: PasswordRecord | undefined): Promise<boolean> {
    this.verifies++;
    if (this.gated) await new Promise<void>((r) => this.waiting.push(r));
    return stored !== undefined && stored.hash === 'h:' + password;
  }
  release(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

/** The in-memory store whose next `getSession` can be held until the test lets it answer. */
class GatedSessionStore extends MemorySessionStore {
  private hold: { reached: () => void; go: Promise<void> } | undefined;
  holdNextGet(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const r = new Promise<void>((res) => (reached = res));
    this.hold = { reached, go: new Promise<void>((res) => (release = res)) };
    return { reached: r, release };
  }
  override async getSession(hash: string): Promise<SessionRecord | undefined> {
    const s = await super.getSession(hash);
    const h = this.hold;
    if (h !== undefined) {
      this.hold = undefined;
      h.reached();
      await h.go;
    }
    return s;
  }
}

async function setup(opts: SessionOptions = {}) {
  let now = Date.parse('2026-06-01T00:00:00.000Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const store = new MemoryLogStore();
  const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
  const sessionStore = new GatedSessionStore();
  const hasher = new GatedHasher();
  const sessions = new Sessions(sessionStore, store, hasher, portableSha256, random, clock, opts);
  const { account } = await accounts.create({ name: 'A', email: 'alice@example.com', kind: 'individual' });
  await sessions.storePassword(account.id, await sessions.preparePassword(PASSWORD));
  return { clock, sessions, sessionStore, hasher, account };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('Sessions under concurrency', () => {
  it('parallel wrong sign-ins for one e-mail: at most the limit reach the password check, the rest answer rate_limited', async () => {
    const max = 5;
    const { sessions, hasher } = await setup({ failures: { max, windowMs: 60_000 } });
    hasher.gated = true;
    const all = Array.from({ length: 40 }, () => sessions.signIn('Alice@example.com', 'wrong password').catch((e: unknown) => e));
    await settle();
    expect(hasher.verifies).toBe(max);
    hasher.release();
    const results = await Promise.all(all);
    expect(results.filter(code('unauthorized'))).toHaveLength(max);
    expect(results.filter(code('rate_limited'))).toHaveLength(40 - max);
    hasher.gated = false;
    await expect(sessions.signIn('alice@example.com', PASSWORD)).rejects.toSatisfy(code('rate_limited'));
  });

  it('a successful sign-in does not use up the limit, and running ones count until they end', async () => {
    const { sessions, hasher } = await setup({ failures: { max: 2, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) await sessions.signIn('alice@example.com', PASSWORD);
    hasher.gated = true;
    const two = [sessions.signIn('alice@example.com', PASSWORD), sessions.signIn('alice@example.com', PASSWORD)];
    await settle();
    await expect(sessions.signIn('alice@example.com', PASSWORD)).rejects.toSatisfy(code('rate_limited'));
    hasher.release();
    await Promise.all(two);
    hasher.gated = false;
    await sessions.signIn('alice@example.com', PASSWORD);
  });

  it('parallel wrong current passwords: at most the limit reach the password check', async () => {
    const max = 3;
    const { sessions, hasher, account } = await setup({ failures: { max, windowMs: 60_000 } });
    hasher.gated = true;
    const all = Array.from({ length: 12 }, () => sessions.setPassword(account, 'new password 123', 'wrong one', undefined).catch((e: unknown) => e));
    await settle();
    expect(hasher.verifies).toBe(max);
    hasher.release();
    const results = await Promise.all(all);
    expect(results.filter(code('forbidden'))).toHaveLength(max);
    expect(results.filter(code('rate_limited'))).toHaveLength(12 - max);
  });

  it('a full failure map never unlocks an e-mail still in its window', async () => {
    const { sessions, clock } = await setup({ failures: { max: 3, windowMs: 60_000 }, failureEntries: 4 });
    for (let i = 0; i < 3; i++) await expect(sessions.signIn('alice@example.com', 'wrong password')).rejects.toSatisfy(code('unauthorized'));
    // Many other e-mails fail while alice's window runs.
    for (let i = 0; i < 50; i++) await expect(sessions.signIn(`other${i}@example.com`, 'wrong password')).rejects.toSatisfy(code('unauthorized'));
    await expect(sessions.signIn('alice@example.com', PASSWORD)).rejects.toSatisfy(code('rate_limited'));
    // Once the window has ended the entry is evicted like any other.
    clock.advance(60_000);
    for (let i = 0; i < 10; i++) await expect(sessions.signIn(`late${i}@example.com`, 'wrong password')).rejects.toSatisfy(code('unauthorized'));
    await sessions.signIn('alice@example.com', PASSWORD);
  });

  it('a session signed out while a request reads it is not brought back by the lastSeenAt update', async () => {
    const { sessions, sessionStore, clock } = await setup();
    const { token, session } = await sessions.signIn('alice@example.com', PASSWORD);
    clock.advance(SESSION_TOUCH_MS);
    const gate = sessionStore.holdNextGet();
    const resolving = sessions.resolve(token).catch((e: unknown) => e);
    await gate.reached;
    await sessions.signOut(token);
    gate.release();
    await resolving;
    expect(await sessionStore.getSession(session.id)).toBeUndefined();
    await expect(sessions.resolve(token)).rejects.toSatisfy(code('unauthorized'));
  });

  it("a session ended by a password change while a request reads it stays ended, in the record and in the account's list", async () => {
    const { sessions, sessionStore, clock, account } = await setup();
    const keep = await sessions.signIn('alice@example.com', PASSWORD);
    const other = await sessions.signIn('alice@example.com', PASSWORD);
    clock.advance(SESSION_TOUCH_MS);
    const gate = sessionStore.holdNextGet();
    const resolving = sessions.resolve(other.token).catch((e: unknown) => e);
    await gate.reached;
    await sessions.setPassword(account, 'new password 123', PASSWORD, keep.session.id);
    gate.release();
    await resolving;
    expect(await sessionStore.getSession(other.session.id)).toBeUndefined();
    expect((await sessionStore.listAccountSessions(account.id, 10)).map((e) => e.hash)).toEqual([keep.session.id]);
    await expect(sessions.resolve(other.token)).rejects.toSatisfy(code('unauthorized'));
  });
});
