/**
 * (a) hash-only entries appended through the use-case layer (Deposits → Ledger → LevelLogStore),
 * no HTTP; (b) inclusion and consistency proof latency on the resulting store.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Level } from 'level';
import { DEFAULT_ORIGIN, loadOrCreateSigner, nodeSha256, nodeTextSha256Hex, nodeTreeSha256 } from '../../src/adapters/crypto/node.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { Accounts } from '../../src/app/accounts.js';
import { Deposits } from '../../src/app/deposits.js';
import { Ledger } from '../../src/app/log.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { systemClock, systemRandom } from '../../src/server.js';
import { emptyStats, instrument, type BatchStats } from './instrument.js';
import { chainedBatch, pooledRandom, type WhatIf } from './whatif.js';
import { contentionWindow, dirSize, fmtInt, note, ownCpuMs, randomHexes, summarize, tempDir, type LatencySummary } from './util.js';
import { accountRecords, ledgerRecords } from '../../src/adapters/records/core-records.js';

export interface AppendOptions {
  entries: number;
  /** Items per depositBatch call (the use case accepts up to 10,000). */
  batchItems: number;
  /** depositBatch calls kept in flight, so group commit has something to group. */
  inFlight: number;
  proofs: number;
  /** Bench-only patches measuring proposed src changes (see whatif.ts). */
  whatif?: ReadonlySet<WhatIf>;
}

export interface DiskFigure {
  bytes: number;
  allocated: number;
  perEntry: number;
  byKind: Record<string, number>;
}

export interface AppendFigures {
  entries: number;
  seconds: number;
  entriesPerSec: number;
  batchItems: number;
  inFlight: number;
  /** Logical bytes handed to LevelDB (keys + values), per entry. */
  logicalBytesPerEntry: number;
  store: BatchStats;
  /** Mean entries per sequencer commit. */
  meanCommitEntries: number;
  /** Share of wall time with a synced db.batch outstanding. */
  writeBusyShare: number;
  /** Time spent generating random input in the driver (included in `seconds`). */
  inputGenMs: number;
  entryBytes: number;
  disk: { afterAppend: DiskFigure; afterClose: DiskFigure; afterCompact: DiskFigure; compactSeconds: number; onDiskPerEntryByKind: Record<string, number> };
  /** The figure checked against the target (see `diskReported`). */
  diskBytesPerEntry: number;
  diskReported: string;
  /** CPU of this process during the append, as cores (LevelDB's threads included). */
  ownCores: number;
  /** CPU cores used by other processes on the machine meanwhile. */
  othersCores?: number;
}

export interface ProofFigures {
  treeSize: number;
  inclusion: LatencySummary;
  consistency: LatencySummary;
  inclusionHashes: number;
  consistencyHashes: number;
  verified: number;
}

const randomBelow = (n: bigint): bigint => BigInt(Math.floor(Math.random() * Number(n)));

function disk(size: Awaited<ReturnType<typeof dirSize>>, entries: number): DiskFigure {
  return { bytes: size.bytes, allocated: size.allocated, perEntry: size.bytes / entries, byKind: size.byKind };
}

