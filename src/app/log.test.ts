import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { blockHash, openCheckpoint, ZERO_HASH } from '../core/checkpoint.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { TreeHasher, verifyConsistency, verifyInclusion } from '../core/merkle.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { Ledger, type PendingEntry } from './log.js';
import type { Clock } from './ports.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(7));
const hasher = new TreeHasher(portableSha256);

async function open(store = new MemoryLogStore(), clock: Clock = { now: () => Date.parse('2026-11-26T10:00:00.000Z') }, extra = {}) {
  const ledger = await Ledger.open({
    store,
    ...ledgerRecords(store),
    signer,
    verifierKey: formatVerifierKey(ORIGIN, signer.publicKey),
    origin: ORIGIN,
    sha256: portableSha256,
    clock,
    ...extra,
  });
  return { ledger, store };
}

const item = (n: number): PendingEntry => ({ bytes: new TextEncoder().encode(`{"n":${n}}`) });

describe('Ledger', () => {
  it('writes block 0, the empty tree, when the store is new', async () => {
    const { ledger } = await open();
    const b = ledger.latestBlock;
    expect(b.height).toBe(0n);
    expect(b.treeSize).toBe(0n);
    expect(b.rootHash).toEqual(hasher.emptyRoot());
    expect(b.prevHash).toEqual(ZERO_HASH);
    const { checkpoint } = openCheckpoint(b.checkpoint, ledger.verifierKey);
    expect(checkpoint.height).toBe(0n);
  });

  it('groups concurrent appends into batches, each a signed block chained to the last', async () => {
    const { ledger } = await open();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => ledger.append([item(2 * i), item(2 * i + 1)])));
    const indexes = results.flat().map((r) => r.index);
    expect(new Set(indexes).size).toBe(80);
    expect(indexes.sort((a, b) => (a < b ? -1 : 1))[79]).toBe(79n);
    // Items of one append stay together and in order.
    for (const r of results) expect(r[1]!.index).toBe(r[0]!.index + 1n);
    const height = ledger.latestBlock.height;
    expect(height).toBeGreaterThanOrEqual(1n);
    expect(height).toBeLessThan(40n); // group commit: fewer blocks than appends
    let prev = await ledger.block(0n);
    for (let h = 1n; h <= height; h++) {
      const b = (await ledger.block(h))!;
      const { checkpoint, body } = openCheckpoint(b.checkpoint, ledger.verifierKey);
      expect(checkpoint.height).toBe(h);
      const prevBody = openCheckpoint(prev!.checkpoint, ledger.verifierKey).body;
      expect(checkpoint.prevHash).toEqual(blockHash(prevBody));
      expect(b.treeSize).toBeGreaterThan(prev!.treeSize);
      if (prev!.treeSize > 0n) {
        verifyConsistency(hasher, prev!.treeSize, b.treeSize, await ledger.consistencyProof(prev!.treeSize, b.treeSize), prev!.rootHash, b.rootHash);
      }
      expect(body.startsWith(ORIGIN + '\n')).toBe(true);
      prev = b;
    }
    const root = ledger.latestBlock.rootHash;
    for (let i = 0n; i < 80n; i++) {
      const p = await ledger.inclusionProof(i);
      verifyInclusion(hasher, i, 80n, p.leafHash, p.hashes, root);
      expect(p.leafHash).toEqual(hasher.hashLeaf((await ledger.entry(i))!));
    }
  });

  it('leaves the log unchanged when a commit fails, and carries on', async () => {
    const { ledger, store } = await open();
    await ledger.append([item(0)]);
    store.failNextCommit = new Error('disk full');
    await expect(ledger.append([item(1), item(2)])).rejects.toThrow('disk full');
    expect(ledger.treeSize).toBe(1n);
    expect(ledger.latestBlock.height).toBe(1n);
    expect(await store.getEntry(1n)).toBeUndefined();
    const [r] = await ledger.append([item(3)]);
    expect(r!.index).toBe(1n);
    expect(r!.block).toBe(2n);
    expect(new TextDecoder().decode(await ledger.entry(1n))).toBe('{"n":3}');
  });

  it('answers overloaded at once when the queue is full', async () => {
    const { ledger } = await open(undefined, undefined, { maxQueue: 3, maxBatch: 3 });
    const first = ledger.append([item(0), item(1), item(2)]);
    await expect(ledger.append([item(3)])).rejects.toSatisfy((e: unknown) => isLogError(e, 'overloaded'));
    await first;
    await expect(ledger.append([item(4)])).resolves.toHaveLength(1);
  });

  it('never lets block time go back, even when the clock does', async () => {
    let now = Date.parse('2026-11-26T10:00:00.000Z');
    const { ledger } = await open(undefined, { now: () => now });
    await ledger.append([item(0)]);
    now -= 60_000;
    await ledger.append([item(1)]);
    expect(ledger.latestBlock.time).toBe('2026-11-26T10:00:00.000Z');
  });

  it('reopens from the store and continues heights and the tree', async () => {
    const store = new MemoryLogStore();
    const a = await open(store);
    await a.ledger.append([item(0), item(1), item(2)]);
    const before = a.ledger.latestBlock;
    const b = await open(store);
    expect(b.ledger.latestBlock.height).toBe(before.height);
    const [r] = await b.ledger.append([item(3)]);
    expect(r).toEqual({ index: 3n, block: before.height + 1n });
    verifyConsistency(hasher, 3n, 4n, await b.ledger.consistencyProof(3n, 4n), before.rootHash, b.ledger.latestBlock.rootHash);
  });

  it('rejects proofs outside the tree with invalid_request', async () => {
    const { ledger } = await open();
    await ledger.append([item(0), item(1)]);
    for (const [i, n] of [[2n, 2n], [0n, 3n], [-1n, 2n]] as const) {
      await expect(ledger.inclusionProof(i, n)).rejects.toSatisfy((e: unknown) => isLogError(e, 'invalid_request'));
    }
    await expect(ledger.consistencyProof(2n, 1n)).rejects.toSatisfy((e: unknown) => isLogError(e, 'invalid_request'));
    await expect(ledger.consistencyProof(1n, 3n)).rejects.toSatisfy((e: unknown) => isLogError(e, 'invalid_request'));
  });
});
