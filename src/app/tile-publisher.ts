/**
 * Publishes the log as C2SP tlog-tiles to a sink (a directory today, an object store later) so any
 * static file server or CDN can serve it: the hash tiles, entry bundles and checkpoint of every
 * committed block, at the same paths the service serves them (docs/TILES.md).
 *
 * - It never delays or fails a deposit: it runs after the commit, in the background, woken by the
 *   ledger's block listener, and publishes everything committed since its last pass in one pass
 *   (blocks in quick succession coalesce). A failing sink is logged and retried with back-off.
 * - Order: the tiles and bundles a checkpoint names are written before that checkpoint, so a
 *   reader who fetched the checkpoint finds every tile it needs (or, for a partial tile that has
 *   since become full, the full one: the spec's fallback).
 * - A full tile is written once; a partial one as `<N>.p/<W>`, and a tile's partial files are
 *   removed once its full tile is published (after the checkpoint that names the full tile).
 * - On start it catches up: every full tile and bundle of the tree that is missing (or of the
 *   wrong size) is written, then the partial ones and the checkpoint. A sink whose checkpoint is
 *   not one of this log's blocks is rewritten whole.
 */
import { TILE_WIDTH } from '../core/tiles.js';
import { entryBundlePrefixLength, tilePath, tileWidthAt, type TileRef } from '../core/tile-paths.js';
import type { BlockRecord, LogStore } from './ports.js';

/**
 * Where tiles go. `path`s are tlog-tiles paths without a leading slash (`checkpoint`,
 * `tile/0/x001/234`, `tile/entries/005.p/17`). Implementations:
 * - MUST replace an object atomically in `write`: a reader sees the old bytes or all the new ones;
 * - MUST make `remove` of an absent path succeed.
 */
export interface TileSink {
  /** The bytes at `path`, or undefined when there are none. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** The size in bytes of the object at `path`, or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** Removes the object at `path` and everything under `path/`. */
  remove(path: string): Promise<void>;
}

export interface TilePublisherOptions {
  ledger: { readonly latestBlock: BlockRecord; onBlock(listener: (block: BlockRecord) => void): () => void };
  store: Pick<LogStore, 'getTile' | 'getEntryBundle' | 'getBlock'>;
  sink: TileSink;
  log: (msg: string, err?: unknown) => void;
  /** Wait after a block before publishing, so blocks in quick succession share a pass and a partial tile is rewritten less often (default 100 ms). */
  coalesceMs?: number;
  /** First retry delay after a failed pass, doubled up to `maxRetryMs` (defaults 1 s, 60 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Tiles read and written at once (default 8). */
  concurrency?: number;
}

const CHECKPOINT = 'checkpoint';
const HASH = 32;

class Stopped extends Error {}

