/**
 * The MonitorStore port (src/app/monitor-ports.ts) over a store's auxiliary records (LevelDB,
 * memory and PostgreSQL all implement RecordStore). Record spaces:
 *
 * - `monitor-batches`   batch id → MonitorBatch JSON
 * - `monitor-active`    batch id → ''  (batches queued, running or with a delivery pending)
 * - `monitor-webhooks`  account id → Webhook JSON (its secret included)
 */
import type { MonitorBatch, MonitorStore, Webhook } from '../../app/monitor-ports.js';
import type { RecordStore } from '../../app/ports.js';
import { getJson } from './json.js';

export const MONITOR_SPACES = {
  batches: 'monitor-batches',
  active: 'monitor-active',
  webhooks: 'monitor-webhooks',
} as const;

/** Most active batches read at once (the queue holds far fewer). */
const MAX_ACTIVE = 100_000;

export class RecordMonitorStore implements MonitorStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'listRecords' | 'writeRecords'>) {}

  async batch(id: string): Promise<MonitorBatch | undefined> {
    return getJson<MonitorBatch>(this.store, MONITOR_SPACES.batches, id);
  }

  async saveBatch(b: MonitorBatch): Promise<void> {
    const active = b.status !== 'done' || b.delivery.status === 'pending';
    await this.store.writeRecords([
      { space: MONITOR_SPACES.batches, key: b.id, value: JSON.stringify(b) },
      { space: MONITOR_SPACES.active, key: b.id, value: active ? '' : null },
    ]);
  }

  async active(): Promise<string[]> {
    return (await this.store.listRecords(MONITOR_SPACES.active, { limit: MAX_ACTIVE })).map((r) => r.key);
  }

  async webhook(account: string): Promise<Webhook | undefined> {
    return getJson<Webhook>(this.store, MONITOR_SPACES.webhooks, account);
  }

  async setWebhook(account: string, hook: Webhook): Promise<void> {
    await this.store.writeRecords([{ space: MONITOR_SPACES.webhooks, key: account, value: JSON.stringify(hook) }]);
  }

  async deleteWebhook(account: string): Promise<void> {
    await this.store.writeRecords([{ space: MONITOR_SPACES.webhooks, key: account, value: null }]);
  }
}
