/**
 * The text of a request handed to the sequencer (the `handoff.items` column): the entries as
 * JSON, bytes in base64, exactly the fields of `PendingEntry`, so the sequencer builds the batch
 * the accepting process would have built itself.
 */
import type { PendingEntry } from '../../app/log.js';
import type { IndexSlot } from '../../app/pending.js';
import type { ClaimRecord, CounterDelta, RecordWrite } from '../../app/ports.js';

interface WireEntry {
  bytes: string;
  deposit?: { id: string; metadata: string; sha256: string; account?: string; receivedAt?: string };
  claims?: ClaimRecord[];
  records?: RecordWrite[];
  indexAt?: IndexSlot[];
  counters?: CounterDelta[];
}

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

export function encodeHanded(items: readonly PendingEntry[]): string {
  return JSON.stringify(
    items.map((e): WireEntry => {
      const d = e.deposit;
      return {
        bytes: b64(e.bytes),
        ...(d
          ? { deposit: { id: d.record.id, metadata: d.record.metadata, sha256: b64(d.sha256), ...(d.account !== undefined ? { account: d.account } : {}), ...(d.receivedAt !== undefined ? { receivedAt: d.receivedAt } : {}) } }
          : {}),
        ...(e.claims ? { claims: e.claims } : {}),
        ...(e.records ? { records: e.records } : {}),
        ...(e.indexAt ? { indexAt: e.indexAt } : {}),
        ...(e.counters ? { counters: e.counters } : {}),
      };
    }),
  );
}

/** The entries of `text`; throws TypeError on text that `encodeHanded` did not write. */
export function decodeHanded(text: string): PendingEntry[] {
  const list = JSON.parse(text) as unknown;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('a handed-over request holds no entries');
  return list.map((x: WireEntry) => {
    if (typeof x?.bytes !== 'string') throw new TypeError('a handed-over entry has no bytes');
    const d = x.deposit;
    if (d !== undefined && (typeof d.id !== 'string' || typeof d.metadata !== 'string' || typeof d.sha256 !== 'string')) throw new TypeError('a handed-over deposit is malformed');
    for (const list of [x.claims, x.records, x.indexAt, x.counters]) if (list !== undefined && !Array.isArray(list)) throw new TypeError('a handed-over entry is malformed');
    return {
      bytes: unb64(x.bytes),
      ...(d
        ? {
            deposit: {
              record: { id: d.id, metadata: d.metadata },
              sha256: unb64(d.sha256),
              ...(d.account !== undefined ? { account: d.account } : {}),
              ...(d.receivedAt !== undefined ? { receivedAt: d.receivedAt } : {}),
            },
          }
        : {}),
      ...(x.claims ? { claims: x.claims } : {}),
      ...(x.records ? { records: x.records } : {}),
      ...(x.indexAt ? { indexAt: x.indexAt } : {}),
      ...(x.counters ? { counters: x.counters } : {}),
    };
  });
}
