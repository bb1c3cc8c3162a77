/**
 * Request budgets behind one small interface, so the in-memory counters used today can be
 * replaced by a shared store (rate-limiter-flexible's RateLimiterPostgres takes the same options)
 * when several server processes must share one budget.
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** One budget: at most `quota` units per `windowSeconds` for each partition key. */
export interface RatePolicy {
  /** Names the budget in RateLimit headers: `[a-z][a-z0-9-]*`. */
  name: string;
  quota: number;
  windowSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Units left in the current window (0 when refused). */
  remaining: number;
  /** Whole seconds until the window restarts with the full quota (at least 1). */
  resetSeconds: number;
}

/**
 * Counts units per (policy, partition key). Implementations:
 * - MUST count atomically: of concurrent takes that together exceed the quota, the excess MUST
 *   be refused;
 * - MUST answer an over-budget take with `allowed: false`, never by throwing; MAY throw when
 *   their store fails (the caller then decides whether to let the request through);
 * - MUST treat two policies with different names as independent budgets;
 * - MAY forget a key once its window has passed (memory stays bounded by active keys).
 */
export interface RateLimiter {
  take(policy: RatePolicy, key: string, units?: number): Promise<RateDecision>;
}

/** Builds one rate-limiter-flexible limiter for a policy (in memory, PostgreSQL, …). */
export type LimiterFactory = (opts: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract;

export const memoryLimiterFactory: LimiterFactory = (opts) => new RateLimiterMemory(opts);

/**
 * A RateLimiter over rate-limiter-flexible: per policy, a window of `quota` points that starts
 * with the key's first request and refills in full `windowSeconds` later (the library's
 * "enhanced fixed window").
 */
export class FlexibleRateLimiter implements RateLimiter {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(private readonly factory: LimiterFactory = memoryLimiterFactory) {}

  async take(policy: RatePolicy, key: string, units = 1): Promise<RateDecision> {
    const id = `${policy.name}:${policy.quota}:${policy.windowSeconds}`;
    let limiter = this.limiters.get(id);
    if (limiter === undefined) {
      limiter = this.factory({ keyPrefix: `cl-${policy.name}`, points: policy.quota, duration: policy.windowSeconds });
      this.limiters.set(id, limiter);
    }
    try {
      const r = await limiter.consume(key, units);
      return { allowed: true, remaining: Math.max(0, r.remainingPoints), resetSeconds: seconds(r.msBeforeNext, policy) };
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      return { allowed: false, remaining: 0, resetSeconds: seconds(e.msBeforeNext, policy) };
    }
  }
}

function seconds(ms: number, policy: RatePolicy): number {
  if (!Number.isFinite(ms) || ms < 0) return policy.windowSeconds;
  return Math.min(policy.windowSeconds, Math.max(1, Math.ceil(ms / 1000)));
}
