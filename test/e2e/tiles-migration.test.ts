/**
 * A store written in the layout of earlier versions (one 'e' record per entry, one 'n' record per
 * perfect tree node: the real app over a store whose commit writes those keys, as the earlier
 * `commit` did) is audited read-only, migrated to tiles on open (once interrupted after two
 * batches, then resumed), and audited again: both audits pass, and the checkpoint root, every
 * sampled inclusion proof, every tile and every entry bundle are the same before and after.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeSha256 } from '../../src/adapters/crypto/node.js';
import { levelAuditSource } from '../../src/adapters/level/audit-source.js';
import * as K from '../../src/adapters/level/keys.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { audit } from '../../src/app/audit.js';
import { Deposits } from '../../src/app/deposits.js';
import { Ledger } from '../../src/app/log.js';
import type { AccountRecord, CommitBatch, LedgerStore } from '../../src/app/ports.js';
import { toHex } from '../../src/core/bytes.js';
import { isLogError } from '../../src/core/errors.js';
import { createEd25519Signer, formatVerifierKey } from '../../src/core/note.js';
import { tempDir } from '../support/service.js';
import { ledgerRecords } from '../../src/adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(3));
const verifierKey = formatVerifierKey(ORIGIN, signer.publicKey);
const clock = { now: () => Date.now() };
const account: AccountRecord = { id: 'acc_migrate', name: 'M', email: 'm@example.com', kind: 'organisation', role: 'platform', createdAt: '2026-11-30T00:00:00.000Z' };
// 66,000 entries: full and partial bundles and level-0 tiles, a full level-1 tile (level 8 nodes), a level-16 node.
const BATCHES = [1, 255, 300, 9_444, 10_000, 10_000, 10_000, 10_000, 10_000, 6_000];

type Db = Level<Uint8Array, Uint8Array>;

/** The store as an earlier version wrote it: its commit put 'e' and 'n' records, no tiles. */
function oldFormat(store: LevelLogStore): LedgerStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'commit') {
        return async (batch: CommitBatch) => {
          const b = target.db.batch();
          for (const e of batch.entries) b.put(K.entryKey(e.index), e.bytes);
          for (const n of batch.nodes) b.put(K.nodeKey(n.id.level, n.id.index), n.hash);
          await b.write({ sync: true });
          await target.commit({ ...batch, entries: [], nodes: [] });
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function countPrefix(db: Db, prefix: number): Promise<number> {
  return (await db.keys({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) }).all()).length;
}

async function openLedger(store: LedgerStore) {
  return Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey, origin: ORIGIN, sha256: nodeSha256, clock });
}

interface Snapshot {
  root: string;
  treeSize: bigint;
  proofs: string[];
  tiles: string[];
  bundles: string[];
}

/** What must not change: the root, inclusion proofs (sampled, at the latest size and at each block), tiles, bundles. */
async function snapshot(store: LevelLogStore, sample: bigint[]): Promise<Snapshot> {
  const ledger = await openLedger(store);
  try {
    const size = ledger.treeSize;
    const proofs: string[] = [];
    for (const i of sample) {
      const p = await ledger.inclusionProof(i, size);
      proofs.push([toHex(p.leafHash), ...p.hashes.map(toHex)].join(','));
      const covering = await store.findCoveringBlock(i);
      const q = await ledger.inclusionProof(i, covering!.treeSize);
      proofs.push(q.hashes.map(toHex).join(','));
    }
    const tiles: string[] = [];
    for (let level = 0; level < 3; level++) {
      for (let n = 0n; ; n++) {
        const t = await store.getTile(level, n);
        if (t === undefined) break;
        tiles.push(`${level}/${n}:${toHex(t)}`);
      }
    }
    const bundles: string[] = [];
    for (let n = 0n; ; n++) {
      const b = await store.getEntryBundle(n);
      if (b === undefined) break;
      bundles.push(toHex(b));
    }
    return { root: toHex(ledger.latestBlock.rootHash), treeSize: size, proofs, tiles, bundles };
  } finally {
    await ledger.close();
  }
}

const dirs: { remove: () => Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => d.remove()));
});

