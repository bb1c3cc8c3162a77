/** ExportSource over a stopped LevelDB store and its DATA_DIR (public data only). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogError } from '../../core/errors.js';
import type { ExportSource } from '../../app/export.js';
import { loadKeyHistory } from '../../app/log-keys.js';
import { registryPage } from '../records/registration-store.js';
import { TSA_CERT_FILE } from '../tsa/builtin.js';
import type { LevelLogStore } from './store.js';
import { levelAuditSource } from './audit-source.js';
import { RecordLogKeyStore } from '../records/log-key-store.js';

/** `currentKey` is the verifier key of the store's signing key, used when the store records no key history. */
export function levelExportSource(store: LevelLogStore, dataDir: string, currentKey: string | undefined): ExportSource {
  const audit = levelAuditSource(store);
  return {
    latestHeight: () => audit.latestHeight(),
    async checkpoint(h) {
      const b = await store.getBlock(h);
      if (b === undefined) throw new LogError('corrupt_store', `block ${h} is missing`);
      return b.checkpoint;
    },
    getEntries: (start, count) => store.getEntries(start, count),
    timestamp: async (h) => (await store.getTimestamp(h))?.der,
    async keys() {
      const keys = await loadKeyHistory(new RecordLogKeyStore(store));
      if (keys.length > 0) return keys;
      if (currentKey === undefined) throw new LogError('not_found', `no log key in ${dataDir}: give --key or --key-file`);
      return [{ key: currentKey, firstHeight: 0n }];
    },
    async tsaCertificate() {
      try {
        return await readFile(join(dataDir, TSA_CERT_FILE), 'utf8');
      } catch {
        return undefined;
      }
    },
    registry: (after) => registryPage(store, after, 1000),
  };
}
