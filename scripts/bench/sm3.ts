/**
 * Part (e): throughput of the pure-TypeScript SM3 (src/core/sm3.ts, what the browser and the
 * standalone verifier use) against node:crypto's native `sm3` (OpenSSL) on one 64 MiB buffer.
 * The two alternate for a few rounds and the best round of each counts, so a busy machine
 * distorts the figures less.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { toHex } from '../../src/core/bytes.js';
import { Sm3 } from '../../src/core/sm3.js';
import { note } from './util.js';

export interface Sm3Figures {
  bytes: number;
  rounds: number;
  /** MiB/s of the best round of each. */
  coreMiBps: number;
  nodeMiBps: number;
  /** core / node, from the best rounds. */
  ratio: number;
  coreRounds: number[];
  nodeRounds: number[];
}

export function runSm3(opts: { mib: number; rounds: number }): Sm3Figures {
  const bytes = opts.mib * 1024 * 1024;
  const buf = new Uint8Array(bytes);
  for (let i = 0, x = 0x9e3779b9; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x;
  }
  note(`(e) SM3 over ${opts.mib} MiB: core (pure TypeScript) vs node:crypto, ${opts.rounds} rounds each`);
  const rate = (ms: number) => bytes / 1048576 / (ms / 1000);
  const coreRounds: number[] = [];
  const nodeRounds: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    let t = performance.now();
    const core = toHex(new Sm3().update(buf).digest());
    coreRounds.push(rate(performance.now() - t));
    t = performance.now();
    const native = createHash('sm3').update(buf).digest('hex');
    nodeRounds.push(rate(performance.now() - t));
    if (core !== native) throw new Error(`sm3: core ${core} differs from node:crypto ${native}`);
  }
  const coreMiBps = Math.max(...coreRounds);
  const nodeMiBps = Math.max(...nodeRounds);
  return { bytes, rounds: opts.rounds, coreMiBps, nodeMiBps, ratio: coreMiBps / nodeMiBps, coreRounds, nodeRounds };
}
