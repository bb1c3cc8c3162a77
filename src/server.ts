/**
 * Composition root for the service: wires LevelDB, the signer and the use cases into the HTTP
 * app. Building is kept apart from listening so tests start it on port 0.
 */
import { mkdir } from 'node:fs/promises';
import { randomBytes, randomFillSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { loadOrCreateSigner, nodeSha256 } from './adapters/crypto/node.js';
import { createApp } from './adapters/http/app.js';
import { answerClientErrors } from './adapters/http/client-error.js';
import { LevelLogStore } from './adapters/level/store.js';
import { withCommitHalt } from './adapters/commit-halt.js';
import { Accounts } from './app/accounts.js';
import { Deposits } from './app/deposits.js';
import { Ledger } from './app/log.js';
import type { Clock, RandomBytes } from './app/ports.js';
import type { Config } from './config.js';
import { registrationDeps } from './registration-wiring.js';
import { setupTimestamps } from './adapters/tsa/setup.js';
import type { Timestamper } from './app/timestamps.js';

export interface Service {
  url: string;
  port: number;
  ledger: Ledger;
  server: Server;
  /** The background RFC 3161 worker (docs/TIMESTAMPS.md). */
  timestamper?: Timestamper;
  /** Stops listening, drains queued deposits and closes the store. */
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };
/**
 * CSPRNG bytes. Small requests (deposit ids, salts: 2 per deposit) come from a 64 KiB pool
 * refilled by one randomFillSync: one OpenSSL call per ~2,500 deposits instead of two each.
 * Every byte is handed out once.
 */
const RANDOM_POOL = Buffer.allocUnsafe(65_536);
let randomPoolOffset = RANDOM_POOL.length;
export const systemRandom: RandomBytes = (n) => {
  if (n > 256) return randomBytes(n);
  if (randomPoolOffset + n > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomPoolOffset = 0;
  }
  const out = new Uint8Array(n);
  out.set(RANDOM_POOL.subarray(randomPoolOffset, randomPoolOffset + n));
  RANDOM_POOL.fill(0, randomPoolOffset, randomPoolOffset + n);
  randomPoolOffset += n;
  return out;
};

export async function startService(config: Config, log: (msg: string, err?: unknown) => void = () => undefined): Promise<Service> {
  await mkdir(config.DATA_DIR, { recursive: true });
  if (config.MAX_QUEUE_ENTRIES < config.MAX_BATCH_ENTRIES) {
    log(`MAX_QUEUE_ENTRIES (${config.MAX_QUEUE_ENTRIES}) is below MAX_BATCH_ENTRIES (${config.MAX_BATCH_ENTRIES}): larger batches will always be answered 503 overloaded`);
  }
  const signer = await loadOrCreateSigner({ origin: config.LOG_ORIGIN, dataDir: config.DATA_DIR, keyFile: config.LOG_KEY_FILE });
  const level = await LevelLogStore.open(join(config.DATA_DIR, 'ledger'));
  try {
    const store = withCommitHalt(level, config.TEST_HALT_AT_COMMIT);
    const ledger = await Ledger.open({
      store,
      signer,
      verifierKey: signer.verifierKey,
      origin: config.LOG_ORIGIN,
      sha256: nodeSha256,
      clock: systemClock,
      maxBatch: config.MAX_BATCH_ENTRIES,
      maxQueue: config.MAX_QUEUE_ENTRIES,
    });
    const accounts = new Accounts(store, nodeSha256, systemRandom, systemClock);
    if (config.ADMIN_API_KEY) await accounts.seedAdmin(config.ADMIN_API_KEY);
    const deposits = new Deposits(ledger, store, nodeSha256, systemRandom, systemClock);
    const uploads = { dataDir: config.DATA_DIR, maxBytes: config.MAX_UPLOAD_BYTES, keep: config.KEEP_UPLOADS, publicUrl: config.PUBLIC_URL };
    const registration = registrationDeps({ ledger, store, deposits, config, clock: systemClock, random: systemRandom });
    const ts = await setupTimestamps(config, { ledger, store, sha256: nodeSha256, now: () => systemClock.now(), random: systemRandom, log });
    const timestamps = { store, builtin: ts.builtin, trusted: ts.trusted };
    const app = createApp({ ledger, accounts, deposits, sha256: nodeSha256, log, uploads, registration, timestamps });
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.PORT, config.HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    server.keepAliveTimeout = 65_000;
    answerClientErrors(server);
    ts.worker.start();
    const port = (server.address() as AddressInfo).port;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      port,
      ledger,
      server,
      timestamper: ts.worker,
      close: () =>
        (closing ??= (async () => {
          await new Promise<void>((resolve) => {
            // A connection busy at shutdown goes idle later: keep sweeping until all are closed.
            const sweep = setInterval(() => server.closeIdleConnections(), 100);
            server.close(() => {
              clearInterval(sweep);
              resolve();
            });
            server.closeIdleConnections();
          });
          await ts.worker.stop();
          await ledger.close();
          await store.close();
        })()),
    };
  } catch (e) {
    await level.close();
    throw e;
  }
}
