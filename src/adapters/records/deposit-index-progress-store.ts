/**
 * The DepositIndexProgressStore port (src/app/deposit-index-ports.ts) over a store's auxiliary
 * records. One record:
 *
 * - `migrations` / `account-deposits-v1` → `{"next":"<entry index>"}` while the pass runs, `done` after
 */
import type { DepositIndexProgressStore, IndexProgress } from '../../app/deposit-index-ports.js';
import type { RecordStore, RecordWrite } from '../../app/ports.js';

export const INDEX_PROGRESS = { space: 'migrations', key: 'account-deposits-v1' } as const;

const DONE = 'done';

export class RecordDepositIndexProgressStore implements DepositIndexProgressStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'writeRecords'>) {}

  async get(): Promise<IndexProgress | undefined> {
    const v = await this.store.getRecord(INDEX_PROGRESS.space, INDEX_PROGRESS.key);
    if (v === undefined) return undefined;
    if (v === DONE) return DONE;
    return { next: BigInt((JSON.parse(v) as { next: string }).next) };
  }

  writes(progress: IndexProgress): RecordWrite[] {
    return [{ ...INDEX_PROGRESS, value: progress === DONE ? DONE : JSON.stringify({ next: progress.next.toString() }) }];
  }

  async markDone(): Promise<void> {
    await this.store.writeRecords(this.writes(DONE));
  }
}
