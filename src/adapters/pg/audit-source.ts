/** AuditSource over a PostgreSQL store: blocks and entries as stored, tree nodes from the stored tiles. */
import type { AuditSource } from '../../app/audit.js';
import { isLogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import type { PgLogStore } from './store.js';

export function pgAuditSource(store: PgLogStore): AuditSource {
  return {
    async latestHeight() {
      // The highest block row, not the head: audit trusts nothing it can recompute.
      const { rows } = await store.pool.query<{ h: string | null }>('SELECT max(height) AS h FROM blocks');
      return rows[0]?.h == null ? -1n : BigInt(rows[0].h);
    },
    getBlock: (h) => store.getBlock(h),
    getEntries: (start, count) => store.getEntries(start, count),
    async getStoredNodes(ids: NodeId[]) {
      try {
        return await store.getNodes(ids);
      } catch (e) {
        if (!isLogError(e) || e.code !== 'corrupt_store') throw e;
        // One is missing: which one, node by node.
        return Promise.all(ids.map((id) => store.getNodes([id]).then((x) => x[0], () => undefined)));
      }
    },
    hasEntry: async (index) => (await store.getEntry(index)) !== undefined,
  };
}
