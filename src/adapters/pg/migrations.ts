/**
 * Versioned schema migrations: ordered SQL in code, applied at start. Each pending migration
 * runs in one transaction holding a transaction-level advisory lock, so several processes
 * starting at once apply each migration exactly once (the others wait, then find it applied).
 * `schema_migrations` records which versions are applied; a database newer than this code is
 * refused. Migrations are append-only: a released one is never edited, a change is a new one.
 */
import { LogError } from '../../core/errors.js';
import { inTransaction, type Pool } from './db.js';

/** pg_advisory_xact_lock key of the migrator ('cl-migrate' as an int8). */
const MIGRATION_LOCK = 0x636c2d6d6967n;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Tree storage follows C2SP tlog-tiles: `tiles` holds tile level L, index N: the hashes of tree
 * level 8·L nodes 256·N … (a partial tile grows until 256); `bundles` holds the entry bundles.
 * Inner nodes of other levels are derived from the tile below. Text compared for order (record
 * keys, account ids) uses COLLATE "C": byte order, which for UTF-8 is code point order.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'log, accounts, records',
    sql: `
CREATE TABLE log_head (
  id smallint PRIMARY KEY CHECK (id = 1),
  tree_size bigint NOT NULL,
  compact bytea[] NOT NULL,
  root_hash bytea NOT NULL,
  height bigint NOT NULL,
  block_hash bytea NOT NULL,
  time text NOT NULL
);
CREATE TABLE tiles (
  level smallint NOT NULL,
  idx bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (level, idx)
);
ALTER TABLE tiles ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE bundles (
  idx bigint PRIMARY KEY,
  entries smallint NOT NULL,
  data bytea NOT NULL
);
ALTER TABLE bundles ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE blocks (
  height bigint PRIMARY KEY,
  tree_size bigint NOT NULL,
  root_hash bytea NOT NULL,
  prev_hash bytea NOT NULL,
  time text NOT NULL,
  checkpoint text NOT NULL
);
CREATE INDEX blocks_by_tree_size ON blocks (tree_size, height);
CREATE TABLE deposits (
  id text COLLATE "C" PRIMARY KEY,
  idx bigint NOT NULL,
  metadata text NOT NULL
);
CREATE TABLE deposit_sha256 (
  sha256 bytea NOT NULL,
  idx bigint NOT NULL,
  PRIMARY KEY (sha256, idx)
);
CREATE TABLE account_deposits (
  account text COLLATE "C" NOT NULL,
  idx bigint NOT NULL,
  deposit_id text NOT NULL,
  PRIMARY KEY (account, idx)
);
CREATE TABLE claims (
  kind text NOT NULL,
  account text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  deposit_id text NOT NULL,
  PRIMARY KEY (kind, account, key)
);
CREATE TABLE accounts (
  id text COLLATE "C" PRIMARY KEY,
  record text NOT NULL
);
CREATE TABLE account_emails (
  email text COLLATE "C" PRIMARY KEY,
  account text NOT NULL
);
CREATE TABLE api_keys (
  account text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  sha256 bytea NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (account, id)
);
CREATE TABLE api_key_hashes (
  sha256 bytea PRIMARY KEY,
  account text NOT NULL,
  key_id text NOT NULL
);
CREATE TABLE timestamps (
  height bigint PRIMARY KEY,
  der bytea NOT NULL,
  tsa text NOT NULL
);
CREATE TABLE records (
  space text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (space, key)
);
CREATE TABLE counters (
  name text COLLATE "C" PRIMARY KEY,
  value bigint NOT NULL
);
CREATE TABLE sessions (
  hash text COLLATE "C" PRIMARY KEY,
  account text COLLATE "C" NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account, hash);
CREATE TABLE passwords (
  account text COLLATE "C" PRIMARY KEY,
  record text NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'handoff to the sequencer',
    sql: `
CREATE TABLE handoff (
  id bigserial PRIMARY KEY,
  owner text COLLATE "C" NOT NULL,
  entries integer NOT NULL,
  items text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  first_index bigint,
  block bigint,
  error text,
  done_at timestamptz
);
CREATE INDEX handoff_waiting ON handoff (id) WHERE first_index IS NULL AND error IS NULL;
CREATE INDEX handoff_done ON handoff (done_at) WHERE done_at IS NOT NULL;
`,
  },
];

/**
 * Applies every migration the database lacks, in order, each in its own transaction under the
 * advisory lock. Returns the versions it applied (empty when the schema was current).
 */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      const have = new Set(rows.map((r) => r.version));
      const newest = rows.length === 0 ? 0 : rows[rows.length - 1]!.version;
      if (newest > latest) {
        throw new LogError('corrupt_store', `the database schema is at version ${newest}, newer than this version of copyright-ledger knows (${latest}): run the newer version`);
      }
      if (have.has(m.version)) return false;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
