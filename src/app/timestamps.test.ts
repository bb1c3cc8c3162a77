import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { builtinTsa, nodeSigningKey, type BuiltinTsa } from '../adapters/tsa/builtin.js';
import { buildSelfSignedTsaCertificate, positiveSerial } from '../adapters/tsa/tokens.js';
import { blockHash, openCheckpoint } from '../core/checkpoint.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { BUILTIN_TSA_NAME, tokenFromResponse, verifyTimestampToken } from '../core/timestamp.js';
import { Ledger } from './log.js';
import { blockDigest, evidenceBlock, Timestamper, type Tsa } from './timestamps.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(7));
const key = nodeSigningKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const certificate = buildSelfSignedTsaCertificate({ key, commonName: BUILTIN_TSA_NAME, serial: positiveSerial(randomBytes(16)), notBefore: new Date(Date.now() - 60_000) });
const random = (n: number) => new Uint8Array(randomBytes(n));

async function open(store = new MemoryLogStore()) {
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: formatVerifierKey(ORIGIN, signer.publicKey), origin: ORIGIN, sha256: portableSha256, clock: { now: () => Date.now() } });
  return { ledger, store };
}

/** A TSA whose answers the test releases by hand; records every digest asked for. */
class ControlledTsa implements Tsa {
  readonly name = 'controlled';
  readonly asked: Uint8Array[] = [];
  mode: 'ok' | 'hang' | 'fail' = 'ok';
  private readonly inner: BuiltinTsa = builtinTsa(key, certificate, { now: () => Date.now(), random });
  private readonly hung = new Set<(e: Error) => void>();
  async timestamp(digest: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    this.asked.push(digest);
    if (this.mode === 'fail') throw new Error('down');
    if (this.mode === 'hang') {
      return new Promise((_, reject) => {
        const fail = (e: Error) => {
          this.hung.delete(fail);
          reject(e);
        };
        this.hung.add(fail);
        signal?.addEventListener('abort', () => fail(new Error('aborted')), { once: true });
      });
    }
    return this.inner.timestamp(digest);
  }
  /** Fails every request now hanging, as a timeout would. */
  failHung(): void {
    for (const fail of [...this.hung]) fail(new Error('timed out'));
  }
}

