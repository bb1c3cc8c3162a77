/** The capture queue over the in-memory store with a fake capturer and an in-memory store of originals. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { RecordCaptureStore } from '../adapters/records/capture-store.js';
import { localLiveness, type RunnerLiveness } from './capture-ports.js';
import { toHex } from '../core/bytes.js';
import { decodeEntry } from '../core/entry.js';
import { isLogError, LogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { Captures, type Capturer, type CaptureOutput } from './captures.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import { OriginalDeposits, type OriginalStore, type TempOriginal } from './originals.js';
import type { AccountRecord } from './ports.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(5));
const clock = { now: () => Date.now() };
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const account: AccountRecord = { id: 'acc_1', name: 'A', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T10:00:00.000Z' };

/** Originals in a Map: temp files are buffers until kept. */
class MemoryOriginals implements OriginalStore {
  readonly kept = new Map<string, Uint8Array>();
  private readonly temps = new Map<string, Uint8Array>();
  private n = 0;
  async init() {}
  async createTemp(): Promise<TempOriginal> {
    const ref = `t${++this.n}`;
    this.temps.set(ref, new Uint8Array());
    return {
      ref,
      write: async (bytes, position) => {
        const old = this.temps.get(ref)!;
        const next = new Uint8Array(Math.max(old.length, position + bytes.length));
        next.set(old);
        next.set(bytes, position);
        this.temps.set(ref, next);
      },
      datasync: async () => {},
      sync: async () => {},
      close: async () => {},
    };
  }
  async keep(ref: string, sha256: string) {
    const b = this.temps.get(ref)!;
    this.temps.delete(ref);
    if (this.kept.has(sha256)) return 'existed' as const;
    this.kept.set(sha256, b);
    return 'stored' as const;
  }
  async discard(ref: string) {
    this.temps.delete(ref);
  }
  async has(sha256: string) {
    return this.kept.has(sha256);
  }
  async read(sha256: string) {
    return this.kept.get(sha256);
  }
}

/** Resolves each capture when released; honours the abort signal like the real capturer. */
class FakeCapturer implements Capturer {
  running = 0;
  peak = 0;
  readonly release: (() => void)[] = [];
  async vet(url: string) {
    if (!url.startsWith('http')) throw new LogError('invalid_request', 'refused', { details: { reason: 'capture_url_refused' } });
  }
  capture(job: { id: string; url: string }, signal: AbortSignal): Promise<CaptureOutput> {
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    return new Promise<CaptureOutput>((resolve, reject) => {
      const end = () => this.running--;
      signal.addEventListener('abort', () => {
        end();
        reject(new Error('browser closed'));
      });
      if (job.url.includes('hang')) return;
      this.release.push(() => {
        end();
        const t = new Date().toISOString();
        resolve({ bundle: new TextEncoder().encode(`bundle of ${job.id}`), startedAt: t, endedAt: t, finalUrl: job.url, title: 'T', record: { requestedUrl: job.url } });
      });
    });
  }
}

let instances = 0;
async function setup(limits: Partial<{ concurrency: number; queue: number; perAccount: number; timeoutMs: number }> = {}, store = new MemoryLogStore(), liveness: RunnerLiveness = localLiveness(`run_test${++instances}`)) {
  if ((await store.getAccount(account.id)) === undefined) {
    await store.putAccount(account, { record: { id: 'key_1', account: account.id, createdAt: account.createdAt }, hash: new Uint8Array(32) });
  }
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: formatVerifierKey(ORIGIN, signer.publicKey), origin: ORIGIN, sha256: portableSha256, clock });
  const deposits = new Deposits(ledger, store, portableSha256, random, clock);
  const originals = new MemoryOriginals();
  const capturer = new FakeCapturer();
  const captures = new Captures({
    captures: new RecordCaptureStore(store),
    accounts: store,
    liveness,
    ledger,
    originals: new OriginalDeposits(deposits, originals, portableSha256, { keep: true }),
    capturer,
    sha256: portableSha256,
    random,
    clock,
    limits: { concurrency: 2, queue: 10, perAccount: 10, timeoutMs: 60_000, ...limits },
    log: () => undefined,
  });
  return { store, ledger, originals, capturer, captures };
}

const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 500 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await cond()).toBe(true);
};

