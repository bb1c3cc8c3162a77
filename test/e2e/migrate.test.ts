/**
 * `copyright-ledger migrate`: a LevelDB store of 100,000 entries (written through the use-case
 * layer, as the benchmark does) with accounts, keys (one revoked), claims, records, counters, a
 * session and a password goes to PostgreSQL (a throwaway loopback cluster) and back to a new
 * LevelDB data dir: the same checkpoint root and a passing audit at every step. The real service
 * then runs on the PostgreSQL copy and on the final LevelDB copy: the old API key works, the
 * revoked one does not, a deposit and its certificate read back (and verify), an Idempotency-Key
 * still finds its deposit, and a new deposit continues the same chain. A target that is not
 * empty is refused with one line.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORIGIN, KEY_FILE_NAME, loadOrCreateSigner, nodeSha256 } from '../../src/adapters/crypto/node.js';
import { RecordSessionStore } from '../../src/adapters/level/sessions.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { Accounts } from '../../src/app/accounts.js';
import { Deposits } from '../../src/app/deposits.js';
import { Ledger } from '../../src/app/log.js';
import { toBase64 } from '../../src/core/bytes.js';
import { systemClock, systemRandom } from '../../src/server.js';
import { killAllServers, makeTempDir, removeAllTempDirs, runCli, startServer } from '../support/proc.js';
import { pgAvailable, usePgCluster } from '../support/pg.js';
import { type DepositJson, okJson } from '../support/deposit-json.js';
import { accountRecords, ledgerRecords } from '../../src/adapters/records/core-records.js';

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

const ENTRIES = 100_000;
const hex32 = () => randomBytes(32).toString('hex');

/** Writes the source store: 100,000 deposits in batches of 1,000 (two in flight), and one of each other kind of data. */
async function buildSource(dir: string) {
  const signer = await loadOrCreateSigner({ origin: DEFAULT_ORIGIN, dataDir: dir });
  const store = await LevelLogStore.open(join(dir, 'ledger'));
  try {
    const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: DEFAULT_ORIGIN, sha256: nodeSha256, clock: systemClock });
    const accounts = new Accounts(store, accountRecords(store), nodeSha256, systemRandom, systemClock);
    const platform = await accounts.create({ name: 'Platform', email: 'Platform@example.com', kind: 'organisation', role: 'platform' });
    const revoked = await accounts.createKey(platform.account.id, 'old');
    await accounts.revokeKey(platform.account.id, revoked.key.id);
    const creator = await accounts.create({ name: 'Creator', email: 'creator@example.com', kind: 'individual' });
    const deposits = new Deposits(ledger, store, nodeSha256, systemRandom, systemClock);
    const claimed = (await deposits.deposit(creator.account, { sha256: hex32(), metadata: { title: 'Claimed' } }, 'idem-1')).deposit;
    let issued = 1;
    const sample: DepositJson[] = [];
    const worker = async () => {
      while (issued < ENTRIES) {
        const n = Math.min(1000, ENTRIES - issued);
        issued += n;
        const items = Array.from({ length: n }, (_, i) => ({ sha256: hex32(), ...(i === 0 ? { externalId: `ext-${issued}` } : {}) }));
        const r = await deposits.depositBatch(platform.account, items);
        sample.push(r[0]!.deposit);
      }
    };
    await Promise.all([worker(), worker()]);
    await store.writeRecords([{ space: 'migrate-test', key: 'k', value: 'v' }], [{ name: 'migrate-test', delta: 7 }]);
    const sessions = new RecordSessionStore(store);
    await sessions.putSession('session-hash', { account: creator.account.id, createdAt: 1, lastSeenAt: 2 });
    await sessions.setPassword(creator.account.id, { algorithm: 'scrypt', N: 16384, r: 8, p: 1, salt: 'c2FsdA', hash: 'aGFzaA', setAt: '2026-11-30T00:00:00.000Z' });
    await ledger.close();
    const head = (await store.loadHead())!;
    return { logKey: signer.verifierKey, platform, revokedKey: revoked.apiKey, creator, claimed, sample, head };
  } finally {
    await store.close();
  }
}