describe('migration of an earlier store layout to tiles', () => {
  it('audits before and after, resumes after an interrupted migration, and changes no root, proof, tile or bundle', async () => {
    const dir = await tempDir('cl-tiles-migrate-');
    dirs.push(dir);
    const path = join(dir.path, 'ledger');

    // 1. The real app over the earlier layout.
    const raw = await LevelLogStore.open(path);
    const ledger = await openLedger(oldFormat(raw));
    const deposits = new Deposits(ledger, oldFormat(raw), nodeSha256, (n) => randomBytes(n), clock);
    for (const n of BATCHES) await deposits.depositBatch(account, Array.from({ length: n }, () => ({ sha256: randomBytes(32).toString('hex') })));
    const total = BATCHES.reduce((a, b) => a + b, 0);
    expect(ledger.treeSize).toBe(BigInt(total));
    await ledger.close();
    await raw.close();
    const db: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    // Earlier versions had no tiles marker.
    await db.del(K.metaKey('tiles-v1'));
    expect(await countPrefix(db, K.P.entry)).toBe(total);
    expect(await countPrefix(db, K.P.bundle)).toBe(0);
    expect(await countPrefix(db, K.P.tile)).toBe(0);
    await db.close();

    // 2. Read-only (audit) over the earlier layout.
    const sample = [0n, 1n, 255n, 256n, 65_535n, 65_536n, BigInt(total - 1), ...Array.from({ length: 300 }, () => BigInt(Math.floor(Math.random() * total)))];
    const old = await LevelLogStore.open(path, { readOnly: true });
    expect(old.tiled).toBe(false);
    const before = await audit(levelAuditSource(old), { verifierKey, sha256: nodeSha256 });
    expect(before).toMatchObject({ ok: true, entries: BigInt(total), blocks: BigInt(BATCHES.length + 1) });
    const expected = await snapshot(old, sample);
    await old.close();
    expect(expected.tiles).toHaveLength(Math.ceil(total / 256) + 2 + 1);
    expect(expected.bundles).toHaveLength(Math.ceil(total / 256));

    // 3. Interrupted after two batches of 4,096; a read-only open then refuses the half-migrated store.
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    const cut = await LevelLogStore.open(path, { chunk: 4096, stopAfterChunks: 2, log });
    expect(cut.tiled).toBe(false);
    await cut.close();
    await expect(LevelLogStore.open(path, { readOnly: true })).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store'));
    const db2: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db2.open();
    expect(await countPrefix(db2, K.P.entry)).toBe(total - 2 * 4096);
    expect(await countPrefix(db2, K.P.bundle)).toBe(32);
    await db2.close();

    // 4. Resumed: done, nothing of the earlier layout left.
    const migrated = await LevelLogStore.open(path, { chunk: 4096, log });
    expect(migrated.tiled).toBe(true);
    expect(lines.some((l) => l.includes('tiles migration done'))).toBe(true);
    expect(await countPrefix(migrated.db, K.P.entry)).toBe(0);
    expect(await countPrefix(migrated.db, K.P.node)).toBe(0);
    expect(await countPrefix(migrated.db, K.P.bundle)).toBe(Math.ceil(total / 256));
    await migrated.close();

    // 5. Read-only audit of the migrated store, and the same root, proofs, tiles and bundles.
    const after = await LevelLogStore.open(path, { readOnly: true });
    expect(after.tiled).toBe(true);
    expect(await audit(levelAuditSource(after), { verifierKey, sha256: nodeSha256 })).toMatchObject({ ok: true, entries: BigInt(total), blocks: BigInt(BATCHES.length + 1) });
    await after.close();
    const again = await LevelLogStore.open(path);
    const got = await snapshot(again, sample);
    expect(got.root).toBe(expected.root);
    expect(got.treeSize).toBe(expected.treeSize);
    expect(got.proofs).toEqual(expected.proofs);
    expect(got.tiles).toEqual(expected.tiles);
    expect(got.bundles).toEqual(expected.bundles);

    // 6. The migrated store takes new deposits on top of its partial tiles and bundle.
    const l2 = await openLedger(again);
    const d2 = new Deposits(l2, again, nodeSha256, (n) => randomBytes(n), clock);
    await d2.depositBatch(account, Array.from({ length: 700 }, () => ({ sha256: randomBytes(32).toString('hex') })));
    await l2.close();
    expect(await audit(levelAuditSource(again), { verifierKey, sha256: nodeSha256 })).toMatchObject({ ok: true, entries: BigInt(total + 700) });
    await again.close();
  }, 180_000);
});
