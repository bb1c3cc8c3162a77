import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { tilePath, tileWidthAt, type TileRef } from '../core/tile-paths.js';
import { Ledger, type PendingEntry } from './log.js';
import { TilePublisher, type TileSink } from './tile-publisher.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/tiles';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(9));

async function open(store = new MemoryLogStore()) {
  let t = Date.parse('2026-11-30T10:00:00.000Z');
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: formatVerifierKey(ORIGIN, signer.publicKey), origin: ORIGIN, sha256: portableSha256, clock: { now: () => (t += 1) } });
  return { ledger, store };
}

const items = (from: number, n: number): PendingEntry[] => Array.from({ length: n }, (_, i) => ({ bytes: new TextEncoder().encode(`{"n":${from + i}}`) }));

/** Every tile and bundle path a checkpoint of `size` needs. */
function needed(size: bigint): string[] {
  const out: string[] = [];
  for (let level = 0; size >> BigInt(8 * level) > 0n; level++) {
    for (let n = 0n; tileWidthAt(size, level, n) > 0; n++) {
      const width = tileWidthAt(size, level, n);
      const refs: TileRef[] = level === 0 ? [{ level, index: n }, { level: 'entries', index: n }] : [{ level, index: n }];
      for (const ref of refs) out.push(tilePath({ ...ref, width }));
    }
  }
  return out;
}

/** A sink in memory that checks, at every checkpoint write, that the tiles it names are there. */
class MemorySink implements TileSink {
  readonly files = new Map<string, Uint8Array>();
  readonly violations: string[] = [];
  checkpoints = 0;
  failing = false;
  async read(path: string) {
    return this.files.get(path);
  }
  async size(path: string) {
    return this.files.get(path)?.length;
  }
  async write(path: string, bytes: Uint8Array) {
    if (this.failing) throw new Error('disk full');
    if (path === 'checkpoint') {
      this.checkpoints++;
      const size = BigInt(new TextDecoder().decode(bytes).split('\n')[1]!);
      for (const p of needed(size)) {
        const full = p.replace(/\.p\/\d+$/, '');
        if (!this.files.has(p) && !this.files.has(full)) this.violations.push(`checkpoint ${size} written before ${p}`);
      }
    }
    this.files.set(path, bytes.slice());
  }
  async remove(path: string) {
    for (const k of [...this.files.keys()]) if (k === path || k.startsWith(path + '/')) this.files.delete(k);
  }
}

