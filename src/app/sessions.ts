/**
 * Password sign-in and browser sessions (docs/ACCOUNTS.md, "Passwords and sessions").
 *
 * A session is a random 32-byte token the browser holds in an httpOnly cookie; the store keeps
 * only its SHA-256. Its CSRF token is derived from the token (SHA-256 of a fixed label and the
 * token), so a stolen store yields neither. Sessions end after 12 h without a request or 7 days
 * after sign-in, whichever is first; expired ones are deleted when next presented, or at the
 * account's next sign-in. A disabled
 * account's sessions are refused at once (the account is read on every request).
 *
 * Sign-in answers one message for an unknown e-mail, an account without a password and a wrong
 * password, and spends one scrypt in every case. Failed attempts per e-mail are limited.
 */
import { equalBytes, toBase64, utf8 } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { KeyedMutex } from './mutex.js';
import type { AccountRecord, AccountStore, Clock, PasswordHasher, PasswordRecord, RandomBytes, SessionRecord, SessionStore } from './ports.js';

export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_ABSOLUTE_MS = 7 * 86_400_000;
/** Least time between two stored `lastSeenAt` updates of one session. */
export const SESSION_TOUCH_MS = 60_000;
/** Failed sign-ins (or wrong current passwords) one e-mail may have per window before 429. */
export const SIGNIN_FAILURES = { max: 10, windowMs: 15 * 60_000 } as const;
export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;
/** Sessions of an account a sign-in looks through for expired ones. */
const PRUNE_SCAN = 1_000;
/** E-mails whose failures are remembered at once; past it, expired then oldest entries are evicted. */
export const FAILURE_ENTRIES = 100_000;

const SIGNIN_REFUSED = 'wrong e-mail or password';

export interface SessionOptions {
  idleMs?: number;
  absoluteMs?: number;
  failures?: { max: number; windowMs: number };
  /** E-mails the failure counter remembers (default FAILURE_ENTRIES). */
  failureEntries?: number;
}

/** Failed (or still running) attempts of one e-mail in the window that began at `since`. */
interface FailureEntry {
  count: number;
  since: number;
}

/** A live session: its account, the store key and the CSRF token the page must echo. */
export interface ActiveSession {
  account: AccountRecord;
  /** base64url SHA-256 of the cookie token (the store's key). */
  id: string;
  csrfToken: string;
}

const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Equality of two strings whose time depends only on their lengths, not on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  return equalBytes(utf8(a), utf8(b));
}

