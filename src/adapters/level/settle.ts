/**
 * Waiting for LevelDB's background compactions before a close. Closing a LevelDB database stops
 * the compaction it is running midway: the tables that compaction had written stay on disk, no
 * longer part of the database, until the next open deletes them (after a large load, tens of MB).
 * So a store first flushes its memtable and lets LevelDB finish what its own rules still ask for,
 * then closes: the directory then holds exactly the database, and the next open replays no log.
 */
import type { Level } from 'level';

type Bytes = Uint8Array;

/** LevelDB 1.2x: level 0 is compacted at 4 files, level L ≥ 1 above 10^L MiB. */
const L0_TRIGGER = 4;
const levelLimit = (level: number) => 10 * 1_048_576 * 10 ** (level - 1);

/**
 * True when LevelDB's size rules call for a compaction, read from its `leveldb.sstables` property
 * (`--- level N ---` headers, then one ` number:size[smallest .. largest]` line per table).
 * Compactions LevelDB starts after many reads of one table (seek compactions) are not visible.
 */
export function compactionDue(sstables: string): boolean {
  let level = -1;
  let files = 0;
  let bytes = 0;
  const due = () => (level === 0 ? files >= L0_TRIGGER : level > 0 && bytes >= levelLimit(level));
  for (const line of sstables.split('\n')) {
    const header = /^--- level (\d+) ---$/.exec(line);
    if (header) {
      if (due()) return true;
      level = Number(header[1]);
      files = 0;
      bytes = 0;
      continue;
    }
    const table = /^ \d+:(\d+)\[/.exec(line);
    if (table) {
      files++;
      bytes += Number(table[1]);
    }
  }
  return due();
}

interface WithInternals {
  compactRange(start: Bytes, end: Bytes): Promise<void>;
  getProperty(name: string): string;
}

/**
 * Flushes the memtable into a table and waits, at most `maxMs`, until no compaction is due. A
 * compaction of an empty key range (no key starts with 0x00) writes the memtable out and returns
 * once the compaction running meanwhile, if any, has finished. Best effort: on a database without
 * these methods, or past `maxMs`, it returns (the close that follows is safe either way).
 */
export async function settleCompactions(db: Level<Bytes, Bytes>, maxMs: number): Promise<void> {
  const x = db as unknown as Partial<WithInternals>;
  if (typeof x.compactRange !== 'function' || typeof x.getProperty !== 'function') return;
  const deadline = Date.now() + maxMs;
  await x.compactRange.call(db, Uint8Array.of(0), Uint8Array.of(0, 0));
  while (Date.now() < deadline && compactionDue(x.getProperty.call(db, 'leveldb.sstables'))) {
    await new Promise((r) => setTimeout(r, 50));
  }
}
