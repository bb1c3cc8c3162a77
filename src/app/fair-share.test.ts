/** The sequencer's fair share: a per-owner cap on waiting entries and round-robin batches. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { defaultQueueShare, Ledger, type PendingEntry } from './log.js';
import type { CommitBatch } from './ports.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/fair';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(9));

/** A store whose commits wait for `release()`, so a test decides when the writer is busy. */
class GatedStore extends MemoryLogStore {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  readonly batches: number[][] = [];
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  override async commit(batch: CommitBatch): Promise<void> {
    if (batch.entries.length > 0) this.batches.push(batch.entries.map((e) => JSON.parse(new TextDecoder().decode(e.bytes)).n as number));
    await this.gate;
    return super.commit(batch);
  }
}

async function open(store: MemoryLogStore, extra: { maxBatch?: number; maxQueue?: number; maxQueuePerOwner?: number }) {
  return Ledger.open({
    store,
    ...ledgerRecords(store),
    signer,
    verifierKey: formatVerifierKey(ORIGIN, signer.publicKey),
    origin: ORIGIN,
    sha256: portableSha256,
    clock: { now: () => Date.parse('2026-11-30T10:00:00.000Z') },
    ...extra,
  });
}

const items = (from: number, count: number): PendingEntry[] => Array.from({ length: count }, (_, i) => ({ bytes: new TextEncoder().encode(`{"n":${from + i}}`) }));
const tick = () => new Promise((r) => setImmediate(r));

describe('sequencer fair share', () => {
  it('defaults to a quarter of the queue, never below one full 10,000-item batch request', () => {
    expect(defaultQueueShare(200_000)).toBe(50_000);
    expect(defaultQueueShare(20_000)).toBe(10_000);
    expect(defaultQueueShare(5)).toBe(10_000);
  });

  it("refuses an owner over its share with overloaded + retryAfter while others still get in", async () => {
    const store = new GatedStore();
    const ledger = await open(store, { maxBatch: 10, maxQueue: 40, maxQueuePerOwner: 10 });
    store.hold();
    // The first append goes straight into the (held) commit; the next ones wait in the queue.
    const first = ledger.append(items(0, 10), { owner: 'a' });
    await tick();
    const waiting = [ledger.append(items(100, 5), { owner: 'a' }), ledger.append(items(200, 5), { owner: 'a' })];
    expect(ledger.backlog).toBe(10);
    const refused = await ledger.append(items(300, 1), { owner: 'a' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLogError(refused, 'overloaded')).toBe(true);
    expect((refused as { details?: { retryAfter?: number } }).details?.retryAfter).toBeGreaterThanOrEqual(1);
    const other = ledger.append(items(400, 1), { owner: 'b' });
    expect(ledger.backlog).toBe(11);
    store.release();
    await Promise.all([first, ...waiting]);
    const [b] = await other;
    expect(b!.index).toBeLessThan(ledger.treeSize);
  });

  it("fills batches round-robin: one owner's backlog does not delay another's entry", async () => {
    const store = new GatedStore();
    const ledger = await open(store, { maxBatch: 10, maxQueue: 1000, maxQueuePerOwner: 100 });
    store.hold();
    const all: Promise<unknown>[] = [ledger.append(items(0, 10), { owner: 'a' })];
    await tick();
    // a queues 5 full batches, then b asks for one entry.
    for (let i = 1; i <= 5; i++) all.push(ledger.append(items(i * 10, 10), { owner: 'a' }));
    const b = ledger.append(items(1000, 1), { owner: 'b' });
    all.push(b);
    store.release();
    await Promise.all(all);
    // Batch 1 was a's first; a was then moved behind b, so b's entry is in the very next batch.
    expect(store.batches[0]).toEqual(items(0, 10).map((_, i) => i));
    expect(store.batches[1]).toContain(1000);
    // a's own entries keep their order across batches.
    const aOrder = store.batches.flat().filter((n) => n < 1000);
    expect(aOrder).toEqual([...aOrder].sort((x, y) => x - y));
    expect(ledger.treeSize).toBe(61n);
  });

  it('mixes owners inside one batch when there is room', async () => {
    const store = new GatedStore();
    const ledger = await open(store, { maxBatch: 10, maxQueue: 1000, maxQueuePerOwner: 100 });
    store.hold();
    const all: Promise<unknown>[] = [ledger.append(items(0, 1), { owner: 'x' })];
    await tick();
    for (let i = 0; i < 4; i++) all.push(ledger.append(items(100 + i * 3, 3), { owner: 'a' }));
    all.push(ledger.append(items(500, 2), { owner: 'b' }), ledger.append(items(600, 2), { owner: 'c' }));
    store.release();
    await Promise.all(all);
    // Round 1: a(3) b(2) c(2); round 2: a(3) fits exactly → 10.
    expect(store.batches[1]!.length).toBe(10);
    expect(store.batches[1]).toEqual(expect.arrayContaining([500, 501, 600, 601]));
  });

  it('appends without an owner share one lane with no cap of its own', async () => {
    const store = new GatedStore();
    const ledger = await open(store, { maxBatch: 10, maxQueue: 100, maxQueuePerOwner: 5 });
    store.hold();
    const all = [ledger.append(items(0, 10))];
    await tick();
    all.push(ledger.append(items(10, 10)), ledger.append(items(20, 10)));
    expect(ledger.backlog).toBe(20);
    store.release();
    await Promise.all(all);
    expect(ledger.treeSize).toBe(30n);
  });
});
