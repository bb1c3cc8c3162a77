/**
 * The storage ceiling for (c): raw synced LevelDB batch writes (`db.batch(ops, { sync: true })`,
 * one writer, like the sequencer) of records shaped exactly like the ones a deposit commit
 * writes. The shape is captured from a real commit (1,000 entries, or the server's mean commit
 * size) made through Deposits/Ledger: entry bundles ('B'), hash tiles ('T'), deposit records,
 * indexes, block and head, with the same values.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Level } from 'level';
import { DEFAULT_ORIGIN, loadOrCreateSigner, nodeSha256 } from '../../src/adapters/crypto/node.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { Deposits } from '../../src/app/deposits.js';
import { Ledger } from '../../src/app/log.js';
import type { AccountRecord } from '../../src/app/ports.js';
import { systemClock, systemRandom } from '../../src/server.js';
import { emptyStats, instrument, type BatchOp } from './instrument.js';
import { fmtInt, note, randomHexes, tempDir } from './util.js';
import { ledgerRecords } from '../../src/adapters/records/core-records.js';

/** The records of one real commit of `entries` hash-only deposits (values kept, keys re-made per batch). */
type RawOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

export interface CommitShape {
  entries: number;
  /** Tree size before the captured commit (its first entry's index). */
  first: number;
  ops: RawOp[];
  /** Records and key+value bytes per entry, by key prefix. */
  perEntry: Record<string, { records: number; bytes: number }>;
  recordsPerEntry: number;
  bytesPerEntry: number;
  entryBytes: number;
}

/** Makes one real commit of `entries` deposits and returns what it wrote. */
export async function captureCommitShape(entries = 1000): Promise<CommitShape> {
  const dir = await tempDir('cl-bench-shape-');
  try {
    const signer = await loadOrCreateSigner({ origin: DEFAULT_ORIGIN, dataDir: dir.path });
    const store = await LevelLogStore.open(join(dir.path, 'ledger'));
    const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: DEFAULT_ORIGIN, sha256: nodeSha256, clock: systemClock });
    const deposits = new Deposits(ledger, store, nodeSha256, systemRandom, systemClock);
    const account: AccountRecord = { id: 'acc_' + randomBytes(12).toString('base64url'), name: 'Bench', email: 'bench@example.com', kind: 'organisation', role: 'platform', createdAt: new Date().toISOString() };
    // Warm the tree past the first few levels so the node count per entry is the steady one.
    await deposits.depositBatch(account, randomHexes(4096 + 100).map((sha256) => ({ sha256 })));
    const first = Number(ledger.treeSize);
    const captured: BatchOp[] = [];
    let commits = 0;
    const undo = instrument(store.db, emptyStats(), (ops) => {
      captured.push(...ops);
      commits++;
    });
    // depositBatch takes at most 10,000 items; calls made in one turn make one group commit.
    await Promise.all(
      Array.from({ length: Math.ceil(entries / 10_000) }, (_, i) =>
        deposits.depositBatch(account, randomHexes(Math.min(10_000, entries - i * 10_000)).map((sha256) => ({ sha256 }))),
      ),
    );
    undo();
    if (Number(ledger.treeSize) !== first + entries) throw new Error('the captured commits lost entries');
    if (commits !== 1) note(`raw LevelDB baseline: ${fmtInt(entries)} entries took ${commits} commits; their records are written as one batch`);
    const entryBytes = (await ledger.entry(BigInt(first)))!.length;
    await ledger.close();
    await store.close();
    const perEntry: Record<string, { records: number; bytes: number }> = {};
    let records = 0;
    let bytes = 0;
    for (const op of captured) {
      const p = String.fromCharCode(op.key[0]!);
      const slot = (perEntry[p] ??= { records: 0, bytes: 0 });
      slot.records += 1 / entries;
      slot.bytes += (op.key.length + (op.value?.length ?? 0)) / entries;
      records++;
      bytes += op.key.length + (op.value?.length ?? 0);
    }
    return {
      entries,
      first,
      ops: captured.map((o): RawOp => (o.type === 'del' ? { type: 'del', key: o.key } : { type: 'put', key: o.key, value: o.value ?? new Uint8Array(0) })),
      perEntry,
      recordsPerEntry: records / entries,
      bytesPerEntry: bytes / entries,
      entryBytes,
    };
  } finally {
    await dir.remove();
  }
}

export interface RawFigure {
  label: string;
  entriesPerBatch: number;
  recordsPerBatch: number;
  batches: number;
  seconds: number;
  recordsPerSec: number;
  entriesPerSec: number;
  meanBatchMs: number;
}

/**
 * Synced batches for `seconds`. `mode`:
 * - 'shape': every record of the captured commit, same key layout and value bytes; entry and node
 *   keys advance like the log's, deposit and sha keys are fresh random (as real ids and hashes are);
 * - 'flat': one record per entry (9-byte key, value = all bytes one entry writes), `entries` per batch.
 * The next batch is built while the current one is being written, so JS building time is hidden.
 */