/** `p`, or a rejection naming `what` if it takes longer than `ms` (far above any normal duration, even on a busy machine). */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} (still pending after ${ms} ms)`)), ms).unref())]);

const until = async (cond: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

const workers: Timestamper[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

function worker(ledger: Ledger, store: MemoryLogStore, tsas: Tsa[], extra: Partial<ConstructorParameters<typeof Timestamper>[0]> = {}) {
  const w = new Timestamper({ ledger, store, tsas, trusted: [certificate], backoffMs: 10, maxBackoffMs: 40, timeoutMs: 200, ...extra });
  workers.push(w);
  w.start();
  return w;
}

const item = (n: number) => ({ bytes: new TextEncoder().encode(`{"n":${n}}`) });

describe('Timestamper', () => {
  it('stamps the latest block with a token over SHA-256 of its checkpoint body', async () => {
    const { ledger, store } = await open();
    const tsa = new ControlledTsa();
    worker(ledger, store, [tsa]);
    await until(async () => (await store.getTimestamp(0n)) !== undefined);
    await ledger.append([item(1)]);
    await until(async () => (await store.getTimestamp(1n)) !== undefined);
    const ts = (await store.getTimestamp(1n))!;
    expect(ts.tsa).toBe(BUILTIN_TSA_NAME);
    const block = (await ledger.block(1n))!;
    const { body } = openCheckpoint(block.checkpoint, ledger.verifierKey);
    expect(blockDigest(block)).toEqual(blockHash(body));
    expect(verifyTimestampToken(tokenFromResponse(ts.der), blockHash(body), { certificates: [certificate] }).pinned).toBe(true);
  });

  it('never delays appends while the TSA hangs, then stamps only the newest block', async () => {
    const { ledger, store } = await open();
    const tsa = new ControlledTsa();
    tsa.mode = 'hang';
    // The TSA request hangs for a minute: an append waiting for it could not finish in 10 s.
    worker(ledger, store, [tsa], { timeoutMs: 60_000 });
    await until(() => tsa.asked.length > 0);
    for (let i = 0; i < 20; i++) await within(ledger.append([item(i)]), 10_000, `append ${i} waited for the hanging TSA`);
    expect(tsa.asked).toHaveLength(1);
    expect(await store.findFirstTimestampedBlock(0n)).toBeUndefined();
    tsa.mode = 'ok';
    tsa.failHung();
    await until(async () => (await store.getTimestamp(20n)) !== undefined);
    // Blocks 1..19 got no token of their own: block 20's covers them.
    for (let h = 1n; h < 20n; h++) expect(await store.getTimestamp(h)).toBeUndefined();
    const ev = await evidenceBlock(ledger, store, 0n);
    expect(ev.block.height).toBe(20n);
    expect(ev.timestamp?.tsa).toBe(BUILTIN_TSA_NAME);
  });

  it('fails over to the next TSA', async () => {
    const { ledger, store } = await open();
    const down = new ControlledTsa();
    down.mode = 'fail';
    const up = new ControlledTsa();
    worker(ledger, store, [down, up]);
    await until(async () => (await store.getTimestamp(0n)) !== undefined);
    expect(down.asked.length).toBeGreaterThan(0);
    expect(up.asked.length).toBeGreaterThan(0);
  });

  it('refuses a token that does not verify (wrong imprint) and keeps retrying', async () => {
    const { ledger, store } = await open();
    const liar: Tsa = { name: 'liar', timestamp: async () => new ControlledTsa().timestamp(new Uint8Array(32)) };
    const w = worker(ledger, store, [liar]);
    await until(() => w.status().failures >= 3);
    expect(w.status().lastError).toMatch(/other data/);
    expect(await store.getTimestamp(0n)).toBeUndefined();
  });

  it('catches up after a restart: the latest block without a token gets one', async () => {
    const store = new MemoryLogStore();
    const first = await open(store);
    const tsa = new ControlledTsa();
    tsa.mode = 'fail';
    const w = worker(first.ledger, store, [tsa]);
    await first.ledger.append([item(1)]);
    await first.ledger.append([item(2)]);
    await w.stop();
    await first.ledger.close();
    const again = await open(store);
    tsa.mode = 'ok';
    worker(again.ledger, store, [tsa]);
    await until(async () => (await store.getTimestamp(2n)) !== undefined);
    expect((await evidenceBlock(again.ledger, store, 0n)).block.height).toBe(2n);
  });

  it('stops promptly while a request hangs', async () => {
    const { ledger, store } = await open();
    const tsa = new ControlledTsa();
    tsa.mode = 'hang';
    const w = worker(ledger, store, [tsa], { timeoutMs: 60_000 });
    await until(() => tsa.asked.length > 0);
    // Not waiting for the 60 s request timeout (10 s: far above a prompt stop on a busy machine).
    await within(w.stop(), 10_000, 'stop waited for the hanging TSA request');
  });
});

describe('evidenceBlock', () => {
  it('is the first covering block without tokens, and the first stamped block at or after it with them', async () => {
    const { ledger, store } = await open();
    await ledger.append([item(0)]); // block 1 covers entry 0
    await ledger.append([item(1)]); // block 2 covers entry 1
    await ledger.append([item(2)]); // block 3 covers entry 2
    expect((await evidenceBlock(ledger, store, 1n)).block.height).toBe(2n);
    expect((await evidenceBlock(ledger, store, 1n)).timestamp).toBeUndefined();
    const tsa = new ControlledTsa();
    const stamp = async (h: bigint) => store.putTimestamp(h, await tsa.timestamp(blockDigest((await ledger.block(h))!)), BUILTIN_TSA_NAME);
    await stamp(3n);
    await stamp(1n);
    expect((await evidenceBlock(ledger, store, 0n)).block.height).toBe(1n);
    expect((await evidenceBlock(ledger, store, 1n)).block.height).toBe(3n);
    expect((await evidenceBlock(ledger, store, 2n)).block.height).toBe(3n);
    expect((await evidenceBlock(ledger, store, 2n)).timestamp?.token.length).toBeGreaterThan(100);
  });
});

describe('Timestamper shutdown', () => {
  it('stops at once when stop() lands while a TSA request is in flight, whatever the back-off', async () => {
    const { ledger, store } = await open();
    await ledger.append([item(1)]);
    const tsa = new ControlledTsa();
    tsa.mode = 'hang';
    const w = worker(ledger, store, [tsa], { backoffMs: 20_000, maxBackoffMs: 20_000, timeoutMs: 60_000 });
    await until(() => tsa.asked.length > 0);
    // Neither the 60 s timeout nor the 20 s back-off (10 s: far above a prompt stop on a busy machine).
    await within(w.stop(), 10_000, 'stop waited for the TSA request or the back-off');
  });
});
