/**
 * Auxiliary records and counters on LevelDB (the generic part of the LedgerStore port that
 * registrations, organisations and statistics use). Keys:
 *   'R' + space + 0x00 + key → value (UTF-8)
 *   'C' + counter name       → decimal text
 *
 * Counters are read-modify-write, so every write that may touch one (sequencer commits,
 * `writeRecords`, new accounts) goes through one promise chain: a counter update is never lost.
 * Only one process opens a LevelDB directory, so an in-process chain is enough.
 */
import type { Level } from 'level';
import { concatBytes, fromUtf8, utf8 } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { CounterDelta, RecordWrite } from '../../app/ports.js';
import { P, prefixEnd } from './keys.js';

type Bytes = Uint8Array;
export type LevelOp = { type: 'put'; key: Bytes; value: Bytes } | { type: 'del'; key: Bytes };

const SPACE = /^[a-z][a-z0-9-]{0,63}$/;

function spacePrefix(space: string): Bytes {
  if (!SPACE.test(space)) throw new LogError('internal', `bad record space ${JSON.stringify(space)}`);
  return concatBytes(Uint8Array.of(P.record), utf8(space), Uint8Array.of(0));
}

export function recordKey(space: string, key: string): Bytes {
  if (key.includes('\u0000')) throw new LogError('internal', 'a record key MUST NOT contain U+0000');
  return concatBytes(spacePrefix(space), utf8(key));
}

export function counterKey(name: string): Bytes {
  if (name === '' || name.includes('\u0000')) throw new LogError('internal', `bad counter name ${JSON.stringify(name)}`);
  return concatBytes(Uint8Array.of(P.counter), utf8(name));
}

function compareBytes(a: Bytes, b: Bytes): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export class LevelRecords {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly db: Level<Bytes, Bytes>) {}

  /**
   * One synced batch: `ops`, then the record writes in order, then the counters (deltas summed
   * per name and added to the stored values). Serialized with every other call. `ops` may be a
   * function: it then runs inside the serialized section, so it can read, then write, atomically
   * with respect to every other write.
   */
  write(ops: LevelOp[] | (() => Promise<LevelOp[]>), records: readonly RecordWrite[] = [], counters: readonly CounterDelta[] = []): Promise<void> {
    const run = async (): Promise<void> => {
      const all: LevelOp[] = typeof ops === 'function' ? await ops() : [...ops];
      for (const r of records) {
        const key = recordKey(r.space, r.key);
        all.push(r.value === null ? { type: 'del', key } : { type: 'put', key, value: utf8(r.value) });
      }
      const sums = new Map<string, number>();
      for (const c of counters) {
        if (!Number.isSafeInteger(c.delta)) throw new LogError('internal', `counter ${c.name}: delta is not an integer`);
        sums.set(c.name, (sums.get(c.name) ?? 0) + c.delta);
      }
      if (sums.size > 0) {
        const names = [...sums.keys()];
        const current = await this.db.getMany(names.map(counterKey));
        names.forEach((name, i) => {
          const raw = current[i];
          const value = (raw === undefined ? 0 : Number(fromUtf8(raw))) + sums.get(name)!;
          all.push({ type: 'put', key: counterKey(name), value: utf8(String(value)) });
        });
      }
      if (all.length > 0) {
        // Chained batch: abstract-level's array batch clones and re-validates every op (~6 µs/op).
        const b = this.db.batch();
        for (const op of all) {
          if (op.type === 'put') b.put(op.key, op.value);
          else b.del(op.key);
        }
        await b.write({ sync: true });
      }
    };
    const done = this.chain.then(run);
    this.chain = done.catch(() => undefined);
    return done;
  }

  async get(space: string, key: string): Promise<string | undefined> {
    const raw = await this.db.get(recordKey(space, key));
    return raw === undefined ? undefined : fromUtf8(raw);
  }

  async list(space: string, opts: { prefix?: string; after?: string; limit: number }): Promise<{ key: string; value: string }[]> {
    if (opts.limit <= 0) return [];
    const base = spacePrefix(space);
    const from = recordKey(space, opts.prefix ?? '');
    const range: { gt?: Bytes; gte?: Bytes; lt: Bytes; limit: number } = { lt: prefixEnd(from), limit: opts.limit };
    if (opts.after !== undefined && compareBytes(recordKey(space, opts.after), from) >= 0) range.gt = recordKey(space, opts.after);
    else range.gte = from;
    const out: { key: string; value: string }[] = [];
    for await (const [k, v] of this.db.iterator(range)) out.push({ key: fromUtf8(k.subarray(base.length)), value: fromUtf8(v) });
    return out;
  }

  async counter(name: string): Promise<number | undefined> {
    const raw = await this.db.get(counterKey(name));
    return raw === undefined ? undefined : Number(fromUtf8(raw));
  }
}
