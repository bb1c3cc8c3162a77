/**
 * The CaseStore port (src/app/case-ports.ts) over a store's auxiliary records (LevelDB, memory
 * and PostgreSQL all implement RecordStore). A new case's record and index entries are record
 * writes the Ledger commits in the same batch as its `case` entry. Record spaces:
 *
 * - `cases`                    id → CaseRecord JSON (private)
 * - `cases-by-account`         `<account>/<createdAt>/<id>` → ''  (oldest first; kept, no longer read)
 * - `cases-by-account-newest`  `<account>/<13-digit 9999999999999 − creation ms>/<id>` → ''  (newest first)
 * - `migrations`               `cases-by-account-newest-v1` → 'done', once every case stored
 *                              before the newest-first index has its entry there
 */
import type { CaseChange, CaseRecord, CaseStore } from '../../app/case-ports.js';
import type { RecordStore, RecordWrite } from '../../app/ports.js';
import { getJson } from './json.js';

export const CASE_SPACES = {
  case: 'cases',
  byAccount: 'cases-by-account',
  byAccountNewest: 'cases-by-account-newest',
} as const;

const NEWEST_INDEX_DONE = { space: 'migrations', key: 'cases-by-account-newest-v1' } as const;
const LATEST_MS = 9_999_999_999_999;
const PAGE = 500;

function newestKey(account: string, createdAt: string, id: string): string {
  return `${account}/${String(LATEST_MS - Date.parse(createdAt)).padStart(13, '0')}/${id}`;
}

export class RecordCaseStore implements CaseStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'listRecords' | 'writeRecords'>) {}

  async get(id: string): Promise<CaseRecord | undefined> {
    return getJson<CaseRecord>(this.store, CASE_SPACES.case, id);
  }

  async ofAccount(account: string, opts: { after?: string | undefined; limit: number }): Promise<{ cases: CaseRecord[]; next?: string }> {
    const prefix = `${account}/`;
    const rows = await this.store.listRecords(CASE_SPACES.byAccountNewest, { prefix, ...(opts.after !== undefined ? { after: prefix + opts.after } : {}), limit: opts.limit });
    const cases: CaseRecord[] = [];
    for (const { key } of rows) {
      const c = await this.get(key.slice(key.lastIndexOf('/') + 1));
      if (c) cases.push(c);
    }
    const last = rows.at(-1);
    return { cases, ...(rows.length === opts.limit && last !== undefined ? { next: last.key.slice(prefix.length) } : {}) };
  }

  async awaitingEvidence(): Promise<string[]> {
    const out: string[] = [];
    for await (const c of this.all()) if (c.state === 'open' && c.captureId !== undefined && c.captureError === undefined) out.push(c.id);
    return out;
  }

  async prepare(): Promise<void> {
    if ((await this.store.getRecord(NEWEST_INDEX_DONE.space, NEWEST_INDEX_DONE.key)) !== undefined) return;
    let missing: RecordWrite[] = [];
    for await (const c of this.all()) {
      const key = newestKey(c.account, c.createdAt, c.id);
      if ((await this.store.getRecord(CASE_SPACES.byAccountNewest, key)) === undefined) missing.push({ space: CASE_SPACES.byAccountNewest, key, value: '' });
      if (missing.length >= PAGE) {
        await this.store.writeRecords(missing);
        missing = [];
      }
    }
    if (missing.length > 0) await this.store.writeRecords(missing);
    await this.store.writeRecords([{ ...NEWEST_INDEX_DONE, value: 'done' }]);
  }

  writes(change: CaseChange): RecordWrite[] {
    const { before, after } = change;
    const out: RecordWrite[] = [{ space: CASE_SPACES.case, key: after.id, value: JSON.stringify(after) }];
    if (before === undefined) {
      out.push({ space: CASE_SPACES.byAccount, key: `${after.account}/${after.createdAt}/${after.id}`, value: '' });
      out.push({ space: CASE_SPACES.byAccountNewest, key: newestKey(after.account, after.createdAt, after.id), value: '' });
    }
    return out;
  }

  async save(record: CaseRecord): Promise<void> {
    await this.store.writeRecords([{ space: CASE_SPACES.case, key: record.id, value: JSON.stringify(record) }]);
  }

  /** Every stored case, in id order, read a page at a time. */
  private async *all(): AsyncGenerator<CaseRecord> {
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listRecords(CASE_SPACES.case, { ...(after !== undefined ? { after } : {}), limit: PAGE });
      for (const { value } of page) yield JSON.parse(value) as CaseRecord;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.key;
    }
  }
}
