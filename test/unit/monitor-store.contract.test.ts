/**
 * Contract suite of the MonitorStore port (src/app/monitor-ports.ts), run over the record
 * adapter on LevelDB, memory and PostgreSQL: batches, the index of active ones (what a process
 * resumes), webhooks, and the record layout earlier versions wrote.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RecordMonitorStore } from '../../src/adapters/records/monitor-store.js';
import type { MonitorBatch, Webhook } from '../../src/app/monitor-ports.js';
import { opener, storeImpls } from '../support/store-impls.js';
import { stopSharedPgCluster } from '../support/pg.js';

afterAll(stopSharedPgCluster);

let n = 0;
function batch(account: string, status: MonitorBatch['status'] = 'queued', delivery: MonitorBatch['delivery']['status'] = 'waiting'): MonitorBatch {
  n++;
  return {
    id: `mon_${String(n).padStart(20, '0')}`,
    account,
    status,
    createdAt: '2026-11-30T10:00:00.000Z',
    items: [{ sha256: 'a'.repeat(64), ref: 'r1' }],
    ...(status === 'done' ? { endedAt: '2026-11-30T10:00:01.000Z', results: [{ index: 0, ref: 'r1', matches: [] }] } : {}),
    delivery: { status: delivery, attempts: delivery === 'waiting' ? [] : [{ at: '2026-11-30T10:00:02.000Z', status: 503 }] },
  };
}

const hook = (url: string): Webhook => ({ url, secret: `whsec_${'ab'.repeat(32)}`, createdAt: '2026-11-30T09:00:00.000Z' });

describe.each(storeImpls)('MonitorStore contract: $name', (impl) => {
  const openStore = opener(impl);
  const open = async () => {
    const opened = await openStore();
    return { store: opened.store, monitors: new RecordMonitorStore(opened.store), reopen: opened.reopen };
  };

  it('stores and replaces batches; an unknown id is undefined', async () => {
    const { monitors } = await open();
    const b = batch('acc_a');
    expect(await monitors.batch(b.id)).toBeUndefined();
    await monitors.saveBatch(b);
    expect(await monitors.batch(b.id)).toEqual(b);
    const running: MonitorBatch = { ...b, status: 'running' };
    await monitors.saveBatch(running);
    expect(await monitors.batch(b.id)).toEqual(running);
    expect(await monitors.batch('mon_missing')).toBeUndefined();
  });

  it('lists as active exactly the batches queued, running or with a delivery pending, in id order', async () => {
    const { monitors } = await open();
    const queued = batch('acc_a');
    const running = batch('acc_b', 'running');
    const pending = batch('acc_a', 'done', 'pending');
    const delivered = batch('acc_a', 'done', 'delivered');
    const failed = batch('acc_b', 'done', 'failed');
    for (const b of [pending, failed, queued, delivered, running]) await monitors.saveBatch(b);
    expect(await monitors.active()).toEqual([queued.id, running.id, pending.id]);
    // A batch leaves the index when its delivery ends, and a retry puts nothing twice.
    await monitors.saveBatch({ ...pending, delivery: { ...pending.delivery, status: 'pending', nextAttemptAt: '2026-11-30T10:01:00.000Z' } });
    await monitors.saveBatch({ ...queued, status: 'done', delivery: { status: 'delivered', attempts: [] } });
    expect(await monitors.active()).toEqual([running.id, pending.id]);
    await monitors.saveBatch({ ...pending, delivery: { ...pending.delivery, status: 'delivered' } });
    expect(await monitors.active()).toEqual([running.id]);
  });

  it("keeps one webhook per account: set, replace, delete (also when none is set), never another account's", async () => {
    const { monitors } = await open();
    expect(await monitors.webhook('acc_a')).toBeUndefined();
    await monitors.setWebhook('acc_a', hook('https://hooks.example.com/1'));
    await monitors.setWebhook('acc_ab', hook('https://hooks.example.com/ab'));
    expect(await monitors.webhook('acc_a')).toEqual(hook('https://hooks.example.com/1'));
    await monitors.setWebhook('acc_a', hook('https://hooks.example.com/2'));
    expect((await monitors.webhook('acc_a'))?.url).toBe('https://hooks.example.com/2');
    await monitors.deleteWebhook('acc_a');
    await monitors.deleteWebhook('acc_a');
    expect(await monitors.webhook('acc_a')).toBeUndefined();
    expect((await monitors.webhook('acc_ab'))?.url).toBe('https://hooks.example.com/ab');
  });

  it('keeps the record layout of earlier versions (spaces, keys, values)', async () => {
    const { store, monitors } = await open();
    const b = batch('acc_a', 'done', 'pending');
    await monitors.saveBatch(b);
    await monitors.setWebhook('acc_a', hook('https://hooks.example.com/1'));
    expect(await store.getRecord('monitor-batches', b.id)).toBe(JSON.stringify(b));
    expect(await store.getRecord('monitor-active', b.id)).toBe('');
    expect(await store.getRecord('monitor-webhooks', 'acc_a')).toBe(JSON.stringify(hook('https://hooks.example.com/1')));
    // A batch stored by an earlier version is found and resumed.
    const old = batch('acc_b', 'running');
    await store.writeRecords([
      { space: 'monitor-batches', key: old.id, value: JSON.stringify(old) },
      { space: 'monitor-active', key: old.id, value: '' },
    ]);
    expect(await monitors.active()).toEqual([b.id, old.id]);
    expect(await monitors.batch(old.id)).toEqual(old);
  });

  it.skipIf(!impl.persistent)('keeps batches, the active index and webhooks across a reopen', async () => {
    const { monitors, reopen } = await open();
    const b = batch('acc_a', 'done', 'pending');
    await monitors.saveBatch(b);
    await monitors.setWebhook('acc_a', hook('https://hooks.example.com/1'));
    const again = new RecordMonitorStore(await reopen!());
    expect(await again.batch(b.id)).toEqual(b);
    expect(await again.active()).toEqual([b.id]);
    expect((await again.webhook('acc_a'))?.url).toBe('https://hooks.example.com/1');
  });
});
