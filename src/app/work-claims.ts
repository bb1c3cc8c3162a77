/**
 * Claims on background work (a webhook delivery, following a capture), so that one piece of work
 * never runs in two places at once. Within a process a claim is a key in a set; when several
 * processes share one store (PostgreSQL, docs/SCALING.md), the composition root gives a
 * `SharedClaims` (adapters/pg/locks.ts: an advisory lock held while the work runs, dropped with
 * the process), taken after the in-process claim.
 *
 * A claim is tried, never waited for: work claimed elsewhere is skipped, since whoever holds the
 * claim is running it.
 */
export interface SharedClaims {
  /** Runs `fn` while holding the claim (`name`, `key`) in every process on the store; undefined, without running it, when another holds it. */
  tryRun<T>(name: string, key: string, fn: () => Promise<T>): Promise<{ value: T } | undefined>;
}

export class WorkClaims implements SharedClaims {
  private readonly held = new Set<string>();

  constructor(private readonly shared?: SharedClaims) {}

  async tryRun<T>(name: string, key: string, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    const k = `${name}\u0000${key}`;
    if (this.held.has(k)) return undefined;
    this.held.add(k);
    try {
      return this.shared === undefined ? { value: await fn() } : await this.shared.tryRun(name, key, fn);
    } finally {
      this.held.delete(k);
    }
  }
}
