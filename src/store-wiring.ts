/**
 * Which store the service runs on: LevelDB in DATA_DIR/ledger (the embedded default), or
 * PostgreSQL when DATABASE_URL is set (docs/SCALING.md). Either way the service gets one
 * LedgerStore and the SessionStore that goes with it.
 */
import { join } from 'node:path';
import { LevelLogStore } from './adapters/level/store.js';
import { RecordSessionStore } from './adapters/level/sessions.js';
import { PgLogStore } from './adapters/pg/store.js';
import { PgSessionStore } from './adapters/pg/sessions.js';
import type { LogFn } from './adapters/logging.js';
import type { LedgerStore, SessionStore } from './app/ports.js';
import { LogError } from './core/errors.js';
import { ConfigError, type Config } from './config.js';

export interface OpenedStore {
  store: LedgerStore;
  /** The session store over `store` (as wrapped by the caller, e.g. with a commit halt). */
  sessions(store: LedgerStore): SessionStore;
  kind: 'level' | 'pg';
  /** The PostgreSQL store, which several processes may share (one sequences: adapters/pg/sequencer.ts). */
  pg?: PgLogStore;
}

/** Opens the configured store. Rejects with ConfigError (DATA_DIR locked, DATABASE_URL unusable). */
export async function openStore(config: Config, log: LogFn): Promise<OpenedStore> {
  if (config.DATABASE_URL !== undefined) {
    const pg = await PgLogStore.open(config.DATABASE_URL, { log }).catch((e: unknown) => {
      if (e instanceof LogError) throw e;
      // Unreachable server, refused login, missing database: a setting to fix, not a crash.
      throw new ConfigError('DATABASE_URL', `DATABASE_URL: cannot use the database: ${e instanceof Error ? e.message : String(e)}`);
    });
    return { store: pg, sessions: () => new PgSessionStore(pg.pool), kind: 'pg', pg };
  }
  const level = await LevelLogStore.open(join(config.DATA_DIR, 'ledger'), { log }).catch((e: unknown) => {
    if ((e as { cause?: { code?: unknown } } | null)?.cause?.code !== 'LEVEL_LOCKED') throw e;
    throw new ConfigError('DATA_DIR', `DATA_DIR: ${config.DATA_DIR} is in use by another process (its LevelDB is locked)`);
  });
  return { store: level, sessions: (store) => new RecordSessionStore(store), kind: 'level' };
}
