/**
 * SessionStore on PostgreSQL: sessions(hash, account, created_at, last_seen_at) with an index on
 * (account, hash), passwords(account, record JSON). Every write is one autocommitted statement:
 * atomic and durable when it returns.
 */
import type { PasswordRecord, SessionRecord, SessionStore } from '../../app/ports.js';
import type { Pool } from './db.js';

interface SessionRow {
  hash: string;
  account: string;
  created_at: string;
  last_seen_at: string;
}

const session = (r: SessionRow): SessionRecord => ({ account: r.account, createdAt: Number(r.created_at), lastSeenAt: Number(r.last_seen_at) });

export class PgSessionStore implements SessionStore {
  /** `pool`: the PgLogStore's pool (its migrations create the tables). */
  constructor(private readonly pool: Pool) {}

  async putSession(hash: string, s: SessionRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO sessions (hash, account, created_at, last_seen_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (hash) DO UPDATE SET account = EXCLUDED.account, created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at`,
      [hash, s.account, s.createdAt, s.lastSeenAt],
    );
  }

  async getSession(hash: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.pool.query<SessionRow>('SELECT hash, account, created_at, last_seen_at FROM sessions WHERE hash = $1', [hash]);
    return rows[0] === undefined ? undefined : session(rows[0]);
  }

  async deleteSession(hash: string): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE hash = $1', [hash]);
  }

  async listAccountSessions(account: string, limit: number): Promise<{ hash: string; session: SessionRecord }[]> {
    if (limit <= 0) return [];
    const { rows } = await this.pool.query<SessionRow>('SELECT hash, account, created_at, last_seen_at FROM sessions WHERE account = $1 ORDER BY hash LIMIT $2', [account, limit]);
    return rows.map((r) => ({ hash: r.hash, session: session(r) }));
  }

  async deleteAccountSessions(account: string, except?: string): Promise<number> {
    const r = except === undefined
      ? await this.pool.query('DELETE FROM sessions WHERE account = $1', [account])
      : await this.pool.query('DELETE FROM sessions WHERE account = $1 AND hash <> $2', [account, except]);
    return r.rowCount ?? 0;
  }

  async getPassword(account: string): Promise<PasswordRecord | undefined> {
    const { rows } = await this.pool.query<{ record: string }>('SELECT record FROM passwords WHERE account = $1', [account]);
    return rows[0] === undefined ? undefined : (JSON.parse(rows[0].record) as PasswordRecord);
  }

  async setPassword(account: string, password: PasswordRecord): Promise<void> {
    await this.pool.query('INSERT INTO passwords (account, record) VALUES ($1, $2) ON CONFLICT (account) DO UPDATE SET record = EXCLUDED.record', [account, JSON.stringify(password)]);
  }
}
