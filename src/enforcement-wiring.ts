/**
 * Composition of enforcement (docs/ENFORCEMENT.md), called from the composition root
 * (server.ts): private fingerprints and their background queue, matching, monitoring with
 * webhooks, and cases.
 */
import { nodeSha256 } from './adapters/crypto/node.js';
import { sharedSm3Pool } from './adapters/crypto/sm3-pool.js';
import { fingerprintBytes, textFingerprint } from './adapters/fingerprint/extract.js';
import { captureWorks } from './adapters/fingerprint/wacz-works.js';
import type { EnforcementHttpDeps } from './adapters/http/enforcement/routes.js';
import { RecordFingerprintStore } from './adapters/level/fingerprints.js';
import type { Deposits } from './app/deposits.js';
import { Fingerprints } from './app/fingerprints.js';
import type { FingerprintingOriginals } from './app/fingerprinting-originals.js';
import type { Ledger } from './app/log.js';
import { Matches, type CaptureRequester } from './app/matches.js';
import type { AccountRecord, Clock, LedgerStore, RandomBytes } from './app/ports.js';
import type { Config } from './config.js';
import { Monitor } from './app/monitor.js';
import { Cases, titleSource, type RegistrationSource } from './app/cases.js';
import { levelOperationStore } from './adapters/level/operations.js';
import { registrationLookup } from './app/operation-title.js';
import { RecordRegistrationStore } from './adapters/records/registration-store.js';
import type { PdfIssuer } from './adapters/pdf/court.js';
import { loadDownloads } from './adapters/http/downloads.js';
import { VERIFIER_FILE } from './adapters/downloads/files.js';
import { HttpWebhookSender } from './adapters/monitor/webhook-sender.js';
import { RecordOptInStore } from './adapters/records/opt-in-store.js';
import { RecordMonitorStore } from './adapters/records/monitor-store.js';
import { RecordCaseStore } from './adapters/records/case-store.js';
import { WorkClaims, type SharedClaims } from './app/work-claims.js';

/** How often the process that runs background work looks for work left by processes that stopped (ms). */
const SWEEP_MS = 60_000;
/** Cases are scanned every this many sweeps (a scan reads every case). */
const CASE_SWEEP_EVERY = 10;

export interface Enforcement {
  fingerprints: Fingerprints;
  matches: Matches;
  monitor: Monitor;
  cases: Cases;
  http: EnforcementHttpDeps;
  /**
   * With `sequenced`: starts (true) or stops (false) resuming stored background work — webhook
   * deliveries and batches, waits for case evidence — in this process; called as the process
   * gains and loses the sequencer role. Work already running here goes on either way.
   */
  background(on: boolean): void;
  close(): Promise<void>;
}

export async function enforcementDeps(p: {
  config: Config;
  ledger: Ledger;
  store: LedgerStore;
  deposits: Deposits;
  accounts: { get(id: string): Promise<AccountRecord | undefined> };
  originals: FingerprintingOriginals;
  captures?: CaptureRequester;
  registrations?: RegistrationSource;
  pdfIssuer: () => PdfIssuer;
  /** The built-in TSA's certificate, when it stamps the blocks. */
  tsaPem?: string;
  clock: Clock;
  random: RandomBytes;
  publicUrl: () => string;
  log: (msg: string, err?: unknown) => void;
  /** Several processes may share the store (PostgreSQL): each picks up the fingerprints the others store. */
  sharedStore?: boolean;
  /** Claims shared by the processes on one store (PostgreSQL advisory locks). */
  claims?: SharedClaims;
  /** Several processes share the store: stored background work is resumed only while `background(true)`. */
  sequenced?: boolean;
}): Promise<Enforcement> {
  const { config } = p;
  const claims = new WorkClaims(p.claims);
  const fingerprints = new Fingerprints({ store: new RecordFingerprintStore(p.store), fingerprinter: fingerprintBytes, clock: p.clock, maxQueue: config.FINGERPRINT_QUEUE, log: p.log, shared: p.sharedStore === true });
  await fingerprints.init();
  p.originals.fingerprintWith(fingerprints);
  const matches = new Matches({
    store: p.store,
    optIns: new RecordOptInStore(p.store),
    ledger: p.ledger,
    deposits: p.deposits,
    fingerprints,
    fingerprinter: fingerprintBytes,
    textFingerprint,
    sha256: nodeSha256,
    clock: p.clock,
    ...(p.captures ? { captures: p.captures, extractCapture: captureWorks } : {}),
  });
  const monitor = new Monitor({
    monitors: new RecordMonitorStore(p.store),
    matches,
    ...(p.captures ? { captures: p.captures } : {}),
    accounts: p.accounts,
    sender: new HttpWebhookSender({ allowPrivate: config.CAPTURE_ALLOW_PRIVATE }),
    clock: p.clock,
    random: p.random,
    limits: {
      maxQueue: config.MONITOR_QUEUE,
      perAccount: config.MONITOR_PER_ACCOUNT,
      attempts: config.MONITOR_WEBHOOK_ATTEMPTS,
      backoffMs: config.MONITOR_WEBHOOK_BACKOFF_MS,
      timeoutMs: config.MONITOR_WEBHOOK_TIMEOUT_MS,
      captureWaitMs: config.CASE_CAPTURE_WAIT_MS,
      allowPrivate: config.CAPTURE_ALLOW_PRIVATE,
    },
    log: p.log,
    claims,
  });
  const cases = new Cases({
    cases: new RecordCaseStore(p.store),
    ledger: p.ledger,
    deposits: p.deposits,
    ...(p.registrations ? { registrations: p.registrations, titles: titleSource(levelOperationStore(p.store), registrationLookup(new RecordRegistrationStore(p.store))) } : {}),
    ...(p.captures ? { captures: p.captures } : {}),
    accounts: p.accounts,
    sha256: nodeSha256,
    random: p.random,
    clock: p.clock,
    captureWaitMs: config.CASE_CAPTURE_WAIT_MS,
    log: p.log,
    claims,
  });
  await cases.init();
  if (p.sequenced !== true) {
    await monitor.resume();
    await cases.resume();
  }
  let sweep: ReturnType<typeof setInterval> | undefined;
  let sweeps = 0;
  let closed = false;
  const resume = (opts: { due?: boolean }, withCases: boolean) => {
    void monitor.resume(opts).catch((e: unknown) => p.log('monitoring: cannot resume stored batches and deliveries', e));
    if (withCases) void cases.resume().catch((e: unknown) => p.log('cases: cannot resume waiting for evidence', e));
  };
  const background = (on: boolean) => {
    if (sweep !== undefined) clearInterval(sweep);
    sweep = undefined;
    if (!on || closed || p.sequenced !== true) return;
    resume({}, true);
    sweep = setInterval(() => resume({ due: true }, ++sweeps % CASE_SWEEP_EVERY === 0), SWEEP_MS);
    sweep.unref?.();
  };
  const verifier = async () => (await loadDownloads().catch(() => undefined))?.get(VERIFIER_FILE);
  return {
    fingerprints,
    matches,
    monitor,
    cases,
    http: { matches: { matches, fingerprints, maxBytes: config.MATCH_MAX_BYTES, receiver: { objects: p.originals.originals, pool: sharedSm3Pool() } }, monitor: { monitor }, cases: { cases, issuer: p.pdfIssuer, verifier, ...(p.tsaPem !== undefined ? { tsaPem: p.tsaPem } : {}), now: () => p.clock.now() } },
    background,
    close: async () => {
      closed = true;
      background(false);
      await cases.close();
      await monitor.close();
      await fingerprints.close();
    },
  };
}
