import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { compactionDue, settleCompactions } from '../../src/adapters/level/settle.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cl-settle-'));
  dirs.push(d);
  return d;
};
const logBytes = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
const tables = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.ldb')).length;

describe('compactionDue', () => {
  const line = (n: number, size: number) => ` ${n}:${size}['a' @ 1 : 1 .. 'z' @ 9 : 1]`;
  it('reads LevelDB’s size rules from leveldb.sstables', () => {
    const empty = Array.from({ length: 7 }, (_, l) => `--- level ${l} ---`).join('\n') + '\n';
    expect(compactionDue(empty)).toBe(false);
    const l0 = (n: number) => `--- level 0 ---\n${Array.from({ length: n }, (_, i) => line(i + 1, 4_000_000)).join('\n')}\n--- level 1 ---\n`;
    expect(compactionDue(l0(3))).toBe(false);
    expect(compactionDue(l0(4))).toBe(true);
    const l1 = (mb: number) => `--- level 0 ---\n--- level 1 ---\n${line(7, mb * 1_048_576)}\n--- level 2 ---\n${line(8, 90 * 1_048_576)}\n`;
    expect(compactionDue(l1(9))).toBe(false);
    expect(compactionDue(l1(10))).toBe(true);
    expect(compactionDue(`--- level 0 ---\n--- level 2 ---\n${line(9, 101 * 1_048_576)}\n--- level 3 ---\n`)).toBe(true);
  });
});

describe('settleCompactions', () => {
  it('writes the memtable into a table: after close no log data is left to replay', async () => {
    const dir = tempDir();
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    for (let i = 0; i < 200; i++) await db.put(Uint8Array.of(0x61, i), new Uint8Array(100).fill(i));
    expect(logBytes(dir)).toBeGreaterThan(20_000);
    await settleCompactions(db, 10_000);
    expect(compactionDue((db as unknown as { getProperty(p: string): string }).getProperty('leveldb.sstables'))).toBe(false);
    await db.close();
    expect(logBytes(dir)).toBe(0);
    expect(tables(dir)).toBe(1);
    const again = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await again.open();
    expect([...(await again.get(Uint8Array.of(0x61, 7)))!]).toEqual([...new Uint8Array(100).fill(7)]);
    await again.close();
  }, 60_000);

  it('runs on LevelLogStore.close (not for a read-only store)', async () => {
    const dir = tempDir();
    const store = await LevelLogStore.open(dir);
    await store.db.put(Uint8Array.of(0x4d, 0x78), new Uint8Array(10));
    await store.close();
    expect(logBytes(dir)).toBe(0);
    const ro = await LevelLogStore.open(dir, { readOnly: true });
    await ro.db.put(Uint8Array.of(0x4d, 0x79), new Uint8Array(10)); // a write the read-only close leaves in the log
    await ro.close();
    expect(logBytes(dir)).toBeGreaterThan(0);
  }, 60_000);
});
