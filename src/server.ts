/**
 * Composition root for the service: wires LevelDB, the signer and the use cases into the HTTP
 * app. Building is kept apart from listening so tests start it on port 0.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { loadOrCreateSigner, nodeSha256, nodeTextSha256Hex, nodeTreeSha256, readPreviousSigner } from './adapters/crypto/node.js';
import { createRequestListener } from './adapters/http/app.js';
import { answerClientErrors } from './adapters/http/client-error.js';
import { openStore } from './store-wiring.js';
import { PgSequencer } from './adapters/pg/sequencer.js';
import { PgLocks } from './adapters/pg/locks.js';
import { shareLocks } from './app/mutex.js';
import { withCommitHalt } from './adapters/commit-halt.js';
import { Accounts } from './app/accounts.js';
import { Sessions } from './app/sessions.js';
import { ScryptPasswordHasher } from './adapters/crypto/password.js';
import { Deposits } from './app/deposits.js';
import { Ledger } from './app/log.js';
import { isLogError, LogError } from './core/errors.js';
import type { Clock, RandomBytes } from './app/ports.js';
import { ConfigError, type Config } from './config.js';
import { prepareDataDir, restrictUmask } from './adapters/fs/data-dir.js';
import { applyConnectionLimits } from './adapters/http/connections.js';
import { createLogger, logFnOf, type LogFn, type Logger } from './adapters/logging.js';
import { ServiceMetrics } from './adapters/metrics.js';
import { registrationDeps } from './registration-wiring.js';
import { operationDeps } from './operation-wiring.js';
import { setupTimestamps } from './adapters/tsa/setup.js';
import type { Timestamper } from './app/timestamps.js';
import { UploadQuota } from './app/quota.js';
import { limitsFromConfig } from './adapters/http/limits.js';
import { TokenBucketLimiter } from './adapters/limits/token-bucket.js';
import { WorkerPool } from './adapters/workers/pool.js';
import { loadPdfSigning } from './adapters/pdf/signing-key.js';
import { fontDirProblem } from './adapters/pdf/layout.js';
import type { PdfIssuer } from './adapters/pdf/court.js';
import { ObjectStore } from './adapters/fs/objects.js';
import { sharedSm3Pool } from './adapters/crypto/sm3-pool.js';
import { FingerprintingOriginals } from './app/fingerprinting-originals.js';
import { enforcementDeps, type Enforcement } from './enforcement-wiring.js';
import { captureDeps } from './capture-wiring.js';
import type { Captures } from './app/captures.js';
import { tilePublisher } from './tiles-wiring.js';
import { accountRecords, ledgerRecords } from './adapters/records/core-records.js';
import { RecordQuotaStore } from './adapters/records/quota-store.js';

export interface Service {
  url: string;
  port: number;
  ledger: Ledger;
  server: Server;
  /** The background RFC 3161 worker (docs/TIMESTAMPS.md). */
  timestamper?: Timestamper;
  /** Prometheus metrics of this service (GET /metrics). */
  metrics: ServiceMetrics;
  /** The web capture queue (docs/CAPTURE.md). */
  captures: Captures;
  /** Fingerprints, matching, monitoring and cases (docs/ENFORCEMENT.md). */
  enforcement: Enforcement;
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
  // Copied and wiped byte by byte: no Buffer view per call.
  const out = new Uint8Array(n);
  const at = randomPoolOffset;
  for (let i = 0; i < n; i++) {
    out[i] = RANDOM_POOL[at + i]!;
    RANDOM_POOL[at + i] = 0;
  }
  randomPoolOffset = at + n;
  return out;
};

/**
 * Starts the service. `logger`: a pino logger (access log and messages), or a plain callback for
 * messages only (no access log); default: a logger at LOG_LEVEL on stdout.
 * Rejects with ConfigError (one line naming the variable) when a setting cannot be used.
 */
