/**
 * Accounts and API keys in PostgreSQL (the AccountStore part of PgLogStore):
 *   accounts(id, record JSON), account_emails(lower-case e-mail → account),
 *   api_keys(account, id, sha256, record JSON without the hash),
 *   api_key_hashes(sha256 → account, key id): a revoked key keeps its row, so its secret stays known.
 * Revocation and touches are single UPDATE statements whose conditions PostgreSQL re-checks
 * after waiting for a row lock, so a touch never clears a revocation.
 */
import { LogError } from '../../core/errors.js';
import type { AccountRecord, ApiKeyRecord, CounterDelta, NewApiKey } from '../../app/ports.js';
import { bytea, inTransaction, prefixUpperBound, type Pool, type Queryable } from './db.js';
import { applyRecords } from './records.js';

async function putKey(db: Queryable, key: NewApiKey): Promise<void> {
  const r = key.record;
  await db.query(
    `INSERT INTO api_keys (account, id, sha256, record) VALUES ($1, $2, $3, $4)
     ON CONFLICT (account, id) DO UPDATE SET sha256 = EXCLUDED.sha256, record = EXCLUDED.record`,
    [r.account, r.id, bytea(key.hash), JSON.stringify(r)],
  );
  await db.query(
    `INSERT INTO api_key_hashes (sha256, account, key_id) VALUES ($1, $2, $3)
     ON CONFLICT (sha256) DO UPDATE SET account = EXCLUDED.account, key_id = EXCLUDED.key_id`,
    [bytea(key.hash), r.account, r.id],
  );
}

const parseAccount = (t: string) => JSON.parse(t) as AccountRecord;
const parseKey = (t: string) => JSON.parse(t) as ApiKeyRecord;

export class PgAccounts {
  constructor(readonly pool: Pool) {}

  async putAccount(account: AccountRecord, key: NewApiKey, counters: CounterDelta[] = []): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query('INSERT INTO accounts (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record', [account.id, JSON.stringify(account)]);
      await c.query('INSERT INTO account_emails (email, account) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET account = EXCLUDED.account', [account.email.toLowerCase(), account.id]);
      await putKey(c, key);
      await applyRecords(c, [], counters);
    });
  }

  async updateAccount(account: AccountRecord): Promise<void> {
    const r = await this.pool.query('UPDATE accounts SET record = $2 WHERE id = $1', [account.id, JSON.stringify(account)]);
    if (r.rowCount === 0) throw new LogError('not_found', 'no such account');
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const { rows } = await this.pool.query<{ record: string }>('SELECT record FROM accounts WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : parseAccount(rows[0].record);
  }

  async getAccountByEmail(email: string): Promise<AccountRecord | undefined> {
    const { rows } = await this.pool.query<{ record: string }>('SELECT a.record FROM account_emails e JOIN accounts a ON a.id = e.account WHERE e.email = $1', [email.toLowerCase()]);
    return rows[0] === undefined ? undefined : parseAccount(rows[0].record);
  }

  async countAccounts(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
    return Number(rows[0]!.n);
  }

  async listAccounts(opts: { prefix?: string; after?: string; limit: number }): Promise<AccountRecord[]> {
    if (opts.limit <= 0) return [];
    const prefix = opts.prefix ?? '';
    const params: unknown[] = [prefix, opts.limit];
    let where = 'id >= $1';
    const upper = prefixUpperBound(prefix);
    if (upper !== undefined) {
      params.push(upper);
      where += ` AND id < $${params.length}`;
    }
    if (opts.after !== undefined) {
      params.push(opts.after);
      where += ` AND id > $${params.length}`;
    }
    const { rows } = await this.pool.query<{ record: string }>(`SELECT record FROM accounts WHERE ${where} ORDER BY id LIMIT $2`, params);
    return rows.map((r) => parseAccount(r.record));
  }

  async findKey(hash: Uint8Array, opts: { includeRevoked?: boolean } = {}): Promise<{ key: ApiKeyRecord; account: AccountRecord } | undefined> {
    const { rows } = await this.pool.query<{ key: string; account: string }>(
      `SELECT k.record AS key, a.record AS account FROM api_key_hashes h
       JOIN api_keys k ON k.account = h.account AND k.id = h.key_id
       JOIN accounts a ON a.id = h.account
       WHERE h.sha256 = $1`,
      [bytea(hash)],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const key = parseKey(row.key);
    if (key.revokedAt !== undefined && !opts.includeRevoked) return undefined;
    return { key, account: parseAccount(row.account) };
  }

  async listKeys(account: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<{ record: string }>('SELECT record FROM api_keys WHERE account = $1', [account]);
    return rows.map((r) => parseKey(r.record)).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async addKey(key: NewApiKey): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      // FOR SHARE: the account cannot disappear before the key is in.
      const { rowCount } = await c.query('SELECT 1 FROM accounts WHERE id = $1 FOR SHARE', [key.record.account]);
      if (rowCount === 0) throw new LogError('not_found', 'no such account');
      await putKey(c, key);
    });
  }

  async revokeKey(account: string, keyId: string, at: string): Promise<ApiKeyRecord | undefined> {
    const updated = await this.pool.query<{ record: string }>(
      `UPDATE api_keys SET record = (record::jsonb || jsonb_build_object('revokedAt', $3::text))::text
       WHERE account = $1 AND id = $2 AND NOT (record::jsonb ? 'revokedAt') RETURNING record`,
      [account, keyId, at],
    );
    if (updated.rows[0] !== undefined) return parseKey(updated.rows[0].record);
    const { rows } = await this.pool.query<{ record: string }>('SELECT record FROM api_keys WHERE account = $1 AND id = $2', [account, keyId]);
    return rows[0] === undefined ? undefined : parseKey(rows[0].record);
  }

  async touchKeys(uses: { account: string; id: string; at: string }[]): Promise<void> {
    // The latest time per key, in key order (one statement: atomic; sorted: no lock-order deadlock).
    const latest = new Map<string, { account: string; id: string; at: string }>();
    for (const u of uses) {
      const k = `${u.account}\u0000${u.id}`;
      const seen = latest.get(k);
      if (seen === undefined || seen.at < u.at) latest.set(k, u);
    }
    if (latest.size === 0) return;
    const list = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, u]) => u);
    await this.pool.query(
      `UPDATE api_keys k SET record = (k.record::jsonb || jsonb_build_object('lastUsedAt', u.at))::text
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(account, id, at)
       WHERE k.account = u.account AND k.id = u.id
         AND NOT (k.record::jsonb ? 'revokedAt')
         AND coalesce(k.record::jsonb ->> 'lastUsedAt', '') COLLATE "C" < u.at COLLATE "C"`,
      [list.map((u) => u.account), list.map((u) => u.id), list.map((u) => u.at)],
    );
  }
}
