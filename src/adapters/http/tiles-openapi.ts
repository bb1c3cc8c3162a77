/** OpenAPI operations of the C2SP tlog-tiles routes (tiles.ts, docs/TILES.md). */
import { z } from 'zod';
import { binary, op, text, type Operation, type ResponseSpec } from './openapi-kit.js';
import { CHECKPOINT, IMMUTABLE, PARTIAL } from './tiles.js';

const level = z
  .string()
  .regex(/^(0|[1-9][0-9]?)$/)
  .meta({ description: 'Tile level 0..63, decimal without leading zeros: level L holds tree level 8·L hashes' });
const index = z
  .string()
  .regex(/^(x[0-9]{3}\/)*[0-9]{3}$/)
  .meta({
    description: 'Tile index as zero-padded 3-digit groups separated by unencoded "/", all but the last prefixed with "x" (1234067 → x001/x234/067; 5 → 005)',
  });
const width = z
  .string()
  .regex(/^[1-9][0-9]{0,2}$/)
  .meta({ description: 'Width of a partial tile, 1..255 without leading zeros' });

const cacheHeaders = (cacheControl: string) => ({
  'Cache-Control': { description: cacheControl, schema: { type: 'string' } },
  ETag: { description: 'Strong validator of the bytes; If-None-Match gets 304', schema: { type: 'string' } },
});
const bytes = (what: string, cacheControl: string): ResponseSpec => ({ ...binary('application/octet-stream', what), headers: cacheHeaders(cacheControl) });
const notYet = 'The committed tree does not hold this tile (at this width) yet (code not_found)';
const badPath = 'A level, index or width not written as the spec requires (code invalid_request)';

export function tileOperations(): Operation[] {
  return [
    op({
      method: 'get',
      path: '/checkpoint',
      operationId: 'getTlogCheckpoint',
      tag: 'Log',
      security: 'public',
      summary: "The latest block's signed checkpoint note, at the C2SP tlog-tiles path (same text as /v1/log/checkpoint)",
      responses: { 200: { ...text('C2SP signed note'), headers: cacheHeaders(CHECKPOINT) } },
    }),
    op({
      method: 'get',
      path: '/tile/{level}/{index}',
      operationId: 'getHashTile',
      tag: 'Log',
      security: 'public',
      summary: 'A full hash tile: the 256 hashes (32 bytes each) of tree level 8·L nodes 256·N … 256·N+255',
      params: { level, index },
      responses: { 200: bytes('8,192 bytes', IMMUTABLE) },
      errors: { 400: badPath, 404: notYet },
    }),
    op({
      method: 'get',
      path: '/tile/{level}/{index}.p/{width}',
      operationId: 'getPartialHashTile',
      tag: 'Log',
      security: 'public',
      summary: 'A partial hash tile: the first W hashes of the tile, served once the tile holds at least W',
      params: { level, index, width },
      responses: { 200: bytes('32·W bytes', PARTIAL) },
      errors: { 400: badPath, 404: notYet },
    }),
    op({
      method: 'get',
      path: '/tile/entries/{index}',
      operationId: 'getEntryBundle',
      tag: 'Log',
      security: 'public',
      summary: 'A full entry bundle: entries 256·N … 256·N+255, each a big-endian uint16 length then its bytes',
      params: { index },
      responses: { 200: bytes('The 256 entries', IMMUTABLE) },
      errors: { 400: badPath, 404: notYet },
    }),
    op({
      method: 'get',
      path: '/tile/entries/{index}.p/{width}',
      operationId: 'getPartialEntryBundle',
      tag: 'Log',
      security: 'public',
      summary: 'A partial entry bundle: the first W entries of the bundle, served once it holds at least W',
      params: { index, width },
      responses: { 200: bytes('The first W entries', PARTIAL) },
      errors: { 400: badPath, 404: notYet },
    }),
  ];
}