export async function runAppendAndProofs(
  opts: AppendOptions,
  wantProofs: boolean,
): Promise<{ append: AppendFigures; proofs?: ProofFigures }> {
  const dir = await tempDir('cl-bench-append-');
  const ledgerDir = join(dir.path, 'ledger');
  try {
    const signer = await loadOrCreateSigner({ origin: DEFAULT_ORIGIN, dataDir: dir.path });
    const store = await LevelLogStore.open(ledgerDir, { compressBundles: !opts.whatif?.has('raw-bundles') });
    const stats = emptyStats();
    if (opts.whatif?.has('chained-batch')) {
      const db = store.db as unknown as { batch: Parameters<typeof chainedBatch>[0] };
      db.batch = chainedBatch(db.batch);
    }
    const random = opts.whatif?.has('pooled-random') ? pooledRandom() : systemRandom;
    instrument(store.db, stats);
    const ledger = await Ledger.open({
      store,
      ...ledgerRecords(store),
      signer,
      verifierKey: signer.verifierKey,
      origin: DEFAULT_ORIGIN,
      sha256: nodeTreeSha256,
      clock: systemClock,
    });
    const accounts = new Accounts(store, accountRecords(store), nodeSha256, random, systemClock);
    const { account } = await accounts.create({ name: 'Bench', email: 'bench@example.com', kind: 'organisation', role: 'platform' });
    const deposits = new Deposits(ledger, store, nodeSha256, random, systemClock, { textSha256Hex: nodeTextSha256Hex });
    const base = { ...stats, byPrefix: { ...stats.byPrefix } };

    // Write-busy time: union of intervals with a db.batch outstanding (commits never overlap).
    let issued = 0;
    let done = 0;
    let inputGenMs = 0;
    const cw = contentionWindow();
    const own0 = ownCpuMs();
    const t0 = performance.now();
    let lastT = t0;
    let lastDone = 0;
    const progress = setInterval(() => {
      const now = performance.now();
      const rate = ((done - lastDone) * 1000) / (now - lastT);
      note(
        `(a) ${fmtInt(done)} / ${fmtInt(opts.entries)} entries, ${fmtInt(rate)}/s now, ` +
          `${fmtInt((done * 1000) / (now - t0))}/s overall, commits ${stats.commits - base.commits}, backlog ${fmtInt(ledger.backlog)}`,
      );
      lastT = now;
      lastDone = done;
    }, 5000);
    const worker = async () => {
      while (issued < opts.entries) {
        const n = Math.min(opts.batchItems, opts.entries - issued);
        issued += n;
        const g = performance.now();
        const items = randomHexes(n).map((sha256) => ({ sha256 }));
        inputGenMs += performance.now() - g;
        const r = await deposits.depositBatch(account, items);
        if (r.length !== n) throw new Error(`depositBatch returned ${r.length} results for ${n} items`);
        done += n;
      }
    };
    try {
      await Promise.all(Array.from({ length: opts.inFlight }, worker));
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - t0) / 1000;
    const ownMs = ownCpuMs() - own0;
    const othersCores = cw.stop(ownMs)?.othersCores;
    const treeSize = Number(ledger.treeSize);
    if (treeSize !== opts.entries) throw new Error(`tree size ${treeSize} after appending ${opts.entries}`);
    const afterAppend = disk(await dirSize(ledgerDir), opts.entries);
    const commits = stats.commits - base.commits;
    const runStats: BatchStats = {
      ...stats,
      commits,
      records: stats.records - base.records,
      entries: stats.entries - base.entries,
      keyBytes: stats.keyBytes - base.keyBytes,
      valueBytes: stats.valueBytes - base.valueBytes,
      batchMs: stats.batchMs - base.batchMs,
    };
    const entryBytes = (await ledger.entry(0n))!.length;
    note(`(a) ${fmtInt(opts.entries)} entries in ${seconds.toFixed(1)} s (${fmtInt(opts.entries / seconds)}/s), ${commits} commits`);

    let proofs: ProofFigures | undefined;
    if (wantProofs) proofs = await runProofs(ledger, opts.proofs);

    await ledger.close();
    await store.close();
    const afterClose = disk(await dirSize(ledgerDir), opts.entries);

    // Reopen raw (replays the write-ahead log into a table) and compact everything.
    const c0 = performance.now();
    const db = new Level<Uint8Array, Uint8Array>(ledgerDir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    // `level` resolves to classic-level on Node, which has compactRange (its types do not say so).
    await (db as unknown as { compactRange(a: Uint8Array, b: Uint8Array): Promise<void> }).compactRange(Uint8Array.of(0), Uint8Array.of(0xff));
    // On-disk share of each record kind (LevelDB's estimate from its table index).
    const onDiskByPrefix: Record<string, number> = {};
    const approx = db as unknown as { approximateSize(a: Uint8Array, b: Uint8Array): Promise<number> };
    for (const [name, lo, hi] of [
      ['B entry bundles', [0x42], [0x43]],
      ['T tile level 0 (leaf hashes)', [0x54, 0], [0x54, 1]],
      ['T tile levels >= 1', [0x54, 1], [0x55]],
      ['U mid-level tiles (tree levels 4, 12, …)', [0x55], [0x56]],
      ['D deposits', [0x44], [0x45]],
      ['h sha256 index', [0x68], [0x69]],
      ['A per-account index', [0x41], [0x42]],
    ] as const) {
      onDiskByPrefix[name] = (await approx.approximateSize(Uint8Array.from(lo), Uint8Array.from(hi))) / opts.entries;
    }
    await db.close();
    const compactSeconds = (performance.now() - c0) / 1000;
    const afterCompact = disk(await dirSize(ledgerDir), opts.entries);

    const append: AppendFigures = {
      entries: opts.entries,
      seconds,
      entriesPerSec: opts.entries / seconds,
      batchItems: opts.batchItems,
      inFlight: opts.inFlight,
      logicalBytesPerEntry: (runStats.keyBytes + runStats.valueBytes) / opts.entries,
      store: runStats,
      meanCommitEntries: runStats.entries / Math.max(1, commits),
      writeBusyShare: runStats.batchMs / (seconds * 1000),
      inputGenMs,
      entryBytes,
      disk: { afterAppend, afterClose, afterCompact, compactSeconds, onDiskPerEntryByKind: onDiskByPrefix },
      // The larger of the live figure (write-ahead log still holding recent records) and the
      // at-rest one (after a clean shutdown) is what the summary checks against the target.
      diskBytesPerEntry: Math.max(afterAppend.perEntry, afterClose.perEntry),
      diskReported: 'max(right after appending, after close)',
      ownCores: ownMs / (seconds * 1000),
      ...(othersCores !== undefined ? { othersCores } : {}),
    };
    return proofs ? { append, proofs } : { append };
  } finally {
    await dir.remove();
  }
}

async function runProofs(ledger: Ledger, count: number): Promise<ProofFigures> {
  const size = ledger.treeSize;
  const root = ledger.latestBlock.rootHash;
  const warm = Math.min(200, count);
  // Warm-up (JIT, LevelDB table cache), not timed.
  for (let i = 0; i < warm; i++) {
    await ledger.inclusionProof(randomBelow(size), size);
    const to = 2n + randomBelow(size - 1n);
    await ledger.consistencyProof(1n + randomBelow(to - 1n), to);
  }
  const incl: number[] = [];
  const cons: number[] = [];
  let inclusionHashes = 0;
  let consistencyHashes = 0;
  let verified = 0;
  note(`(b) ${count} inclusion + ${count} consistency proofs at tree size ${fmtInt(Number(size))}`);
  for (let i = 0; i < count; i++) {
    const index = randomBelow(size);
    const t = performance.now();
    const p = await ledger.inclusionProof(index, size);
    incl.push(performance.now() - t);
    inclusionHashes += p.hashes.length;
    if (i < 100) {
      verifyInclusion(ledger.hasher, index, size, p.leafHash, p.hashes, root);
      verified++;
    }
  }
  for (let i = 0; i < count; i++) {
    const to = 2n + randomBelow(size - 1n); // [2, size]
    const from = 1n + randomBelow(to - 1n); // [1, to - 1]
    const t = performance.now();
    const hashes = await ledger.consistencyProof(from, to);
    cons.push(performance.now() - t);
    consistencyHashes += hashes.length;
  }
  // Consistency proofs are checked between signed blocks, whose roots are known.
  const height = ledger.latestBlock.height;
  for (let i = 0; i < 50 && height > 1n; i++) {
    const h2 = 1n + randomBelow(height);
    const h1 = 1n + randomBelow(h2);
    const [b1, b2] = [await ledger.block(h1), await ledger.block(h2)];
    if (!b1 || !b2) throw new Error('missing block');
    verifyConsistency(ledger.hasher, b1.treeSize, b2.treeSize, await ledger.consistencyProof(b1.treeSize, b2.treeSize), b1.rootHash, b2.rootHash);
    verified++;
  }
  return {
    treeSize: Number(size),
    inclusion: summarize(incl),
    consistency: summarize(cons),
    inclusionHashes: inclusionHashes / count,
    consistencyHashes: consistencyHashes / count,
    verified,
  };
}
