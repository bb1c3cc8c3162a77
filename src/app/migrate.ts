/**
 * Moves a whole store into an empty one (LevelDB ⇄ PostgreSQL, or any two LogStores): the log
 * block by block through the target's own `commit` (so the target builds its tiles or nodes its
 * own way), every block's tree recomputed with the core Merkle code and checked against the
 * block's root; then timestamps, accounts with their API keys (the hashes, so old keys still
 * authenticate), claims, auxiliary records, counters, sessions and passwords.
 *
 * What the LedgerStore and SessionStore ports cannot enumerate (accounts, claims, records,
 * counters, sessions, passwords) comes from a narrow `StoreDump`, and what they cannot write as
 * it was (an account with all its keys, claims outside a commit) goes through `StoreLoad`.
 * The source is only read.
 */
import { equalBytes, fromHex, fromUtf8 } from '../core/bytes.js';
import { blockHash } from '../core/checkpoint.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { CompactRange, TreeHasher, type NodeId } from '../core/merkle.js';
import type { AccountRecord, ClaimRecord, CommitBatch, CounterDelta, LogHead, LedgerStore, NewApiKey, PasswordRecord, RecordWrite, SessionRecord, SessionStore } from './ports.js';

/** Record spaces the LevelDB session store keeps its data in; a dump lists them as sessions and passwords, never as records. */
export const SESSION_SPACES: ReadonlySet<string> = new Set(['session', 'session-account', 'password']);

/** Everything a store holds that the LedgerStore and SessionStore ports cannot list. */
export interface StoreDump {
  /** Every account (in id order) with every key of it, revoked ones too, each with the SHA-256 of its secret. */
  accounts(): AsyncIterable<{ account: AccountRecord; keys: NewApiKey[] }>;
  /** Every Idempotency-Key and externalId claim. */
  claims(): AsyncIterable<ClaimRecord>;
  /** Every auxiliary record of every space (not the session store's: see `SESSION_SPACES`), in space then key order. */
  records(): AsyncIterable<{ space: string; key: string; value: string }>;
  /** Every counter with its value. */
  counters(): AsyncIterable<{ name: string; value: number }>;
  /** Every session, under the hash of its token. */
  sessions(): AsyncIterable<{ hash: string; session: SessionRecord }>;
  /** Every stored password. */
  passwords(): AsyncIterable<{ account: string; password: PasswordRecord }>;
}

/** Writes what the ports cannot write as it was. Atomic and durable per call, like every store write. */
export interface StoreLoad {
  /** Stores the account with all its keys exactly as given (ids, dates, revocations, hashes). */
  putAccount(account: AccountRecord, keys: NewApiKey[]): Promise<void>;
  /** Stores claims outside a commit (their deposits are committed already). */
  putClaims(claims: ClaimRecord[]): Promise<void>;
}

/** One side of a migration: the store, its session store, and its dump (source) or load (target). */
export interface MigrateSide {
  store: LedgerStore;
  sessions: SessionStore;
  dump: StoreDump;
  load: StoreLoad;
}

export interface MigrateProgress {
  /** `phase` names what is being copied; `done`/`total` count entries for the log, items otherwise (total 0 when unknown). */
  (phase: string, done: number, total: number): void;
}

export interface MigrateReport {
  blocks: bigint;
  entries: bigint;
  deposits: number;
  timestamps: number;
  accounts: number;
  keys: number;
  claims: number;
  records: number;
  counters: number;
  sessions: number;
  passwords: number;
  /** The source's head (undefined for an empty log), equal to the target's after the migration. */
  head?: LogHead;
}

/** Entries read from the source at a time. */
const CHUNK = 5_000;
/** Items per write of records, claims and counters. */
const WRITE_BATCH = 1_000;

async function first<T>(it: AsyncIterable<T>): Promise<boolean> {
  for await (const _ of it) return true;
  return false;
}

