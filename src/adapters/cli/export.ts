/**
 * `copyright-ledger export (--data-dir D | --server URL) --out F [--json]`: the whole public log
 * as one tar archive (docs/ARCHIVE.md). `--data-dir` reads a stopped server's store; `--server` a
 * running service over its public API. Exit 0 written, 2 when it cannot run. `--json` prints
 * `{"ok","out","blocks","entries","timestamps","registryEntries"}`.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exportLog } from '../../app/export.js';
import { TarWriter } from '../archive/tar.js';
import { nodeSha256, readVerifierKey } from '../crypto/node.js';
import { levelExportSource } from '../level/export-source.js';
import { openStore } from './audit.js';
import { checkPinnedKeys, loadKeyHistory } from '../../app/log-keys.js';
import { isSignedBy } from '../../core/note.js';
import type { TrustedKey } from '../../core/trust.js';
import type { LevelLogStore } from '../level/store.js';
import { httpExportSource } from './http-source.js';
import { noProgress, progress } from './progress.js';
import { CannotRun, errorMessage, keyOption, serverUrl, Usage, type Io } from './usage.js';
import { RecordLogKeyStore } from '../records/log-key-store.js';

export async function exportCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string' },
      server: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      'key-file': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if ((values['data-dir'] === undefined) === (values.server === undefined)) throw new Usage('give --data-dir or --server (one of them)');
  if (values.out === undefined) throw new Usage('give --out <archive.tar>');
  const out = values.out;
  if (await stat(out).then(() => true, () => false)) throw new CannotRun(`${out} exists; export never overwrites a file`);
  const pinned = await keyOption(values);
  const bar = values.json ? noProgress : progress('export');
  const opts = { sha256: nodeSha256, now: () => Date.now(), onProgress: (d: number, t: number) => bar.update(d, t) };
  let writer: TarWriter;
  try {
    writer = await TarWriter.create(out);
  } catch (e) {
    throw new CannotRun(`cannot write ${out}: ${(e as Error).message}`);
  }
  try {
    let info;
    if (values.server !== undefined) {
      const base = serverUrl(values.server);
      try {
        info = await exportLog(httpExportSource(base.toString()), writer, { ...opts, exportedFrom: 'server', parallel: 8 });
      } catch (e) {
        throw new CannotRun(`export could not complete: cannot read ${base.origin}: ${errorMessage(e)}`);
      }
    } else {
      const dir = values['data-dir']!;
      const store = await openStore(dir);
      try {
        const origin = (await store.getBlock(0n))?.checkpoint.split('\n', 1)[0];
        const currentKey = pinned !== undefined ? await pinnedCurrentKey(store, pinned) : await readVerifierKey(dir, { ...(origin !== undefined ? { origin } : {}), ...(process.env.LOG_KEY_FILE ? { keyFile: process.env.LOG_KEY_FILE } : {}) });
        info = await exportLog(levelExportSource(store, dir, currentKey), writer, { ...opts, exportedFrom: 'data-dir' });
      } finally {
        await store.close();
      }
    }
    await writer.finish();
    bar.done(info.height + 1 + info.treeSize, info.height + 1 + info.treeSize);
    if (values.json) {
      io.out(JSON.stringify({ ok: true, out, blocks: info.height + 1, entries: info.treeSize, timestamps: info.timestamps, registryEntries: info.registryEntries }));
      return 0;
    }
    io.out(`exported ${info.height + 1} blocks, ${info.treeSize} entries, ${info.timestamps} timestamps, ${info.registryEntries} registry entries to ${out}`);
    return 0;
  } catch (e) {
    bar.stop();
    await writer.abort();
    if (e instanceof Error && 'code' in e && (e as { code?: unknown }).code === 'not_found') throw new CannotRun(e.message);
    throw e;
  }
}

/**
 * The current key named by `--key` / `--key-file` (a trust list, as audit takes): the keys are
 * checked against the store's key history (log-keys.ts checkPinnedKeys), and the one that signed
 * the latest block is the log's current key. A list that does not fit the store: CannotRun.
 */
async function pinnedCurrentKey(store: LevelLogStore, pinned: readonly TrustedKey[]): Promise<string> {
  const head = await store.loadHead();
  const latest = head !== undefined ? await store.getBlock(head.height) : undefined;
  if (head === undefined || latest === undefined) throw new CannotRun('the store holds no block');
  const history = await loadKeyHistory(new RecordLogKeyStore(store));
  const signer = pinned.find((p) => isSignedBy(latest.checkpoint, p.key));
  const current = history.length > 0 ? history[history.length - 1]!.key : signer?.key;
  if (current === undefined) throw new CannotRun(`no key of --key / --key-file signed the latest block ${head.height}`);
  const checked = checkPinnedKeys(pinned, history.length > 0 ? history : [{ key: current, firstHeight: 0n }], head.height);
  if ('problem' in checked) throw new CannotRun(`--key / --key-file: ${checked.problem.message}`);
  return current;
}
