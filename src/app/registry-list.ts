/** The whole public registry, page by page, in number order (for exports and mirrors). */
import type { LedgerStore } from './ports.js';

/** Record space of the public registry entries (number → RegistryEntry JSON), as registrations.ts writes it. */
export const REGISTRY_SPACE = 'registry';

/**
 * Up to `limit` public registry entries with numbers after `after` (exclusive), in number order,
 * as stored (JSON text). `next` is the last number returned when there may be more.
 */
export async function registryPage(store: Pick<LedgerStore, 'listRecords'>, after: string | undefined, limit: number): Promise<{ entries: string[]; next?: string }> {
  const rows = await store.listRecords(REGISTRY_SPACE, { ...(after !== undefined ? { after } : {}), limit });
  const last = rows[rows.length - 1];
  return { entries: rows.map((r) => r.value), ...(rows.length === limit && last !== undefined ? { next: last.key } : {}) };
}
