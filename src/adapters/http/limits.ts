/**
 * Request rate limits (docs/LIMITS.md). Every request but the health and metrics probes is put
 * into one budget — sign-up, sign-in, TSA, verify, upload, capture, write or read — and takes one unit from that
 * budget's per-IP bucket and, when it carries `Authorization: Bearer …`, from its per-key bucket
 * too (keyed by a hash of the presented token; the limiter never authenticates a key), or, when
 * it carries a live session cookie, from the per-key-sized bucket of its account. Over budget:
 * 429 `rate_limited` with Retry-After, before the body is read. Every limited response carries
 * the draft-ietf-httpapi-ratelimit-headers fields `RateLimit-Policy` and `RateLimit`.
 */
import { hash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config.js';
import type { UploadConfig } from './upload-routes.js';
import type { RateDecision, RateLimiter, RatePolicy } from '../limits/rate-limiter.js';
import { LogError } from '../../core/errors.js';
import { sendProblem } from './problem.js';
import { presentedCredential, requestSession, sessionAuthOf } from './auth.js';

export const BUDGETS = ['signup', 'signin', 'tsa', 'verify', 'upload', 'capture', 'write', 'read'] as const;
export type Budget = (typeof BUDGETS)[number];

type Rate = { quota: number; windowSeconds: number } | null;

export interface LimitsConfig {
  /** Per budget: the per-IP and per-key bucket sizes (null: that bucket is not limited). */
  budgets: Record<Budget, { ip: Rate; key: Rate }>;
}

/** Probes that are never limited (monitoring must work while a client is being throttled). */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
export const RATE_LIMIT_EXEMPT: ReadonlySet<string> = EXEMPT;

/** The budgets of the environment, or undefined when RATE_LIMITS=false. */
export function limitsFromConfig(config: Config): LimitsConfig | undefined {
  if (!config.RATE_LIMITS) return undefined;
  return {
    budgets: {
      signup: { ip: config.RATE_SIGNUP_PER_IP, key: config.RATE_SIGNUP_PER_KEY },
      signin: { ip: config.RATE_SIGNIN_PER_IP, key: config.RATE_SIGNIN_PER_KEY },
      tsa: { ip: config.RATE_TSA_PER_IP, key: config.RATE_TSA_PER_KEY },
      verify: { ip: config.RATE_VERIFY_PER_IP, key: config.RATE_VERIFY_PER_KEY },
      upload: { ip: config.RATE_UPLOAD_PER_IP, key: config.RATE_UPLOAD_PER_KEY },
      capture: { ip: config.RATE_CAPTURE_PER_IP, key: config.RATE_CAPTURE_PER_KEY },
      write: { ip: config.RATE_WRITE_PER_IP, key: config.RATE_WRITE_PER_KEY },
      read: { ip: config.RATE_READ_PER_IP, key: config.RATE_READ_PER_KEY },
    },
  };
}

/** The budget a request draws on, or undefined for an exempt probe. Paths compare as express routes them (case-insensitive, trailing slash ignored). */
export function budgetOf(req: Request): Budget | undefined {
  const path = req.path.toLowerCase().replace(/\/+$/, '') || '/';
  if (EXEMPT.has(path)) return undefined;
  const method = req.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'read';
  if (method === 'POST') {
    if (path === '/v1/accounts') return 'signup';
    if (path === '/v1/session') return 'signin';
    if (path === '/v1/tsa') return 'tsa';
    if (path === '/v1/verify') return 'verify';
    // Reading many certificates at once is a read (charged per id: chargeMore).
    if (path === '/v1/certificates') return 'read';
    if (path === '/v1/deposits' && req.is('multipart/form-data')) return 'upload';
    if (path === '/v1/captures') return 'capture';
    // Opening a case (or capturing its page again) runs a web capture too.
    if (path === '/v1/cases' || /^\/v1\/cases\/[^/]+\/recapture$/.test(path)) return 'capture';
    // A match may open a case, and a monitoring batch captures its URL items: both start web captures.
    if (path === '/v1/matches' || path === '/v1/monitor/batch') return 'capture';
  }
  return 'write';
}

/**
 * The client address a bucket is keyed by: `req.ip` (the socket address, or X-Forwarded-For as
 * far as TRUST_PROXY trusts it). IPv4-mapped IPv6 counts as IPv4; other IPv6 addresses count by
 * their /64 prefix, the block one subscriber usually holds.
 */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return expandIPv6(ip).slice(0, 4).join(':') + '::/64';
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('%')[0]!.split('::') as [string, string | undefined];
  const parts = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':'));
  const left = parts(head);
  const right = parts(tail);
  const fill = tail === undefined ? [] : new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...fill, ...right].map((h) => (h.includes('.') ? h : h.toLowerCase().replace(/^0+(?=.)/, '')));
}