async function until(cond: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The sink holds exactly what the store has for the ledger's latest tree: every tile at its width, the checkpoint, and no partial file of a full tile. */
async function expectComplete(sink: MemorySink, ledger: Ledger, store: MemoryLogStore) {
  const block = ledger.latestBlock;
  expect(new TextDecoder().decode(sink.files.get('checkpoint'))).toBe(block.checkpoint);
  for (const p of needed(block.treeSize)) {
    const bytes = sink.files.get(p);
    expect(bytes, p).toBeDefined();
    const m = /^tile\/(entries|\d+)\/(.*?)(?:\.p\/\d+)?$/.exec(p)!;
    const index = BigInt(m[2]!.replace(/x|\//g, ''));
    const stored = m[1] === 'entries' ? (await store.getEntryBundle(index))! : (await store.getTile(Number(m[1]), index))!;
    expect(Buffer.from(stored.subarray(0, bytes!.length)).equals(Buffer.from(bytes!)), p).toBe(true);
  }
  for (const k of sink.files.keys()) {
    const partial = /^(.*)\.p\/\d+$/.exec(k);
    if (partial) expect(sink.files.has(partial[1]!), `${k} beside its full tile`).toBe(false);
  }
}

describe('TilePublisher', () => {
  it('publishes each block’s tiles before its checkpoint, coalescing, and drops partial files once a tile is full', async () => {
    const { ledger, store } = await open();
    const sink = new MemorySink();
    const publisher = new TilePublisher({ ledger, store, sink, log: () => undefined, coalesceMs: 1 });
    publisher.start();
    let n = 0;
    // Sizes 1, 101, 256, 257, 557, 65,536, 65,539: every tile width edge up to a full level-1 tile.
    for (const grow of [1, 100, 155, 1, 300, 64_979, 3]) {
      const chunks = Array.from({ length: Math.ceil(grow / 10_000) }, (_, i) => items(n + i * 10_000, Math.min(10_000, grow - i * 10_000)));
      await Promise.all(chunks.map((c) => ledger.append(c)));
      n += grow;
      await until(() => publisher.publishedHeight === ledger.latestBlock.height, 'publication');
      await expectComplete(sink, ledger, store);
    }
    expect(ledger.treeSize).toBe(65_539n);
    expect(sink.files.has('tile/1/000')).toBe(true);
    expect(sink.files.has('tile/2/000.p/1')).toBe(true);
    expect(sink.violations).toEqual([]);
    await publisher.close();
  });

  it('never holds up an append when the sink fails, and catches up once it works again', async () => {
    const { ledger, store } = await open();
    const sink = new MemorySink();
    const logged: string[] = [];
    const publisher = new TilePublisher({ ledger, store, sink, log: (m) => logged.push(m), coalesceMs: 1, retryMs: 5, maxRetryMs: 20 });
    publisher.start();
    sink.failing = true;
    for (let i = 0; i < 20; i++) await ledger.append(items(i * 50, 50));
    expect(ledger.treeSize).toBe(1000n);
    await until(() => logged.length >= 2, 'retries');
    expect(logged[0]).toMatch(/publishing failed/);
    sink.failing = false;
    await until(() => publisher.publishedHeight === ledger.latestBlock.height, 'catch-up');
    await expectComplete(sink, ledger, store);
    expect(sink.violations).toEqual([]);
    await publisher.close();
  });

  it('catches up on start with what is missing, and rewrites a sink holding another log', async () => {
    const { ledger, store } = await open();
    const sink = new MemorySink();
    const first = new TilePublisher({ ledger, store, sink, log: () => undefined, coalesceMs: 1 });
    first.start();
    await ledger.append(items(0, 700));
    await until(() => first.publishedHeight === ledger.latestBlock.height, 'publication');
    await first.close();
    // More blocks while nothing publishes, and files lost from the sink.
    await ledger.append(items(700, 600));
    sink.files.delete('tile/0/001');
    sink.files.delete('tile/entries/000');
    sink.files.set('tile/0/002', new Uint8Array(100)); // truncated
    const second = new TilePublisher({ ledger, store, sink, log: () => undefined, coalesceMs: 1 });
    second.start();
    await until(() => second.publishedHeight === ledger.latestBlock.height, 'catch-up');
    await expectComplete(sink, ledger, store);
    // The partial files the earlier checkpoint (700) needed are gone now that those tiles are full.
    expect([...sink.files.keys()].filter((k) => k.startsWith('tile/0/002.p'))).toEqual([]);
    await second.close();

    // A sink whose checkpoint another log wrote: everything is written again.
    const other = await open();
    await other.ledger.append(items(0, 300));
    const logged: string[] = [];
    const third = new TilePublisher({ ledger: other.ledger, store: other.store, sink, log: (m) => logged.push(m), coalesceMs: 1 });
    third.start();
    await until(() => third.publishedHeight === other.ledger.latestBlock.height, 'rewrite');
    expect(logged.join('\n')).toMatch(/not one of this log’s blocks/);
    expect(Buffer.from(sink.files.get('tile/0/000')!).equals(Buffer.from((await other.store.getTile(0, 0n))!))).toBe(true);
    expect(Buffer.from(sink.files.get('tile/entries/000')!).equals(Buffer.from((await other.store.getEntryBundle(0n))!))).toBe(true);
    await third.close();
  });

  it('never puts back an older checkpoint over a later one of the same log (another process publishing into the sink)', async () => {
    const { ledger, store } = await open();
    await ledger.append(items(0, 300));
    const older = ledger.latestBlock;
    await ledger.append(items(300, 300));
    const sink = new MemorySink();
    const ahead = new TilePublisher({ ledger, store, sink, log: () => undefined, coalesceMs: 1 });
    ahead.start();
    await until(() => ahead.publishedHeight === ledger.latestBlock.height, 'publication');
    await ahead.close();
    const logged: string[] = [];
    const lagging = new TilePublisher({ ledger: { latestBlock: older, onBlock: () => () => undefined }, store, sink, log: (m) => logged.push(m), coalesceMs: 1 });
    lagging.start();
    await until(() => lagging.publishedHeight === older.height, 'the lagging pass');
    await lagging.close();
    expect(new TextDecoder().decode(sink.files.get('checkpoint'))).toBe(ledger.latestBlock.checkpoint);
    expect(logged).toEqual([]);
    await expectComplete(sink, ledger, store);
  });

  it('publishes the blocks committed before a clean close', async () => {
    const { ledger, store } = await open();
    const sink = new MemorySink();
    const publisher = new TilePublisher({ ledger, store, sink, log: () => undefined, coalesceMs: 60_000 });
    publisher.start();
    await until(() => publisher.publishedHeight === 0n, 'the empty tree');
    await ledger.append(items(0, 10));
    expect(publisher.publishedHeight).toBe(0n); // still coalescing
    await publisher.close();
    expect(publisher.publishedHeight).toBe(ledger.latestBlock.height);
    await expectComplete(sink, ledger, store);
  });
});
