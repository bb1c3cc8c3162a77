/**
 * The OperationStore port (src/app/operation-ports.ts) over a store's auxiliary records: the
 * operation records and their indexes are record writes the Ledger commits in the same batch as
 * each operation entry, so LevelDB (level/operations.ts) and the in-memory store
 * (memory/operations.ts) hold them exactly as they hold registrations. Record spaces:
 *
 * - `op`        id → OperationRecord JSON (private)
 * - `op-title`  registration id → TitleRecord JSON
 * - `op-reg`    `<registration>/<kind>/<createdAt>/<id>` → ''  (creation order per registration)
 * - `op-party`  `<account>/<kind>/<createdAt>/<id>` → ''       (an account's operations)
 * - `op-work`   `<sha256> <number>` → ''                       (works of titled registrations)
 */
import type { OperationKind } from '../../core/operation.js';
import { MAX_OPERATIONS_PER_REGISTRATION, type OperationChange, type OperationRecord, type OperationStore, type TitleRecord } from '../../app/operation-ports.js';
import type { LedgerStore, RecordWrite } from '../../app/ports.js';
import { getJson } from './json.js';

export const OPERATION_SPACES = {
  operation: 'op',
  title: 'op-title',
  byRegistration: 'op-reg',
  byParty: 'op-party',
  works: 'op-work',
} as const;

type RecordReader = Pick<LedgerStore, 'getRecord' | 'listRecords'>;

export class RecordOperationStore implements OperationStore {
  constructor(private readonly store: RecordReader) {}

  async get(id: string): Promise<OperationRecord | undefined> {
    return getJson<OperationRecord>(this.store, OPERATION_SPACES.operation, id);
  }

  async title(registration: string): Promise<TitleRecord | undefined> {
    return getJson<TitleRecord>(this.store, OPERATION_SPACES.title, registration);
  }

  async ofRegistration(registration: string, kind: OperationKind): Promise<OperationRecord[]> {
    const rows = await this.store.listRecords(OPERATION_SPACES.byRegistration, { prefix: `${registration}/${kind}/`, limit: MAX_OPERATIONS_PER_REGISTRATION });
    return this.resolve(rows.map((r) => r.key));
  }

  async ofParty(account: string, kind: OperationKind, opts: { after?: string; limit: number }): Promise<{ records: OperationRecord[]; next?: string }> {
    const prefix = `${account}/${kind}/`;
    const rows = await this.store.listRecords(OPERATION_SPACES.byParty, { prefix, ...(opts.after !== undefined ? { after: prefix + opts.after } : {}), limit: opts.limit });
    const records = await this.resolve(rows.map((r) => r.key));
    const last = rows.at(-1);
    return { records, ...(rows.length === opts.limit && last !== undefined ? { next: last.key.slice(prefix.length) } : {}) };
  }

  async numbersOfWork(sha256: string): Promise<string[]> {
    const rows = await this.store.listRecords(OPERATION_SPACES.works, { prefix: `${sha256} `, limit: 1000 });
    return rows.map((r) => r.key.slice(sha256.length + 1));
  }

  writes(change: OperationChange): RecordWrite[] {
    const { before, after } = change;
    const when = `${after.kind}/${after.createdAt}/${after.id}`;
    const out: RecordWrite[] = [{ space: OPERATION_SPACES.operation, key: after.id, value: JSON.stringify(after) }];
    if (change.title !== undefined) out.push({ space: OPERATION_SPACES.title, key: change.title.registration, value: JSON.stringify(change.title) });
    if (before === undefined) out.push({ space: OPERATION_SPACES.byRegistration, key: `${after.registration}/${when}`, value: '' });
    for (const p of after.parties) if (!before?.parties.includes(p)) out.push({ space: OPERATION_SPACES.byParty, key: `${p}/${when}`, value: '' });
    for (const w of change.works ?? []) out.push({ space: OPERATION_SPACES.works, key: `${w.sha256} ${w.number}`, value: '' });
    return out;
  }

  private async resolve(keys: string[]): Promise<OperationRecord[]> {
    const out: OperationRecord[] = [];
    for (const k of keys) {
      const r = await this.get(k.slice(k.lastIndexOf('/') + 1));
      if (r !== undefined) out.push(r);
    }
    return out;
  }
}
