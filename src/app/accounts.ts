/**
 * Accounts and their API keys (contract §3, docs/ACCOUNTS.md). An account holds several keys;
 * each secret is shown once and only its SHA-256 is stored. Keys are listed, created and revoked
 * by their owner or an admin; an admin may disable an account, which stops all of its keys.
 *
 * Authentication reads through a small cache. Its entries live a few seconds at most and are
 * dropped at once when this process revokes a key or disables an account, so a revoked key is
 * refused on the very next request here, and within the cache's lifetime by any other process
 * sharing the store.
 */
import { toBase64, utf8 } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { formatTime } from '../core/time.js';
import { KeyedMutex } from './mutex.js';
import type { BootstrapStore } from './bootstrap-ports.js';
import type { CounterStore } from './counter-ports.js';
import type { AccountRecord, AccountStore, ApiKeyRecord, Clock, RandomBytes } from './ports.js';

export type Role = AccountRecord['role'];

export interface NewAccount {
  name: string;
  email: string;
  kind: AccountRecord['kind'];
  role?: Role;
}

/** What a bearer key proves: the account and the key it used. */
export interface Principal {
  account: AccountRecord;
  key: ApiKeyRecord;
}

/** Most unrevoked keys one account may hold. */
export const MAX_ACTIVE_KEYS = 20;
/** How long an authenticated key is served from the cache. */
export const AUTH_CACHE_TTL_MS = 5_000;
/** Least time between two stored `lastUsedAt` updates of one key. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** Accounts seeded by earlier versions: their id was derived from ADMIN_API_KEY. */
const LEGACY_ADMIN_PREFIX = 'acc_admin_';

interface CacheEntry {
  principal: Principal;
  expires: number;
}

const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The part of a secret shown in key listings: enough to recognise it, far too little to use it. */
export function keyPrefix(secret: string): string {
  return secret.startsWith('clk_') ? secret.slice(0, 12) : secret.slice(0, 4);
}

export class Accounts {
  private readonly cache = new Map<string, CacheEntry>();
  /** Serializes read-modify-write of account records, per account. */
  private readonly updating = new KeyedMutex('accounts');
  /** Bumped by every change that drops cache entries; a read that overlapped one is not cached. */
  private generation = 0;
  /** Key id → when this process last scheduled a `lastUsedAt` write for it (epoch ms). */
  private readonly touched = new Map<string, number>();
  private readonly pendingTouches = new Map<string, { account: string; id: string; at: string }>();
  private touchTimer: ReturnType<typeof setTimeout> | undefined;
  private touchWrite: Promise<void> = Promise.resolve();
  /** E-mails whose account is being created right now: creation reads, then writes. */
  private readonly creating = new Set<string>();

  constructor(
    private readonly store: AccountStore,
    /** The key ADMIN_API_KEY was seeded as (`seedAdmin`), and the account counters (each new account moves them; the seeded admin does not). */
    private readonly records: { bootstrap: BootstrapStore; counters: Pick<CounterStore, 'accountDeltas'> },
    private readonly sha256: Sha256,
    private readonly random: RandomBytes,
    private readonly clock: Clock,
    private readonly onError: (msg: string, err?: unknown) => void = () => undefined,
  ) {}

  /** Creates an account with its first key. MUST throw conflict when the e-mail is taken, also by a concurrent request. Returns the key once. */
  async create(input: NewAccount): Promise<{ account: AccountRecord; apiKey: string; key: ApiKeyRecord }> {
    const email = input.email.toLowerCase();
    if (this.creating.has(email)) throw new LogError('conflict', 'an account with this e-mail exists', { details: { field: 'email' } });
    this.creating.add(email);
    try {
      if (await this.store.getAccountByEmail(input.email)) throw new LogError('conflict', 'an account with this e-mail exists', { details: { field: 'email' } });
      const account: AccountRecord = {
        id: this.newAccountId(),
        name: input.name,
        email: input.email,
        kind: input.kind,
        role: input.role ?? 'creator',
        createdAt: formatTime(this.clock.now()),
      };
      const { apiKey, key, hash } = this.newKey(account.id);
      await this.store.putAccount(account, { record: key, hash }, this.records.counters.accountDeltas(account.kind));
      return { account, apiKey, key };
    } finally {
      this.creating.delete(email);
    }
  }