export const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class Sessions {
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly failureLimit: { max: number; windowMs: number };
  private readonly failureEntries: number;
  /** Lowercased e-mail → failed and in-flight attempts in the current window (insertion order = window start order). */
  private readonly failures = new Map<string, FailureEntry>();
  /**
   * Serializes, per account, the writes that touch a session (the `lastSeenAt` update) with the
   * ones that end sessions, so an update never brings back a session deleted meanwhile.
   */
  private readonly locks = new KeyedMutex('sessions');

  constructor(
    private readonly store: SessionStore,
    private readonly accounts: Pick<AccountStore, 'getAccount' | 'getAccountByEmail'>,
    private readonly hasher: PasswordHasher,
    private readonly sha256: Sha256,
    private readonly random: RandomBytes,
    private readonly clock: Clock,
    opts: SessionOptions = {},
  ) {
    this.idleMs = opts.idleMs ?? SESSION_IDLE_MS;
    this.absoluteMs = opts.absoluteMs ?? SESSION_ABSOLUTE_MS;
    this.failureLimit = opts.failures ?? SIGNIN_FAILURES;
    this.failureEntries = Math.max(1, opts.failureEntries ?? FAILURE_ENTRIES);
  }

  /** The store key of a cookie token. */
  idOf(token: string): string {
    return b64url(this.sha256(utf8(token)));
  }

  /** The CSRF token of a session: derived from its cookie token, never stored. */
  csrfTokenOf(token: string): string {
    return b64url(this.sha256(utf8('copyright-ledger csrf\n'), utf8(token)));
  }

  /** Hashes a new account's password before the account is created (sign-up): a weak request fails before anything is written. */
  preparePassword(password: string): Promise<PasswordRecord> {
    return this.hasher.hash(password);
  }

  /** Stores the password `preparePassword` hashed, once the account exists. */
  async storePassword(accountId: string, record: PasswordRecord): Promise<void> {
    await this.store.setPassword(accountId, record);
  }

  /** Whether the account has a password. */
  async hasPassword(accountId: string): Promise<boolean> {
    return (await this.store.getPassword(accountId)) !== undefined;
  }

  /**
   * Signs in: a new session for the account with this e-mail and password. MUST throw unauthorized
   * with one message for every kind of mismatch, forbidden for a disabled account, rate_limited
   * after too many failures for the e-mail.
   */
  async signIn(email: string, password: string): Promise<{ token: string; session: ActiveSession }> {
    const key = email.toLowerCase();
    // Counted before any await, so parallel attempts cannot all pass the check.
    const attempt = this.beginAttempt(key);
    let ok = false;
    let account: AccountRecord | undefined;
    try {
      account = await this.accounts.getAccountByEmail(email);
      const stored = account === undefined ? undefined : await this.store.getPassword(account.id);
      ok = (await this.hasher.verify(password, stored)) && account !== undefined;
    } catch (e) {
      this.undoAttempt(key, attempt);
      throw e;
    }
    if (!ok || account === undefined) throw new LogError('unauthorized', SIGNIN_REFUSED);
    this.undoAttempt(key, attempt);
    if (account.disabledAt !== undefined) throw new LogError('forbidden', 'this account is disabled; ask an administrator');
    if (this.failures.get(key) === attempt) this.failures.delete(key);
    const token = b64url(this.random(32));
    const now = this.clock.now();
    const id = this.idOf(token);
    await this.store.putSession(id, { account: account.id, createdAt: now, lastSeenAt: now });
    await this.pruneExpired(account.id, now);
    return { token, session: { account, id, csrfToken: this.csrfTokenOf(token) } };
  }

  /** The live session of a cookie token. MUST throw unauthorized for an unknown or expired one, forbidden for a disabled account. */
  async resolve(token: string): Promise<ActiveSession> {
    if (!SESSION_TOKEN.test(token)) throw new LogError('unauthorized', 'no such session; sign in again');
    const id = this.idOf(token);
    const s = await this.store.getSession(id);
    if (s === undefined) throw new LogError('unauthorized', 'no such session; sign in again');
    const now = this.clock.now();
    if (this.expired(s, now)) {
      await this.store.deleteSession(id);
      throw new LogError('unauthorized', 'the session has expired; sign in again');
    }
    const account = await this.accounts.getAccount(s.account);
    if (account === undefined) throw new LogError('unauthorized', 'no such session; sign in again');
    if (account.disabledAt !== undefined) throw new LogError('forbidden', 'this account is disabled; ask an administrator');
    if (now - s.lastSeenAt >= SESSION_TOUCH_MS) await this.touch(id, s.account, now);
    return { account, id, csrfToken: this.csrfTokenOf(token) };
  }

  /** Ends one session (sign-out). Unknown tokens are fine. */
  async signOut(token: string): Promise<void> {
    if (!SESSION_TOKEN.test(token)) return;
    const id = this.idOf(token);
    const s = await this.store.getSession(id);
    if (s === undefined) return;
    await this.locks.run(s.account, () => this.store.deleteSession(id));
  }

  /** Stores a later `lastSeenAt` only if the session still exists (unauthorized otherwise: it was ended meanwhile). */
  private async touch(id: string, accountId: string, now: number): Promise<void> {
    await this.locks.run(accountId, async () => {
      const s = await this.store.getSession(id);
      if (s === undefined) throw new LogError('unauthorized', 'no such session; sign in again');
      if (s.lastSeenAt < now) await this.store.putSession(id, { ...s, lastSeenAt: now });
    });
  }

  /**
   * Sets or changes the account's password. With a password already set, `current` MUST match
   * (forbidden otherwise). Ends every other session of the account (all but `keepSession`, a session id).
   */
  async setPassword(account: AccountRecord, next: string, current: string | undefined, keepSession?: string): Promise<void> {
    const stored = await this.store.getPassword(account.id);
    if (stored !== undefined) {
      if (current === undefined) throw new LogError('invalid_request', 'send currentPassword to change the password', { details: { field: 'currentPassword' } });
      const key = account.email.toLowerCase();
      const attempt = this.beginAttempt(key);
      let ok: boolean;
      try {
        ok = await this.hasher.verify(current, stored);
      } catch (e) {
        this.undoAttempt(key, attempt);
        throw e;
      }
      if (!ok) throw new LogError('forbidden', 'the current password is wrong', { details: { field: 'currentPassword' } });
      this.undoAttempt(key, attempt);
    }
    await this.store.setPassword(account.id, await this.hasher.hash(next));
    await this.locks.run(account.id, () => this.store.deleteAccountSessions(account.id, keepSession));
  }

  /** Deletes the account's expired sessions that were never presented again (a sign-in is the occasion). */
  private async pruneExpired(accountId: string, now: number): Promise<void> {
    for (const { hash, session } of await this.store.listAccountSessions(accountId, PRUNE_SCAN)) {
      if (this.expired(session, now)) await this.locks.run(accountId, () => this.store.deleteSession(hash));
    }
  }

  private expired(s: SessionRecord, now: number): boolean {
    return now - s.lastSeenAt >= this.idleMs || now - s.createdAt >= this.absoluteMs;
  }

  /**
   * Counts one attempt for the e-mail before its password is checked (rate_limited once the window
   * holds `max` failed or running attempts). The caller undoes it when the attempt did not fail.
   */
  private beginAttempt(key: string): FailureEntry {
    const now = this.clock.now();
    let f = this.failures.get(key);
    if (f !== undefined && now - f.since >= this.failureLimit.windowMs) {
      this.failures.delete(key);
      f = undefined;
    }
    if (f === undefined) {
      this.makeRoom(now);
      f = { count: 0, since: now };
      this.failures.set(key, f);
    }
    if (f.count >= this.failureLimit.max) {
      const retryAfter = Math.max(1, Math.ceil((f.since + this.failureLimit.windowMs - now) / 1000));
      throw new LogError('rate_limited', `too many failed sign-ins for this e-mail; retry in ${retryAfter} s`, { details: { retryAfter } });
    }
    f.count++;
    return f;
  }

  /** Takes back an attempt `beginAttempt` counted (it succeeded, or failed for another reason than the password). */
  private undoAttempt(key: string, f: FailureEntry): void {
    if (f.count > 0) f.count--;
    if (f.count === 0 && this.failures.get(key) === f) this.failures.delete(key);
  }

  /**
   * Keeps the failure map under its size without unlocking a locked-out e-mail. Entries are
   * inserted as their window begins, so the map's order is window order: ended windows go first;
   * then, oldest first, live entries still under the limit. When every entry is an e-mail at its
   * limit, a new e-mail is refused until the oldest window ends.
   */
  private makeRoom(now: number): void {
    if (this.failures.size < this.failureEntries) return;
    for (const [k, f] of this.failures) {
      if (this.failures.size < this.failureEntries) return;
      if (now - f.since >= this.failureLimit.windowMs || f.count === 0) this.failures.delete(k);
    }
    for (const [k, f] of this.failures) {
      if (this.failures.size < this.failureEntries) return;
      if (f.count < this.failureLimit.max) this.failures.delete(k);
    }
    const oldest = this.failures.values().next().value;
    if (this.failures.size >= this.failureEntries && oldest !== undefined) {
      const retryAfter = Math.max(1, Math.ceil((oldest.since + this.failureLimit.windowMs - now) / 1000));
      throw new LogError('rate_limited', `too many failed sign-ins; retry in ${retryAfter} s`, { details: { retryAfter } });
    }
  }
}
