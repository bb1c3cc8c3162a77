/**
 * `copyright-ledger migrate --from <data-dir | postgres-url> --to <data-dir | postgres-url>`:
 * copies a whole stopped store into a new, empty one (app/migrate.ts), then audits both sides
 * with the log's key and prints both checkpoint roots. Exit 0 when both audits pass and the
 * roots are equal, 1 when not, 2 when it cannot run (a store in use, a target that is not empty).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { audit, type AuditReport, type AuditSource } from '../../app/audit.js';
import { loadKeyHistory, type LogKeyRange } from '../../app/log-keys.js';
import { migrateStore, type MigrateSide } from '../../app/migrate.js';
import type { LedgerStore } from '../../app/ports.js';
import { toHex } from '../../core/bytes.js';
import { isLogError, LogError } from '../../core/errors.js';
import { isSignedBy } from '../../core/note.js';
import { nodeSha256, readVerifierKey } from '../crypto/node.js';
import { levelAuditSource } from '../level/audit-source.js';
import { levelStoreDump, levelStoreLoad } from '../level/dump.js';
import { RecordSessionStore } from '../level/sessions.js';
import { LevelLogStore } from '../level/store.js';
import { pgAuditSource } from '../pg/audit-source.js';
import { pgStoreDump, pgStoreLoad } from '../pg/dump.js';
import { PgSessionStore } from '../pg/sessions.js';
import { PgLogStore, SEQUENCER_LOCK } from '../pg/store.js';
import pg from 'pg';
import { openStore } from './audit.js';
import { noProgress, progress, type Progress } from './progress.js';
import { CannotRun, errorMessage, keyOption, Usage, type Io } from './usage.js';
import { RecordLogKeyStore } from '../records/log-key-store.js';

interface Opened extends MigrateSide {
  /** How messages name it (a database URL without its password). */
  name: string;
  /** The data dir, for the log key file (undefined for a database). */
  dir?: string;
  auditSource: AuditSource;
  close(): Promise<void>;
}

const isDatabaseUrl = (s: string) => /^postgres(ql)?:\/\//i.test(s);

/** A database URL as messages show it: the password replaced. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'the database URL';
  }
}

export async function migrateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: { from: { type: 'string' }, to: { type: 'string' }, key: { type: 'string' }, 'key-file': { type: 'string' }, json: { type: 'boolean' } },
  });
  const json = values.json === true;
  const bar = (label: string) => (json ? noProgress : progress(label));
  if (values.from === undefined || values.to === undefined) throw new Usage('give --from and --to');
  if (values.from === values.to) throw new Usage('--from and --to name the same store');
  const pinned = await keyOption(values);
  // Everything the target creates is private, as the service's own files are.
  const umask = setUmask(0o077);
  let from: Opened | undefined;
  let to: Opened | undefined;
  try {
    from = await openSide(values.from, 'source');
    to = await openSide(values.to, 'target');
    const copying = bar('migrate');
    let entries = 0;
    let report;
    try {
      report = await migrateStore(from, to, {
        sha256: nodeSha256,
        onProgress: (phase, done, total) => {
          if (phase === 'log') {
            entries = total;
            copying.update(done, total, 'entries');
          } else copying.update(entries, entries, `entries; ${phase} ${done}`);
        },
      });
    } catch (e) {
      copying.stop();
      if (isLogError(e, 'conflict')) throw new CannotRun(`${to.name}: ${e.message}`);
      if (isLogError(e, 'corrupt_store')) throw new CannotRun(`migrate stopped, the source is damaged (the target is incomplete: remove it): ${e.message}`);
      throw e;
    }
    copying.done(Number(report.entries), Number(report.entries), 'entries');
    const key = await verifierKey(from, to, pinned);
    const a = await auditSide(from, key, bar);
    const b = await auditSide(to, key, bar);
    const ok = a.ok && b.ok && a.root === b.root;
    if (json) {
      const { head: _, blocks, entries: n, ...counts } = report;
      io.out(JSON.stringify({ ok, blocks: Number(blocks), entries: Number(n), ...counts, source: a, target: b }));
      return ok ? 0 : 1;
    }
    io.out(
      `migrated ${report.entries} entries in ${report.blocks} blocks (${report.deposits} deposits, ${report.timestamps} timestamps), ` +
        `${report.accounts} accounts with ${report.keys} API keys, ${report.claims} claims, ${report.records} records, ${report.counters} counters, ` +
        `${report.sessions} sessions, ${report.passwords} passwords`,
    );
    for (const [side, r] of [[from, a], [to, b]] as const) {
      io.out(r.ok ? `audit ok on ${side.name}: ${r.blocks} blocks, ${r.entries} entries, checkpoint root ${r.root}` : `audit FAILED on ${side.name}: ${r.problem}`);
    }
    if (!a.ok || !b.ok) return 1;
    if (a.root !== b.root) {
      io.out(`migrate FAILED: the checkpoint roots differ (source ${a.root}, target ${b.root})`);
      return 1;
    }
    io.out(`checkpoint root ${a.root} on both sides`);
    return 0;
  } finally {
    await to?.close();
    await from?.close();
    if (umask !== undefined) setUmask(umask);
  }
}

/** Sets the umask, returning the previous one; undefined where it cannot be set (a worker thread). */
function setUmask(mask: number): number | undefined {
  try {
    return process.umask(mask);
  } catch {
    return undefined;
  }
}

