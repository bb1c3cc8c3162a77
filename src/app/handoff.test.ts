/**
 * The ledger's side of several processes on one store, with an in-memory handoff: the process
 * that does not sequence hands its entries over and answers with the indexes the sequencer gave
 * them; the records are those the sequencer would have written for its own request; when the
 * role moves, the new sequencer continues the chain from the stored head. The PostgreSQL handoff
 * is exercised by test/e2e/pg-failover.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { decodeHanded, encodeHanded } from '../adapters/pg/handoff-codec.js';
import { blockHash, openCheckpoint } from '../core/checkpoint.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import type { Handed, Handoff } from './handoff.js';
import { Ledger, type PendingEntry } from './log.js';
import type { CommitBatch } from './ports.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(7));
const enc = (s: string) => new TextEncoder().encode(s);

/** One store shared by "processes"; the table of handed-over requests; the role. */
class SharedWorld {
  readonly store = new MemoryLogStore();
  sequencer: 'a' | 'b' = 'a';
  private next = 1;
  readonly rows = new Map<string, { owner: string; items: string; result?: { first: bigint; block: bigint }; settle?: (r: { first: bigint; block: bigint }) => void }>();
  readonly ledgers = new Map<'a' | 'b', Ledger>();

  constructor() {
    // The shared store records the results of handed-over requests in the commit (as PostgreSQL does).
    const commit = this.store.commit.bind(this.store);
    this.store.commit = async (batch: CommitBatch) => {
      await commit(batch);
      for (const h of batch.handed ?? []) {
        const row = this.rows.get(h.ref)!;
        expect(row.result, 'a request is committed once').toBeUndefined();
        row.result = { first: h.first, block: h.block };
        row.settle?.(row.result);
      }
    };
  }

  handoff(me: 'a' | 'b'): Handoff {
    return {
      isSequencer: () => this.sequencer === me,
      forward: (items, owner) =>
        new Promise((resolve) => {
          const ref = String(this.next++);
          this.rows.set(ref, { owner, items: encodeHanded(items), settle: resolve });
          this.ledgers.get(this.sequencer)?.wake();
        }),
      take: async (max, skip) => {
        const out: Handed[] = [];
        let n = 0;
        for (const [ref, r] of this.rows) {
          if (r.result !== undefined || skip.has(ref)) continue;
          const items = decodeHanded(r.items);
          if (n + items.length > max) break;
          n += items.length;
          out.push({ ref, owner: r.owner, items });
        }
        return out;
      },
    };
  }

  async open(me: 'a' | 'b', extra: { maxQueuePerOwner?: number; maxQueue?: number } = {}): Promise<Ledger> {
    const l = await Ledger.open({ ...extra, store: this.store, ...ledgerRecords(this.store), signer, verifierKey: formatVerifierKey(ORIGIN, signer.publicKey), origin: ORIGIN, sha256: portableSha256, clock: { now: () => Date.parse('2026-11-30T10:00:00.000Z') }, handoff: this.handoff(me) });
    this.ledgers.set(me, l);
    return l;
  }
}

const entry = (n: number, account = 'acc_1'): PendingEntry => ({
  bytes: enc(`{"n":${n}}`),
  deposit: { record: { id: `dep_${n}`, metadata: `{"salt":"${n}"}` }, sha256: new Uint8Array(32).fill(n), account, receivedAt: '2026-11-30T10:00:00.000Z' },
  claims: [{ kind: 'idempotency', account, key: `k${n}`, depositId: `dep_${n}` }],
  records: [{ space: 'jobs', key: `job_${n}`, value: JSON.stringify({ id: `job_${n}`, history: [{ at: 't', index: 0 }] }) }],
  indexAt: [{ record: 0, path: ['history', 0, 'index'] }],
  counters: [{ name: 'things', delta: 1 }],
});

