import { describe, expect, it } from 'vitest';
import { MemoryFingerprintStore } from '../adapters/memory/fingerprints.js';
import { Fingerprints, type Fingerprint } from './fingerprints.js';

const image = (phash: string, dhash = '0000000000000000'): Fingerprint => ({ kind: 'image', phash, dhash });

function make(fingerprinter: (b: Uint8Array) => Promise<Fingerprint | undefined>, maxQueue = 10) {
  const logs: string[] = [];
  const store = new MemoryFingerprintStore();
  const fp = new Fingerprints({ store, fingerprinter, clock: { now: () => Date.parse('2026-11-30T00:00:00Z') }, maxQueue, log: (m) => logs.push(m) });
  return { fp, store, logs };
}

describe('Fingerprints', () => {
  it('enqueue returns at once; the work runs later, off the caller’s path', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const { fp, store } = make(async () => {
      started++;
      await gate;
      return image('00000000000000ff');
    });
    fp.enqueue({ depositId: 'dep_a', account: 'acc', sha256: 'x', read: async () => new Uint8Array([1]) });
    expect(started).toBe(0); // nothing ran synchronously
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(1);
    expect(await store.get('dep_a')).toBeUndefined();
    release();
    await fp.idle();
    expect(await store.get('dep_a')).toMatchObject({ kind: 'image', phash: '00000000000000ff', account: 'acc' });
    expect(fp.search(image('00000000000000fe')).map((h) => h.depositId)).toEqual(['dep_a']);
  });

  it('a full queue drops jobs and says so; a job whose file is gone or undecodable is skipped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { fp, logs } = make(async () => {
      await gate;
      return undefined;
    }, 2);
    for (let i = 0; i < 5; i++) fp.enqueue({ depositId: `dep_${i}`, account: 'acc', sha256: 'x', read: async () => (i === 1 ? undefined : new Uint8Array([i])) });
    expect(fp.dropped).toBe(3);
    expect(logs.filter((l) => l.includes('queue full'))).toHaveLength(3);
    release();
    await fp.idle();
    expect(fp.size).toBe(0);
  });

  it('applies the image thresholds: pHash ≤ 10, or ≤ 16 with pHash + dHash ≤ 26', async () => {
    const { fp } = make(async () => undefined);
    fp.index({ ...image('0000000000000000', '0000000000000000'), depositId: 'dep_x', account: 'a', sha256: '', createdAt: '' });
    const flips = (n: number) => (BigInt(2) ** BigInt(n) - BigInt(1)).toString(16).padStart(16, '0');
    expect(fp.search(image(flips(10), flips(40)))).toHaveLength(1);
    expect(fp.search(image(flips(14), flips(12)))).toHaveLength(1);
    expect(fp.search(image(flips(14), flips(13)))).toHaveLength(0);
    expect(fp.search(image(flips(17), flips(0)))).toHaveLength(0);
  });

  it('init loads every stored fingerprint into the index', async () => {
    const { store } = make(async () => undefined);
    for (let i = 0; i < 2500; i++) await store.put({ ...image(i.toString(16).padStart(16, '0')), depositId: `dep_${String(i).padStart(5, '0')}`, account: 'a', sha256: '', createdAt: '' });
    const again = new Fingerprints({ store, fingerprinter: async () => undefined, clock: { now: () => 0 }, maxQueue: 1, log: () => undefined });
    expect(await again.init()).toBe(2500);
  });
});
