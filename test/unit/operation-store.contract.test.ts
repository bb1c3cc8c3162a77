/**
 * One contract suite for the OperationStore port (src/app/operation-ports.ts), run against the
 * LevelDB adapter and the in-memory one. Writes are applied the way the Ledger applies them: the
 * record writes `writes(change)` returns, committed as one write.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { levelOperationStore } from '../../src/adapters/level/operations.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { memoryOperationStore } from '../../src/adapters/memory/operations.js';
import { MemoryLogStore } from '../../src/adapters/memory/store.js';
import { RIGHT_NAMES, type LicenceTerms } from '../../src/core/operation.js';
import type { OperationChange, OperationRecord, OperationStore, TitleRecord } from '../../src/app/operation-ports.js';
import type { LedgerStore } from '../../src/app/ports.js';
import { tempDir } from '../support/service.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { RecordOperationStore } from '../../src/adapters/records/operation-store.js';
import { sharedPgDatabase, stopSharedPgCluster } from '../support/pg.js';

const impls: { name: string; open: () => Promise<{ log: LedgerStore; ops: OperationStore; reopen?: () => Promise<OperationStore>; cleanup: () => Promise<void> }> }[] = [
  {
    name: 'memory',
    open: async () => {
      const log = new MemoryLogStore();
      return { log, ops: memoryOperationStore(log), cleanup: async () => undefined };
    },
  },
  {
    name: 'level',
    open: async () => {
      const dir = await tempDir('cl-opstore-');
      const path = join(dir.path, 'ledger');
      let log = await LevelLogStore.open(path);
      return {
        log,
        ops: levelOperationStore(log),
        reopen: async () => {
          await log.close();
          log = await LevelLogStore.open(path);
          return levelOperationStore(log);
        },
        cleanup: async () => {
          await log.close();
          await dir.remove();
        },
      };
    },
  },
  // PostgreSQL: the record store of PgLogStore, a new database per test (test/support/pg.ts).
  {
    name: 'pg',
    open: async () => {
      const url = await sharedPgDatabase();
      let log = await PgLogStore.open(url);
      return {
        log,
        ops: new RecordOperationStore(log),
        reopen: async () => {
          await log.close();
          log = await PgLogStore.open(url);
          return new RecordOperationStore(log);
        },
        cleanup: async () => {
          await log.close();
        },
      };
    },
  },
];
afterAll(stopSharedPgCluster);

const REG = 'reg_00000000000000000001';
let n = 0;
function licence(opts: { registration?: string; parties?: string[]; createdAt?: string; state?: 'offered' | 'active' } = {}): OperationRecord {
  n++;
  const id = `lic_${String(n).padStart(20, '0')}`;
  const at = opts.createdAt ?? `2026-11-30T00:00:${String(n % 60).padStart(2, '0')}.000Z`;
  const terms: LicenceTerms = {
    kind: 'licence',
    registration: opts.registration ?? REG,
    number: 'CL-2026-F-00000001',
    licensor: { account: 'acc_a', name: 'A' },
    licensee: { account: 'acc_b', name: 'B' },
    rights: ['reproduction'],
    exclusive: false,
    territory: 'worldwide',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2027-01-01T00:00:00.000Z',
  };
  return { id, kind: 'licence', registration: terms.registration, number: terms.number, state: opts.state ?? 'offered', seq: 1, terms, salt: '00'.repeat(16), parties: opts.parties ?? ['acc_a', 'acc_b'], createdAt: at, updatedAt: at, history: [] };
}

function title(registration = REG): TitleRecord {
  const holder = { account: 'acc_a', name: 'A' };
  return { registration, number: 'CL-2026-F-00000001', holders: Object.fromEntries(RIGHT_NAMES.map((r) => [r, holder])) as TitleRecord['holders'], chain: [{ kind: 'registration', at: '2026-01-01T00:00:00.000Z', to: 'A', rights: 'all' }], pledges: [] };
}

for (const impl of impls) {
  describe(`OperationStore contract: ${impl.name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });
    const open = async () => {
      const o = await impl.open();
      cleanup = o.cleanup;
      const apply = (change: OperationChange) => o.log.writeRecords(o.ops.writes(change));
      return { ...o, apply };
    };

    it('finds nothing in an empty store', async () => {
      const { ops } = await open();
      expect(await ops.get('lic_00000000000000000000')).toBeUndefined();
      expect(await ops.title(REG)).toBeUndefined();
      expect(await ops.ofRegistration(REG, 'licence')).toEqual([]);
      expect(await ops.ofParty('acc_a', 'licence', { limit: 10 })).toEqual({ records: [] });
      expect(await ops.numbersOfWork('ab'.repeat(32))).toEqual([]);
    });

    it('writes is pure: nothing is visible until the writes are committed', async () => {
      const { ops } = await open();
      const rec = licence();
      const writes = ops.writes({ after: rec, title: title(), works: [{ sha256: 'ab'.repeat(32), number: 'CL-2026-F-00000001' }] });
      expect(writes.length).toBeGreaterThan(3);
      expect(await ops.get(rec.id)).toBeUndefined();
      expect(await ops.title(REG)).toBeUndefined();
    });

    it('stores a change: the record, its registration and party indexes, the title and the works', async () => {
      const { ops, apply } = await open();
      const rec = licence();
      await apply({ after: rec, title: title(), works: [{ sha256: 'ab'.repeat(32), number: 'CL-2026-F-00000001' }] });
      expect(await ops.get(rec.id)).toEqual(rec);
      expect(await ops.title(REG)).toEqual(title());
      expect(await ops.ofRegistration(REG, 'licence')).toEqual([rec]);
      expect(await ops.ofRegistration(REG, 'pledge')).toEqual([]);
      expect(await ops.ofRegistration('reg_00000000000000000002', 'licence')).toEqual([]);
      expect((await ops.ofParty('acc_b', 'licence', { limit: 10 })).records).toEqual([rec]);
      expect((await ops.ofParty('acc_b', 'transfer', { limit: 10 })).records).toEqual([]);
      expect(await ops.numbersOfWork('ab'.repeat(32))).toEqual(['CL-2026-F-00000001']);
    });

    it('a later change replaces the record, keeps one index entry, and indexes a party that joins', async () => {
      const { ops, apply } = await open();
      const rec = licence();
      await apply({ after: rec });
      const next: OperationRecord = { ...rec, state: 'active', seq: 2, parties: [...rec.parties, 'acc_c'], updatedAt: '2026-12-01T00:00:00.000Z' };
      await apply({ before: rec, after: next });
      expect(await ops.get(rec.id)).toEqual(next);
      expect(await ops.ofRegistration(REG, 'licence')).toEqual([next]);
      expect((await ops.ofParty('acc_a', 'licence', { limit: 10 })).records).toEqual([next]);
      expect((await ops.ofParty('acc_c', 'licence', { limit: 10 })).records).toEqual([next]);
    });

    it('lists in creation order and pages by party', async () => {
      const { ops, apply } = await open();
      const recs = [licence({ createdAt: '2026-11-30T00:00:03.000Z' }), licence({ createdAt: '2026-11-30T00:00:01.000Z' }), licence({ createdAt: '2026-11-30T00:00:02.000Z' })];
      for (const r of recs) await apply({ after: r });
      const ordered = [recs[1], recs[2], recs[0]];
      expect(await ops.ofRegistration(REG, 'licence')).toEqual(ordered);
      const first = await ops.ofParty('acc_a', 'licence', { limit: 2 });
      expect(first.records).toEqual(ordered.slice(0, 2));
      expect(first.next).toBeDefined();
      const second = await ops.ofParty('acc_a', 'licence', { limit: 2, after: first.next! });
      expect(second.records).toEqual(ordered.slice(2));
      expect(second.next).toBeUndefined();
    });

    it('keeps everything across a reopen', async () => {
      const o = await open();
      if (!o.reopen) return;
      const rec = licence();
      await o.apply({ after: rec, title: title() });
      const again = await o.reopen();
      expect(await again.get(rec.id)).toEqual(rec);
      expect(await again.title(REG)).toEqual(title());
    });
  });
}
