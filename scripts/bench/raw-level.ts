/**
 * The storage ceiling for (c): raw synced LevelDB batch writes (`db.batch(ops, { sync: true })`,
 * one writer, like the sequencer) of records shaped exactly like the ones a deposit commit
 * writes. The shape is captured from a real 1,000-entry commit made through Deposits/Ledger.
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

/** The records of one real commit of `entries` hash-only deposits (values kept, keys re-made per batch). */
export interface CommitShape {
  entries: number;
  ops: { key: Uint8Array; value: Uint8Array }[];
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
    const ledger = await Ledger.open({ store, signer, verifierKey: signer.verifierKey, origin: DEFAULT_ORIGIN, sha256: nodeSha256, clock: systemClock });
    const deposits = new Deposits(ledger, store, nodeSha256, systemRandom, systemClock);
    const account: AccountRecord = { id: 'acc_' + randomBytes(12).toString('base64url'), name: 'Bench', email: 'bench@example.com', kind: 'organisation', role: 'platform', createdAt: new Date().toISOString() };
    // Warm the tree past the first few levels so the node count per entry is the steady one.
    await deposits.depositBatch(account, randomHexes(4096).map((sha256) => ({ sha256 })));
    let captured: readonly BatchOp[] = [];
    const undo = instrument(store.db, emptyStats(), (ops) => (captured = ops));
    await deposits.depositBatch(account, randomHexes(entries).map((sha256) => ({ sha256 })));
    undo();
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
    const entryOp = captured.find((o) => o.key[0] === 0x65);
    return {
      entries,
      ops: captured.map((o) => ({ key: o.key, value: o.value ?? new Uint8Array(0) })),
      perEntry,
      recordsPerEntry: records / entries,
      bytesPerEntry: bytes / entries,
      entryBytes: entryOp?.value?.length ?? 0,
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
    const shapeOps = mode === 'shape' ? resizeShape(shape, entries) : [];
    const perBatch = mode === 'flat' ? entries : shapeOps.filter((o) => o.key[0] === 0x65).length;
    const build = (): { type: 'put'; key: Uint8Array; value: Uint8Array }[] => {
      const ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = [];
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
          case 0x65: // 'e' + u64 index
            key = seqKey(0x65, -1, base + readU64(k, 1));
            break;
          case 0x6e: // 'n' + level + u64 index (shifted like the level's index)
            key = seqKey(0x6e, k[1]!, (base >> BigInt(k[1]!)) + readU64(k, 2));
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
        ops.push({ type: 'put', key, value: op.value });
      }
      return ops;
    };
    const write = (ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[]): Promise<void> => {
      if (api === 'array') return db.batch(ops, { sync: true });
      const b = db.batch();
      for (const op of ops) b.put(op.key, op.value);
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

/**
 * The captured commit scaled to `entries` (a multiple of the captured size): per-entry records
 * repeated with entry and node indexes shifted, per-commit records (block, head) once.
 */
function resizeShape(shape: CommitShape, entries: number): { key: Uint8Array; value: Uint8Array }[] {
  const rel = relative(shape);
  const reps = Math.max(1, Math.round(entries / shape.entries));
  if (reps === 1) return rel;
  const isPerCommit = (o: { key: Uint8Array }) => o.key[0] === 0x62 || o.key[0] === 0x73 || o.key[0] === 0x48;
  const out: { key: Uint8Array; value: Uint8Array }[] = [];
  for (let r = 0; r < reps; r++) {
    const shift = BigInt(r * shape.entries);
    for (const o of rel) {
      if (isPerCommit(o)) continue;
      if (o.key[0] === 0x65) out.push({ key: seqKey(0x65, -1, readU64(o.key, 1) + shift), value: o.value });
      else if (o.key[0] === 0x6e) out.push({ key: seqKey(0x6e, o.key[1]!, readU64(o.key, 2) + (shift >> BigInt(o.key[1]!))), value: o.value });
      else out.push(o); // random keys: re-made per batch by the builder
    }
  }
  return [...out, ...rel.filter(isPerCommit)];
}

/** Entry and node keys made relative to the captured batch's first entry. */
function relative(shape: CommitShape): { key: Uint8Array; value: Uint8Array }[] {
  const first = shape.ops.find((o) => o.key[0] === 0x65);
  const base = first ? readU64(first.key, 1) : 0n;
  return shape.ops.map((o) => {
    if (o.key[0] === 0x65) return { key: seqKey(0x65, -1, readU64(o.key, 1) - base), value: o.value };
    if (o.key[0] === 0x6e) {
      const lvl = o.key[1]!;
      const rel = readU64(o.key, 2) - (base >> BigInt(lvl));
      return { key: seqKey(0x6e, lvl, rel < 0n ? 0n : rel), value: o.value };
    }
    return o;
  });
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
