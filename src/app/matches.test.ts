/** Exact matches (SHA-256): the viewer's own deposit of a common file is always found. */
import { describe, expect, it } from 'vitest';
import { RecordFingerprintStore } from '../adapters/level/fingerprints.js';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { RecordOptInStore } from '../adapters/records/opt-in-store.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer } from '../core/note.js';
import { Accounts } from './accounts.js';
import { Deposits } from './deposits.js';
import { Fingerprints } from './fingerprints.js';
import { Ledger } from './log.js';
import { Matches } from './matches.js';
import { accountRecords, ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(5));

describe('Matches, exact', () => {
  it("finds the viewer's own deposit even when many earlier deposits of the same file fill the global scan", async () => {
    const store = new MemoryLogStore();
    const clock = { now: () => Date.now() };
    let seed = 9;
    const random = (k: number) => Uint8Array.from({ length: k }, () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff);
    const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock });
    const deposits = new Deposits(ledger, store, portableSha256, random, clock);
    const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
    const sha256 = 'e3'.repeat(32);
    // More earlier deposits of the file than the global scan reads (its default, 1000).
    const others = (await accounts.create({ name: 'Others', email: 'others@example.com', kind: 'individual' })).account;
    for (let i = 0; i < 1001; i++) await deposits.deposit(others, { sha256 });
    const me = (await accounts.create({ name: 'Me', email: 'me@example.com', kind: 'individual' })).account;
    const mine = (await deposits.deposit(me, { sha256 })).deposit.id;
    const fingerprints = new Fingerprints({ store: new RecordFingerprintStore(store), fingerprinter: async () => undefined, clock, maxQueue: 10, log: () => undefined });
    const matches = new Matches({
      store,
      optIns: new RecordOptInStore(store),
      ledger,
      deposits,
      fingerprints,
      fingerprinter: async () => undefined,
      textFingerprint: () => undefined,
      sha256: portableSha256,
      clock,
    });
    const found = await matches.matchSha256(me, sha256);
    expect(found.map((m) => m.depositId)).toContain(mine);
    expect(found.find((m) => m.depositId === mine)?.method).toBe('exact');
  }, 120_000);
});
