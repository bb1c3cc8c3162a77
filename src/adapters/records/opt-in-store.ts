/**
 * The OptInStore port (src/app/opt-in-ports.ts) over a store's auxiliary records (LevelDB,
 * memory and PostgreSQL all implement RecordStore). Record space:
 *
 * - `match-opt-in`  `<account>` → `{"at":…}` (the whole account), `<account>/<deposit id>` →
 *                   `{"at":…}` (one deposit); opting out deletes the record
 */
import { MAX_OPT_IN_DEPOSITS, type OptIn, type OptInStore } from '../../app/opt-in-ports.js';
import type { RecordStore } from '../../app/ports.js';

export const OPT_IN_SPACE = 'match-opt-in';

export class RecordOptInStore implements OptInStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'listRecords' | 'writeRecords'>) {}

  async get(account: string): Promise<OptIn> {
    const whole = (await this.store.getRecord(OPT_IN_SPACE, account)) !== undefined;
    const rows = await this.store.listRecords(OPT_IN_SPACE, { prefix: `${account}/`, limit: MAX_OPT_IN_DEPOSITS });
    return { account: whole, deposits: rows.map((r) => r.key.slice(account.length + 1)) };
  }

  async set(account: string, depositId: string | undefined, enabled: boolean, at: string): Promise<void> {
    const key = depositId === undefined ? account : `${account}/${depositId}`;
    await this.store.writeRecords([{ space: OPT_IN_SPACE, key, value: enabled ? JSON.stringify({ at }) : null }]);
  }

  async covers(account: string, depositId: string): Promise<boolean> {
    return (await this.store.getRecord(OPT_IN_SPACE, account)) !== undefined || (await this.store.getRecord(OPT_IN_SPACE, `${account}/${depositId}`)) !== undefined;
  }
}