/** The per-key bucket of a bearer token: a hash of it, never the token. */
export function bearerBucket(secret: string): string {
  return 'key:' + hash('sha256', secret, 'base64url').slice(0, 22);
}

/**
 * The per-key bucket of a request, read with auth.ts's parser: a bearer key's is keyed by a hash
 * of the token (tokens never sit in the limiter's store; the key is not authenticated here), a
 * session's by its account (the session is read once and shared with the route). Undefined: no
 * credential, a malformed header, or a cookie that names no live session.
 */
async function credentialBucket(req: Request): Promise<string | undefined> {
  const c = presentedCredential(req);
  if (c?.kind === 'bearer') return c.secret === undefined ? undefined : bearerBucket(c.secret);
  const auth = c?.kind === 'session' ? sessionAuthOf(req) : undefined;
  if (auth === undefined || c?.kind !== 'session') return undefined;
  const session = await requestSession(req, auth.sessions, c.token).catch(() => undefined);
  return session === undefined ? undefined : 'account:' + session.account.id;
}

/** Bodies above this are not worth reading after a refusal: the connection is closed instead. */
const DRAIN_LIMIT = 1 << 20;

/** Answers a refusal before its body is read; a large body is not drained but its connection closed. */
export function refuseEarly(req: Request, res: Response): void {
  const length = Number(req.get('content-length') ?? NaN);
  if (req.get('transfer-encoding') !== undefined || !(length <= DRAIN_LIMIT)) res.setHeader('Connection', 'close');
}

const CHARGED = Symbol('rateCharged');

/**
 * Takes `units` more from every bucket the limiter charged this request (for a request whose cost
 * is known only once its body is read, e.g. one unit per started 100 ids). Over budget: throws
 * LogError('rate_limited') with Retry-After; the units already taken stay taken. A no-op when
 * nothing limited the request (RATE_LIMITS=false, an unlimited budget).
 */
export async function chargeMore(req: Request, units: number): Promise<void> {
  const charged = (req as Request & { [CHARGED]?: Charged })[CHARGED];
  if (charged === undefined || units <= 0) return;
  const cannot = charged.checks.find((c) => units + 1 > c.policy.quota);
  if (cannot !== undefined) {
    throw new LogError('invalid_request', `this request costs ${units + 1} units of ${cannot.policy.name}, more than its whole budget (${cannot.policy.quota} per ${cannot.policy.windowSeconds} s): send fewer items per request`);
  }
  // The caller's own buckets first: a refusal there leaves the address's shared bucket untouched.
  const ordered = [...charged.checks.filter((c) => !c.key.startsWith('ip:')), ...charged.checks.filter((c) => c.key.startsWith('ip:'))];
  for (const c of ordered) {
    const decision = await charged.limiter.take(c.policy, c.key, units);
    if (!decision.allowed) {
      throw new LogError('rate_limited', `too many ${charged.budget} requests: this one costs ${units + 1} units of ${c.policy.name} (at most ${c.policy.quota} per ${c.policy.windowSeconds} s); retry in ${decision.resetSeconds} s`, {
        details: { retryAfter: decision.resetSeconds, policy: c.policy.name },
      });
    }
  }
}

interface Charged {
  limiter: RateLimiter;
  budget: Budget;
  checks: { policy: RatePolicy; key: string }[];
}

export interface Applied {
  policy: RatePolicy;
  decision: RateDecision;
}

const item = (name: string) => `"${name}"`;

/** The `RateLimit-Policy` field naming the buckets a request was checked against. */
export const policyField = (policies: readonly RatePolicy[]): string => policies.map((p) => `${item(p.name)};q=${p.quota};w=${p.windowSeconds}`).join(', ');

/** The `RateLimit` field: what is left in each bucket taken from. */
export const rateField = (applied: readonly Applied[]): string => applied.map((a) => `${item(a.policy.name)};r=${a.decision.remaining};t=${a.decision.resetSeconds}`).join(', ');