describe('Ledger with a handoff (several processes on one store)', () => {
  it('entries handed over are committed by the sequencer with their records, and the handing process answers with their indexes', async () => {
    const w = new SharedWorld();
    const a = await w.open('a');
    const b = await w.open('b');
    expect(a.sequencer).toBe(true);
    expect(b.sequencer).toBe(false);
    const [viaB, viaA, batchB] = await Promise.all([b.append([entry(1)], { owner: 'acc_1' }), a.append([entry(2)], { owner: 'acc_1' }), b.append([entry(3, 'acc_2'), entry(4, 'acc_2')], { owner: 'acc_2' })]);
    const all = [...viaB!, ...viaA!, ...batchB!];
    expect(new Set(all.map((x) => x.index)).size).toBe(4);
    expect(batchB![1]!.index).toBe(batchB![0]!.index + 1n);
    // The follower read the head it answered from: the entry, its block and proofs are there.
    expect(b.treeSize).toBeGreaterThanOrEqual(viaB![0]!.index + 1n);
    expect(await b.entry(batchB![1]!.index)).toEqual(enc('{"n":4}'));
    expect((await b.coveringBlock(viaB![0]!.index))!.height).toBe(viaB![0]!.block);
    // What the sequencer stored for a handed-over entry is what it stores for its own.
    for (const [n, got] of [[1, viaB![0]!], [2, viaA![0]!], [4, batchB![1]!]] as const) {
      expect(await w.store.getDeposit(`dep_${n}`)).toEqual({ id: `dep_${n}`, index: got.index, metadata: `{"salt":"${n}"}` });
      expect(await w.store.getRecord('jobs', `job_${n}`)).toBe(JSON.stringify({ id: `job_${n}`, history: [{ at: 't', index: Number(got.index) }] }));
    }
    expect(await w.store.getClaim('idempotency', 'acc_2', 'k3')).toBe('dep_3');
    expect(await w.store.getCounter('things')).toBe(4);
  });

  it('when the role moves, the new sequencer continues the chain from the stored head; the old one refuses what it still held', async () => {
    const w = new SharedWorld();
    const a = await w.open('a');
    const b = await w.open('b');
    await Promise.all([a.append([entry(1)]), b.append([entry(2)])]);
    // A loses the role; B takes over (reading the head A left).
    w.sequencer = 'b';
    await b.takeOver();
    const late = await a.append([entry(3)]); // A hands over now
    const own = await b.append([entry(4)]);
    expect(late[0]!.index).toBe(2n);
    expect(own[0]!.index).toBe(3n);
    const head = await w.store.loadHead();
    expect(head!.treeSize).toBe(4n);
    let prev: string | undefined;
    for (let h = 0n; h <= head!.height; h++) {
      const { checkpoint, body } = openCheckpoint((await w.store.getBlock(h))!.checkpoint, b.verifierKey);
      if (prev !== undefined) expect(checkpoint.prevHash).toEqual(blockHash(prev));
      prev = body;
    }
    // A process that is no longer the sequencer but still has requests queued refuses them (503, retry).
    w.sequencer = 'a';
    const queued = a.append([entry(5)]);
    w.sequencer = 'b';
    await expect(queued).rejects.toSatisfy((e: unknown) => isLogError(e, 'overloaded'));
    await a.close();
    await b.close();
  });

  it('a process that hands entries over caps what waits, in all and per account, as the sequencer does', async () => {
    const w = new SharedWorld();
    await w.open('a');
    const b = await w.open('b', { maxQueue: 5, maxQueuePerOwner: 3 });
    // Nobody takes them: they wait.
    w.sequencer = 'none' as 'a';
    void b.append([entry(1), entry(2)], { owner: 'x' });
    await expect(b.append([entry(3), entry(4)], { owner: 'x' })).rejects.toSatisfy((e: unknown) => isLogError(e, 'overloaded') && /MAX_QUEUE_ENTRIES_PER_ACCOUNT/.test((e as Error).message));
    void b.append([entry(5), entry(6)], { owner: 'y' });
    await expect(b.append([entry(7), entry(8)], { owner: 'z' })).rejects.toSatisfy((e: unknown) => isLogError(e, 'overloaded'));
    expect(b.backlog).toBe(4);
  });

  it('the handoff text keeps every field of an entry', () => {
    const items = [entry(7), { bytes: enc('x') }];
    expect(decodeHanded(encodeHanded(items))).toEqual(items);
    expect(() => decodeHanded('[]')).toThrow(TypeError);
    expect(() => decodeHanded('[{"deposit":{}}]')).toThrow(TypeError);
  });
});
