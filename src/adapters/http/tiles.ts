/**
 * The public log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles), read-only and without auth:
 * `GET /checkpoint` (the latest block's signed note), hash tiles `GET /tile/<L>/<N>[.p/<W>]` and
 * entry bundles `GET /tile/entries/<N>[.p/<W>]`, served from the store's tiles (docs/TILES.md).
 *
 * A full tile never changes: `Cache-Control: public, max-age=31536000, immutable`. A partial tile
 * of width W is the first W hashes of its tile (a tile's prefix never changes either) and is
 * served whenever the stored tile holds at least W; it is cached briefly, since it is soon
 * superseded. The checkpoint changes with every block: `no-cache`. Every answer carries a strong
 * ETag of its bytes, so `If-None-Match` gets 304; HEAD is answered like GET without a body.
 */
import { Router, type Request, type Response } from 'express';
import { toBase64 } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import { TILE_WIDTH } from '../../core/tiles.js';
import { entryBundlePrefixLength, parseTilePath, tileWidthAt, type TileRef } from '../../core/tile-paths.js';
import type { BlockRecord, LedgerStore } from '../../app/ports.js';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const PARTIAL = 'public, max-age=60';
export const CHECKPOINT = 'no-cache';

export interface TileHttpDeps {
  /** The latest block and the committed tree size. */
  ledger: { readonly latestBlock: BlockRecord; readonly treeSize: bigint };
  store: Pick<LedgerStore, 'getTile' | 'getEntryBundle'>;
  sha256: (...parts: Uint8Array[]) => Uint8Array;
}

/** Express routes, one per documented path (tiles-openapi.ts); each parses the whole path itself. */
export const TILE_ROUTES = ['/tile/entries/*index.p/:width', '/tile/entries/*index', '/tile/:level/*index.p/:width', '/tile/:level/*index'] as const;

export function tileRoutes(deps: TileHttpDeps): Router {
  const router = Router();
  const etag = (bytes: Uint8Array) => `"${toBase64(deps.sha256(bytes).subarray(0, 18)).replace(/\+/g, '-').replace(/\//g, '_')}"`;
  // A request that sends credentials keeps the no-store security.ts gave it.
  const sentCredentials = (res: Response) => res.getHeader('Cache-Control') === 'no-store';
  const send = (res: Response, bytes: Uint8Array, type: string, cacheControl: string, keepNoStore: boolean) => {
    if (!keepNoStore) res.setHeader('Cache-Control', cacheControl);
    res.setHeader('ETag', etag(bytes));
    // res.send answers 304 when If-None-Match matches the ETag, and no body to HEAD.
    res.type(type).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };

  router.get('/checkpoint', (_req, res) => {
    send(res, new TextEncoder().encode(deps.ledger.latestBlock.checkpoint), 'text/plain; charset=utf-8', CHECKPOINT, sentCredentials(res));
  });

  const tile = async (req: Request, res: Response) => {
    const keepNoStore = sentCredentials(res);
    // Errors (and anything not yet there) must not be cached by a CDN: the tile may appear later.
    res.setHeader('Cache-Control', 'no-store');
    const ref = parseTilePath(req.path);
    const bytes = await read(deps, ref);
    send(res, bytes, 'application/octet-stream', ref.width === undefined ? IMMUTABLE : PARTIAL, keepNoStore);
  };
  for (const path of TILE_ROUTES) router.get(path, tile);
  return router;
}

const describe = (ref: TileRef) => `${ref.level === 'entries' ? 'entry bundle' : `tile at level ${ref.level}`} ${ref.index}${ref.width === undefined ? '' : ` of width ${ref.width}`}`;

/** The bytes of `ref`, or not_found when the committed tree does not hold that many hashes (entries) there yet. */
async function read(deps: TileHttpDeps, ref: TileRef): Promise<Uint8Array> {
  const want = ref.width ?? TILE_WIDTH;
  // The tree size bounds what can exist, so no store read is made for an index beyond it.
  const size = deps.ledger.treeSize;
  const have = tileWidthAt(size, ref.level === 'entries' ? 0 : ref.level, ref.index);
  const missing = () => new LogError('not_found', `no ${describe(ref)}: the tree has ${size} entries${have > 0 ? `, this tile holds ${have}` : ''}`);
  if (have < want) throw missing();
  if (ref.level === 'entries') {
    const bundle = await deps.store.getEntryBundle(ref.index);
    const length = bundle === undefined ? undefined : entryBundlePrefixLength(bundle, want);
    if (length === undefined) throw missing();
    return bundle!.subarray(0, length);
  }
  const hashes = await deps.store.getTile(ref.level, ref.index);
  if (hashes === undefined || hashes.length < want * 32) throw missing();
  return hashes.subarray(0, want * 32);
}