/** Why the store is not empty (the first kind of data found), or undefined when it holds nothing. */
export async function nonEmpty(side: Pick<MigrateSide, 'store' | 'dump'>): Promise<string | undefined> {
  if ((await side.store.loadHead()) !== undefined) return 'it holds a log';
  if (await first(side.dump.accounts())) return 'it holds accounts';
  if (await first(side.dump.records())) return 'it holds records';
  if (await first(side.dump.counters())) return 'it holds counters';
  if (await first(side.dump.claims())) return 'it holds claims';
  if (await first(side.dump.sessions())) return 'it holds sessions';
  if (await first(side.dump.passwords())) return 'it holds passwords';
  return undefined;
}

/** The body of a signed note: everything up to and including the line before the blank line. */
function noteBody(note: string): string {
  const i = note.indexOf('\n\n');
  if (i < 0) throw new LogError('corrupt_store', 'a stored checkpoint is not a signed note');
  return note.slice(0, i + 1);
}

/**
 * Copies `from` into `to`. `to` MUST be empty (else `conflict`); a source whose blocks do not
 * recompute (a root, a tree size, a chain link or a deposit record that does not match) stops it
 * with `corrupt_store` naming the block.
 */
export async function migrateStore(from: MigrateSide, to: MigrateSide, opts: { sha256: Sha256; onProgress?: MigrateProgress }): Promise<MigrateReport> {
  const why = await nonEmpty(to);
  if (why !== undefined) throw new LogError('conflict', `the target is not empty (${why}): migrate only into a new, empty store`);
  const progress = opts.onProgress ?? (() => undefined);
  const report: MigrateReport = { blocks: 0n, entries: 0n, deposits: 0, timestamps: 0, accounts: 0, keys: 0, claims: 0, records: 0, counters: 0, sessions: 0, passwords: 0 };
  const head = await from.store.loadHead();
  if (head !== undefined) {
    await copyLog(from.store, to.store, head, opts.sha256, report, progress);
    report.head = head;
  }
  await copyRest(from, to, report, progress);
  return report;
}

async function copyLog(src: LedgerStore, dst: LedgerStore, head: LogHead, sha256: Sha256, report: MigrateReport, progress: MigrateProgress): Promise<void> {
  const hasher = new TreeHasher(sha256);
  const compact = new CompactRange(hasher);
  const total = Number(head.treeSize);
  let prevHash: Uint8Array | undefined;
  for (let h = 0n; h <= head.height; h++) {
    const block = await src.getBlock(h);
    if (block === undefined) throw new LogError('corrupt_store', `block ${h} is missing from the source`);
    if (prevHash !== undefined && !equalBytes(block.prevHash, prevHash)) throw new LogError('corrupt_store', `block ${h} does not link to block ${h - 1n}`);
    const batch: CommitBatch = { entries: [], nodes: [], deposits: [], claims: [], block, head: undefined! };
    const visit = (id: NodeId, hash: Uint8Array) => batch.nodes.push({ id, hash });
    while (compact.size < block.treeSize) {
      const start = compact.size;
      const want = Number(block.treeSize - start < BigInt(CHUNK) ? block.treeSize - start : BigInt(CHUNK));
      const entries = await src.getEntries(start, want);
      if (entries.length !== want) throw new LogError('corrupt_store', `entries ${start}..${start + BigInt(want) - 1n} of block ${h} are not all in the source`);
      const pending: Promise<void>[] = [];
      entries.forEach((bytes, i) => {
        const index = start + BigInt(i);
        compact.append(hasher.hashLeaf(bytes), visit);
        batch.entries.push({ index, bytes });
        const d = depositOf(bytes);
        if (d !== undefined) pending.push(depositFor(src, d, index).then((x) => void batch.deposits.push(x)));
      });
      await Promise.all(pending);
      progress('log', Number(compact.size), total);
    }
    if (compact.size !== block.treeSize) throw new LogError('corrupt_store', `block ${h} has tree size ${block.treeSize}, below the block before it`);
    const root = compact.root();
    if (!equalBytes(root, block.rootHash)) throw new LogError('corrupt_store', `block ${h}: the entries do not hash to its root`);
    prevHash = blockHash(noteBody(block.checkpoint), sha256);
    batch.deposits.sort((a, b) => (a.record.index < b.record.index ? -1 : 1));
    batch.head = { treeSize: compact.size, compact: [...compact.hashes], rootHash: root, height: h, blockHash: prevHash, time: block.time };
    await dst.commit(batch);
    report.blocks++;
    report.deposits += batch.deposits.length;
  }
  report.entries = compact.size;
  const last = { treeSize: compact.size, rootHash: compact.root(), blockHash: prevHash! };
  if (last.treeSize !== head.treeSize || !equalBytes(last.rootHash, head.rootHash) || !equalBytes(last.blockHash, head.blockHash)) {
    throw new LogError('corrupt_store', `the source's head does not match its block ${head.height}`);
  }
}

