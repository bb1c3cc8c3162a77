import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { openCheckpoint } from '../core/checkpoint.js';
import { encodeDepositEntry } from '../core/entry.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, parseNoteUnverified, signNoteBy } from '../core/note.js';
import { audit, type AuditSource } from './audit.js';
import { Ledger } from './log.js';
import { checkPinnedKeys, keyAt, loadKeyHistory, withLastHeights } from './log-keys.js';
import { ledgerRecords } from '../adapters/records/core-records.js';
import { RecordLogKeyStore } from '../adapters/records/log-key-store.js';

const ORIGIN = 'test.example/log';
const oldSigner = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(1));
const newSigner = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(2));
const otherSigner = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(3));
let ms = Date.parse('2026-11-30T10:00:00.000Z');
const clock = { now: () => (ms += 1000) };

const open = (store: MemoryLogStore, signer = oldSigner, previousSigner?: typeof oldSigner) =>
  Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock, ...(previousSigner ? { previousSigner } : {}) });

const hex = (n: number) => n.toString(16).padStart(64, '0');
const entry = (n: number) => ({
  bytes: encodeDepositEntry({ v: 1, type: 'deposit', id: `dep_${n.toString(16).padStart(20, '0')}`, account: 'acc_000000000001', sha256: hex(n), metaSha256: hex(n + 1000), receivedAt: '2026-11-30T10:00:00.000Z' }),
});

function source(store: MemoryLogStore, patch: (h: bigint, note: string) => string = (_h, n) => n): AuditSource {
  return {
    latestHeight: async () => (await store.loadHead())!.height,
    getBlock: async (h) => {
      const b = await store.getBlock(h);
      return b && { ...b, checkpoint: patch(h, b.checkpoint) };
    },
    getEntries: (s, c) => store.getEntries(s, c),
  };
}

/** A log of two blocks under the old key, a hand-over, and one block under the new key. */
async function rotated() {
  const store = new MemoryLogStore();
  const before = await open(store);
  await before.append([entry(1)]);
  await before.append([entry(2)]);
  await before.close();
  const after = await open(store, newSigner, oldSigner);
  await after.append([entry(3)]);
  return { store, ledger: after };
}

