/**
 * The service on PostgreSQL (DATABASE_URL): the real server as a child process against a
 * throwaway loopback cluster (test/support/pg.ts). Deposits, a certificate that verifies, a
 * restart: every deposit is still there at its index, the checkpoint chain continues from the
 * stored head, `audit --server` passes, and nothing of the log went to DATA_DIR; the process
 * reports itself the sequencer on /healthz. SIGKILLs at chosen commits (TEST_HALT_AT_COMMIT) lose
 * nothing acknowledged. An unreachable database is a one-line DATABASE_URL error, exit 2.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { killAllServers, killAtCommitHalt, makeTempDir, removeAllTempDirs, runCli, runProcess, startServer } from '../support/proc.js';
import { usePgCluster } from '../support/pg.js';
import { type DepositJson, okJson } from '../support/deposit-json.js';

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

const hex32 = () => randomBytes(32).toString('hex');

/** The environment of a service child started by hand (not through startServer): nothing inherited that configures it. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  for (const name of ['NODE_OPTIONS', 'LOG_KEY_FILE', 'ADMIN_API_KEY', 'DATABASE_URL', 'PUBLIC_URL']) delete env[name];
  return env;
}

describe('the service on PostgreSQL', () => {
  const pgc = usePgCluster();

  it('deposits, serves a certificate that verifies, and keeps data and checkpoint chain across a restart', async () => {
    const url = await pgc.database();
    const data = await makeTempDir('cl-pg-e2e-');
    const env = { DATABASE_URL: url, NODE_ENV: 'test' };
    let server = await startServer({ dataDir: data.path, env });
    const logKey = server.logKey;

    const account = await okJson<{ apiKey: string; account: { id: string } }>(
      await fetch(`${server.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'PG Tester', email: 'pg@example.com', kind: 'organisation' }) }),
    );
    const headers = { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json' };
    const acked: DepositJson[] = [];
    for (let i = 0; i < 3; i++) {
      acked.push(await okJson<DepositJson>(await fetch(`${server.url}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: hex32() }) })));
    }
    // A batch spanning more than one entry bundle (256 entries) and hash tile.
    const items = Array.from({ length: 300 }, () => ({ sha256: hex32() }));
    const batch = await okJson<{ deposits: DepositJson[] }>(await fetch(`${server.url}/v1/deposits/batch`, { method: 'POST', headers, body: JSON.stringify({ items }) }));
    acked.push(...batch.deposits);
    expect(new Set(acked.map((d) => d.index)).size).toBe(acked.length);

    const certOf = async (base: string, id: string) => {
      const res = await fetch(`${base}/v1/deposits/${id}/certificate`, { headers });
      expect(res.status).toBe(200);
      const file = join(data.path, `cert-${id}.json`);
      await writeFile(file, await res.text());
      return file;
    };
    const first = await runCli(['verify', await certOf(server.url, acked[1]!.id), '--key', logKey]);
    expect(first.code, first.text).toBe(0);
    const before = await okJson<{ height: number; treeSize: number; checkpoint: string }>(await fetch(`${server.url}/v1/blocks/latest`));
    expect(before.treeSize).toBe(acked.length);

    // The log lives in PostgreSQL: no LevelDB in DATA_DIR, tiles and bundles in the database.
    expect(existsSync(join(data.path, 'ledger'))).toBe(false);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ bundles: string; tiles: string; versions: string }>(
        'SELECT (SELECT count(*) FROM bundles) AS bundles, (SELECT count(*) FROM tiles) AS tiles, (SELECT count(*) FROM schema_migrations) AS versions',
      );
      expect(Number(rows[0]!.bundles)).toBe(2);
      expect(Number(rows[0]!.tiles)).toBeGreaterThanOrEqual(3);
      expect(Number(rows[0]!.versions)).toBeGreaterThanOrEqual(1);
    } finally {
      await client.end();
    }

    // This process sequences (a second one would follow it: pg-failover.test.ts).
    expect(await okJson<{ sequencer: boolean }>(await fetch(`${server.url}/healthz`))).toMatchObject({ sequencer: true });

    await server.stop();
    server = await startServer({ dataDir: data.path, env });
    expect(server.logKey).toBe(logKey);
    expect(server.treeSize).toBe(acked.length);
    for (const d of [acked[0]!, acked[2]!, acked[150]!, acked[acked.length - 1]!]) {
      const again = await okJson<DepositJson>(await fetch(`${server.url}/v1/deposits/${d.id}`, { headers }));
      expect({ index: again.index, sha256: again.sha256, block: again.block }).toEqual({ index: d.index, sha256: d.sha256, block: d.block });
    }
    const kept = await runCli(['verify', await certOf(server.url, acked[acked.length - 1]!.id), '--key', logKey]);
    expect(kept.code, kept.text).toBe(0);

    // The chain continues: the stored latest block is unchanged, the next one links to it.
    const stored = await okJson<{ checkpoint: string }>(await fetch(`${server.url}/v1/blocks/${before.height}`));
    expect(stored.checkpoint).toBe(before.checkpoint);
    const next = await okJson<DepositJson>(await fetch(`${server.url}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: hex32() }) }));
    expect(next.index).toBe(acked.length);
    expect(next.block).toBeGreaterThan(before.height);
    const audit = await runCli(['audit', '--server', server.url, '--key', logKey]);
    expect(audit.code, audit.text).toBe(0);
    expect(audit.text).toContain(`${acked.length + 1} entries`);
    await server.stop();
  });

  it('keeps every acknowledged deposit when the process is SIGKILLed mid-commit, and the halted batch exactly when it was committed', async () => {
    const url = await pgc.database();
    const data = await makeTempDir('cl-pg-crash-');
    const acked: DepositJson[] = [];
    let apiKey: string | undefined;
    let logKey: string | undefined;
    let expectedSize: number | undefined;
    for (let cycle = 0; cycle < 3; cycle++) {
      const n = 4 + Math.floor(Math.random() * 6);
      const halt = `${n}${cycle % 2 === 0 ? ':after-write' : ''}`;
      const server = await startServer({ dataDir: data.path, env: { DATABASE_URL: url, NODE_ENV: 'test', TEST_HALT_AT_COMMIT: halt } });
      logKey ??= server.logKey;
      expect(server.logKey).toBe(logKey);
      // The batch halted last time is in the log exactly when its COMMIT had returned.
      if (expectedSize !== undefined) expect(server.treeSize).toBe(expectedSize);
      apiKey ??= (
        await okJson<{ apiKey: string }>(
          await fetch(`${server.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'PG Crash', email: 'crash@example.com', kind: 'organisation' }) }),
        )
      ).apiKey;
      const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      const killed = killAtCommitHalt(server);
      let stop = false;
      const client = async () => {
        while (!stop) {
          try {
            const res = await fetch(`${server.url}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: hex32() }) });
            if (res.status === 201) acked.push((await res.json()) as DepositJson);
          } catch {
            return; // the kill: the outcome of this request is unknown, not acknowledged
          }
        }
      };
      const clients = [client(), client(), client()];
      const { halt: record, exit } = await killed;
      stop = true;
      await Promise.all(clients);
      expect(exit.signal).toBe('SIGKILL');
      expect(acked.filter((a) => a.index >= record.from)).toEqual([]);
      expectedSize = record.phase === 'after-write' ? record.treeSize : record.from;
    }
    const server = await startServer({ dataDir: data.path, env: { DATABASE_URL: url } });
    expect(server.treeSize).toBe(expectedSize);
    expect(acked.length).toBeGreaterThan(0);
    expect(new Set(acked.map((a) => a.index)).size).toBe(acked.length);
    for (const a of acked) {
      const again = await okJson<DepositJson>(await fetch(`${server.url}/v1/deposits/${a.id}`, { headers: { authorization: `Bearer ${apiKey}` } }));
      expect(again.index).toBe(a.index);
    }
    const audit = await runCli(['audit', '--server', server.url, '--key', logKey!]);
    expect(audit.code, audit.text).toBe(0);
    await server.stop();
  });

  it('an unreachable database is a one-line DATABASE_URL error, exit 2', async () => {
    const data = await makeTempDir('cl-pg-e2e-');
    // Port 1 on loopback: nothing listens there.
    const r = await runProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...childEnv(), DATA_DIR: data.path, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nope' },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^copyright-ledger: DATABASE_URL: cannot use the database: .*ECONNREFUSED/);
  });

  it('a malformed DATABASE_URL is refused at start', async () => {
    const data = await makeTempDir('cl-pg-e2e-');
    const r = await runProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...childEnv(), DATA_DIR: data.path, DATABASE_URL: 'mysql://localhost/x' },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^copyright-ledger: DATABASE_URL: /m);
  });
});
