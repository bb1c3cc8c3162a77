/**
 * Request budgets behind one small interface, so the in-memory token buckets used today
 * (token-bucket.ts) can be replaced by a shared store when several server processes must share
 * one budget.
 */

/** One budget for each partition key: bursts of up to `quota` units, refilled at `quota` per `windowSeconds`. */
export interface RatePolicy {
  /** Names the budget in RateLimit headers: `[a-z][a-z0-9-]*`. */
  name: string;
  quota: number;
  windowSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Whole units left (0 when refused). */
  remaining: number;
  /**
   * Whole seconds (at least 1, at most the window): when allowed, until the budget is full again
   * (RateLimit `t`); when refused, until the refused request would be allowed (Retry-After).
   */
  resetSeconds: number;
}

/**
 * Counts units per (policy, partition key). Implementations:
 * - MUST count atomically: of concurrent takes that together exceed the quota, the excess MUST
 *   be refused;
 * - MUST answer an over-budget take with `allowed: false`, never by throwing; MAY throw when
 *   their store fails (the caller then decides whether to let the request through);
 * - MUST treat two policies with different names as independent budgets;
 * - MAY forget a key whose budget is full again (memory stays bounded by active keys).
 */
export interface RateLimiter {
  take(policy: RatePolicy, key: string, units?: number): Promise<RateDecision>;
}