export async function rawBatchRate(
  shape: CommitShape,
  mode: 'shape' | 'flat',
  entries: number,
  seconds: number,
  api: 'array' | 'chained' = 'array',
): Promise<RawFigure> {
  const dir = await tempDir('cl-bench-raw-');
  const db = new Level<Uint8Array, Uint8Array>(join(dir.path, 'raw'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    let batchNo = 0;
    let entryBase = 0n;
    const flatValue = randomBytes(Math.max(1, Math.round(shape.bytesPerEntry) - 9));
    if (mode === 'shape' && entries !== shape.entries) throw new Error(`the shape holds ${shape.entries} entries, not ${entries}: capture one of that size`);
    const shapeOps = mode === 'shape' ? relative(shape) : [];
    const perBatch = entries;
    const build = (): RawOp[] => {
      const ops: RawOp[] = [];
      const base = entryBase;
      entryBase += BigInt(perBatch);
      batchNo++;
      if (mode === 'flat') {
        for (let i = 0; i < entries; i++) ops.push({ type: 'put', key: seqKey(0x65, 0, base + BigInt(i)), value: flatValue });
        return ops;
      }
      for (const op of shapeOps) {
        const k = op.key;
        let key: Uint8Array;
        switch (k[0]) {
          case 0x42: // 'B' + u64 bundle index [+ fragment start] (256 entries per bundle)
            key = withU64(k, 1, (base >> 8n) + readU64(k, 1));
            break;
          case 0x54: // 'T' + tile level L + u64 tile index [+ fragment start] (2^(8L+8) entries per tile)
          case 0x55: // 'U' + L + u64 index [+ fragment start]: tree level 8L+4 (2^(8L+12) entries per tile)
            key = withU64(k, 2, (base >> tileShift(k)) + readU64(k, 2));
            break;
          case 0x62: // 'b' + u64 height
            key = seqKey(0x62, -1, BigInt(batchNo));
            break;
          case 0x73: // 's' + treeSize + height
            key = Uint8Array.from([...seqKey(0x73, -1, base), ...u64(BigInt(batchNo))]);
            break;
          case 0x48: // head: the same key every time
            key = k;
            break;
          default: // 'D' deposit id, 'h' sha256 + index, 'c' claims: random like real ids/hashes
            key = new Uint8Array(k.length);
            key[0] = k[0]!;
            key.set(randomBytes(k.length - 1), 1);
        }
        ops.push(op.type === 'del' ? { type: 'del', key } : { type: 'put', key, value: op.value });
      }
      return ops;
    };
    const write = (ops: RawOp[]): Promise<void> => {
      if (api === 'array') return db.batch(ops, { sync: true });
      const b = db.batch();
      for (const op of ops) {
        if (op.type === 'put') b.put(op.key, op.value);
        else b.del(op.key);
      }
      return b.write({ sync: true });
    };
    // Warm-up batch, not timed.
    await write(build());
    let batches = 0;
    let next = build();
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const p = write(next);
      next = build();
      await p;
      batches++;
    }
    const secs = (performance.now() - t0) / 1000;
    const recordsPerBatch = mode === 'flat' ? entries : shapeOps.length;
    const fig: RawFigure = {
      label:
        (mode === 'flat' ? `${entries} records of ${Math.round(shape.bytesPerEntry)} B` : `${perBatch} entries as ${recordsPerBatch} records`) +
        (api === 'chained' ? ', chained batch' : ''),
      entriesPerBatch: perBatch,
      recordsPerBatch,
      batches,
      seconds: secs,
      recordsPerSec: (batches * recordsPerBatch) / secs,
      entriesPerSec: (batches * perBatch) / secs,
      meanBatchMs: (secs * 1000) / batches,
    };
    note(`raw LevelDB ${fig.label}: ${fmtInt(fig.entriesPerSec)} entries/s, ${fmtInt(fig.recordsPerSec)} records/s, ${fig.meanBatchMs.toFixed(1)} ms/batch`);
    return fig;
  } finally {
    await db.close();
    await dir.remove();
  }
}

/** Bundle and tile keys made relative to the captured commit's first entry. */
function relative(shape: CommitShape): RawOp[] {
  const base = BigInt(shape.first);
  return shape.ops.map((o) => {
    if (o.key[0] === 0x42) return { ...o, key: withU64(o.key, 1, readU64(o.key, 1) - (base >> 8n)) };
    if (o.key[0] === 0x54 || o.key[0] === 0x55) return { ...o, key: withU64(o.key, 2, readU64(o.key, 2) - (base >> tileShift(o.key))) };
    return o;
  });
}

/** log2 of the entries one 'T' or 'U' tile covers. */
function tileShift(key: Uint8Array): bigint {
  return BigInt(8 * key[1]! + (key[0] === 0x55 ? 12 : 8));
}

/** A copy of `key` with the u64 at `offset` replaced by `n`. */
function withU64(key: Uint8Array, offset: number, n: bigint): Uint8Array {
  const out = key.slice();
  new DataView(out.buffer).setBigUint64(offset, n);
  return out;
}

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

function readU64(b: Uint8Array, off: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off);
}

/** prefix [+ level byte if level >= 0] + u64 big-endian. */
function seqKey(prefix: number, level: number, n: bigint): Uint8Array {
  const head = level >= 0 ? 2 : 1;
  const k = new Uint8Array(head + 8);
  k[0] = prefix;
  if (level >= 0) k[1] = level;
  new DataView(k.buffer).setBigUint64(head, n);
  return k;
}
