/**
 * AuditSource over a stopped LevelDB store: reads records directly, including the stored tree
 * (level 8·L nodes from their tiles, the others computed from the tile below them).
 */
import type { AuditSource } from '../../app/audit.js';
import type { NodeId } from '../../core/merkle.js';
import type { LevelLogStore } from './store.js';
import * as K from './keys.js';
import { readU64be } from '../../core/bytes.js';

export function levelAuditSource(store: LevelLogStore): AuditSource {
  return {
    async latestHeight() {
      // The highest block key, not the head record: audit trusts nothing it can recompute.
      const prefix = Uint8Array.of(K.P.block);
      const keys = await store.db.keys({ gte: prefix, lt: K.prefixEnd(prefix), reverse: true, limit: 1 }).all();
      return keys[0] === undefined ? -1n : readU64be(keys[0], 1);
    },
    getBlock: (h) => store.getBlock(h),
    getEntries: (start, count) => store.getEntries(start, count),
    getStoredNodes: (ids: NodeId[]) => store.storedNodes(ids),
    hasEntry: async (index) => (await store.getEntry(index)) !== undefined,
  };
}
