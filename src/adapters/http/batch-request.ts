/**
 * The body of POST /v1/deposits/batch, checked without zod for the common items. An item that
 * holds only `sha256` (and optionally `sm3` and `size`) with lowercase hex and a safe non-negative
 * integer size is what `S.BatchItem` would return unchanged, so it is kept as it is; any other
 * body, or any other item in it, goes through `S.BatchRequest` as before (same answers, same
 * errors). batch-request.test.ts checks the two agree.
 */
import type { z } from 'zod';
import { parseWith } from './problem.js';
import * as S from './schemas.js';

type BatchRequest = z.output<typeof S.BatchRequest>;

/** True for 64 lowercase hex digits. */
function isLowerHex64(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** True for an item S.BatchItem passes unchanged: own keys among sha256, sm3, size, each valid. */
function isPlainItem(item: unknown): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.getPrototypeOf(item) !== Object.prototype) return false;
  const o = item as Record<string, unknown>;
  let keys = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) return false;
    if (k === 'sha256') {
      if (!isLowerHex64(o.sha256)) return false;
    } else if (k === 'sm3') {
      if (!isLowerHex64(o.sm3)) return false;
    } else if (k === 'size') {
      const n = o.size;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return false;
    } else return false;
    keys++;
  }
  return keys > 0 && Object.hasOwn(o, 'sha256') && Object.getOwnPropertySymbols(o).length === 0;
}

/** `parseWith(S.BatchRequest, body)`, with the zod pass skipped when every item is a plain one. */
export function parseBatchRequest(body: unknown): BatchRequest {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.getPrototypeOf(body) === Object.prototype) {
    const keys = Object.keys(body);
    const items = (body as { items?: unknown }).items;
    if (keys.length === 1 && keys[0] === 'items' && Array.isArray(items) && items.length >= 1 && items.length <= S.MAX_BATCH_ITEMS && Object.getOwnPropertySymbols(body).length === 0) {
      let plain = true;
      for (let i = 0; i < items.length && plain; i++) plain = isPlainItem(items[i]);
      if (plain) return { items: items as BatchRequest['items'] };
    }
  }
  return parseWith(S.BatchRequest, body);
}
