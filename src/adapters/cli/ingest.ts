/**
 * `copyright-ledger ingest` (contract §7): batch deposits for platforms.
 *
 *     ingest <dir | manifest.jsonl> --server URL [--api-key-file F] [--concurrency N] [--hash-only | --upload]
 *            [--state F] [--out DIR] [--batch N] [--json]
 *
 * Works come from a directory walk (regular files; symlinks are not followed) or from a JSONL
 * manifest of `{"path","metadata"?,"externalId"?}` lines (ingest/sources.ts). Each file is hashed
 * locally (SHA-256 and SM3 in one streaming pass, at most N files at once: ingest/hash.ts) and
 * deposited hash-only in batches of up to 1,000 (POST /v1/deposits/batch), or uploaded one by one
 * with --upload (ingest/api.ts, ingest/run.ts).
 *
 * Never twice: every item carries an externalId (default `<relative path>:<sha256>`), which the
 * server keeps idempotent per account, so re-sending a work returns its first deposit. The state
 * file (ingest/state-file.ts: append-only JSONL, fsync'd after each batch) only saves the work of
 * re-hashing and re-sending what is known to be done: a crash or Ctrl-C at any point is resumed
 * by running the same command again. docs/UPLOADS.md describes the formats.
 */
import { parseIngestArgs } from './ingest/args.js';
import { printSummary, summaryJson } from './ingest/report.js';
import { runIngest } from './ingest/run.js';
import { noProgress } from './progress.js';
import type { Io } from './usage.js';

export { parseIngestArgs } from './ingest/args.js';
export { printSummary } from './ingest/report.js';
export { defaultExternalId, runIngest } from './ingest/run.js';
export { certificateName } from './ingest/certificates.js';
export { hashFile } from './ingest/hash.js';
export type { IngestOptions, IngestSummary, StateRecord } from './ingest/types.js';

/** The CLI command: parses, runs, prints the summary. Exit 0 all done, 1 failures, 2 usage, 130 interrupted. */
export async function ingestCommand(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const opts = await parseIngestArgs(args, env, io.err);
  const ac = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.err('\ninterrupted: finishing the batches in flight and saving the state (Ctrl-C again to quit at once)');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await runIngest({ ...opts, signal: ac.signal, ...(opts.json ? { progress: noProgress } : {}) });
    if (opts.json) io.out(summaryJson(summary));
    else printSummary(summary, io.out);
    if (summary.interrupted) return 130;
    return summary.failures.length > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
