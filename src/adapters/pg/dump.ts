/**
 * StoreDump and StoreLoad (app/migrate.ts) on PostgreSQL: keyset-paged reads of the tables the
 * ports cannot list (accounts, api_keys, claims, records, counters, sessions, passwords), and
 * the writes of an account with all its keys and of bare claims. `schema_migrations` is not
 * dumped: the target's own open applies its migrations.
 */
import type { AccountRecord, ApiKeyRecord, ClaimRecord, PasswordRecord } from '../../app/ports.js';
import type { StoreDump, StoreLoad } from '../../app/migrate.js';
import { bytea, bytes, inTransaction, type Pool } from './db.js';

const PAGE = 1_000;

/**
 * Rows of `sql` page by page: `sql` takes the last row's key columns as parameters $1… (null on
 * the first page) and the page size as the last one, and orders by those columns.
 */
async function* paged<R extends Record<string, unknown>>(pool: Pool, sql: string, keyOf: (r: R) => unknown[], width: number): AsyncGenerator<R> {
  let after: unknown[] = Array.from({ length: width }, () => null);
  for (;;) {
    const { rows } = await pool.query<R>(sql, [...after, PAGE]);
    for (const r of rows) yield r;
    if (rows.length < PAGE) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}

export function pgStoreDump(pool: Pool): StoreDump {
  return {
    async *accounts() {
      const accounts = paged<{ id: string; record: string }>(pool, 'SELECT id, record FROM accounts WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2', (r) => [r.id], 1);
      for await (const a of accounts) {
        const { rows } = await pool.query<{ sha256: Buffer; record: string }>('SELECT sha256, record FROM api_keys WHERE account = $1 ORDER BY id', [a.id]);
        yield { account: JSON.parse(a.record) as AccountRecord, keys: rows.map((k) => ({ record: JSON.parse(k.record) as ApiKeyRecord, hash: new Uint8Array(bytes(k.sha256)) })) };
      }
    },
    async *claims() {
      const rows = paged<{ kind: string; account: string; key: string; deposit_id: string }>(
        pool,
        `SELECT kind, account, key, deposit_id FROM claims WHERE $1::text IS NULL OR (kind, account, key) > ($1, $2, $3)
         ORDER BY kind, account, key LIMIT $4`,
        (r) => [r.kind, r.account, r.key],
        3,
      );
      for await (const r of rows) yield { kind: r.kind as ClaimRecord['kind'], account: r.account, key: r.key, depositId: r.deposit_id };
    },
    async *records() {
      const rows = paged<{ space: string; key: string; value: string }>(
        pool,
        'SELECT space, key, value FROM records WHERE $1::text IS NULL OR (space, key) > ($1, $2) ORDER BY space, key LIMIT $3',
        (r) => [r.space, r.key],
        2,
      );
      for await (const r of rows) yield r;
    },
    async *counters() {
      const rows = paged<{ name: string; value: string }>(pool, 'SELECT name, value FROM counters WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT $2', (r) => [r.name], 1);
      for await (const r of rows) yield { name: r.name, value: Number(r.value) };
    },
    async *sessions() {
      const rows = paged<{ hash: string; account: string; created_at: string; last_seen_at: string }>(
        pool,
        'SELECT hash, account, created_at, last_seen_at FROM sessions WHERE $1::text IS NULL OR hash > $1 ORDER BY hash LIMIT $2',
        (r) => [r.hash],
        1,
      );
      for await (const r of rows) yield { hash: r.hash, session: { account: r.account, createdAt: Number(r.created_at), lastSeenAt: Number(r.last_seen_at) } };
    },
    async *passwords() {
      const rows = paged<{ account: string; record: string }>(pool, 'SELECT account, record FROM passwords WHERE $1::text IS NULL OR account > $1 ORDER BY account LIMIT $2', (r) => [r.account], 1);
      for await (const r of rows) yield { account: r.account, password: JSON.parse(r.record) as PasswordRecord };
    },
  };
}

export function pgStoreLoad(pool: Pool): StoreLoad {
  return {
    async putAccount(account, keys) {
      await inTransaction(pool, async (c) => {
        await c.query('INSERT INTO accounts (id, record) VALUES ($1, $2)', [account.id, JSON.stringify(account)]);
        await c.query('INSERT INTO account_emails (email, account) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET account = EXCLUDED.account', [account.email.toLowerCase(), account.id]);
        for (const k of keys) {
          await c.query('INSERT INTO api_keys (account, id, sha256, record) VALUES ($1, $2, $3, $4)', [account.id, k.record.id, bytea(k.hash), JSON.stringify(k.record)]);
          await c.query('INSERT INTO api_key_hashes (sha256, account, key_id) VALUES ($1, $2, $3)', [bytea(k.hash), account.id, k.record.id]);
        }
      });
    },
    async putClaims(claims) {
      if (claims.length === 0) return;
      await pool.query(
        `INSERT INTO claims (kind, account, key, deposit_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT (kind, account, key) DO UPDATE SET deposit_id = EXCLUDED.deposit_id`,
        [claims.map((x) => x.kind), claims.map((x) => x.account), claims.map((x) => x.key), claims.map((x) => x.depositId)],
      );
    },
  };
}
