/**
 * Wires trusted time for the service (used by server.ts): the built-in TSA (always loaded, so
 * its responder and certificate are served and old self-issued tokens stay verifiable), the
 * external TSAs of TSA_URLS, the pinned CA of TSA_CA_FILE and the background worker.
 */
import { readFile } from 'node:fs/promises';
import type { Sha256 } from '../../core/hash.js';
import { certificatesFromPem } from '../../core/pkix.js';
import { LogError } from '../../core/errors.js';
import type { Ledger } from '../../app/log.js';
import type { LedgerStore } from '../../app/ports.js';
import { Timestamper, type Tsa } from '../../app/timestamps.js';
import { loadOrCreateBuiltinTsa, type BuiltinTsa } from './builtin.js';
import { httpTsa } from './http.js';

export interface TimestampConfig {
  DATA_DIR: string;
  LOG_ORIGIN: string;
  TSA_URLS: string[];
  TSA_CA_FILE?: string | undefined;
  TSA_TIMEOUT_MS: number;
  TSA_BACKOFF_MS: number;
  TSA_BACKOFF_MAX_MS: number;
  TSA_MIN_INTERVAL_MS: number;
}

export interface Timestamps {
  builtin: BuiltinTsa;
  worker: Timestamper;
  /** Certificates POST /v1/verify pins for the timestamp check: TSA_CA_FILE's and the built-in TSA's (none for external TSAs without TSA_CA_FILE). */
  trusted: Uint8Array[];
  /** True when external TSAs are configured (the built-in one then only answers POST /v1/tsa). */
  external: boolean;
}

export async function setupTimestamps(
  config: TimestampConfig,
  deps: { ledger: Ledger; store: LedgerStore; sha256: Sha256; now: () => number; random: (n: number) => Uint8Array; log: (msg: string, err?: unknown) => void },
): Promise<Timestamps> {
  const builtin = await loadOrCreateBuiltinTsa(config.DATA_DIR, { now: deps.now, random: deps.random, organization: config.LOG_ORIGIN });
  let ca: Uint8Array[] = [];
  if (config.TSA_CA_FILE !== undefined) {
    try {
      ca = certificatesFromPem(await readFile(config.TSA_CA_FILE, 'utf8'));
    } catch (cause) {
      throw new LogError('internal', `TSA_CA_FILE ${config.TSA_CA_FILE}: cannot read PEM certificates`, { cause });
    }
  }
  const external = config.TSA_URLS.length > 0;
  const tsas: Tsa[] = external ? config.TSA_URLS.map((u) => httpTsa(u, { timeoutMs: config.TSA_TIMEOUT_MS, random: deps.random })) : [builtin];
  const worker = new Timestamper({
    ledger: deps.ledger,
    store: deps.store,
    tsas,
    trusted: external ? ca : [builtin.certificate],
    sha256: deps.sha256,
    timeoutMs: config.TSA_TIMEOUT_MS,
    backoffMs: config.TSA_BACKOFF_MS,
    maxBackoffMs: config.TSA_BACKOFF_MAX_MS,
    minIntervalMs: config.TSA_MIN_INTERVAL_MS,
    log: deps.log,
  });
  // What POST /v1/verify pins: the CA file and the built-in TSA (old self-issued tokens stay
  // valid). External TSAs without a CA file cannot be pinned: the check then runs unpinned.
  const trusted = external && ca.length === 0 ? [] : [...ca, builtin.certificate];
  return { builtin, worker, trusted, external };
}
