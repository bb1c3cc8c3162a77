/**
 * The hash-only deposit, `POST /v1/deposits` with a JSON body and a bearer key, answered beside
 * express: the service's busiest request, and the one where express's per-request machinery
 * (request/response prototypes, routing through every layer, the middleware chain, body-parser,
 * res.json) costs more CPU than the deposit itself (docs/PERFORMANCE.md, part (d)).
 *
 * The answer is the one express gives, header for header: X-Request-Id, helmet's headers (recorded
 * once, security.ts), Cache-Control: no-store, RateLimit-Policy/RateLimit from the same limiter and
 * budget ('write'), Location and the deposit view; the same access-log line and metrics; the same
 * order of checks (rate limit, key, body, validation, Idempotency-Key). Every error is handed to the
 * app's own error handler (problem+json), on the request and response turned into express's.
 *
 * Only the common case takes this path; anything else goes to express untouched, before a byte
 * of the body is read: another method or path (a trailing slash, a query), multipart, a
 * Content-Type other than `application/json` (optionally `; charset=utf-8`), a Content-Encoding,
 * chunked framing or no Content-Length, a body over the limit, no or a malformed Authorization
 * header (cookie sessions), X-Forwarded-For behind a trusted proxy.
 *
 * createApp mounts nothing else that acts on POST /v1/deposits before its route; a middleware
 * added there must be added here too (test/e2e/fast-deposit.test.ts compares both paths).
 */
import { StringDecoder } from 'node:string_decoder';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express, Request, Response } from 'express';
import type { Accounts } from '../../app/accounts.js';
import type { Deposits, DepositInput } from '../../app/deposits.js';
import type { AccountRecord } from '../../app/ports.js';
import { LogError } from '../../core/errors.js';
import type { RateLimiter, RatePolicy } from '../limits/rate-limiter.js';
import { findProtoKey } from './json.js';
import { bearerBucket, budgetPolicies, clientKey, policyField, rateField, refusalDetail, refuseEarly, type Applied, type LimitsConfig } from './limits.js';
import { requestIdOf, watchResponse, type ObservabilityDeps } from './observability.js';
import { errorHandler, parseWith, sendProblem } from './problem.js';
import * as S from './schemas.js';
import { securityHeaderList } from './security.js';

export interface FastDepositDeps {
  accounts: Accounts;
  deposits: Deposits;
  limits?: { limiter: RateLimiter; config: LimitsConfig };
  observability?: ObservabilityDeps;
  https?: boolean;
  trustProxy?: boolean | number | string;
  log: (msg: string, err?: unknown, fields?: { reqId?: string }) => void;
}

/** The JSON body limit of a single deposit (app.ts's SINGLE_BODY_LIMIT, '256kb'). */
export const SINGLE_BODY_BYTES = 256 * 1024;

const ROUTE = '/v1/deposits';
const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;
const LOWER_HEX64 = /^[0-9a-f]{64}$/;
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * The bearer secret when express's route would see exactly this request as a hash-only JSON
 * deposit with a bearer key; undefined: express serves it.
 */
function eligible(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (req.method !== 'POST' || req.url !== ROUTE) return undefined;
  const h = req.headers;
  const type = h['content-type'];
  if (type === undefined || !(type === 'application/json' || JSON_TYPES.has(type.toLowerCase()))) return undefined;
  if (h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined) return undefined;
  if (!(Number(h['content-length']) <= SINGLE_BODY_BYTES)) return undefined;
  if (trustProxy && h['x-forwarded-for'] !== undefined) return undefined;
  const auth = h.authorization;
  return auth === undefined ? undefined : BEARER.exec(auth)?.[1];
}

/** The limiter's per-IP key of a connection, worked out once per connection (its address never changes). */
const CLIENT_KEY = Symbol('clientKey');
function connectionKey(req: IncomingMessage): string {
  const socket = req.socket as IncomingMessage['socket'] & { [CLIENT_KEY]?: string };
  return (socket[CLIENT_KEY] ??= 'ip:' + clientKey(socket.remoteAddress));
}

/** Failures of the body read, named as body-parser names them (the error handler maps them). */
class BodyError extends Error {
  constructor(readonly type: 'request.aborted' | 'entity.parse.failed') {
    super(type);
  }
}

/** The body as body-parser's strict JSON parser gives it: UTF-8 (a BOM dropped), `{}` when empty. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // A client gone while the limiter or the key lookup ran: 'close' has fired already.
    if (req.destroyed || req.readableAborted || req.errored) return reject(new BodyError('request.aborted'));
    const chunks: Buffer[] = [];
    let ended = false;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      ended = true;
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let text = new StringDecoder('utf8').end(buf);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) return resolve({});
      // Strict: an object or an array, whatever whitespace comes first.
      const first = text[0] === '{' ? '{' : /^[\x20\x09\x0a\x0d]*(.)/s.exec(text)?.[1];
      if (first !== '{' && first !== '[') return reject(new BodyError('entity.parse.failed'));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BodyError('entity.parse.failed'));
      }
    });
    req.once('error', () => reject(new BodyError('request.aborted')));
    req.once('close', () => {
      if (!ended) reject(new BodyError('request.aborted'));
    });
  });
}

/** The request as DepositRequest parses it; the usual `{"sha256": lowercase hex}` without zod. */
function depositInput(body: unknown): DepositInput {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const keys = Object.keys(body);
    const sha256 = (body as { sha256?: unknown }).sha256;
    if (keys.length === 1 && typeof sha256 === 'string' && LOWER_HEX64.test(sha256)) return { sha256 };
  }
  return parseWith(S.DepositRequest, body);
}