function depositOf(bytes: Uint8Array): { id: string; account: string; sha256: string } | undefined {
  // Deposit entries are the only ones with a deposit record (app/log.ts: the Ledger's `deposit` items).
  let e: { type?: unknown; id?: unknown; account?: unknown; sha256?: unknown };
  try {
    e = JSON.parse(fromUtf8(bytes)) as typeof e;
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null) return undefined;
  if (e.type !== 'deposit' || typeof e.id !== 'string' || typeof e.account !== 'string' || typeof e.sha256 !== 'string') return undefined;
  return { id: e.id, account: e.account, sha256: e.sha256 };
}

async function depositFor(src: LedgerStore, d: { id: string; account: string; sha256: string }, index: bigint): Promise<CommitBatch['deposits'][number]> {
  const record = await src.getDeposit(d.id);
  if (record === undefined) throw new LogError('corrupt_store', `entry ${index}: deposit ${d.id} has no record in the source`);
  if (record.index !== index) throw new LogError('corrupt_store', `entry ${index}: deposit ${d.id} is recorded at index ${record.index}`);
  return { record, sha256: fromHex(d.sha256, 32), account: d.account };
}

async function copyRest(from: MigrateSide, to: MigrateSide, report: MigrateReport, progress: MigrateProgress): Promise<void> {
  let next = 0n;
  for (;;) {
    const t = await from.store.findFirstTimestampedBlock(next);
    if (t === undefined) break;
    await to.store.putTimestamp(t.height, t.der, t.tsa);
    report.timestamps++;
    next = t.height + 1n;
  }
  progress('timestamps', report.timestamps, report.timestamps);

  for await (const { account, keys } of from.dump.accounts()) {
    await to.load.putAccount(account, keys);
    report.accounts++;
    report.keys += keys.length;
    if (report.accounts % 100 === 0) progress('accounts', report.accounts, 0);
  }
  progress('accounts', report.accounts, report.accounts);

  report.claims = await inBatches(from.dump.claims(), (b) => to.load.putClaims(b), (n) => progress('claims', n, 0));
  report.records = await inBatches(from.dump.records(), (b: RecordWrite[]) => to.store.writeRecords(b), (n) => progress('records', n, 0));
  // The target holds no counters yet: a delta equal to the value sets it.
  report.counters = await inBatches(
    (async function* () {
      for await (const c of from.dump.counters()) yield { name: c.name, delta: c.value } satisfies CounterDelta;
    })(),
    (b) => to.store.writeRecords([], b),
    () => undefined,
  );
  for await (const s of from.dump.sessions()) {
    await to.sessions.putSession(s.hash, s.session);
    report.sessions++;
  }
  for await (const p of from.dump.passwords()) {
    await to.sessions.setPassword(p.account, p.password);
    report.passwords++;
  }
}

async function inBatches<T>(items: AsyncIterable<T>, write: (batch: T[]) => Promise<void>, onProgress: (n: number) => void): Promise<number> {
  let batch: T[] = [];
  let n = 0;
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= WRITE_BATCH) {
      await write(batch);
      n += batch.length;
      batch = [];
      onProgress(n);
    }
  }
  if (batch.length > 0) await write(batch);
  return n + batch.length;
}
