/** Real commit batches for store tests: entries of varying length, every node they complete, block and head. */
import { createHash } from 'node:crypto';
import { CompactRange, TreeHasher } from '../../src/core/merkle.js';
import type { CommitBatch } from '../../src/app/ports.js';

export const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
export const hasher = new TreeHasher(sha256);
const z32 = new Uint8Array(32);

/** Appends `n` entries to `range` and returns the batch a sequencer would commit for block `height`. */
export function grow(range: CompactRange, height: bigint, n: number): CommitBatch {
  const batch: CommitBatch = { entries: [], nodes: [], deposits: [], claims: [], block: undefined!, head: undefined! };
  for (let i = 0; i < n; i++) {
    const index = range.size;
    const bytes = new TextEncoder().encode(`entry ${index}${'.'.repeat(Number(index % 7n))}`);
    range.append(hasher.hashLeaf(bytes), (id, hash) => batch.nodes.push({ id, hash }));
    batch.entries.push({ index, bytes });
  }
  const root = range.root();
  batch.block = { height, treeSize: range.size, rootHash: root, prevHash: z32, time: '2026-11-30T00:00:00.000Z', checkpoint: `cp ${height}\n` };
  batch.head = { treeSize: range.size, compact: [...range.hashes], rootHash: root, height, blockHash: z32, time: '2026-11-30T00:00:00.000Z' };
  return batch;
}
