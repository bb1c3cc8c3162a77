import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer } from '../core/note.js';
import { MAX_SCAN } from './deposit-list.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import type { AccountRecord } from './ports.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(5));
const clock = { now: () => Date.parse('2026-11-26T10:00:00.000Z') };
let counter = 0;
const random = (n: number) => {
  const out = new Uint8Array(n);
  new DataView(out.buffer).setUint32(0, ++counter);
  return out;
};
const acc = (id: string): AccountRecord => ({ id, name: id, email: `${id}@example.com`, kind: 'individual', role: 'creator', createdAt: '2026-11-01T00:00:00.000Z' });
const hex = (n: number) => n.toString(16).padStart(64, '0');

describe('DepositList', () => {
  it('bounds the work of one search: at most MAX_SCAN deposits, then `next` even with no match', async () => {
    const store = new MemoryLogStore();
    const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock });
    const deposits = new Deposits(ledger, store, portableSha256, random, clock);
    const a = acc('acc_a');
    const n = MAX_SCAN + 200;
    await deposits.deposit(a, { sha256: hex(0xabcdef), metadata: { title: 'The Needle', fileName: 'needle.png' } });
    await deposits.depositBatch(a, Array.from({ length: n - 1 }, (_, i) => ({ sha256: hex(i + 1), metadata: { title: `hay ${i}` } })));
    await deposits.deposit(acc('acc_b'), { sha256: hex(0xabcdef), metadata: { title: 'needle of b' } });

    const first = await deposits.list(a, { q: 'NEEDLE', limit: 20 });
    expect(first.deposits).toEqual([]);
    expect(first.next).toBe(200n); // indexes n-1 .. 200 examined
    const second = await deposits.list(a, { q: 'needle', limit: 20, before: first.next! });
    expect(second).toEqual({ deposits: [expect.objectContaining({ index: 0, title: 'The Needle', fileName: 'needle.png', sha256: hex(0xabcdef) })] });

    // A hexadecimal query also matches the start of the SHA-256.
    const bySha = await deposits.list(a, { q: hex(0xabcdef).slice(0, 61), limit: 5, before: 1n });
    expect(bySha.deposits.map((d) => d.index)).toEqual([0]);
    expect(bySha.next).toBeUndefined();

    // Without a query a page reads just `limit` records and says whether more follow.
    const page = await deposits.list(a, { limit: 3 });
    expect(page.deposits.map((d) => d.index)).toEqual([n - 1, n - 2, n - 3]);
    expect(page.next).toBe(BigInt(n - 3));
    const last = await deposits.list(a, { limit: 3, before: 2n });
    expect(last).toEqual({ deposits: [expect.objectContaining({ index: 1, title: 'hay 0' }), expect.objectContaining({ index: 0 })] });
  }, 60_000);
});
