/**
 * (p) The PostgreSQL store beside LevelDB, through the same use-case code (Deposits → Ledger →
 * LedgerStore, no HTTP): batch ingest (entries/s, bytes per entry), single deposits from many
 * concurrent callers (group commit: deposits/s, latency), and inclusion proofs from tiles.
 * PostgreSQL is a throwaway cluster on loopback (test/support/pg-cluster.ts), fsync and
 * synchronous_commit on, default settings otherwise; or BENCH_DATABASE_URL (an empty database).
 * The PostgreSQL server's CPU is another process: it shows under "others".
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_ORIGIN, loadOrCreateSigner, nodeSha256 } from '../../src/adapters/crypto/node.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { Accounts } from '../../src/app/accounts.js';
import { Deposits } from '../../src/app/deposits.js';
import { Ledger } from '../../src/app/log.js';
import type { LedgerStore } from '../../src/app/ports.js';
import { systemClock, systemRandom } from '../../src/server.js';
import { startPgCluster } from '../../test/support/pg-cluster.js';
import { contentionWindow, dirSize, fmtInt, note, ownCpuMs, randomHexes, summarize, tempDir, type LatencySummary } from './util.js';
import { accountRecords, ledgerRecords } from '../../src/adapters/records/core-records.js';

export interface StoreFigures {
  store: 'pg' | 'level';
  entries: number;
  batchSeconds: number;
  batchEntriesPerSec: number;
  /** PostgreSQL: relation sizes (tables, indexes, TOAST) per entry; LevelDB: the dir after close. */
  bytesPerEntry: number;
  bytesByTable?: Record<string, number>;
  single: { deposits: number; seconds: number; perSec: number; latency: LatencySummary; callers: number };
  inclusion: LatencySummary;
  othersCores?: number;
  ownCores: number;
}

export interface PgFigures {
  pg: StoreFigures;
  level: StoreFigures;
}

export interface PgBenchOptions {
  entries: number;
  batchItems: number;
  inFlight: number;
  singleSeconds: number;
  singleCallers: number;
  proofs: number;
}

async function runOne(kind: 'pg' | 'level', open: () => Promise<LedgerStore>, opts: PgBenchOptions, size: () => Promise<{ total: number; byTable?: Record<string, number> }>): Promise<StoreFigures> {
  const keyDir = await tempDir('cl-bench-pg-key-');
  try {
    const signer = await loadOrCreateSigner({ origin: DEFAULT_ORIGIN, dataDir: keyDir.path });
    const store = await open();
    const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: DEFAULT_ORIGIN, sha256: nodeSha256, clock: systemClock });
    const accounts = new Accounts(store, accountRecords(store), nodeSha256, systemRandom, systemClock);
    const { account } = await accounts.create({ name: 'Bench', email: `bench-${kind}@example.com`, kind: 'organisation', role: 'platform' });
    const deposits = new Deposits(ledger, store, nodeSha256, systemRandom, systemClock);

    // Batch ingest.
    const cw = contentionWindow();
    const own0 = ownCpuMs();
    let issued = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: opts.inFlight }, async () => {
        while (issued < opts.entries) {
          const n = Math.min(opts.batchItems, opts.entries - issued);
          issued += n;
          await deposits.depositBatch(account, randomHexes(n).map((sha256) => ({ sha256 })));
        }
      }),
    );
    const batchSeconds = (performance.now() - t0) / 1000;
    note(`(p) ${kind}: ${fmtInt(opts.entries)} entries in ${batchSeconds.toFixed(1)} s (${fmtInt(opts.entries / batchSeconds)}/s)`);

    // Single deposits from many callers at once, for a fixed time.
    const lat: number[] = [];
    const stopAt = performance.now() + opts.singleSeconds * 1000;
    const s0 = performance.now();
    await Promise.all(
      Array.from({ length: opts.singleCallers }, async () => {
        while (performance.now() < stopAt) {
          const started = performance.now();
          await deposits.deposit(account, { sha256: randomHexes(1)[0]! });
          lat.push(performance.now() - started);
        }
      }),
    );
    const singleSeconds = (performance.now() - s0) / 1000;
    note(`(p) ${kind}: ${fmtInt(lat.length)} single deposits in ${singleSeconds.toFixed(1)} s (${fmtInt(lat.length / singleSeconds)}/s)`);

    // Inclusion proofs at the final size (warm-up untimed).
    const treeSize = ledger.treeSize;
    const pick = () => BigInt(Math.floor(Math.random() * Number(treeSize)));
    for (let i = 0; i < Math.min(200, opts.proofs); i++) await ledger.inclusionProof(pick(), treeSize);
    const proofMs: number[] = [];
    for (let i = 0; i < opts.proofs; i++) {
      const p0 = performance.now();
      await ledger.inclusionProof(pick(), treeSize);
      proofMs.push(performance.now() - p0);
    }
    const ownMs = ownCpuMs() - own0;
    const wall = (performance.now() - t0) / 1000;
    const othersCores = cw.stop(ownMs)?.othersCores;
    await ledger.close();
    await store.close();
    const entries = Number(treeSize);
    const sz = await size();
    return {
      store: kind,
      entries,
      batchSeconds,
      batchEntriesPerSec: opts.entries / batchSeconds,
      bytesPerEntry: sz.total / entries,
      ...(sz.byTable ? { bytesByTable: Object.fromEntries(Object.entries(sz.byTable).map(([t, b]) => [t, b / entries])) } : {}),
      single: { deposits: lat.length, seconds: singleSeconds, perSec: lat.length / singleSeconds, latency: summarize(lat), callers: opts.singleCallers },
      inclusion: summarize(proofMs),
      ownCores: ownMs / (wall * 1000),
      ...(othersCores !== undefined ? { othersCores } : {}),
    };
  } finally {
    await keyDir.remove();
  }
}

export async function runPg(opts: PgBenchOptions): Promise<PgFigures> {
  const given = process.env.BENCH_DATABASE_URL;
  const cluster = given === undefined ? await startPgCluster() : undefined;
  try {
    const url = given ?? (await cluster!.database());
    const pg = await runOne('pg', () => PgLogStore.open(url), opts, async () => {
      const store = await PgLogStore.open(url);
      try {
        await store.pool.query('VACUUM ANALYZE');
        const { rows } = await store.pool.query<{ name: string; bytes: string }>(
          "SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'",
        );
        const byTable = Object.fromEntries(rows.filter((r) => Number(r.bytes) > 16_384).map((r) => [r.name, Number(r.bytes)]));
        return { total: rows.reduce((s, r) => s + Number(r.bytes), 0), byTable };
      } finally {
        await store.close();
      }
    });
    const dir = await tempDir('cl-bench-pg-level-');
    try {
      const path = join(dir.path, 'ledger');
      const level = await runOne('level', () => LevelLogStore.open(path), opts, async () => ({ total: (await dirSize(path)).bytes }));
      return { pg, level };
    } finally {
      await dir.remove();
    }
  } finally {
    await cluster?.stop();
  }
}
