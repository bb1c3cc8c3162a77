import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { Deposits, type ClaimLocks } from './deposits.js';
import { KeyedMutex } from './mutex.js';
import { Ledger } from './log.js';
import type { AccountRecord } from './ports.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(3));
const clock = { now: () => Date.parse('2026-11-26T10:00:00.000Z') };
let counter = 0;
const random = (n: number) => {
  const out = new Uint8Array(n);
  new DataView(out.buffer).setUint32(0, ++counter);
  return out;
};
const account: AccountRecord = { id: 'acc_1', name: 'A', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T10:00:00.000Z' };
const hex = (n: number) => n.toString(16).padStart(64, '0');

async function setup() {
  const store = new MemoryLogStore();
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: formatVerifierKey(ORIGIN, signer.publicKey), origin: ORIGIN, sha256: portableSha256, clock });
  return { store, ledger, deposits: new Deposits(ledger, store, portableSha256, random, clock) };
}

describe('Deposits', () => {
  it('prior-art lookup lists the earliest received first, even when the log holds it at a higher index', async () => {
    const store = new MemoryLogStore();
    const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: formatVerifierKey(ORIGIN, signer.publicKey), origin: ORIGIN, sha256: portableSha256, clock });
    let now = Date.parse('2026-11-26T10:00:05.000Z');
    const deposits = new Deposits(ledger, store, portableSha256, random, { now: () => now });
    const later = (await deposits.deposit(account, { sha256: hex(7) })).deposit; // index 0, received 10:00:05
    now = Date.parse('2026-11-26T10:00:01.000Z');
    const earlier = (await deposits.deposit({ ...account, id: 'acc_2' }, { sha256: hex(7) })).deposit; // index 1, received 10:00:01
    expect([later.index, earlier.index]).toEqual([0, 1]);
    expect((await deposits.bySha256(hex(7))).map((d) => d.id)).toEqual([earlier.id, later.id]);
  });

  it('a batch waiting on another request’s externalId fails cleanly when that commit fails', async () => {
    const { store, ledger, deposits } = await setup();
    store.failNextCommit = new Error('disk full');
    const first = deposits.depositBatch(account, [{ sha256: hex(1), externalId: 'x' }]);
    // Shares 'x' with the first (in flight), and has a new item of its own.
    const second = deposits.depositBatch(account, [
      { sha256: hex(1), externalId: 'x' },
      { sha256: hex(2), externalId: 'y' },
    ]);
    await expect(first).rejects.toThrow('disk full');
    await expect(second).rejects.toThrow('disk full');
    expect(ledger.treeSize).toBe(0n);
    // The claims were released: the same items go through now.
    const again = await deposits.depositBatch(account, [
      { sha256: hex(1), externalId: 'x' },
      { sha256: hex(2), externalId: 'y' },
    ]);
    expect(again.map((r) => r.created)).toEqual([true, true]);
    expect(ledger.treeSize).toBe(2n);
  });

  it('counts the metadata limit in UTF-8 bytes, not UTF-16 units', async () => {
    const { deposits } = await setup();
    // 6,000 CJK characters: 6,000 UTF-16 units but 18,000 UTF-8 bytes, over 16,384.
    const big = { description: '著'.repeat(6_000) };
    await expect(deposits.deposit(account, { sha256: hex(3), metadata: big })).rejects.toSatisfy((e: unknown) => isLogError(e, 'invalid_request'));
    const ok = { description: '著'.repeat(5_000) };
    await expect(deposits.deposit(account, { sha256: hex(4), metadata: ok })).resolves.toMatchObject({ created: true });
  });

  it('two instances on one store (as two processes) make one deposit per key when they share claim locks, and may make two without', async () => {
    // Locks that every instance shares: one in-process queue per (name, key), all of a request's keys taken in order.
    const mutex = new KeyedMutex();
    let taken = 0;
    const locks: ClaimLocks = {
      runAll<T>(name: string, keys: readonly string[], fn: () => Promise<T>): Promise<T> {
        taken++;
        const sorted = [...new Set(keys)].sort();
        const hold = (i: number): Promise<T> => (i === sorted.length ? fn() : mutex.run(`${name}\u0000${sorted[i]}`, () => hold(i + 1)));
        return hold(0);
      },
    };
    const race = async (claimLocks?: ClaimLocks) => {
      const { store, ledger } = await setup();
      const one = new Deposits(ledger, store, portableSha256, random, clock, claimLocks ? { claimLocks } : {});
      const two = new Deposits(ledger, store, portableSha256, random, clock, claimLocks ? { claimLocks } : {});
      const answers = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => (i % 2 === 0 ? one : two).deposit(account, { sha256: hex(9) }, 'same-key')),
        ...Array.from({ length: 4 }, (_, i) => (i % 2 === 0 ? two : one).depositBatch(account, [{ sha256: hex(8), externalId: 'ext-1' }, { sha256: hex(7) }]).then((r) => r[0]!)),
      ]);
      return { answers, treeSize: ledger.treeSize };
    };
    const shared = await race(locks);
    expect(new Set(shared.answers.slice(0, 4).map((a) => a.deposit.id)).size).toBe(1);
    expect(new Set(shared.answers.slice(4).map((a) => a.deposit.id)).size).toBe(1);
    expect(shared.answers.filter((a) => a.created)).toHaveLength(2);
    // One deposit per key, plus the unkeyed item of each of the four batches.
    expect(shared.treeSize).toBe(2n + 4n);
    expect(taken).toBeGreaterThan(0);
    // Without them, each instance only knows its own requests in flight: the race makes a deposit in each.
    const alone = await race();
    expect(new Set(alone.answers.slice(0, 4).map((a) => a.deposit.id)).size).toBe(2);
  });
});
