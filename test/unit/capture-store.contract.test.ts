/**
 * One contract suite for the CaptureStore port (src/app/capture-ports.ts), run over the record
 * stores of the in-memory, LevelDB and PostgreSQL stores. `doneWrites` are applied the way the
 * Ledger applies a batch's records: as one write. The record layout is checked too: existing
 * stores must keep working without a migration.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RecordCaptureStore } from '../../src/adapters/records/capture-store.js';
import type { CaptureJob } from '../../src/app/capture-ports.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { concernOpener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

const job = (n: number, account = 'acc_a', extra: Partial<CaptureJob> = {}): CaptureJob => ({
  id: `cap_${n.toString(16).padStart(20, '0')}`,
  account,
  url: `https://example.com/${n}`,
  status: 'queued',
  createdAt: `2026-11-30T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
  ...extra,
});

for (const impl of storeImpls) {
  describe(`CaptureStore contract: ${impl.name}`, () => {
    const open = concernOpener(impl, (log) => new RecordCaptureStore(log));

    it('creates a job: readable, listed under its account only, active with its runner; unknown ids are undefined', async () => {
      const opened = await open();
      const { store } = opened;
      await store.create(job(1, 'acc_a', { note: 'n', options: { viewport: { width: 800, height: 600 } } }), 'run_a');
      await store.create(job(2, 'acc_b'), 'run_b');
      expect(await store.get(job(1).id)).toEqual(job(1, 'acc_a', { note: 'n', options: { viewport: { width: 800, height: 600 } } }));
      expect(await store.get('cap_ffffffffffffffffffff')).toBeUndefined();
      expect(await store.record(job(1).id)).toBeUndefined();
      expect(await store.idsOf('acc_a')).toEqual([job(1).id]);
      expect(await store.idsOf('acc_b')).toEqual([job(2).id]);
      expect(await store.idsOf('acc_')).toEqual([]);
      expect(await store.active({ limit: 10 })).toEqual([
        { id: job(1).id, runner: 'run_a' },
        { id: job(2).id, runner: 'run_b' },
      ]);
    });

    it("lists an account's captures oldest first, across more than one page of the index", async () => {
      const opened = await open();
      const { store } = opened;
      // createdAt orders them (seconds 0..59, then the id); 1,100 jobs cross the 1,000-key page.
      const ns = Array.from({ length: 1100 }, (_, i) => i);
      for (let i = 0; i < ns.length; i += 100) await Promise.all(ns.slice(i, i + 100).map((n) => store.create(job(n), 'run_a')));
      const expected = ns
        .map((n) => job(n))
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1))
        .map((j) => j.id);
      expect(await store.idsOf('acc_a')).toEqual(expected);
    }, 120_000);

    it('pages the active jobs in id order; save with ended and end remove them', async () => {
      const opened = await open();
      const { store } = opened;
      for (const n of [5, 3, 9, 1, 7]) await store.create(job(n), `run_${n}`);
      const first = await store.active({ limit: 2 });
      expect(first.map((a) => a.id)).toEqual([job(1).id, job(3).id]);
      const rest = await store.active({ after: first[1]!.id, limit: 10 });
      expect(rest.map((a) => a.id)).toEqual([5, 7, 9].map((n) => job(n).id));
      expect(rest[0]!.runner).toBe('run_5');

      await store.save({ ...job(3), status: 'running', startedAt: '2026-11-30T00:01:00.000Z' });
      expect((await store.get(job(3).id))?.status).toBe('running');
      expect((await store.active({ limit: 10 })).map((a) => a.id)).toContain(job(3).id);
      await store.save({ ...job(3), status: 'failed', reason: 'x' }, { ended: true });
      expect(await store.get(job(3).id)).toMatchObject({ status: 'failed', reason: 'x' });

      await store.end([{ id: job(5).id, job: { ...job(5), status: 'failed', reason: 'interrupted' } }, { id: job(7).id }]);
      expect(await store.get(job(5).id)).toMatchObject({ status: 'failed', reason: 'interrupted' });
      expect(await store.get(job(7).id)).toEqual(job(7));
      await store.end([]);
      expect((await store.active({ limit: 10 })).map((a) => a.id)).toEqual([job(1).id, job(9).id]);
      // Ended jobs stay listed under their account.
      expect(await store.idsOf('acc_a')).toHaveLength(5);
    });

    it('doneWrites, committed as one write, store the finished job and its record and end it', async () => {
      const opened = await open();
      const { store, log } = opened;
      await store.create(job(4), 'run_a');
      const done: CaptureJob = { ...job(4), status: 'done', depositId: 'dep_1', bundleSha256: 'ab'.repeat(32), bundleBytes: 10, entryIndex: 7 };
      const writes = store.doneWrites(done, '{"salt":"00"}');
      expect(writes[0]).toMatchObject({ value: JSON.stringify(done) });
      await log.writeRecords(writes);
      expect(await store.get(job(4).id)).toEqual(done);
      expect(await store.record(job(4).id)).toBe('{"salt":"00"}');
      expect(await store.active({ limit: 10 })).toEqual([]);
    });

    it('keeps the record layout of earlier versions: spaces, keys and values', async () => {
      const opened = await open();
      const { store, log } = opened;
      await store.create(job(6), 'run_a');
      expect(await log.getRecord('captures', job(6).id)).toBe(JSON.stringify(job(6)));
      expect(await log.listRecords('captures-by-account', { prefix: 'acc_a/', limit: 10 })).toEqual([{ key: `acc_a/${job(6).createdAt}/${job(6).id}`, value: job(6).id }]);
      expect(await log.getRecord('captures-active', job(6).id)).toBe('run_a');
      // A job stored by an earlier version (active value '') has no known runner.
      await log.writeRecords([
        { space: 'captures', key: job(8).id, value: JSON.stringify(job(8)) },
        { space: 'captures-active', key: job(8).id, value: '' },
      ]);
      expect(await store.active({ after: job(6).id, limit: 10 })).toEqual([{ id: job(8).id, runner: '' }]);
      await log.writeRecords(store.doneWrites({ ...job(6), status: 'done' }, 'rec'));
      expect(await log.getRecord('captures-record', job(6).id)).toBe('rec');
    });

    it('keeps jobs across a restart (durable stores)', async () => {
      const opened = await open();
      if (!opened.reopen) return;
      await opened.store.create(job(2), 'run_a');
      const again = await opened.reopen();
      expect(await again.store.get(job(2).id)).toEqual(job(2));
      expect(await again.store.active({ limit: 10 })).toEqual([{ id: job(2).id, runner: 'run_a' }]);
    });
  });
}
