import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer } from '../core/note.js';
import { backfillDepositIndex } from './deposit-index.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import type { AccountRecord, CommitBatch, LedgerStore } from './ports.js';
import { ledgerRecords } from '../adapters/records/core-records.js';
import { COUNTER_NAMES } from '../adapters/records/counter-store.js';
import { INDEX_PROGRESS } from '../adapters/records/deposit-index-progress-store.js';

const depositsDayCounter = COUNTER_NAMES.depositsOnDay;
const backfill = (store: LedgerStore) => ({ store, ...ledgerRecords(store) });

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(4));
let counter = 0;
const random = (n: number) => {
  const out = new Uint8Array(n);
  new DataView(out.buffer).setUint32(0, ++counter);
  return out;
};
const acc = (id: string): AccountRecord => ({ id, name: id, email: `${id}@example.com`, kind: 'individual', role: 'creator', createdAt: '2026-11-01T00:00:00.000Z' });
const hex = (n: number) => n.toString(16).padStart(64, '0');
const DAY1 = '2026-11-25';
const DAY2 = '2026-11-26';

/** The store as an earlier version wrote it: deposits without index records or per-day counters. */
function earlierVersion(store: LedgerStore): LedgerStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'commit') {
        return (b: CommitBatch) =>
          target.commit({
            ...b,
            deposits: b.deposits.map(({ record, sha256 }) => ({ record, sha256 })),
            counters: (b.counters ?? []).filter((c) => !c.name.startsWith('deposits/day/')),
          });
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function openLedger(store: LedgerStore, now: () => number, log?: (m: string) => void) {
  return Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock: { now }, ...(log ? { log } : {}) });
}

/** A store holding 23 deposits of acc_a and acc_b over two days, made without the index. */
async function oldStore() {
  const store = new MemoryLogStore();
  const old = earlierVersion(store);
  let now = Date.parse(`${DAY1}T23:59:00.000Z`);
  const ledger = await openLedger(old, () => now);
  const deposits = new Deposits(ledger, old, portableSha256, random, { now: () => now });
  const made: { account: string; id: string; index: number }[] = [];
  for (let i = 0; i < 23; i++) {
    if (i === 10) now = Date.parse(`${DAY2}T00:00:01.000Z`);
    const account = i % 3 === 0 ? 'acc_b' : 'acc_a';
    const d = (await deposits.deposit(acc(account), { sha256: hex(i), metadata: { title: `work ${i}` } })).deposit;
    made.push({ account, id: d.id, index: d.index });
  }
  // A batch: one request, one receipt time.
  const batch = await deposits.depositBatch(acc('acc_a'), [{ sha256: hex(100) }, { sha256: hex(101) }]);
  for (const b of batch) made.push({ account: 'acc_a', id: b.deposit.id, index: b.deposit.index });
  await ledger.close();
  // The marker the first open wrote on the empty store goes too: an earlier version never wrote it.
  await store.writeRecords([{ ...INDEX_PROGRESS, value: null }]);
  expect(await store.listAccountDeposits('acc_a', { limit: 100 })).toEqual([]);
  expect(await store.getCounter(depositsDayCounter(DAY1))).toBeUndefined();
  return { store, made, now: () => now };
}

const listed = async (store: LedgerStore, account: string) => (await store.listAccountDeposits(account, { limit: 1000 })).map((r) => ({ id: r.id, index: Number(r.index) }));
const expected = (made: { account: string; id: string; index: number }[], account: string) =>
  made
    .filter((m) => m.account === account)
    .sort((a, b) => b.index - a.index)
    .map(({ id, index }) => ({ id, index }));

describe('backfill of the per-account deposit index', () => {
  it('indexes an earlier store at ledger open and counts deposits on their UTC receipt day, once', async () => {
    const { store, made, now } = await oldStore();
    const ledger = await openLedger(store, now);
    expect(await listed(store, 'acc_a')).toEqual(expected(made, 'acc_a'));
    expect(await listed(store, 'acc_b')).toEqual(expected(made, 'acc_b'));
    expect(await store.getCounter(depositsDayCounter(DAY1))).toBe(10);
    expect(await store.getCounter(depositsDayCounter(DAY2))).toBe(15);
    expect(await store.getCounter(COUNTER_NAMES.deposits)).toBe(25);
    expect(await store.getRecord(INDEX_PROGRESS.space, INDEX_PROGRESS.key)).toBe('done');

    // New deposits are indexed and counted in their own batch; opening again rescans nothing.
    const deposits = new Deposits(ledger, store, portableSha256, random, { now });
    const fresh = (await deposits.deposit(acc('acc_b'), { sha256: hex(200) })).deposit;
    await ledger.close();
    let reads = 0;
    const counting = new Proxy(store, {
      get(target, prop) {
        if (prop === 'getEntries') reads++;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await (await openLedger(counting, now)).close();
    expect(reads).toBe(0);
    expect((await listed(store, 'acc_b'))[0]).toEqual({ id: fresh.id, index: fresh.index });
    expect(await store.getCounter(depositsDayCounter(DAY2))).toBe(16);
  });

  it('resumes after an interrupted pass without counting a deposit twice, and reports progress', async () => {
    const { store, made, now } = await oldStore();
    let writes = 0;
    const failing = new Proxy(store, {
      get(target, prop) {
        if (prop === 'indexAccountDeposits') {
          return (...a: Parameters<LedgerStore['indexAccountDeposits']>) => (++writes === 3 ? Promise.reject(new Error('disk full')) : target.indexAccountDeposits(...a));
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const notes: string[] = [];
    let t = 0;
    await expect(backfillDepositIndex(backfill(failing), { chunk: 5, log: (m) => notes.push(m), now: () => (t += 3_000) })).rejects.toThrow('disk full');
    expect(await store.getRecord(INDEX_PROGRESS.space, INDEX_PROGRESS.key)).toBe(JSON.stringify({ next: '10' }));
    expect(notes[0]).toMatch(/indexing the deposits of entries 0\.\.24/);
    expect(notes.some((n) => /indexed deposits up to entry 10 of 25/.test(n))).toBe(true);

    expect(await backfillDepositIndex(backfill(store), { chunk: 5 })).toBe(15);
    expect(await listed(store, 'acc_a')).toEqual(expected(made, 'acc_a'));
    expect(await listed(store, 'acc_b')).toEqual(expected(made, 'acc_b'));
    expect(await store.getCounter(depositsDayCounter(DAY1))).toBe(10);
    expect(await store.getCounter(depositsDayCounter(DAY2))).toBe(15);
    expect(await backfillDepositIndex(backfill(store))).toBe(0);
    await (await openLedger(store, now)).close();
    expect(await store.getCounter(depositsDayCounter(DAY2))).toBe(15);
  });

  it('marks an empty store done at once', async () => {
    const store = new MemoryLogStore();
    expect(await backfillDepositIndex(backfill(store))).toBe(0);
    expect(await store.getRecord(INDEX_PROGRESS.space, INDEX_PROGRESS.key)).toBe('done');
  });
});
