/**
 * Auxiliary records and counters in PostgreSQL (the generic part of the LedgerStore port):
 *   records(space, key, value), keys compared in byte order (COLLATE "C");
 *   counters(name, value).
 * Counter deltas are added in the database (`value = value + delta`), so concurrent writers
 * never lose an update; rows are written in key order so concurrent transactions lock them in
 * the same order and cannot deadlock.
 */
import { LogError } from '../../core/errors.js';
import type { CounterDelta, RecordWrite } from '../../app/ports.js';
import { prefixUpperBound, type Queryable } from './db.js';

const SPACE = /^[a-z][a-z0-9-]{0,63}$/;

function checkSpace(space: string): void {
  if (!SPACE.test(space)) throw new LogError('internal', `bad record space ${JSON.stringify(space)}`);
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Applies record writes (in order: the last write to a key wins) and counter deltas (summed per name). */
export async function applyRecords(db: Queryable, records: readonly RecordWrite[] = [], counters: readonly CounterDelta[] = []): Promise<void> {
  const last = new Map<string, RecordWrite>();
  for (const r of records) {
    checkSpace(r.space);
    if (r.key.includes('\u0000')) throw new LogError('internal', 'a record key MUST NOT contain U+0000');
    last.set(`${r.space}\u0000${r.key}`, r);
  }
  const ordered = [...last.entries()].sort(([a], [b]) => byBytes(a, b)).map(([, r]) => r);
  const puts = ordered.filter((r) => r.value !== null);
  const dels = ordered.filter((r) => r.value === null);
  if (puts.length > 0) {
    await db.query(
      `INSERT INTO records (space, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (space, key) DO UPDATE SET value = EXCLUDED.value`,
      [puts.map((r) => r.space), puts.map((r) => r.key), puts.map((r) => r.value)],
    );
  }
  if (dels.length > 0) {
    await db.query('DELETE FROM records r USING unnest($1::text[], $2::text[]) AS d(space, key) WHERE r.space = d.space AND r.key = d.key', [dels.map((r) => r.space), dels.map((r) => r.key)]);
  }
  const sums = new Map<string, number>();
  for (const c of counters) {
    if (c.name === '' || c.name.includes('\u0000')) throw new LogError('internal', `bad counter name ${JSON.stringify(c.name)}`);
    if (!Number.isSafeInteger(c.delta)) throw new LogError('internal', `counter delta ${c.delta} is not an integer`);
    sums.set(c.name, (sums.get(c.name) ?? 0) + c.delta);
  }
  if (sums.size > 0) {
    const names = [...sums.keys()].sort(byBytes);
    await db.query(
      `INSERT INTO counters (name, value) SELECT * FROM unnest($1::text[], $2::int8[])
       ON CONFLICT (name) DO UPDATE SET value = counters.value + EXCLUDED.value`,
      [names, names.map((n) => String(sums.get(n)))],
    );
  }
}

export async function getRecord(db: Queryable, space: string, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ value: string }>('SELECT value FROM records WHERE space = $1 AND key = $2', [space, key]);
  return rows[0]?.value;
}

export async function listRecords(db: Queryable, space: string, opts: { prefix?: string; after?: string; limit: number }): Promise<{ key: string; value: string }[]> {
  if (opts.limit <= 0) return [];
  const prefix = opts.prefix ?? '';
  const upper = prefixUpperBound(prefix);
  const params: unknown[] = [space, prefix, opts.limit];
  let where = 'space = $1 AND key >= $2';
  if (upper !== undefined) {
    params.push(upper);
    where += ` AND key < $${params.length}`;
  }
  if (opts.after !== undefined) {
    params.push(opts.after);
    where += ` AND key > $${params.length}`;
  }
  const { rows } = await db.query<{ key: string; value: string }>(`SELECT key, value FROM records WHERE ${where} ORDER BY key LIMIT $3`, params);
  return rows;
}

export async function getCounter(db: Queryable, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ value: string }>('SELECT value FROM counters WHERE name = $1', [name]);
  return rows[0] === undefined ? undefined : Number(rows[0].value);
}