describe('log key rotation', () => {
  it('writes a hand-over block signed by both keys and records the history', async () => {
    const { store, ledger } = await rotated();
    expect(ledger.keys.map((k) => [k.key, k.firstHeight, k.lastHeight])).toEqual([
      [oldSigner.verifierKey, 0n, 3n],
      [newSigner.verifierKey, 3n, undefined],
    ]);
    const handOver = (await store.getBlock(3n))!;
    expect(handOver.treeSize).toBe(2n);
    expect(parseNoteUnverified(handOver.checkpoint).signatures).toHaveLength(2);
    expect(openCheckpoint(handOver.checkpoint, oldSigner.verifierKey).checkpoint.height).toBe(3n);
    expect(openCheckpoint(handOver.checkpoint, newSigner.verifierKey).checkpoint.height).toBe(3n);
    const block4 = (await store.getBlock(4n))!;
    expect(() => openCheckpoint(block4.checkpoint, oldSigner.verifierKey)).toThrow();
    expect(keyAt(ledger.keys, 2n)).toBe(oldSigner.verifierKey);
    expect(keyAt(ledger.keys, 4n)).toBe(newSigner.verifierKey);
    expect(ledger.keyNamed(oldSigner.verifierKey)).toBe(oldSigner.verifierKey);
    expect(ledger.keyNamed(otherSigner.verifierKey)).toBe(newSigner.verifierKey);
    await ledger.close();
  });

  it('opens again without a second hand-over, with or without the previous key', async () => {
    const { store, ledger } = await rotated();
    await ledger.close();
    const again = await open(store, newSigner, oldSigner);
    expect(again.latestBlock.height).toBe(4n);
    await again.close();
    const alone = await open(store, newSigner);
    expect(alone.latestBlock.height).toBe(4n);
    expect((await loadKeyHistory(new RecordLogKeyStore(store))).length).toBe(2);
    await alone.close();
  });

  it('refuses to open with a key that did not sign the latest block and no previous key that did', async () => {
    const { store, ledger } = await rotated();
    await ledger.close();
    await expect(open(store, otherSigner)).rejects.toMatchObject({ code: 'corrupt_store' });
    await expect(open(store, otherSigner, oldSigner)).rejects.toMatchObject({ code: 'corrupt_store' });
    expect((await store.loadHead())!.height).toBe(4n);
  });

  it('refuses to go back to the old key after a hand-over, before any new block, and writes nothing', async () => {
    const store = new MemoryLogStore();
    const first = await open(store);
    await first.append([entry(1)]);
    await first.close();
    const handed = await open(store, newSigner, oldSigner);
    const height = handed.latestBlock.height;
    await handed.close();
    // The hand-over block is the latest block and the old key signed it too.
    for (const prev of [undefined, oldSigner, newSigner]) {
      await expect(open(store, oldSigner, prev)).rejects.toMatchObject({ code: 'corrupt_store', details: { setting: 'LOG_KEY_FILE' } });
    }
    expect((await store.loadHead())!.height).toBe(height);
    expect(await loadKeyHistory(new RecordLogKeyStore(store))).toHaveLength(2);
    for (const prev of [undefined, oldSigner]) {
      const again = await open(store, newSigner, prev);
      expect(again.latestBlock.height).toBe(height);
      await again.close();
    }
    const again = await open(store, newSigner);
    await again.append([entry(2)]);
    expect(openCheckpoint(again.latestBlock.checkpoint, newSigner.verifierKey).checkpoint.height).toBe(height + 1n);
    await again.close();
    const history = await loadKeyHistory(new RecordLogKeyStore(store));
    expect(history.map((k) => k.key)).toEqual([oldSigner.verifierKey, newSigner.verifierKey]);
    const r = await audit(source(store), { verifierKey: newSigner.verifierKey, verifierKeys: history, sha256: portableSha256 });
    expect(r).toMatchObject({ ok: true });
  });

  it('hands over only from the key in force, not the key before it, and never to a retired key', async () => {
    const store = new MemoryLogStore();
    await (await open(store)).close();
    await (await open(store, newSigner, oldSigner)).close();
    const height = (await store.loadHead())!.height;
    // The latest block (the hand-over) is signed by the key before last too: still refused as the previous key.
    await expect(open(store, otherSigner, oldSigner)).rejects.toMatchObject({ code: 'corrupt_store', message: expect.stringMatching(/key in force/) });
    expect((await store.loadHead())!.height).toBe(height);
    expect(await loadKeyHistory(new RecordLogKeyStore(store))).toHaveLength(2);
    const third = await open(store, otherSigner, newSigner);
    expect(third.keys.map((k) => k.key)).toEqual([oldSigner.verifierKey, newSigner.verifierKey, otherSigner.verifierKey]);
    await third.close();
    // Back to a retired key, even with the key in force as the previous one.
    await expect(open(store, oldSigner, otherSigner)).rejects.toMatchObject({ code: 'corrupt_store', message: expect.stringMatching(/retired/) });
    await expect(open(store, newSigner, otherSigner)).rejects.toMatchObject({ code: 'corrupt_store', message: expect.stringMatching(/retired/) });
    expect(await loadKeyHistory(new RecordLogKeyStore(store))).toHaveLength(3);
  });

  it('audit follows the hand-over, pinned to either key', async () => {
    const { store, ledger } = await rotated();
    for (const pinned of [oldSigner.verifierKey, newSigner.verifierKey]) {
      const r = await audit(source(store), { verifierKey: pinned, verifierKeys: ledger.keys, sha256: portableSha256 });
      expect(r, pinned).toMatchObject({ ok: true, blocks: 5n, entries: 3n });
    }
    // Without the history, the old checkpoints do not verify under the new key alone.
    const r = await audit(source(store), { verifierKey: newSigner.verifierKey, sha256: portableSha256 });
    expect(r.problem).toMatchObject({ kind: 'block', at: 0n });
    await ledger.close();
  });

  it('audit fails a hand-over signed by one key only, a key outside the history, or a history that does not match the chain', async () => {
    const { store, ledger } = await rotated();
    const body = (note: string) => parseNoteUnverified(note).body;
    const oldOnly = source(store, (h, n) => (h === 3n ? signNoteBy(body(n), [oldSigner]) : n));
    expect((await audit(oldOnly, { verifierKey: newSigner.verifierKey, verifierKeys: ledger.keys, sha256: portableSha256 })).problem).toMatchObject({ kind: 'block', at: 3n, message: expect.stringMatching(/not signed by the incoming key/) });
    const newOnly = source(store, (h, n) => (h === 3n ? signNoteBy(body(n), [newSigner]) : n));
    expect((await audit(newOnly, { verifierKey: newSigner.verifierKey, verifierKeys: ledger.keys, sha256: portableSha256 })).problem).toMatchObject({ kind: 'block', at: 3n });
    const early = source(store, (h, n) => (h === 2n ? signNoteBy(body(n), [oldSigner, newSigner]) : n));
    expect((await audit(early, { verifierKey: newSigner.verifierKey, verifierKeys: ledger.keys, sha256: portableSha256 })).problem).toMatchObject({ kind: 'block', at: 2n, message: expect.stringMatching(/before its hand-over/) });
    const wrongHeight = ledger.keys.map((k, i) => ({ key: k.key, firstHeight: i === 1 ? 4n : k.firstHeight }));
    expect((await audit(source(store), { verifierKey: newSigner.verifierKey, verifierKeys: wrongHeight, sha256: portableSha256 })).ok).toBe(false);
    expect((await audit(source(store), { verifierKey: otherSigner.verifierKey, verifierKeys: ledger.keys, sha256: portableSha256 })).problem?.message).toMatch(/not in the log's key history/);
    await ledger.close();
  });

  it('checkPinnedKeys: keys of this log must be in the history and within until=; other logs are ignored', () => {
    const history = withLastHeights([
      { key: oldSigner.verifierKey, firstHeight: 0n },
      { key: newSigner.verifierKey, firstHeight: 3n },
    ]);
    const elsewhere = createEd25519Signer('other.example/log', new Uint8Array(32).fill(4)).verifierKey;
    expect(checkPinnedKeys([{ key: newSigner.verifierKey }, { key: oldSigner.verifierKey, until: 3n }], history, 9n)).toEqual({ key: oldSigner.verifierKey });
    expect(checkPinnedKeys([{ key: elsewhere }, { key: newSigner.verifierKey }], history, 9n)).toEqual({ key: newSigner.verifierKey });
    expect(checkPinnedKeys([{ key: elsewhere }], history, 9n)).toMatchObject({ problem: { at: 0n, message: expect.stringMatching(/no pinned key is a key of this log/) } });
    expect(checkPinnedKeys([{ key: otherSigner.verifierKey }, { key: newSigner.verifierKey }], history, 9n)).toMatchObject({ problem: { at: 0n, message: expect.stringMatching(/not in the log's key history/) } });
    expect(checkPinnedKeys([{ key: oldSigner.verifierKey, until: 2n }], history, 9n)).toMatchObject({ problem: { at: 3n, message: expect.stringMatching(/until=2.*up to block 3/) } });
    // The key in force signs up to the latest block.
    expect(checkPinnedKeys([{ key: newSigner.verifierKey, until: 9n }], history, 9n)).toEqual({ key: newSigner.verifierKey });
    expect(checkPinnedKeys([{ key: newSigner.verifierKey, until: 8n }], history, 9n)).toMatchObject({ problem: { at: 9n } });
  });
});