  /**
   * The account and key a bearer secret belongs to. MUST throw unauthorized for an unknown or
   * revoked key, forbidden for a key of a disabled account.
   */
  async authenticate(secret: string): Promise<Principal> {
    const hash = this.sha256(utf8(secret));
    const k = toBase64(hash);
    const now = this.clock.now();
    let principal = this.cache.get(k);
    if (principal === undefined || principal.expires <= now) {
      this.cache.delete(k);
      const generation = this.generation;
      const found = await this.store.findKey(hash);
      if (!found) throw new LogError('unauthorized', 'unknown or revoked API key');
      principal = { principal: found, expires: now + AUTH_CACHE_TTL_MS };
      // A revocation, disable or role change that finished during the read may have read-after
      // this one: cache only what no such change raced with.
      if (generation === this.generation) {
        if (this.cache.size >= 10_000) this.cache.clear();
        this.cache.set(k, principal);
      }
    }
    const { account, key } = principal.principal;
    if (account.disabledAt !== undefined) throw new LogError('forbidden', 'this account is disabled; ask an administrator');
    this.noteUse(key, now);
    return principal.principal;
  }

  /** The keys of an account, oldest first, revoked ones included. */
  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    await this.require(accountId);
    return this.store.listKeys(accountId);
  }

  /** Adds a key to an account; the secret is returned once. At most MAX_ACTIVE_KEYS unrevoked keys. */
  async createKey(accountId: string, label?: string): Promise<{ key: ApiKeyRecord; apiKey: string }> {
    await this.require(accountId);
    const active = (await this.store.listKeys(accountId)).filter((k) => k.revokedAt === undefined).length;
    if (active >= MAX_ACTIVE_KEYS) throw new LogError('conflict', `an account holds at most ${MAX_ACTIVE_KEYS} unrevoked keys: revoke one first`);
    const { apiKey, key, hash } = this.newKey(accountId, label);
    await this.store.addKey({ record: key, hash });
    return { key, apiKey };
  }

  /** Revokes a key (also the one in use). Repeating it changes nothing. */
  async revokeKey(accountId: string, keyId: string): Promise<ApiKeyRecord> {
    const key = await this.store.revokeKey(accountId, keyId, formatTime(this.clock.now()));
    if (key === undefined) throw new LogError('not_found', 'no such key');
    this.forget((p) => p.key.id === keyId);
    return key;
  }

  /** Disables or re-enables an account. An admin MUST NOT disable their own account. */
  async setDisabled(actor: AccountRecord, accountId: string, disabled: boolean): Promise<AccountRecord> {
    if (disabled && actor.id === accountId) throw new LogError('conflict', 'you cannot disable your own account');
    return this.update(accountId, (account) => {
      const updated: AccountRecord = { ...account };
      if (disabled) updated.disabledAt = account.disabledAt ?? formatTime(this.clock.now());
      else delete updated.disabledAt;
      return updated;
    });
  }

  /** Sets an account's role. The caller MUST have checked that an admin asks. */
  async setRole(id: string, role: Role): Promise<AccountRecord> {
    return this.update(id, (account) => ({ ...account, role }));
  }

  /** Read-modify-write of one account record, one at a time per account, so concurrent changes (disable, role) are never lost. */
  private update(id: string, change: (account: AccountRecord) => AccountRecord): Promise<AccountRecord> {
    return this.updating.run(id, async () => {
      const updated = change(await this.require(id));
      await this.store.updateAccount(updated);
      this.forget((p) => p.account.id === id);
      return updated;
    });
  }

  /**
   * Makes sure an admin account answers to `secret` (env ADMIN_API_KEY) and that no earlier
   * bootstrap key does. The first start creates an admin account with a random id; a start with
   * a different secret gives the same account a new key and revokes the previous bootstrap key.
   * Keys seeded by earlier versions (accounts `acc_admin_…`) other than `secret` are revoked too.
   * Returns notes worth logging.
   */
  async seedAdmin(secret: string): Promise<{ account: AccountRecord; notes: string[] }> {
    const notes: string[] = [];
    const hash = this.sha256(utf8(secret));
    const record = await this.records.bootstrap.get();
    let found = await this.store.findKey(hash);
    if (found === undefined) {
      const revoked = await this.store.findKey(hash, { includeRevoked: true });
      if (revoked) throw new LogError('conflict', `ADMIN_API_KEY is a revoked key (${revoked.key.id} of ${revoked.account.id}); a revoked secret never works again: choose a new one`);
    }
    if (found && record && found.key.id === record.keyId) return { account: found.account, notes };
    if (found && found.account.role !== 'admin') throw new LogError('conflict', `ADMIN_API_KEY is already the key of a non-admin account (${found.account.id}); choose another secret`);

    if (!found) {
      let admin = record ? await this.store.getAccount(record.account) : undefined;
      if (admin === undefined) {
        admin = {
          id: this.newAccountId(),
          name: 'Administrator',
          email: `admin+${b64url(this.random(6))}@localhost`,
          kind: 'organisation',
          role: 'admin',
          createdAt: formatTime(this.clock.now()),
        };
        const { key } = this.newKey(admin.id, 'ADMIN_API_KEY', secret);
        await this.store.putAccount(admin, { record: key, hash });
        notes.push(`created admin account ${admin.id} for ADMIN_API_KEY`);
      } else {
        if (admin.role !== 'admin' || admin.disabledAt !== undefined) {
          const { disabledAt: _, ...enabled } = admin;
          admin = { ...enabled, role: 'admin' };
          await this.store.updateAccount(admin);
        }
        const { key } = this.newKey(admin.id, 'ADMIN_API_KEY', secret);
        await this.store.addKey({ record: key, hash });
        notes.push(`ADMIN_API_KEY changed: admin account ${admin.id} got a new key`);
      }
      found = (await this.store.findKey(hash))!;
    } else if (found.account.id.startsWith(LEGACY_ADMIN_PREFIX)) {
      notes.push(`admin account ${found.account.id} has an id an earlier version derived from ADMIN_API_KEY; set a new, long random ADMIN_API_KEY`);
    }

    // Revoke the previous bootstrap key, and (first start of this version) the keys earlier versions seeded.
    const at = formatTime(this.clock.now());
    if (record && record.keyId !== found.key.id && (await this.store.revokeKey(record.account, record.keyId, at))?.revokedAt === at) {
      notes.push(`revoked the previous ADMIN_API_KEY (key ${record.keyId})`);
    }
    if (!record) {
      for (const legacy of await this.store.listAccounts({ prefix: LEGACY_ADMIN_PREFIX, limit: 1_000 })) {
        for (const k of await this.store.listKeys(legacy.id)) {
          if (k.revokedAt !== undefined || k.id === found.key.id) continue;
          await this.store.revokeKey(legacy.id, k.id, at);
          notes.push(`revoked key ${k.id} of ${legacy.id}, seeded by an earlier ADMIN_API_KEY`);
        }
      }
    }
    await this.records.bootstrap.put({ account: found.account.id, keyId: found.key.id, since: at });
    this.generation++;
    this.cache.clear();
    return { account: found.account, notes };
  }

  async get(id: string): Promise<AccountRecord | undefined> {
    return this.store.getAccount(id);
  }

  /** Writes the pending `lastUsedAt` updates now (at shutdown). */
  async flush(): Promise<void> {
    if (this.touchTimer !== undefined) clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
    const uses = [...this.pendingTouches.values()];
    this.pendingTouches.clear();
    if (uses.length > 0) {
      this.touchWrite = this.touchWrite.then(() => this.store.touchKeys(uses)).catch((e: unknown) => this.onError('could not record key use', e));
    }
    await this.touchWrite;
  }

  /** Schedules a `lastUsedAt` write, at most one per key per LAST_USED_RESOLUTION_MS, off the request path. */
  private noteUse(key: ApiKeyRecord, now: number): void {
    const last = this.touched.get(key.id) ?? (key.lastUsedAt === undefined ? 0 : Date.parse(key.lastUsedAt));
    if (now - last < LAST_USED_RESOLUTION_MS) return;
    if (this.touched.size >= 100_000) this.touched.clear();
    this.touched.set(key.id, now);
    this.pendingTouches.set(key.id, { account: key.account, id: key.id, at: formatTime(now) });
    if (this.touchTimer === undefined) {
      this.touchTimer = setTimeout(() => void this.flush(), 1_000);
      this.touchTimer.unref?.();
    }
  }

  private forget(match: (p: Principal) => boolean): void {
    this.generation++;
    for (const [k, e] of this.cache) if (match(e.principal)) this.cache.delete(k);
  }

  private async require(id: string): Promise<AccountRecord> {
    const account = await this.store.getAccount(id);
    if (!account) throw new LogError('not_found', 'no such account');
    return account;
  }

  private newAccountId(): string {
    return 'acc_' + b64url(this.random(12));
  }

  private newKey(account: string, label?: string, secret?: string): { apiKey: string; key: ApiKeyRecord; hash: Uint8Array } {
    const apiKey = secret ?? 'clk_' + b64url(this.random(32));
    const key: ApiKeyRecord = {
      id: 'key_' + b64url(this.random(12)),
      account,
      prefix: keyPrefix(apiKey),
      createdAt: formatTime(this.clock.now()),
      ...(label !== undefined ? { label } : {}),
    };
    return { apiKey, key, hash: this.sha256(utf8(apiKey)) };
  }
}
