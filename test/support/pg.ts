/**
 * PostgreSQL for tests: a throwaway loopback cluster per test file (pg-cluster.ts does the
 * work). `const pg = usePgCluster()` in a describe registers beforeAll/afterAll and
 * `await pg.database()` returns a postgres:// URL of a new, empty database; contract suites
 * whose implementation list is built outside any describe use `sharedPgDatabase()` and
 * `afterAll(stopSharedPgCluster)`.
 */
import { afterAll, beforeAll } from 'vitest';
import { startPgCluster, type PgCluster } from './pg-cluster.js';

export { findPgBin, pgAvailable, startPgCluster, type PgCluster } from './pg-cluster.js';

/**
 * One cluster for the calling test file (or describe): started in beforeAll, stopped in
 * afterAll (also when tests fail). `database()` before beforeAll has run throws.
 */
export function usePgCluster(): { database(): Promise<string>; readonly cluster: PgCluster } {
  let cluster: PgCluster | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    cluster = undefined;
  }, 60_000);
  return {
    database: () => {
      if (cluster === undefined) throw new Error('the PostgreSQL cluster is not started (call database() inside a test)');
      return cluster.database();
    },
    get cluster() {
      if (cluster === undefined) throw new Error('the PostgreSQL cluster is not started');
      return cluster;
    },
  };
}

let shared: Promise<PgCluster> | undefined;

/**
 * A new database in the cluster shared by the calling test file, started on first use (for
 * contract suites whose implementation list is built outside any describe). Stop it with
 * `afterAll(stopSharedPgCluster)` at the top of the file.
 */
export async function sharedPgDatabase(): Promise<string> {
  shared ??= startPgCluster();
  shared.catch(() => {
    shared = undefined;
  });
  return (await shared).database();
}

export async function stopSharedPgCluster(): Promise<void> {
  const c = shared;
  shared = undefined;
  if (c !== undefined) await (await c.catch(() => undefined))?.stop();
}
