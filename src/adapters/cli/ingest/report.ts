/** The end of an ingest: the summary as text lines, or as one JSON object (`--json`). */
import type { IngestSummary } from './types.js';

export function printSummary(s: IngestSummary, out: (line: string) => void): void {
  out(
    `ingest ${s.interrupted ? 'INTERRUPTED' : 'done'}: ${s.total} works, ${s.deposited} deposited (${s.created} new, ${s.deposited - s.created} already in the log), ` +
      `${s.skipped} skipped (in the state file), ${s.failures.length} failed`,
  );
  const shown = s.failures.slice(0, 100);
  for (const f of shown) out(`FAILED ${f.path}: ${f.reason}`);
  if (s.failures.length > shown.length) out(`… and ${s.failures.length - shown.length} more failures`);
  if (s.interrupted) out('run the same command again to resume');
}

/** `--json`: every figure and every failure, `ok` when all works are done. */
export function summaryJson(s: IngestSummary): string {
  return JSON.stringify({
    ok: !s.interrupted && s.failures.length === 0,
    total: s.total,
    deposited: s.deposited,
    created: s.created,
    alreadyInLog: s.deposited - s.created,
    skipped: s.skipped,
    failed: s.failures.length,
    interrupted: s.interrupted,
    failures: s.failures,
  });
}
