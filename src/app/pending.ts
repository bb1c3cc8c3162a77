/**
 * Entries waiting to be appended are plain data, so that a process that does not sequence can
 * hand them to the one that does (through the database) and the sequencer builds exactly the
 * batch it would have built for its own requests.
 *
 * Records that must hold the index the entry gets (a capture job's `entryIndex`, a case's
 * history line) are written as templates: `indexAt` names the JSON value and the position in
 * it where the index goes, and `fillIndex` puts it there when the batch is built.
 */
import type { RecordWrite } from './ports.js';

/** A place in a record's JSON value that receives the entry's index (a number). */
export interface IndexSlot {
  /** Position of the record in the entry's `records`. */
  record: number;
  /** Object keys and array positions from the value's root to the number to replace. */
  path: readonly (string | number)[];
}

/**
 * `records` with the entry's `index` written into every slot. The value at a slot MUST already
 * exist (the template holds a placeholder number there), so key order and every other byte of
 * the JSON text are those the template would have had with the index in it.
 */
export function fillIndex(records: readonly RecordWrite[], slots: readonly IndexSlot[], index: bigint): RecordWrite[] {
  const out = [...records];
  const parsed = new Map<number, unknown>();
  for (const s of slots) {
    const w = out[s.record];
    if (w === undefined || w.value === null) throw new TypeError(`index slot names record ${s.record}, which has no value`);
    let root = parsed.get(s.record);
    if (root === undefined) parsed.set(s.record, (root = JSON.parse(w.value) as unknown));
    let at = root as Record<string | number, unknown>;
    for (const step of s.path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
    const last = s.path[s.path.length - 1]!;
    if (typeof at?.[last] !== 'number') throw new TypeError(`index slot ${s.path.join('.')} of record ${s.record} holds no number`);
    at[last] = Number(index);
  }
  for (const [i, root] of parsed) out[i] = { ...out[i]!, value: JSON.stringify(root) };
  return out;
}
