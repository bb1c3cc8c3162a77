/**
 * Composition of web captures (docs/CAPTURE.md), called from the composition root (server.ts):
 * the Chromium capturer with its signing key, clock check and test hooks, and the job queue.
 */
import { ChromiumCapturer } from './adapters/capture/capturer.js';
import type { ClockCheck } from './adapters/capture/environment.js';
import type { Resolver } from './adapters/capture/proxy.js';
import { loadWaczSigningKey } from './adapters/capture/wacz.js';
import { writeFontconfig } from './adapters/capture/browser.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nodeSha256 } from './adapters/crypto/node.js';
import { Captures } from './app/captures.js';
import { localLiveness, type RunnerLiveness } from './app/capture-ports.js';
import { RecordCaptureStore } from './adapters/records/capture-store.js';
import { PgRunnerLease } from './adapters/pg/runner-lease.js';
import { toHex } from './core/bytes.js';
import type { Ledger } from './app/log.js';
import type { OriginalDeposits } from './app/originals.js';
import type { Clock, LedgerStore, RandomBytes } from './app/ports.js';
import { ConfigError, type Config } from './config.js';
import { createPublicKey, type KeyObject } from 'node:crypto';

/** Parses CAPTURE_TEST_HOSTS into a resolver: `host=ip,ip` always, `host=ipA>ipB` ipA the first time, ipB after. */
export function testResolver(spec: string): Resolver {
  const table = new Map<string, { first: string[]; later: string[]; asked: number }>();
  for (const item of spec.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const [host, value] = item.split('=') as [string, string];
    const [first, later] = value.split('>') as [string, string | undefined];
    table.set(host.toLowerCase(), { first: first.split(','), later: (later ?? first).split(','), asked: 0 });
  }
  return async (host) => {
    const e = table.get(host.toLowerCase());
    if (!e) throw Object.assign(new Error(`${host}: not found`), { code: 'ENOTFOUND' });
    return e.asked++ === 0 ? e.first : e.later;
  };
}

/**
 * The host clock against the trusted time source: the first external TSA's HTTP Date (1 s
 * resolution), or, with the built-in TSA, this host's own clock (offset 0 by construction).
 */