export class TilePublisher {
  /** The block whose checkpoint the sink holds, once known. */
  private published: { height: bigint; treeSize: bigint } | undefined;
  private caughtUp = false;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: TilePublisherOptions) {}

  /** Starts catching up and listening for blocks. */
  start(): void {
    this.unsubscribe = this.opts.ledger.onBlock(() => this.schedule(this.opts.coalesceMs ?? 100));
    this.schedule(0);
  }

  /** The height of the block whose checkpoint the sink holds (undefined before the first pass). */
  get publishedHeight(): bigint | undefined {
    return this.published?.height;
  }

  /**
   * Stops: an unfinished catch-up is abandoned (the next start resumes it); once caught up, the
   * blocks committed since the last pass are published first, so a clean shutdown leaves the sink
   * at the latest block.
   */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.caughtUp && this.published?.height !== this.opts.ledger.latestBlock.height) {
      await this.pass().catch((e: unknown) => this.opts.log('tiles: the last publication before shutdown failed', e));
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer !== undefined || this.running !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pass()
        .then(
          () => {
            this.failures = 0;
          },
          (e: unknown) => {
            if (e instanceof Stopped) return;
            this.failures++;
            const wait = Math.min((this.opts.retryMs ?? 1000) * 2 ** (this.failures - 1), this.opts.maxRetryMs ?? 60_000);
            this.opts.log(`tiles: publishing failed (attempt ${this.failures}); retrying in ${Math.round(wait / 1000)} s`, e);
            return wait;
          },
        )
        .then((retryIn) => {
          this.running = undefined;
          if (retryIn !== undefined) this.schedule(retryIn);
          else if (this.published?.height !== this.opts.ledger.latestBlock.height) this.schedule(this.opts.coalesceMs ?? 100);
        });
    }, delayMs);
    this.timer.unref?.();
  }

  /** Publishes up to the latest block: the start-up catch-up first, then what is new. */
  private async pass(): Promise<void> {
    if (!this.caughtUp) {
      await this.catchUp();
      this.caughtUp = true;
    }
    for (let block = this.opts.ledger.latestBlock; this.published?.height !== block.height; block = this.opts.ledger.latestBlock) {
      await this.publish(this.published!.treeSize, block);
    }
  }

  /** Writes every missing full tile and bundle of the latest tree, then its partial tiles and checkpoint. */
  private async catchUp(): Promise<void> {
    const block = this.opts.ledger.latestBlock;
    const prior = await this.sinkBlock();
    // A later checkpoint of this log (another process got further) vouches for the tiles too.
    const trust = prior !== undefined || (await this.sinkIsAhead(block));
    if (!trust && (await this.opts.sink.size(CHECKPOINT)) !== undefined) {
      this.opts.log('tiles: the published checkpoint is not one of this log’s blocks; publishing every tile again');
    }
    const size = block.treeSize;
    const jobs = function* (): Generator<TileRef> {
      for (let level = 0; size >> BigInt(8 * level) >= BigInt(TILE_WIDTH); level++) {
        const full = (size >> BigInt(8 * level)) / BigInt(TILE_WIDTH);
        for (let n = 0n; n < full; n++) {
          yield { level, index: n };
          if (level === 0) yield { level: 'entries', index: n };
        }
      }
    };
    await this.each(jobs(), async (ref) => {
      const path = tilePath(ref);
      const have = trust ? await this.opts.sink.size(path) : undefined;
      if (ref.level !== 'entries' ? have === TILE_WIDTH * HASH : have !== undefined && have > 0) return;
      await this.writeTile(ref, TILE_WIDTH);
      // A partial file of a tile that became full while nothing was publishing.
      if (prior === undefined || tileWidthAt(prior.treeSize, ref.level === 'entries' ? 0 : ref.level, ref.index) < TILE_WIDTH) await this.opts.sink.remove(`${path}.p`);
    }, true);
    // Partial tiles of the latest tree, the checkpoint, and the partial files the new full tiles replace.
    await this.publish(prior?.treeSize ?? 0n, block, { partialOnly: true });
  }

  /** The block whose checkpoint the sink holds, when it is this log's (byte for byte) and not past `latest`. */
  private async sinkBlock(latest = this.opts.ledger.latestBlock): Promise<{ height: bigint; treeSize: bigint } | undefined> {
    const bytes = await this.opts.sink.read(CHECKPOINT);
    if (bytes === undefined) return undefined;
    const text = new TextDecoder().decode(bytes);
    const m = /\nblock (0|[1-9][0-9]{0,19})\n/.exec(text);
    if (!m || BigInt(m[1]!) > latest.height) return undefined;
    const stored = await this.opts.store.getBlock(BigInt(m[1]!));
    if (stored === undefined || stored.checkpoint !== text) return undefined;
    return { height: stored.height, treeSize: stored.treeSize };
  }

  /**
   * Whether the sink already holds a later block of this log (another process publishing into
   * the same sink got further): the checkpoint never goes back.
   */
  private async sinkIsAhead(block: BlockRecord): Promise<boolean> {
    const bytes = await this.opts.sink.read(CHECKPOINT);
    const m = bytes === undefined ? null : /\nblock (0|[1-9][0-9]{0,19})\n/.exec(new TextDecoder().decode(bytes));
    if (!m || BigInt(m[1]!) <= block.height) return false;
    return (await this.opts.store.getBlock(BigInt(m[1]!)))?.checkpoint === new TextDecoder().decode(bytes);
  }

  /**
   * Publishes the tree of `block` over the one of `from` entries already published: every tile
   * whose width grew (full ones unless `partialOnly`, which the catch-up wrote), then the
   * checkpoint, then the partial files of tiles now full.
   */
  private async publish(from: bigint, block: BlockRecord, opts: { partialOnly?: boolean } = {}): Promise<void> {
    const size = block.treeSize;
    if (await this.sinkIsAhead(block)) {
      // Another process published a later block, and with it every tile this one needs.
      this.published = { height: block.height, treeSize: size };
      return;
    }
    const grown: { ref: TileRef; width: number; before: number }[] = [];
    for (let level = 0; size >> BigInt(8 * level) > 0n; level++) {
      const now = size >> BigInt(8 * level);
      const then = from >> BigInt(8 * level);
      if (now === then && !opts.partialOnly) break;
      const first = opts.partialOnly ? now / BigInt(TILE_WIDTH) : then / BigInt(TILE_WIDTH);
      for (let n = first; n * BigInt(TILE_WIDTH) < now; n++) {
        const width = tileWidthAt(size, level, n);
        const before = tileWidthAt(from, level, n);
        if (width === before && !opts.partialOnly) continue;
        grown.push({ ref: { level, index: n }, width, before });
        if (level === 0) grown.push({ ref: { level: 'entries', index: n }, width, before });
      }
    }
    await this.each(grown.values(), (g) => (opts.partialOnly && g.width === TILE_WIDTH ? Promise.resolve() : this.writeTile(g.ref, g.width)), false);
    await this.opts.sink.write(CHECKPOINT, new TextEncoder().encode(block.checkpoint));
    this.published = { height: block.height, treeSize: size };
    if (!opts.partialOnly) {
      const replaced = grown.filter((g) => g.width === TILE_WIDTH && g.before > 0);
      await this.each(replaced.values(), (g) => this.opts.sink.remove(`${tilePath(g.ref)}.p`), false);
    } else if (from > 0n) {
      // Catch-up: the partial files the sink's previous checkpoint needed, for tiles full now.
      for (let level = 0; from >> BigInt(8 * level) > 0n; level++) {
        const n = (from >> BigInt(8 * level)) / BigInt(TILE_WIDTH);
        if (tileWidthAt(from, level, n) === 0 || tileWidthAt(size, level, n) < TILE_WIDTH) continue;
        await this.opts.sink.remove(`${tilePath({ level, index: n })}.p`);
        if (level === 0) await this.opts.sink.remove(`${tilePath({ level: 'entries', index: n })}.p`);
      }
    }
  }

  /** Reads tile (or bundle) `ref` from the store and writes its first `width` hashes (entries). */
  private async writeTile(ref: TileRef, width: number): Promise<void> {
    let bytes: Uint8Array | undefined;
    if (ref.level === 'entries') {
      const bundle = await this.opts.store.getEntryBundle(ref.index);
      const length = bundle === undefined ? undefined : entryBundlePrefixLength(bundle, width);
      bytes = length === undefined ? undefined : bundle!.subarray(0, length);
    } else {
      const tile = await this.opts.store.getTile(ref.level, ref.index);
      bytes = tile === undefined || tile.length < width * HASH ? undefined : tile.subarray(0, width * HASH);
    }
    if (bytes === undefined) throw new Error(`the store holds fewer than ${width} ${ref.level === 'entries' ? 'entries' : 'hashes'} for ${tilePath(ref)}`);
    await this.opts.sink.write(tilePath({ ...ref, width }), bytes);
  }

  /**
   * Runs `fn` over `items`, `concurrency` at a time; with `abortable`, stops early once closing.
   * After a failure no new item starts, and it rejects only once every running one has settled.
   */
  private async each<T>(items: Iterator<T>, fn: (item: T) => Promise<void>, abortable: boolean): Promise<void> {
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      for (let next = items.next(); !next.done && failure === undefined; next = items.next()) {
        if (abortable && this.stopped) failure ??= { error: new Stopped() };
        else await fn(next.value).catch((error: unknown) => void (failure ??= { error }));
      }
    };
    await Promise.all(Array.from({ length: this.opts.concurrency ?? 8 }, worker));
    if (failure !== undefined) throw failure.error;
  }
}