describe('Captures', () => {
  it('lists an account’s captures newest first, in pages continued with `after`', async () => {
    const { captures } = await setup({ concurrency: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await captures.request(account, { url: `http://example.com/hang${i}` })).id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const newest = [...ids].reverse();
    const first = await captures.list(account, { limit: 2 });
    expect(first.captures.map((c) => c.id)).toEqual(newest.slice(0, 2));
    expect(first.next).toBe(newest[1]);
    const second = await captures.list(account, { limit: 2, after: first.next! });
    expect(second.captures.map((c) => c.id)).toEqual(newest.slice(2, 4));
    const last = await captures.list(account, { limit: 2, after: second.next! });
    expect(last.captures.map((c) => c.id)).toEqual(newest.slice(4));
    expect(last.next).toBeUndefined();
    expect((await captures.list(account)).captures.map((c) => c.id)).toEqual(newest);
    await expect(captures.list(account, { after: 'cap_00000000000000000000' })).rejects.toMatchObject({ code: 'invalid_request' });
    await captures.close();
  });

  it('runs at most `concurrency` captures; a finished one deposits its bundle and appends a capture entry', async () => {
    const { captures, capturer, ledger, originals } = await setup({ concurrency: 2 });
    const jobs = await Promise.all([1, 2, 3, 4, 5].map((i) => captures.request(account, { url: `http://example.com/${i}` })));
    await until(() => capturer.running === 2);
    expect(captures.runningCount).toBe(2);
    while (capturer.release.length > 0 || capturer.running > 0) {
      capturer.release.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const j of jobs) await until(async () => (await captures.get(j.id, account)).status === 'done');
    expect(capturer.peak).toBe(2);
    const done = await captures.get(jobs[0]!.id, account);
    expect(originals.kept.get(done.bundleSha256!)).toBeDefined();
    const entry = decodeEntry((await ledger.entry(BigInt(done.entryIndex!)))!);
    expect(entry).toMatchObject({ type: 'capture', id: done.id, deposit: done.depositId, bundleSha256: done.bundleSha256 });
    expect(entry.recordSha256).toBe(toHex(portableSha256(new TextEncoder().encode(await captures.record(done.id, account)))));
    expect((await captures.bundle(done.id, account)).bytes).toEqual(new TextEncoder().encode(`bundle of ${done.id}`));
  });

  it('aborts a capture over its time limit, frees the slot, and runs the next', async () => {
    const { captures, capturer } = await setup({ concurrency: 1, timeoutMs: 100 });
    const hung = await captures.request(account, { url: 'http://example.com/hang' });
    const next = await captures.request(account, { url: 'http://example.com/next' });
    await until(async () => (await captures.get(hung.id, account)).status === 'failed');
    expect((await captures.get(hung.id, account)).reason).toMatch(/CAPTURE_TIMEOUT_MS/);
    await until(() => capturer.release.length === 1);
    capturer.release.shift()!();
    await until(async () => (await captures.get(next.id, account)).status === 'done');
    expect(capturer.running).toBe(0);
  });

  it('limits jobs per account and the queue; refuses a URL the capturer vets out', async () => {
    const { captures } = await setup({ concurrency: 1, perAccount: 2, queue: 1 });
    await captures.request(account, { url: 'http://example.com/hang' });
    await captures.request(account, { url: 'http://example.com/hang2' });
    await expect(captures.request(account, { url: 'http://example.com/3' })).rejects.toSatisfy((e) => isLogError(e, 'rate_limited'));
    const other = { ...account, id: 'acc_2' };
    await expect(captures.request(other, { url: 'http://example.com/4' })).rejects.toSatisfy((e) => isLogError(e, 'overloaded'));
    await expect(captures.request(other, { url: 'file:///etc/passwd' })).rejects.toSatisfy((e) => isLogError(e, 'invalid_request'));
    await captures.close();
  });

  it('marks jobs left queued or running by a stopped service as failed on start', async () => {
    const store = new MemoryLogStore();
    const first = await setup({ concurrency: 1 }, store);
    const a = await first.captures.request(account, { url: 'http://example.com/hang' });
    const b = await first.captures.request(account, { url: 'http://example.com/queued' });
    await until(() => first.capturer.running === 1);
    // A crash: nothing is closed. A new queue over the same store starts.
    const second = await setup({}, store);
    expect(await second.captures.init()).toBe(2);
    for (const id of [a.id, b.id]) expect(await second.captures.get(id, account)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/interrupted/) });
    expect(await second.captures.init()).toBe(0);
    await first.captures.close();
  });

  it('with a shared store, leaves jobs of a live process alone and marks those of a process that is gone', async () => {
    const store = new MemoryLogStore();
    const live = new Set<string>();
    const lease = (instance: string): RunnerLiveness => {
      live.add(instance);
      return { instance, shared: true, isAlive: async (r) => live.has(r), close: async () => void live.delete(instance) };
    };
    const a = await setup({ concurrency: 1 }, store, lease('run_a'));
    const running = await a.captures.request(account, { url: 'http://example.com/hang' });
    const queued = await a.captures.request(account, { url: 'http://example.com/queued' });
    await until(() => a.capturer.running === 1);
    const b = await setup({}, store, lease('run_b'));
    expect(await b.captures.init()).toBe(0);
    expect(await b.captures.get(running.id, account)).toMatchObject({ status: 'running' });
    expect(await b.captures.get(queued.id, account)).toMatchObject({ status: 'queued' });
    // B's own job is never taken for gone.
    const mine = await b.captures.request(account, { url: 'http://example.com/hang-b' });
    // A dies (its lease is gone, nothing closed): B's next sweep ends A's jobs, not its own.
    live.delete('run_a');
    expect(await b.captures.sweep()).toBe(2);
    for (const id of [running.id, queued.id]) expect(await b.captures.get(id, account)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/interrupted/) });
    expect(await b.captures.get(mine.id, account)).toMatchObject({ status: 'running' });
    expect(await b.captures.sweep()).toBe(0);
    await b.captures.close();
    expect(live.has('run_b')).toBe(false);
    await a.captures.close();
  });
});
