import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../adapters/memory/sessions.js';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { toHex } from '../core/bytes.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { Accounts } from './accounts.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import { migrateStore, type MigrateSide } from './migrate.js';
import { accountRecords, ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(5));
let n = 0;
const random = (len: number) => {
  const out = new Uint8Array(len);
  new DataView(out.buffer).setUint32(0, ++n);
  return out;
};
const clock = { now: () => Date.parse('2026-11-30T12:00:00.000Z') + n };
const hex = (i: number) => i.toString(16).padStart(64, '0');

function side(store: MemoryLogStore, sessions: MemorySessionStore): MigrateSide {
  return { store, sessions, dump: { ...store.dump(), ...sessions.dump() }, load: store.load() };
}

async function filled() {
  const store = new MemoryLogStore();
  const sessions = new MemorySessionStore();
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: formatVerifierKey(ORIGIN, signer.publicKey), origin: ORIGIN, sha256: portableSha256, clock });
  const accounts = new Accounts(store, accountRecords(store), portableSha256, random, clock);
  const a = await accounts.create({ name: 'A', email: 'A@example.com', kind: 'organisation', role: 'platform' });
  const old = await accounts.createKey(a.account.id, 'old');
  await accounts.revokeKey(a.account.id, old.key.id);
  const deposits = new Deposits(ledger, store, portableSha256, random, clock);
  for (let b = 0; b < 3; b++) await deposits.depositBatch(a.account, Array.from({ length: 300 }, (_, i) => ({ sha256: hex(b * 1000 + i), ...(i === 7 ? { externalId: `ext-${b}` } : {}) })));
  const claimed = await deposits.deposit(a.account, { sha256: hex(99_999) }, 'idem-1');
  await store.writeRecords([{ space: 'notes', key: 'k1', value: 'v1' }], [{ name: 'things', delta: 5 }]);
  await sessions.putSession('h1', { account: a.account.id, createdAt: 1, lastSeenAt: 2 });
  await sessions.setPassword(a.account.id, { algorithm: 'scrypt', N: 16384, r: 8, p: 1, salt: 'c2FsdA', hash: 'aGFzaA', setAt: '2026-11-30T00:00:00.000Z' });
  await ledger.close();
  await store.putTimestamp(1n, Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), 'builtin');
  return { store, sessions, a, old, claimed };
}

describe('migrateStore', () => {
  it('copies the log with the same blocks and root, deposits, indexes, keys, claims, records, counters, sessions', async () => {
    const src = await filled();
    const dst = { store: new MemoryLogStore(), sessions: new MemorySessionStore() };
    const phases = new Set<string>();
    const report = await migrateStore(side(src.store, src.sessions), side(dst.store, dst.sessions), { sha256: portableSha256, onProgress: (p) => phases.add(p) });
    const head = (await src.store.loadHead())!;
    expect(report.entries).toBe(901n);
    expect(report.deposits).toBe(901);
    expect(report.timestamps).toBe(1);
    expect(await dst.store.getTimestamp(1n)).toEqual({ der: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), tsa: 'builtin' });
    expect(await dst.store.findFirstTimestampedBlock(0n)).toMatchObject({ height: 1n });
    expect(phases.has('log')).toBe(true);
    const copied = (await dst.store.loadHead())!;
    expect(toHex(copied.rootHash)).toBe(toHex(head.rootHash));
    expect(toHex(copied.blockHash)).toBe(toHex(head.blockHash));
    for (let h = 0n; h <= head.height; h++) expect((await dst.store.getBlock(h))?.checkpoint).toBe((await src.store.getBlock(h))!.checkpoint);
    const d = await dst.store.getDeposit(src.claimed.deposit.id);
    expect(d).toEqual(await src.store.getDeposit(src.claimed.deposit.id));
    expect(await dst.store.findBySha256(new Uint8Array(32).fill(0).map((_, i) => (i === 31 ? 5 : 0)), 10)).toEqual(await src.store.findBySha256(new Uint8Array(32).fill(0).map((_, i) => (i === 31 ? 5 : 0)), 10));
    expect(await dst.store.listAccountDeposits(src.a.account.id, { limit: 1000 })).toEqual(await src.store.listAccountDeposits(src.a.account.id, { limit: 1000 }));
    expect(await dst.store.getClaim('idempotency', src.a.account.id, 'idem-1')).toBe(src.claimed.deposit.id);
    expect(await dst.store.getClaim('external', src.a.account.id, 'ext-2')).toBeDefined();
    // The old key still authenticates; the revoked one stays known but revoked.
    const hash = portableSha256(new TextEncoder().encode(src.a.apiKey));
    expect((await dst.store.findKey(hash))?.account.id).toBe(src.a.account.id);
    expect(await dst.store.listKeys(src.a.account.id)).toEqual(await src.store.listKeys(src.a.account.id));
    expect((await dst.store.getAccountByEmail('a@example.com'))?.id).toBe(src.a.account.id);
    expect(await dst.store.getRecord('notes', 'k1')).toBe('v1');
    expect(await dst.store.getCounter('things')).toBe(5);
    expect(await dst.store.getCounter('deposits')).toBe(await src.store.getCounter('deposits'));
    expect(await dst.sessions.getSession('h1')).toEqual({ account: src.a.account.id, createdAt: 1, lastSeenAt: 2 });
    expect((await dst.sessions.getPassword(src.a.account.id))?.hash).toBe('aGFzaA');
  });

  it('refuses a target that is not empty, and a source whose entries do not hash to a block root', async () => {
    const src = await filled();
    const other = await filled();
    await expect(migrateStore(side(src.store, src.sessions), side(other.store, other.sessions), { sha256: portableSha256 })).rejects.toThrow(/target is not empty \(it holds a log\)/);
    const withAccount = new MemoryLogStore();
    await new Accounts(withAccount, accountRecords(withAccount), portableSha256, random, clock).create({ name: 'B', email: 'b@example.com', kind: 'individual' });
    await expect(migrateStore(side(src.store, src.sessions), side(withAccount, new MemorySessionStore()), { sha256: portableSha256 })).rejects.toThrow(/holds accounts/);

    const entry = (await src.store.getEntry(5n))!;
    entry[entry.length - 2]! ^= 1;
    await expect(migrateStore(side(src.store, src.sessions), side(new MemoryLogStore(), new MemorySessionStore()), { sha256: portableSha256 })).rejects.toThrow(/do not hash to its root/);
  });
});