export async function startService(config: Config, logger?: LogFn | Logger): Promise<Service> {
  const pinoLogger = typeof logger === 'object' ? logger : logger === undefined ? createLogger(config.LOG_LEVEL) : undefined;
  const log: LogFn = typeof logger === 'function' ? logger : logFnOf(pinoLogger!);
  // Everything created from here on (LevelDB, keys, uploads, temp files) is private: 0600/0700.
  restrictUmask();
  for (const warning of await prepareDataDir(config.DATA_DIR)) log(warning);
  if (config.MAX_QUEUE_ENTRIES < config.MAX_BATCH_ENTRIES) {
    log(`MAX_QUEUE_ENTRIES (${config.MAX_QUEUE_ENTRIES}) is below MAX_BATCH_ENTRIES (${config.MAX_BATCH_ENTRIES}): larger batches will always be answered 503 overloaded`);
  }
  if (config.MAX_QUEUE_ENTRIES_PER_ACCOUNT !== undefined && config.MAX_QUEUE_ENTRIES_PER_ACCOUNT < 10_000) {
    log(`MAX_QUEUE_ENTRIES_PER_ACCOUNT (${config.MAX_QUEUE_ENTRIES_PER_ACCOUNT}) is below 10,000: a full batch request will always be answered 503 overloaded`);
  }
  const signer = await loadOrCreateSigner({ origin: config.LOG_ORIGIN, dataDir: config.DATA_DIR, keyFile: config.LOG_KEY_FILE }).catch((e: unknown) => {
    if (config.LOG_KEY_FILE === undefined) throw e;
    const cause = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
    throw new ConfigError('LOG_KEY_FILE', `LOG_KEY_FILE: ${e instanceof Error ? e.message : String(e)}${typeof cause === 'string' ? ` (${cause})` : ''}`);
  });
  const metrics = new ServiceMetrics();
  // LevelDB in DATA_DIR/ledger, or PostgreSQL when DATABASE_URL is set (store-wiring.ts).
  const opened = await openStore(config, log);
  // Several processes may share a PostgreSQL store: one sequences at a time (docs/SCALING.md).
  let onRole: (sequencer: boolean) => void = () => undefined;
  const sequencer = opened.pg ? new PgSequencer({ store: opened.pg, log, maxBatch: config.MAX_BATCH_ENTRIES, onRole: (on) => onRole(on) }) : undefined;
  // ... and the read-modify-append steps (registration numbers, operations, cases) lock across processes.
  const sharedLocks = opened.pg ? new PgLocks(opened.pg.url, log) : undefined;
  if (sharedLocks) shareLocks(sharedLocks);
  /** Closed when start-up fails after it opened (its PostgreSQL lease connection would keep the process alive). */
  let startedCaptures: { close(): Promise<void> } | undefined;
  try {
    await sequencer?.acquire();
    const store = withCommitHalt(opened.store, config.TEST_HALT_AT_COMMIT);
    const ledger = await Ledger.open({
      store,
      ...ledgerRecords(store),
      signer,
      verifierKey: signer.verifierKey,
      origin: config.LOG_ORIGIN,
      sha256: nodeTreeSha256,
      clock: systemClock,
      maxBatch: config.MAX_BATCH_ENTRIES,
      maxQueue: config.MAX_QUEUE_ENTRIES,
      ...(config.MAX_QUEUE_ENTRIES_PER_ACCOUNT !== undefined ? { maxQueuePerOwner: config.MAX_QUEUE_ENTRIES_PER_ACCOUNT } : {}),
      observer: metrics.ledgerObserver,
      log,
      previousSigner: await readPreviousSigner({ origin: config.LOG_ORIGIN, dataDir: config.DATA_DIR, keyFile: config.LOG_PREVIOUS_KEY_FILE }),
      ...(sequencer ? { handoff: sequencer } : {}),
    }).catch((e: unknown) => {
      // A log key that is not the one in force (nor a valid hand-over from it): a setting to fix, not a crash.
      if (!(e instanceof LogError) || e.details?.setting !== 'LOG_KEY_FILE') throw e;
      throw new ConfigError('LOG_KEY_FILE', `LOG_KEY_FILE: ${e.message}`);
    });
    const accounts = new Accounts(store, accountRecords(store), nodeSha256, systemRandom, systemClock, log);
    if (config.ADMIN_API_KEY) {
      const seeded = await accounts.seedAdmin(config.ADMIN_API_KEY).catch((e: unknown) => {
        // A secret that is another account's key or was revoked: a setting to change, exit 2.
        if (isLogError(e, 'conflict')) throw new ConfigError('ADMIN_API_KEY', e.message);
        throw e;
      });
      for (const note of seeded.notes) log(note);
    }
    // With a shared store the sequencer role starts the publisher (below); TILES_DIR is checked here either way.
    let tiles = await tilePublisher(config.TILES_DIR, { ledger, store, log });
    if (sequencer && tiles) tiles = undefined;
    const deposits = new Deposits(ledger, store, nodeSha256, systemRandom, systemClock, { certificateCacheChars: config.CERTIFICATE_CACHE_BYTES, textSha256Hex: nodeTextSha256Hex, ...(sharedLocks ? { claimLocks: sharedLocks } : {}) });
    const sessions = new Sessions(opened.sessions(store), store, new ScryptPasswordHasher(), nodeSha256, randomBytes, systemClock);
    // URLs printed in certificates: PUBLIC_URL, else the address bound below; never the request's Host.
    let boundUrl = 'http://localhost';
    const publicUrl = () => (config.PUBLIC_URL ?? boundUrl).replace(/\/+$/, '');
    const quota = new UploadQuota(new RecordQuotaStore(store), config.UPLOAD_QUOTA_BYTES);
    // PDF certificates: the operator (OPERATOR_*), the document-signing key, the fonts.
    const fontProblem = config.PDF_FONT_DIR !== undefined ? await fontDirProblem(config.PDF_FONT_DIR) : undefined;
    if (fontProblem !== undefined) throw new ConfigError('PDF_FONT_DIR', `PDF_FONT_DIR: ${fontProblem}`);
    const pdfSigning = await loadPdfSigning({
      dataDir: config.DATA_DIR,
      ...(config.PDF_SIGNING_KEY_FILE !== undefined ? { keyFile: config.PDF_SIGNING_KEY_FILE } : {}),
      ...(config.PDF_SIGNING_CERT_FILE !== undefined ? { certFile: config.PDF_SIGNING_CERT_FILE } : {}),
      ...(config.OPERATOR_NAME !== undefined ? { operatorName: config.OPERATOR_NAME } : {}),
    });
    const operator = {
      ...(config.OPERATOR_NAME !== undefined ? { name: config.OPERATOR_NAME } : {}),
      ...(config.OPERATOR_CREDIT_CODE !== undefined ? { creditCode: config.OPERATOR_CREDIT_CODE } : {}),
      ...(config.OPERATOR_FILING_NUMBER !== undefined ? { filingNumber: config.OPERATOR_FILING_NUMBER } : {}),
      ...(config.OPERATOR_URL !== undefined ? { url: config.OPERATOR_URL } : {}),
    };
    const pdfIssuer = (): PdfIssuer => ({ operator, signing: pdfSigning, publicUrl: publicUrl(), ...(config.PDF_FONT_DIR !== undefined ? { fontDir: config.PDF_FONT_DIR } : {}) });
    const originals = new FingerprintingOriginals(deposits, new ObjectStore(config.DATA_DIR), nodeSha256, { keep: config.KEEP_UPLOADS, quota });
    const capture = await captureDeps({ config, ledger, store, originals, clock: systemClock, random: systemRandom, publicUrl, log, ...(opened.pg ? { pgUrl: opened.pg.url } : {}) });
    startedCaptures = capture.captures;
    const captures = { captures: capture.captures, signingKeyPem: capture.publicKeyPem };
    const uploads = { dataDir: config.DATA_DIR, maxBytes: config.MAX_UPLOAD_BYTES, keep: config.KEEP_UPLOADS, publicUrl, quota, pdfIssuer, originals, sm3: sharedSm3Pool() };
    const workers = new WorkerPool({ threads: config.WORKER_THREADS, queue: config.WORKER_QUEUE, verifyTimeoutMs: config.VERIFY_TIMEOUT_MS, pdfTimeoutMs: config.PDF_TIMEOUT_MS });
    const registration = registrationDeps({ ledger, store, deposits, config, clock: systemClock, random: systemRandom, publicUrl, renderPdf: (i) => workers.registrationPdf(i), pdfIssuer });
    const operation = operationDeps({ ledger, store, clock: systemClock, random: systemRandom, publicUrl, renderPdf: (i) => workers.operationPdf(i), pdfIssuer });
    const ts = await setupTimestamps(config, { ledger, store, sha256: nodeSha256, now: () => systemClock.now(), random: systemRandom, log }).catch((e: unknown) => {
      if (config.TSA_CA_FILE === undefined) throw e;
      throw new ConfigError('TSA_CA_FILE', `TSA_CA_FILE: ${e instanceof Error ? e.message.replace(/^TSA_CA_FILE /, '') : String(e)}`);
    });
    const timestamps = { store, builtin: ts.builtin, trusted: ts.trusted };
    let closing: Promise<void> | undefined;
    let storeOpen = true;
    const notReady = () =>
      closing !== undefined ? 'the service is shutting down' : !ledger.accepting ? 'the sequencer is stopped' : !storeOpen ? 'the store is closed' : undefined;
    const observability = { ...(pinoLogger ? { logger: pinoLogger } : {}), metrics, notReady };
    const https = config.PUBLIC_URL?.startsWith('https:') ?? false;
    const limitsConfig = limitsFromConfig(config);
    const limits = limitsConfig ? { limiter: new TokenBucketLimiter(), config: limitsConfig } : undefined;
    const enforcement = await enforcementDeps({ config, ledger, store, deposits, accounts, originals, captures: capture.captures, registrations: registration.registrations, pdfIssuer, ...(ts.external ? {} : { tsaPem: ts.builtin.certificatePem }), clock: systemClock, random: systemRandom, publicUrl, log, sharedStore: opened.pg !== undefined, ...(sharedLocks ? { claims: sharedLocks } : {}), sequenced: sequencer !== undefined });
    const app = createRequestListener({
      ledger,
      accounts,
      deposits,
      sha256: nodeSha256,
      log,
      uploads,
      registration,
      operation,
      timestamps,
      observability,
      https,
      workers,
      archive: { store },
      tiles: store,
      pdfSigningCert: pdfSigning.certPem,
      trustProxy: config.TRUST_PROXY,
      captures,
      enforcement: enforcement.http,
      ...(limits ? { limits } : {}),
      sessions: { sessions, ...(config.PUBLIC_URL !== undefined ? { publicOrigin: new URL(config.PUBLIC_URL).origin } : {}) },
    });
    const server = await new Promise<Server>((resolve, reject) => {
      const s = createServer(app);
      s.once('error', reject);
      s.listen(config.PORT, config.HOST, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
    server.keepAliveTimeout = 65_000;
    applyConnectionLimits(server, {
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      minUploadBytesPerSec: config.MIN_UPLOAD_BYTES_PER_SEC,
      bodyIdleMs: config.BODY_IDLE_TIMEOUT_MS,
      headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
      maxConnections: config.MAX_CONNECTIONS,
      onRefused: () => metrics.connectionRefused(),
    });
    metrics.bind({ ledger, timestamper: ts.worker, hasTimestamp: async (h) => (await store.getTimestamp(h)) !== undefined });
    answerClientErrors(server);
    if (sequencer) {
      // Blocks are timestamped and tiles published by the sequencer only; the role moves, the work with it.
      let role = Promise.resolve();
      onRole = (on) => {
        // Stored webhook deliveries and case evidence waits are resumed by the sequencer only (claimed, so never run twice at once).
        enforcement.background(on);
        role = role
          .then(async () => {
            if (on) {
              ts.worker.start();
              tiles ??= await tilePublisher(config.TILES_DIR, { ledger, store, log });
              tiles?.start();
            } else {
              await ts.worker.stop();
              await tiles?.close();
              tiles = undefined;
            }
          })
          .catch((e: unknown) => log('timestamps and tiles: cannot follow the sequencer role', e));
      };
      await sequencer.start(ledger);
    } else {
      ts.worker.start();
      tiles?.start();
    }
    const port = (server.address() as AddressInfo).port;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    boundUrl = `http://${host}:${port}`;
    return {
      url: boundUrl,
      port,
      ledger,
      server,
      metrics,
      captures: capture.captures,
      enforcement,
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
          await enforcement.close();
          await capture.captures.close();
          await accounts.flush();
          await workers.close();
          await ledger.close();
          await tiles?.close();
          await sequencer?.stop();
          if (sharedLocks) shareLocks(undefined);
          await sharedLocks?.close();
          metrics.close();
          storeOpen = false;
          await store.close();
        })()),
    };
  } catch (e) {
    await startedCaptures?.close().catch(() => undefined);
    await sequencer?.stop();
    if (sharedLocks) shareLocks(undefined);
    await sharedLocks?.close();
    await opened.store.close();
    throw e;
  }
}