/** Opens one side: a database (holding the writer lock a running service holds) or a data dir's LevelDB. */
async function openSide(where: string, role: 'source' | 'target'): Promise<Opened> {
  if (isDatabaseUrl(where)) {
    const name = shown(where);
    let store: PgLogStore;
    let lease: pg.Client;
    try {
      store = await PgLogStore.open(where);
    } catch (e) {
      throw new CannotRun(`cannot use the ${role} database ${name}: ${errorMessage(e)}`);
    }
    try {
      lease = await takeSequencerLease(where);
    } catch (e) {
      await store.close();
      if (isLogError(e, 'conflict')) throw new CannotRun(`${name}: a copyright-ledger service is running on this database; stop it first`);
      throw new CannotRun(`cannot use the ${role} database ${name}: ${errorMessage(e)}`);
    }
    const side: Opened = {
      name,
      store,
      sessions: new PgSessionStore(store.pool),
      dump: pgStoreDump(store.pool),
      load: pgStoreLoad(store.pool),
      auditSource: pgAuditSource(store),
      close: async () => {
        await store.close();
        await lease.end().catch(() => undefined);
      },
    };
    return side;
  }
  let store: LevelLogStore;
  if (role === 'source') store = await openStore(where);
  else {
    const ledger = join(where, 'ledger');
    const existing = await readdir(ledger).catch(() => [] as string[]);
    if (existing.length > 0) throw new CannotRun(`${where}: the target is not empty (it holds a store in ${ledger}): migrate only into a new, empty store`);
    await mkdir(ledger, { recursive: true, mode: 0o700 });
    try {
      store = await LevelLogStore.open(ledger);
    } catch (e) {
      throw new CannotRun(`cannot open the target store in ${where}: ${errorMessage(e)}`);
    }
  }
  return {
    name: where,
    dir: where,
    store,
    sessions: new RecordSessionStore(store),
    dump: levelStoreDump(store),
    load: levelStoreLoad(store),
    auditSource: levelAuditSource(store),
    close: () => store.close(),
  };
}

/**
 * The key both audits are pinned to: the one given (--key, --key-file: the key that signed the
 * latest block), else the log key file of a data dir of either side (LOG_KEY_FILE, else
 * D/log-key.pem), else of DATA_DIR.
 */
async function verifierKey(from: Opened, to: Opened, pinned: Awaited<ReturnType<typeof keyOption>>): Promise<string> {
  const head = await from.store.loadHead();
  const latest = head === undefined ? undefined : await from.store.getBlock(head.height);
  if (pinned !== undefined) return (pinned.find((p) => latest !== undefined && isSignedBy(latest.checkpoint, p.key)) ?? pinned[0]!).key;
  const origin = (await from.store.getBlock(0n))?.checkpoint.split('\n', 1)[0];
  const keyFile = process.env.LOG_KEY_FILE;
  for (const dir of [from.dir, to.dir, process.env.DATA_DIR]) {
    if (dir === undefined && keyFile === undefined) continue;
    const key = await readVerifierKey(dir ?? '.', { ...(origin !== undefined ? { origin } : {}), ...(keyFile ? { keyFile } : {}) }).catch(() => undefined);
    if (key !== undefined) return key;
  }
  throw new CannotRun('no log key to audit with: give --key or --key-file (or set LOG_KEY_FILE)');
}

/** Audits one side as `audit` does; its result and checkpoint root (the root line of the latest checkpoint, with the tree size). */
async function auditSide(side: Opened, key: string, bar: (label: string) => Progress): Promise<{ ok: boolean; blocks: number; entries: number; root: string; problem?: string }> {
  const history: LogKeyRange[] = await loadKeyHistory(new RecordLogKeyStore(side.store));
  const shown = bar(`audit ${side.name}`);
  let report: AuditReport;
  try {
    report = await audit(side.auditSource, {
      verifierKey: key,
      ...(history.length > 0 ? { verifierKeys: history } : {}),
      sha256: nodeSha256,
      onProgress: (done, total) => shown.update(Number(done), Number(total)),
    });
  } finally {
    shown.stop();
  }
  shown.done(Number(report.entries), Number(report.entries));
  const root = await rootOf(side.store);
  const p = report.problem;
  return { ok: report.ok, blocks: Number(report.blocks), entries: Number(report.entries), root, ...(p !== undefined ? { problem: `${p.kind} ${p.at}: ${p.message}` } : {}) };
}

async function rootOf(store: LedgerStore): Promise<string> {
  const head = await store.loadHead();
  const block = head === undefined ? undefined : await store.getBlock(head.height);
  // The root line of the latest checkpoint (its third line), as signed.
  return block === undefined ? '(empty log)' : `${block.checkpoint.split('\n')[2] ?? toHex(block.rootHash)} (tree size ${block.treeSize})`;
}

/**
 * Holds the sequencer lease of a running service's database for the whole migration: a service
 * running on it holds it already (refused: conflict), and one started meanwhile cannot sequence.
 */
async function takeSequencerLease(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'copyright-ledger migrate' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [...SEQUENCER_LOCK]);
    if (rows[0]?.ok !== true) throw new LogError('conflict', 'a copyright-ledger service holds the sequencer lease of this database');
    return client;
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}
