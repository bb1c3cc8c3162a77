/**
 * The RegistrationStore port (src/app/registration-ports.ts) over a store's auxiliary records
 * (RecordStore), so LevelDB, the in-memory store and PostgreSQL hold registrations alike. The
 * records of a state change are written by the Ledger in the batch of its log entry. Record
 * spaces:
 *
 * - `reg`            id → RegistrationRecord JSON (private)
 * - `reg-state`      `<state>/<since>/<id>` → ''  (the record's `stateKey`; the review queue is
 *                    `submitted/…`, oldest first)
 * - `reg-applicant`  `<account>/<createdAt>/<id>` → ''
 * - `reg-number`     number → id
 * - `registry`       number → RegistryEntry JSON (public)
 * - `registry-term`  `<term> <number>` → ''  (terms of the title and rights holders' display
 *                    names, app/registry-search.ts indexTerms)
 *
 * Index cursors are the index key without its prefix (`<since>/<id>`, `<createdAt>/<id>`).
 */
import type { RegistrationState } from '../../core/registration.js';
import type { RecordStore, RecordWrite } from '../../app/ports.js';
import type { IndexRow, RegistrationChange, RegistrationRecord, RegistrationStore, RegistryEntry } from '../../app/registration-ports.js';
import { indexTerms } from '../../app/registry-search.js';
import { getJson } from './json.js';

export const REGISTRATION_SPACES = {
  registration: 'reg',
  byState: 'reg-state',
  byApplicant: 'reg-applicant',
  byNumber: 'reg-number',
  registry: 'registry',
  terms: 'registry-term',
} as const;

/**
 * Up to `limit` public registry entries with numbers after `after` (exclusive), in number order,
 * as stored (JSON text); `next` is the last number returned when there may be more. Exporters
 * that hold only a record reader use it directly.
 */
export async function registryPage(store: Pick<RecordStore, 'listRecords'>, after: string | undefined, limit: number): Promise<{ entries: string[]; next?: string }> {
  const rows = await store.listRecords(REGISTRATION_SPACES.registry, { ...(after !== undefined ? { after } : {}), limit });
  const last = rows[rows.length - 1];
  return { entries: rows.map((r) => r.value), ...(rows.length === limit && last !== undefined ? { next: last.key } : {}) };
}

/** The search-term index writes of a registry entry. */
function termWrites(e: RegistryEntry): RecordWrite[] {
  return indexTerms(`${e.title}\n${e.rightsHolders.join('\n')}`).map((t) => ({ space: REGISTRATION_SPACES.terms, key: `${t} ${e.number}`, value: '' }));
}

export class RecordRegistrationStore implements RegistrationStore {
  constructor(private readonly store: RecordStore) {}

  async get(id: string): Promise<RegistrationRecord | undefined> {
    return getJson<RegistrationRecord>(this.store, REGISTRATION_SPACES.registration, id);
  }

  idOfNumber(number: string): Promise<string | undefined> {
    return this.store.getRecord(REGISTRATION_SPACES.byNumber, number);
  }

  async registryEntry(number: string): Promise<RegistryEntry | undefined> {
    return getJson<RegistryEntry>(this.store, REGISTRATION_SPACES.registry, number);
  }

  inState(state: RegistrationState, opts: { after?: string; limit: number }): Promise<IndexRow[]> {
    return this.index(REGISTRATION_SPACES.byState, `${state}/`, opts);
  }

  ofApplicant(account: string, opts: { after?: string; limit: number }): Promise<IndexRow[]> {
    return this.index(REGISTRATION_SPACES.byApplicant, `${account}/`, opts);
  }

  registryPage(after: string | undefined, limit: number): Promise<{ entries: string[]; next?: string }> {
    return registryPage(this.store, after, limit);
  }

  async numbersByTerm(prefix: string, scan: number): Promise<{ numbers: string[]; truncated: boolean }> {
    const rows = await this.store.listRecords(REGISTRATION_SPACES.terms, { prefix, limit: scan });
    const numbers = [...new Set(rows.map((r) => r.key.slice(r.key.lastIndexOf(' ') + 1)))].sort();
    return { numbers, truncated: rows.length === scan };
  }

  async lastNumber(counter: string): Promise<number> {
    return (await this.store.getCounter(counter)) ?? 0;
  }

  writes(change: RegistrationChange): RecordWrite[] {
    const { before, after } = change;
    // The by-state key changes only with the state: the queue keeps its order across edits.
    const stateKey = before !== undefined && before.state === after.state ? before.stateKey : `${after.state}/${after.updatedAt}/${after.id}`;
    const r: RegistrationRecord = { ...after, stateKey };
    const out: RecordWrite[] = [{ space: REGISTRATION_SPACES.registration, key: r.id, value: JSON.stringify(r) }];
    if (before !== undefined && before.stateKey !== r.stateKey) out.push({ space: REGISTRATION_SPACES.byState, key: before.stateKey, value: null });
    if (before === undefined || before.stateKey !== r.stateKey) out.push({ space: REGISTRATION_SPACES.byState, key: r.stateKey, value: '' });
    if (before === undefined) out.push({ space: REGISTRATION_SPACES.byApplicant, key: `${r.applicant}/${r.createdAt}/${r.id}`, value: '' });
    if (change.registry !== undefined) {
      const { before: old, after: entry } = change.registry;
      if (old === undefined) out.push({ space: REGISTRATION_SPACES.byNumber, key: entry.number, value: r.id });
      out.push({ space: REGISTRATION_SPACES.registry, key: entry.number, value: JSON.stringify(entry) });
      const oldTerms = new Set((old === undefined ? [] : termWrites(old)).map((w) => w.key));
      const newTerms = termWrites(entry);
      const newKeys = new Set(newTerms.map((w) => w.key));
      for (const key of oldTerms) if (!newKeys.has(key)) out.push({ space: REGISTRATION_SPACES.terms, key, value: null });
      for (const w of newTerms) if (!oldTerms.has(w.key)) out.push(w);
    }
    return out;
  }

  async saveDraft(record: RegistrationRecord): Promise<void> {
    await this.store.writeRecords([{ space: REGISTRATION_SPACES.registration, key: record.id, value: JSON.stringify(record) }]);
  }

  private async index(space: string, prefix: string, opts: { after?: string; limit: number }): Promise<IndexRow[]> {
    const rows = await this.store.listRecords(space, { prefix, ...(opts.after !== undefined ? { after: prefix + opts.after } : {}), limit: opts.limit });
    const out: IndexRow[] = [];
    for (const row of rows) out.push({ cursor: row.key.slice(prefix.length), record: await this.get(row.key.slice(row.key.lastIndexOf('/') + 1)) });
    return out;
  }
}