/** The detail of a 429 answer. `who`: the bucket's owner ('this address', 'this API key', 'this account'). */
export const refusalDetail = (budget: Budget, p: RatePolicy, decision: RateDecision, who: string): string =>
  `too many ${budget} requests from ${who}: at most ${p.quota} per ${p.windowSeconds} s; retry in ${decision.resetSeconds} s`;

/** The per-IP and per-key policies of `budget` (undefined: that bucket is not limited). */
export function budgetPolicies(config: LimitsConfig, budget: Budget): { ip?: RatePolicy; key?: RatePolicy } {
  const of = (scope: 'ip' | 'key') => {
    const rate = config.budgets[budget][scope];
    return rate === null ? undefined : { name: `${budget}-${scope}`, ...rate };
  };
  const ip = of('ip');
  const key = of('key');
  return { ...(ip ? { ip } : {}), ...(key ? { key } : {}) };
}

/** The limiting middleware; mount it before any body parser. */
export function rateLimits(limiter: RateLimiter, config: LimitsConfig, log: (msg: string, err?: unknown) => void = () => undefined): RequestHandler {
  const policies = new Map<string, RatePolicy>();
  const policy = (budget: Budget, scope: 'ip' | 'key'): RatePolicy | undefined => {
    const rate = config.budgets[budget][scope];
    if (rate === null) return undefined;
    const name = `${budget}-${scope}`;
    let p = policies.get(name);
    if (p === undefined) policies.set(name, (p = { name, ...rate }));
    return p;
  };

  return (req: Request, res: Response, next: NextFunction) => {
    const budget = budgetOf(req);
    if (budget === undefined) return next();
    const checks: { policy: RatePolicy; key: string }[] = [];
    const ipPolicy = policy(budget, 'ip');
    if (ipPolicy) checks.push({ policy: ipPolicy, key: 'ip:' + clientKey(req.ip) });
    const keyPolicy = policy(budget, 'key');
    const credential = presentedCredential(req);
    if (checks.length === 0 && (keyPolicy === undefined || credential === undefined)) return next();

    void (async () => {
      const applied: Applied[] = [];
      const take = async (c: { policy: RatePolicy; key: string }) => {
        const decision = await limiter.take(c.policy, c.key);
        applied.push({ policy: c.policy, decision });
        return decision.allowed;
      };
      // The per-IP bucket first: a refused request takes nothing from the key's bucket, and reads no session.
      if (checks.length > 0 && !(await take(checks[0]!))) return applied;
      const bucket = keyPolicy === undefined || credential === undefined ? undefined : await credentialBucket(req);
      if (keyPolicy !== undefined && bucket !== undefined) {
        checks.push({ policy: keyPolicy, key: bucket });
        await take(checks[checks.length - 1]!);
      }
      return applied;
    })().then(
      (applied) => {
        if (checks.length === 0) return next();
        res.setHeader('RateLimit-Policy', policyField(checks.map((c) => c.policy)));
        res.setHeader('RateLimit', rateField(applied));
        const refused = applied.find((a) => !a.decision.allowed);
        if (refused === undefined) {
          (req as Request & { [CHARGED]?: Charged })[CHARGED] = { limiter, budget, checks };
          return next();
        }
        const { policy: p, decision } = refused;
        const who = p.name.endsWith('-ip') ? 'this address' : checks.some((c) => c.key.startsWith('account:')) ? 'this account' : 'this API key';
        refuseEarly(req, res);
        sendProblem(res, 'rate_limited', refusalDetail(budget, p, decision, who), {
          retryAfter: decision.resetSeconds,
          policy: p.name,
        });
      },
      (e: unknown) => {
        // A failing limiter store must not take the service down with it: let the request through.
        log('rate limiter failed; request let through', e);
        next();
      },
    );
  };
}

/** GET /v1/accounts/me/usage: the caller's kept originals against its storage quota. The caller authenticated. */
export function storageUsage(uploads: UploadConfig | undefined): RequestHandler {
  return async (req, res) => {
    const account = req.account!;
    const quota = uploads?.keep ? uploads.quota : undefined;
    const storage = quota
      ? { keepUploads: true, ...(await quota.usage(account.id)) }
      : { keepUploads: uploads?.keep ?? false, usedBytes: 0, quotaBytes: null, availableBytes: null, reservedBytes: 0 };
    res.json({ account: account.id, storage });
  };
}