describe('migrate cannot run', () => {
  it('a database it cannot reach, a data dir without a store: one line, exit 2, nothing created', async () => {
    const dir = await makeTempDir('cl-migrate-x-');
    const unreachable = await runCli(['migrate', '--from', 'postgres://someone:secret@127.0.0.1:1/nope', '--to', join(dir.path, 'to')]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toHaveLength(1);
    expect(unreachable.err[0]).toMatch(/^copyright-ledger: cannot use the source database postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nope: .*ECONNREFUSED/);
    expect(unreachable.text).not.toContain('secret');
    const empty = await runCli(['migrate', '--from', join(dir.path, 'nothing'), '--to', join(dir.path, 'to')]);
    expect(empty.code).toBe(2);
    expect(empty.err).toHaveLength(1);
    expect(empty.err[0]).toMatch(/^copyright-ledger: cannot open the store in /);
    expect(existsSync(join(dir.path, 'to'))).toBe(false);
  });
});

describe.skipIf(!pgAvailable)('migrate', () => {
  const pgc = usePgCluster();

  it('a LevelDB store of 100,000 entries goes to PostgreSQL and back with the same root, audits passing, and the service runs on both copies', async () => {
    const a = await makeTempDir('cl-migrate-a-');
    const t0 = performance.now();
    const src = await buildSource(a.path);
    const built = performance.now();
    expect(src.head.treeSize).toBe(BigInt(ENTRIES));
    const root = toBase64(src.head.rootHash);

    const url = await pgc.database();
    const toPg = await runCli(['migrate', '--from', a.path, '--to', url]);
    expect(toPg.code, toPg.text).toBe(0);
    expect(toPg.text).toContain(`migrated ${ENTRIES} entries`);
    expect(toPg.text).toContain(`checkpoint root ${root} (tree size ${ENTRIES}) on both sides`);
    expect(toPg.out.filter((l) => l.startsWith('audit ok on '))).toHaveLength(2);
    const pgDone = performance.now();

    // A target that is not empty is refused, in one line, and left as it was.
    const again = await runCli(['migrate', '--from', a.path, '--to', url]);
    expect(again.code).toBe(2);
    expect(again.err).toHaveLength(1);
    expect(again.err[0]).toMatch(/^copyright-ledger: postgres:\/\/.*the target is not empty \(it holds a log\)/);
    const intoLevel = await runCli(['migrate', '--from', url, '--to', a.path]);
    expect(intoLevel.code).toBe(2);
    expect(intoLevel.err[0]).toMatch(/the target is not empty/);

    const c = await makeTempDir('cl-migrate-c-');
    const back = await runCli(['migrate', '--from', url, '--to', c.path, '--key', src.logKey, '--json']);
    expect(back.code, back.text).toBe(0);
    expect(back.out).toHaveLength(1);
    const summary = JSON.parse(back.out[0]!) as Record<string, unknown> & { source: { ok: boolean; root: string }; target: { ok: boolean; root: string } };
    expect(summary).toMatchObject({ ok: true, entries: ENTRIES, deposits: ENTRIES, accounts: 2, keys: 3, claims: 101, sessions: 1, passwords: 1 });
    expect(summary.source).toMatchObject({ ok: true, entries: ENTRIES, root: `${root} (tree size ${ENTRIES})` });
    expect(summary.target).toEqual(summary.source);
    const levelDone = performance.now();
    const audited = await runCli(['audit', '--data-dir', c.path, '--key', src.logKey]);
    expect(audited.code, audited.text).toBe(0);

    // What only the dump carries: sessions, passwords, records, counters, claims, the index.
    const copy = await LevelLogStore.open(join(c.path, 'ledger'), { readOnly: true });
    try {
      const sessions = new RecordSessionStore(copy);
      expect(await sessions.getSession('session-hash')).toEqual({ account: src.creator.account.id, createdAt: 1, lastSeenAt: 2 });
      expect(await sessions.listAccountSessions(src.creator.account.id, 10)).toHaveLength(1);
      expect((await sessions.getPassword(src.creator.account.id))?.hash).toBe('aGFzaA');
      expect(await copy.getRecord('migrate-test', 'k')).toBe('v');
      expect(await copy.getCounter('migrate-test')).toBe(7);
      expect(await copy.getCounter('deposits')).toBe(ENTRIES);
      expect(await copy.getClaim('idempotency', src.creator.account.id, 'idem-1')).toBe(src.claimed.id);
      expect((await copy.listAccountDeposits(src.creator.account.id, { limit: 10 })).map((r) => r.id)).toEqual([src.claimed.id]);
      expect((await copy.getAccountByEmail('platform@example.com'))?.id).toBe(src.platform.account.id);
      expect(await copy.listKeys(src.platform.account.id)).toHaveLength(2);
    } finally {
      await copy.close();
    }

    // The service on each copy: old keys, reads, certificates, claims, and the chain continues.
    const b = await makeTempDir('cl-migrate-b-');
    await copyFile(join(a.path, KEY_FILE_NAME), join(b.path, KEY_FILE_NAME));
    await copyFile(join(a.path, KEY_FILE_NAME), join(c.path, KEY_FILE_NAME));
    for (const [dataDir, env] of [[b.path, { DATABASE_URL: url }], [c.path, {}]] as const) {
      const server = await startServer({ dataDir, env: { NODE_ENV: 'test', ...env }, timeoutMs: 60_000 });
      try {
        expect(server.logKey).toBe(src.logKey);
        // While a service runs on a store, migrate refuses it (LevelDB's lock, the PostgreSQL writer lock).
        const busy = await runCli(['migrate', '--from', 'DATABASE_URL' in env ? env.DATABASE_URL : dataDir, '--to', join(b.path, 'never')]);
        expect(busy.code).toBe(2);
        expect(busy.err).toHaveLength(1);
        expect(busy.err[0]).toMatch(/running/);
        expect(server.treeSize).toBe(ENTRIES);
        const headers = { authorization: `Bearer ${src.platform.apiKey}`, 'content-type': 'application/json' };
        const d = src.sample[src.sample.length - 1]!;
        const read = await okJson<DepositJson>(await fetch(`${server.url}/v1/deposits/${d.id}`, { headers }));
        expect({ index: read.index, sha256: read.sha256 }).toEqual({ index: d.index, sha256: d.sha256 });
        const revoked = await fetch(`${server.url}/v1/deposits/${d.id}`, { headers: { authorization: `Bearer ${src.revokedKey}` } });
        expect(revoked.status).toBe(401);
        const cert = await fetch(`${server.url}/v1/deposits/${d.id}/certificate`, { headers });
        expect(cert.status).toBe(200);
        const file = join(dataDir, 'cert.json');
        await writeFile(file, await cert.text());
        const verified = await runCli(['verify', file, '--key', src.logKey]);
        expect(verified.code, verified.text).toBe(0);
        const creator = { authorization: `Bearer ${src.creator.apiKey}`, 'content-type': 'application/json', 'idempotency-key': 'idem-1' };
        const repeat = await okJson<DepositJson>(await fetch(`${server.url}/v1/deposits`, { method: 'POST', headers: creator, body: JSON.stringify({ sha256: hex32() }) }));
        expect(repeat.id).toBe(src.claimed.id);
        const latest = await okJson<{ height: number; checkpoint: string }>(await fetch(`${server.url}/v1/blocks/latest`));
        expect(latest.checkpoint.split('\n')[2]).toBe(root);
        const next = await okJson<DepositJson>(await fetch(`${server.url}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: hex32() }) }));
        expect(next.index).toBe(ENTRIES);
        expect(next.block).toBeGreaterThan(latest.height);
        const linked = await okJson<{ checkpoint: string }>(await fetch(`${server.url}/v1/blocks/${latest.height}`));
        expect(linked.checkpoint).toBe(latest.checkpoint);
        const audit = await runCli(['audit', '--server', server.url, '--key', src.logKey]);
        expect(audit.code, audit.text).toBe(0);
        expect(audit.text).toContain(`${ENTRIES + 1} entries`);
      } finally {
        await server.stop();
      }
    }
    const ms = (x: number) => `${((x) / 1000).toFixed(1)} s`;
    console.log(`migrate e2e: build ${ms(built - t0)}, LevelDB→PostgreSQL+audits ${ms(pgDone - built)}, PostgreSQL→LevelDB+audits ${ms(levelDone - pgDone)}, total ${ms(performance.now() - t0)}`);
  }, 900_000);
});
