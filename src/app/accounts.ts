/**
 * Accounts and API keys (contract §3). A key is shown once; only its SHA-256 is stored.
 */
import { toBase64, utf8 } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { formatTime } from '../core/time.js';
import type { AccountRecord, Clock, LogStore, RandomBytes } from './ports.js';

export type Role = AccountRecord['role'];

export interface NewAccount {
  name: string;
  email: string;
  kind: AccountRecord['kind'];
  role?: Role;
}

/** Counters kept in the same write as each new account (the seeded admin is not counted). */
export const ACCOUNTS_COUNTER = 'accounts';
export const ORGANISATIONS_COUNTER = 'organisations';

const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export class Accounts {
  /** Authenticated keys, by key hash: saves a store read per request. Bounded. */
  private readonly cache = new Map<string, AccountRecord>();

  constructor(
    private readonly store: LogStore,
    private readonly sha256: Sha256,
    private readonly random: RandomBytes,
    private readonly clock: Clock,
  ) {}

  /** E-mails whose account is being created right now: creation reads, then writes. */
  private readonly creating = new Set<string>();

  /** Creates an account. MUST throw conflict when the e-mail is taken, also by a concurrent request. Returns the key once. */
  async create(input: NewAccount): Promise<{ account: AccountRecord; apiKey: string }> {
    const email = input.email.toLowerCase();
    if (this.creating.has(email)) throw new LogError('conflict', 'an account with this e-mail exists', { details: { field: 'email' } });
    this.creating.add(email);
    try {
      return await this.createUnlocked(input);
    } finally {
      this.creating.delete(email);
    }
  }

  private async createUnlocked(input: NewAccount): Promise<{ account: AccountRecord; apiKey: string }> {
    if (await this.store.getAccountByEmail(input.email)) throw new LogError('conflict', 'an account with this e-mail exists', { details: { field: 'email' } });
    const apiKey = 'clk_' + b64url(this.random(32));
    const account: AccountRecord = {
      id: 'acc_' + b64url(this.random(12)),
      name: input.name,
      email: input.email,
      kind: input.kind,
      role: input.role ?? 'creator',
      createdAt: formatTime(this.clock.now()),
    };
    await this.store.putAccount(account, this.sha256(utf8(apiKey)), [
      { name: ACCOUNTS_COUNTER, delta: 1 },
      ...(account.kind === 'organisation' ? [{ name: ORGANISATIONS_COUNTER, delta: 1 }] : []),
    ]);
    return { account, apiKey };
  }

  /** Sets an account's role. The caller MUST have checked that an admin asks. */
  async setRole(id: string, role: Role): Promise<AccountRecord> {
    const account = await this.store.getAccount(id);
    if (!account) throw new LogError('not_found', 'no such account');
    const updated: AccountRecord = { ...account, role };
    await this.store.updateAccount(updated);
    this.cache.clear(); // the cache is keyed by key hash: drop every entry rather than serve the old role
    return updated;
  }

  /** Makes sure an admin account answers to `apiKey` (env ADMIN_API_KEY). */
  async seedAdmin(apiKey: string): Promise<AccountRecord> {
    const existing = await this.store.getAccountByKeyHash(this.sha256(utf8(apiKey)));
    if (existing) return existing;
    const account: AccountRecord = {
      id: 'acc_admin_' + b64url(this.sha256(utf8('admin:' + apiKey)).subarray(0, 6)),
      name: 'Administrator',
      email: `admin+${b64url(this.random(6))}@localhost`,
      kind: 'organisation',
      role: 'admin',
      createdAt: formatTime(this.clock.now()),
    };
    await this.store.putAccount(account, this.sha256(utf8(apiKey)));
    return account;
  }

  /** The account a bearer key belongs to. MUST throw unauthorized for an unknown key. */
  async authenticate(apiKey: string): Promise<AccountRecord> {
    const hash = this.sha256(utf8(apiKey));
    const k = toBase64(hash);
    const hit = this.cache.get(k);
    if (hit) return hit;
    const account = await this.store.getAccountByKeyHash(hash);
    if (!account) throw new LogError('unauthorized', 'unknown API key');
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(k, account);
    return account;
  }

  get(id: string): Promise<AccountRecord | undefined> {
    return this.store.getAccount(id);
  }
}
