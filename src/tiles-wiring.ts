/**
 * TILES_DIR: the log published as C2SP tlog-tiles into a directory any static file server can
 * serve (app/tile-publisher.ts over adapters/fs/tile-dir.ts; docs/TILES.md).
 */
import type { BlockRecord, LedgerStore } from './app/ports.js';
import { TilePublisher } from './app/tile-publisher.js';
import { TileDirectory } from './adapters/fs/tile-dir.js';
import { ConfigError } from './config.js';

/** The publisher for `dir` (not started), or undefined without one. Throws ConfigError when the directory cannot be written. */
export async function tilePublisher(
  dir: string | undefined,
  deps: { ledger: { readonly latestBlock: BlockRecord; onBlock(listener: (block: BlockRecord) => void): () => void }; store: Pick<LedgerStore, 'getTile' | 'getEntryBundle' | 'getBlock'>; log: (msg: string, err?: unknown) => void },
): Promise<TilePublisher | undefined> {
  if (dir === undefined) return undefined;
  const sink = await TileDirectory.open(dir).catch((e: unknown) => {
    const code = (e as { code?: unknown } | null)?.code;
    throw new ConfigError('TILES_DIR', `TILES_DIR: ${dir} cannot be written${typeof code === 'string' ? ` (${code})` : ''}`);
  });
  return new TilePublisher({ ...deps, sink });
}