/**
 * The server's request listener: hash-only JSON deposits answered here, everything else by `app`.
 * `app` MUST be createApp's, built from the same deps.
 */
export function withFastDeposit(app: Express, deps: FastDepositDeps): RequestListener {
  const observability = deps.observability ?? {};
  const trustProxy = deps.trustProxy !== undefined && deps.trustProxy !== false;
  const onError = errorHandler(deps.log);
  // Every answer starts with these, after X-Request-Id (requestObserver, helmet, noStore).
  const fixed: string[] = [];
  for (const [name, value] of securityHeaderList({ https: deps.https ?? false })) fixed.push(name, value);
  fixed.push('Cache-Control', 'no-store');
  const limits = deps.limits;
  const policies = limits ? budgetPolicies(limits.config, 'write') : {};
  // RateLimit-Policy names the buckets checked: the IP's alone (refused there), or both.
  const ipOnlyField = policies.ip ? policyField([policies.ip]) : '';
  const checkedField = policyField([policies.ip, policies.key].filter((p) => p !== undefined));

  /** Turns req/res into express's (what app.handle does), for the app's own problem+json rendering. */
  const asExpress = (req: IncomingMessage, res: ServerResponse, id: string, rate: string[]): [Request, Response] => {
    const r = req as Request;
    const s = res as Response;
    (r as { res?: Response }).res = s;
    (s as { req?: Request }).req = r;
    Object.setPrototypeOf(r, app.request);
    Object.setPrototypeOf(s, app.response);
    if (!s.locals) s.locals = Object.create(null) as Response['locals'];
    r.requestId = id;
    if (!s.headersSent) {
      s.setHeader('X-Request-Id', id);
      for (let i = 0; i < fixed.length; i += 2) s.setHeader(fixed[i]!, fixed[i + 1]!);
      for (let i = 0; i < rate.length; i += 2) s.setHeader(rate[i]!, rate[i + 1]!);
    }
    return [r, s];
  };

  /** The rate limiter's answer for this request, as express's rateLimits gives it; undefined: go on. */
  const limit = async (req: IncomingMessage, secret: string, rate: string[]): Promise<{ policy: RatePolicy; refused: Applied; byKey: boolean } | undefined> => {
    if (!limits || (policies.ip === undefined && policies.key === undefined)) return undefined;
    const applied: Applied[] = [];
    try {
      if (policies.ip) applied.push({ policy: policies.ip, decision: await limits.limiter.take(policies.ip, connectionKey(req)) });
      if (policies.key && (applied.length === 0 || applied[0]!.decision.allowed)) {
        applied.push({ policy: policies.key, decision: await limits.limiter.take(policies.key, bearerBucket(secret)) });
      }
    } catch (e) {
      // A failing limiter store must not take the service down with it: let the request through.
      deps.log('rate limiter failed; request let through', e);
      return undefined;
    }
    const ipRefused = policies.ip !== undefined && !applied[0]!.decision.allowed;
    rate.push('RateLimit-Policy', ipRefused ? ipOnlyField : checkedField, 'RateLimit', rateField(applied));
    const refused = applied.find((a) => !a.decision.allowed);
    return refused === undefined ? undefined : { policy: refused.policy, refused, byKey: refused.policy === policies.key };
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, secret: string): Promise<void> => {
    const started = process.hrtime.bigint();
    const id = requestIdOf(req.headers['x-request-id'] as string | undefined);
    let route = ROUTE;
    let account: AccountRecord | undefined;
    watchResponse(observability, req, res, id, started, () => route, () => account?.id);
    const rate: string[] = [];
    try {
      const refusal = await limit(req, secret, rate);
      if (refusal !== undefined) {
        // Refused before routing, as the app-level limiter does: the route is not matched yet.
        route = 'unmatched';
        const [r, s] = asExpress(req, res, id, rate);
        refuseEarly(r, s);
        const { policy, refused } = refusal;
        sendProblem(s, 'rate_limited', refusalDetail('write', policy, refused.decision, refusal.byKey ? 'this API key' : 'this address'), {
          retryAfter: refused.decision.resetSeconds,
          policy: policy.name,
        });
        return;
      }
      account = (await deps.accounts.authenticate(secret)).account;
      const body = await readJson(req);
      const field = findProtoKey(body);
      if (field !== undefined) throw new LogError('invalid_request', `${field}: "__proto__" is not allowed as a member name`, { details: { field } });
      const input = depositInput(body);
      const key = req.headers['idempotency-key'] as string | undefined;
      const idem = key === undefined ? undefined : parseWith(S.IdempotencyKey, key, 'Idempotency-Key');
      const r = await deps.deposits.deposit(account, input, idem);
      const text = JSON.stringify(r.deposit);
      const head = ['X-Request-Id', id, ...fixed];
      for (const x of rate) head.push(x);
      head.push('Location', `/v1/deposits/${r.deposit.id}`, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text)));
      res.writeHead(r.created ? 201 : 200, head);
      res.end(text);
    } catch (e) {
      const [r, s] = asExpress(req, res, id, rate);
      if (account !== undefined) r.account = account;
      onError(e instanceof BodyError ? { type: e.type } : e, r, s, () => undefined);
    }
  };

  const listener: RequestListener = (req, res) => {
    const secret = eligible(req, trustProxy);
    if (secret === undefined) return app(req, res);
    serve(req, res, secret).catch((e: unknown) => {
      // Only the error answer itself can fail here: never an unhandled rejection.
      deps.log('unexpected error', e);
      res.destroy();
    });
  };
  // What walks the served routes (the OpenAPI test) finds the app and its router on the listener.
  return Object.assign(listener, { app, router: app.router });
}
