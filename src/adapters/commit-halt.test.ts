import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../app/log.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { ConfigSchema } from '../config.js';
import { withCommitHalt } from './commit-halt.js';
import { MemoryLogStore } from './memory/store.js';
import { startService } from '../server.js';
import { ledgerRecords } from './records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(7));
const item = (n: number) => ({ bytes: new TextEncoder().encode(`{"n":${n}}`) });

async function ledgerOver(store: MemoryLogStore | ReturnType<typeof withCommitHalt>) {
  return Ledger.open({
    store,
    ...ledgerRecords(store),
    signer,
    verifierKey: formatVerifierKey(ORIGIN, signer.publicKey),
    origin: ORIGIN,
    sha256: portableSha256,
    clock: { now: () => Date.parse('2026-11-26T10:00:00.000Z') },
  });
}

/** Resolves with the announced record, or 'pending' if `p` did not settle within a few ticks. */
const settledSoon = async (p: Promise<unknown>) => Promise.race([p.then(() => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 50))]);

describe('TEST_HALT_AT_COMMIT (test-only commit halt)', () => {
  it('is off by default: the store comes back unwrapped', () => {
    const store = new MemoryLogStore();
    expect(withCommitHalt(store, undefined, 'production')).toBe(store);
    expect(ConfigSchema.parse({}).TEST_HALT_AT_COMMIT).toBeUndefined();
  });

  it('parses N and N:after-write and refuses anything else', () => {
    expect(ConfigSchema.parse({ TEST_HALT_AT_COMMIT: '3' }).TEST_HALT_AT_COMMIT).toEqual({ n: 3, afterWrite: false });
    expect(ConfigSchema.parse({ TEST_HALT_AT_COMMIT: '12:after-write' }).TEST_HALT_AT_COMMIT).toEqual({ n: 12, afterWrite: true });
    for (const bad of ['0', '-1', 'x', '3:later', '1e3']) expect(ConfigSchema.safeParse({ TEST_HALT_AT_COMMIT: bad }).success, bad).toBe(false);
  });

  it('refuses to wrap the store unless NODE_ENV=test', () => {
    for (const env of ['', 'production', 'development', 'TEST']) {
      expect(() => withCommitHalt(new MemoryLogStore(), { n: 1, afterWrite: false }, env)).toThrow(/NODE_ENV=test/);
    }
  });

  it('a service configured with it outside NODE_ENV=test refuses to start, and leaves its store closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl-halt-'));
    const config = (env: Record<string, string>) => ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env });
    const saved = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      await expect(startService(config({ TEST_HALT_AT_COMMIT: '1' }))).rejects.toThrow(/NODE_ENV=test/);
    } finally {
      if (saved === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = saved;
    }
    // The store was closed on the way out: the same DATA_DIR opens again.
    const svc = await startService(config({}));
    await svc.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([false, true])('halts the N-th non-empty commit (afterWrite %s), announces it, and leaves the store as described', async (afterWrite) => {
    const inner = new MemoryLogStore();
    const seen: Record<string, unknown>[] = [];
    const store = withCommitHalt(inner, { n: 2, afterWrite }, 'test', (r) => seen.push(r));
    const ledger = await ledgerOver(store); // the empty genesis commit does not count
    expect(await ledger.append([item(0), item(1)])).toHaveLength(2);
    expect(seen).toEqual([]);
    const halted = ledger.append([item(2)]);
    expect(await settledSoon(halted)).toBe('pending');
    expect(seen).toEqual([{ msg: 'commit-halt', seq: 2, phase: afterWrite ? 'after-write' : 'before-write', height: 2, from: 2, treeSize: 3 }]);
    // What a restart would find: the halted batch only if it was written.
    expect((await inner.loadHead())!.treeSize).toBe(afterWrite ? 3n : 2n);
    // Later appends queue behind the halted commit.
    expect(await settledSoon(ledger.append([item(3)]))).toBe('pending');
    // Reads still pass through to the wrapped store.
    expect(await store.getEntry(0n)).toEqual(item(0).bytes);
  });
});
