/**
 * The CaptureStore port (src/app/capture-ports.ts) over a store's auxiliary records (LevelDB,
 * memory and PostgreSQL alike). Record spaces:
 *
 * - `captures`             id → CaptureJob JSON
 * - `captures-by-account`  `<account>/<createdAt>/<id>` → id   (an account's captures, oldest first)
 * - `captures-active`      id → the instance id of the process running it ('' when written
 *                          before runners were recorded)   (jobs queued or running)
 * - `captures-record`      id → the salted capture record (JCS text) its log entry commits to
 */
import type { ActiveCapture, CaptureJob, CaptureStore } from '../../app/capture-ports.js';
import type { RecordStore, RecordWrite } from '../../app/ports.js';
import { getJson } from './json.js';

export const CAPTURE_SPACES = {
  job: 'captures',
  byAccount: 'captures-by-account',
  active: 'captures-active',
  record: 'captures-record',
} as const;

const PAGE = 1000;

export class RecordCaptureStore implements CaptureStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'listRecords' | 'writeRecords'>) {}

  async get(id: string): Promise<CaptureJob | undefined> {
    return getJson<CaptureJob>(this.store, CAPTURE_SPACES.job, id);
  }

  record(id: string): Promise<string | undefined> {
    return this.store.getRecord(CAPTURE_SPACES.record, id);
  }

  async idsOf(account: string): Promise<string[]> {
    const ids: string[] = [];
    for (let from: string | undefined; ; ) {
      const page = await this.store.listRecords(CAPTURE_SPACES.byAccount, { prefix: `${account}/`, ...(from !== undefined ? { after: from } : {}), limit: PAGE });
      for (const k of page) ids.push(k.value);
      if (page.length < PAGE) return ids;
      from = page[page.length - 1]!.key;
    }
  }

  async active(opts: { after?: string; limit: number }): Promise<ActiveCapture[]> {
    const rows = await this.store.listRecords(CAPTURE_SPACES.active, { ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit });
    return rows.map((r) => ({ id: r.key, runner: r.value }));
  }

  create(job: CaptureJob, runner: string): Promise<void> {
    return this.store.writeRecords([
      { space: CAPTURE_SPACES.job, key: job.id, value: JSON.stringify(job) },
      { space: CAPTURE_SPACES.byAccount, key: `${job.account}/${job.createdAt}/${job.id}`, value: job.id },
      { space: CAPTURE_SPACES.active, key: job.id, value: runner },
    ]);
  }

  save(job: CaptureJob, opts: { ended?: boolean } = {}): Promise<void> {
    return this.store.writeRecords([
      { space: CAPTURE_SPACES.job, key: job.id, value: JSON.stringify(job) },
      ...(opts.ended === true ? [{ space: CAPTURE_SPACES.active, key: job.id, value: null }] : []),
    ]);
  }

  async end(items: { id: string; job?: CaptureJob }[]): Promise<void> {
    if (items.length === 0) return;
    const writes: RecordWrite[] = [];
    for (const { id, job } of items) {
      writes.push({ space: CAPTURE_SPACES.active, key: id, value: null });
      if (job !== undefined) writes.push({ space: CAPTURE_SPACES.job, key: id, value: JSON.stringify(job) });
    }
    await this.store.writeRecords(writes);
  }

  doneWrites(job: CaptureJob, recordText: string): RecordWrite[] {
    return [
      { space: CAPTURE_SPACES.job, key: job.id, value: JSON.stringify(job) },
      { space: CAPTURE_SPACES.record, key: job.id, value: recordText },
      { space: CAPTURE_SPACES.active, key: job.id, value: null },
    ];
  }
}
