/**
 * In-memory token buckets: the RateLimiter used by one server process.
 *
 * Each (policy, key) has a bucket of `quota` tokens that refills continuously at
 * `quota / windowSeconds` tokens a second, so a client may burst up to the quota and then goes on
 * at the sustained rate; unlike a fixed window, no burst of twice the quota fits across a window
 * boundary. A take is one synchronous read-modify-write on the event loop, so concurrent takes are
 * counted exactly. A bucket that has refilled to full holds no information and is forgotten, so
 * memory stays bounded by the keys active within one window.
 */
import type { RateDecision, RateLimiter, RatePolicy } from './rate-limiter.js';

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
  /** When the bucket will be full again and can be forgotten (ms). */
  fullAt: number;
}

export interface TokenBucketOptions {
  /** Milliseconds; default Date.now. */
  now?: () => number;
  /** Sweep full buckets after this many takes (default 10,000). */
  sweepEvery?: number;
}

export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly sweepEvery: number;
  private takes = 0;

  constructor(opts: TokenBucketOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sweepEvery = opts.sweepEvery ?? 10_000;
  }

  /** Buckets currently held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  take(policy: RatePolicy, key: string, units = 1): Promise<RateDecision> {
    return Promise.resolve(this.takeNow(policy, key, units));
  }

  /** The synchronous take behind `take`. */
  takeNow(policy: RatePolicy, key: string, units = 1): RateDecision {
    const now = this.now();
    if (++this.takes >= this.sweepEvery) this.sweep(now);
    const perMs = policy.quota / (policy.windowSeconds * 1000);
    const id = `${policy.name}\u0000${policy.quota}/${policy.windowSeconds}\u0000${key}`;
    const b = this.buckets.get(id);
    let tokens = b === undefined ? policy.quota : Math.min(policy.quota, b.tokens + Math.max(0, now - b.at) * perMs);
    const allowed = tokens >= units;
    if (allowed) tokens -= units;
    const fullAt = now + (policy.quota - tokens) / perMs;
    this.buckets.set(id, { tokens, at: now, fullAt });
    // Refused: the wait until `units` tokens are there (Retry-After). Allowed: the wait until full (RateLimit t).
    const waitMs = allowed ? fullAt - now : (units - tokens) / perMs;
    return { allowed, remaining: allowed ? Math.floor(tokens) : 0, resetSeconds: Math.min(policy.windowSeconds, Math.max(1, Math.ceil(waitMs / 1000))) };
  }

  private sweep(now: number): void {
    this.takes = 0;
    for (const [id, b] of this.buckets) if (b.fullAt <= now) this.buckets.delete(id);
  }
}