export function clockCheck(config: Config, now: () => number): () => Promise<ClockCheck> {
  const tsa = config.TSA_URLS[0];
  if (tsa === undefined) {
    return async () => ({ source: 'built-in TSA', offsetMs: 0, uncertaintyMs: 0, note: 'no external TSA configured (TSA_URLS): block timestamps come from this host’s clock, so the offset is 0 by construction' });
  }
  return async () => {
    const sent = now();
    const res = await fetch(tsa, { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
    const received = now();
    const date = res.headers.get('date');
    if (date === null) return { source: tsa, note: 'the TSA answered without a Date header' };
    const offset = Math.round((sent + received) / 2 - Date.parse(date));
    return { source: tsa, offsetMs: offset, uncertaintyMs: Math.ceil((received - sent) / 2) + 1_000, note: 'host clock minus the TSA’s HTTP Date header (1 s resolution)' };
  };
}

/** Chromium's fontconfig: the system's fonts plus Noto Sans SC (PDF_FONT_DIR or the npm package), written once into DATA_DIR. */
function fontconfig(config: Config): () => Promise<string | undefined> {
  let file: Promise<string | undefined> | undefined;
  return () =>
    (file ??= (async () => {
      let dirs: string[];
      if (config.PDF_FONT_DIR !== undefined) dirs = [config.PDF_FONT_DIR];
      else {
        try {
          dirs = [dirname(createRequire(import.meta.url).resolve('@expo-google-fonts/noto-sans-sc/package.json'))];
        } catch {
          return undefined;
        }
      }
      return writeFontconfig(join(config.DATA_DIR, 'capture-fonts'), dirs);
    })().catch(() => undefined));
}

/** CAPTURE_MAX_BYTES and CAPTURE_MAX_RESPONSE_BYTES, never above MAX_UPLOAD_BYTES (a bundle is stored like an upload). */
export function captureSizeLimits(config: Config): { maxResponseBytes: number; maxTotalBytes: number } {
  const maxTotalBytes = Math.min(config.CAPTURE_MAX_BYTES, config.MAX_UPLOAD_BYTES);
  return { maxTotalBytes, maxResponseBytes: Math.min(config.CAPTURE_MAX_RESPONSE_BYTES, maxTotalBytes) };
}

export async function captureDeps(p: {
  config: Config;
  ledger: Ledger;
  store: LedgerStore;
  originals: OriginalDeposits;
  clock: Clock;
  random: RandomBytes;
  publicUrl: () => string;
  log: (msg: string, err?: unknown) => void;
  /** The PostgreSQL store several processes may share (DATABASE_URL): each holds a runner lease there. */
  pgUrl?: string;
}): Promise<{ captures: Captures; signingKey: KeyObject; publicKeyPem: string }> {
  const { config } = p;
  const testHooks = config.CAPTURE_TEST_HOSTS !== undefined || config.CAPTURE_TEST_PUBLIC !== undefined;
  if (testHooks && config.NODE_ENV !== 'test') {
    const name = config.CAPTURE_TEST_HOSTS !== undefined ? 'CAPTURE_TEST_HOSTS' : 'CAPTURE_TEST_PUBLIC';
    throw new ConfigError(name, `${name}: a test hook, refused unless NODE_ENV=test`);
  }
  if (config.CAPTURE_ALLOW_PRIVATE && config.NODE_ENV !== 'test') {
    throw new ConfigError('CAPTURE_ALLOW_PRIVATE', 'CAPTURE_ALLOW_PRIVATE: lets captures and webhooks reach private addresses, refused unless NODE_ENV=test');
  }
  if (config.CAPTURE_ALLOW_PRIVATE) {
    p.log('WARNING: CAPTURE_ALLOW_PRIVATE is on: web captures may reach loopback, private and link-local addresses (tests only; never in production)');
  }
  const signingKey = await loadWaczSigningKey(config.DATA_DIR);
  const capturer = new ChromiumCapturer({
    executablePath: config.CAPTURE_CHROMIUM,
    allowPrivate: config.CAPTURE_ALLOW_PRIVATE,
    resolver: config.CAPTURE_TEST_HOSTS !== undefined ? testResolver(config.CAPTURE_TEST_HOSTS) : undefined,
    publicAddresses: config.CAPTURE_TEST_PUBLIC !== undefined ? new Set(config.CAPTURE_TEST_PUBLIC.split(',')) : undefined,
    signingKey,
    clockCheck: clockCheck(config, () => p.clock.now()),
    node: { service: config.LOG_ORIGIN, logKey: p.ledger.verifierKey, get publicUrl() { return p.publicUrl(); } } as Record<string, string>,
    fontconfigFile: fontconfig(config),
    limits: captureSizeLimits(config),
    // Half the budget to load the page; the rest for the screenshot, PDF, recording and bundle.
    navigationTimeoutMs: Math.max(1_000, Math.floor(config.CAPTURE_TIMEOUT_MS / 2)),
  });
  const instance = 'run_' + toHex(p.random(8));
  const liveness: RunnerLiveness = p.pgUrl !== undefined ? await PgRunnerLease.open(p.pgUrl, instance, p.log) : localLiveness(instance);
  const captures = new Captures({
    captures: new RecordCaptureStore(p.store),
    accounts: p.store,
    liveness,
    ledger: p.ledger,
    originals: p.originals,
    capturer,
    sha256: nodeSha256,
    random: p.random,
    clock: p.clock,
    limits: { concurrency: config.CAPTURE_CONCURRENCY, queue: config.CAPTURE_QUEUE, perAccount: config.CAPTURE_PER_ACCOUNT, timeoutMs: config.CAPTURE_TIMEOUT_MS },
    log: p.log,
  });
  const interrupted = await captures.init();
  if (interrupted > 0) p.log(`${interrupted} web capture(s) were queued or running in a process that stopped: marked failed`);
  return { captures, signingKey, publicKeyPem: createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }).toString() };
}
