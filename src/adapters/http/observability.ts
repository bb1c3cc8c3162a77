/**
 * Request ids, the access log and HTTP metrics (docs/OBSERVABILITY.md), plus the /metrics and
 * /readyz routes.
 *
 * Every request gets an id: a sane incoming `X-Request-Id` (1–64 of [A-Za-z0-9._-]) is kept,
 * anything else is replaced by a fresh UUID; the response always carries it. When the response
 * ends (or the connection drops), one access-log line is written: method, route pattern (never
 * the raw URL or its query), status, duration, request id and the authenticated account id.
 * Nothing else about the request is logged: no keys, bodies, names or e-mail addresses.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../logging.js';
import type { ServiceMetrics } from '../metrics.js';
import { sendProblem } from './problem.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id (X-Request-Id). */
    requestId?: string;
  }
}

export interface ObservabilityDeps {
  /** Where access-log lines go (level info); none: no access log. */
  logger?: Logger;
  metrics?: ServiceMetrics;
  /** Why the service is not ready, or undefined when it is (GET /readyz). */
  notReady?: () => string | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The matched route pattern (e.g. `/v1/deposits/:id`), `unmatched` when no route matched. */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

/** The request's id: a sane incoming X-Request-Id, else a fresh UUID. */
export function requestIdOf(incoming: string | undefined): string {
  return incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Writes the access-log line and the HTTP metrics of one request when its response ends or its
 * connection drops. `route` names the route pattern then; `account` the authenticated account.
 */
export function watchResponse(
  deps: ObservabilityDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  started: bigint,
  route: () => string,
  account: () => string | undefined,
): void {
  if (deps.metrics === undefined && deps.logger === undefined) return;
  let done = false;
  const end = (aborted: boolean) => {
    if (done) return;
    done = true;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const r = route();
    const status = res.statusCode;
    const method = req.method ?? '';
    deps.metrics?.observeRequest({ method, route: r, status, seconds });
    if (deps.logger === undefined) return;
    const who = account();
    deps.logger.info(
      {
        reqId: id,
        method,
        route: r,
        status,
        ms: Math.round(seconds * 1e6) / 1e3,
        ...(who !== undefined ? { account: who } : {}),
        ...(aborted ? { aborted: true } : {}),
      },
      'request',
    );
  };
  res.once('finish', () => end(false));
  res.once('close', () => end(!res.writableFinished));
}

/** The first middleware: request id, access log line and HTTP metrics. */
export function requestObserver(deps: ObservabilityDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const id = requestIdOf(req.get('x-request-id'));
    req.requestId = id;
    res.setHeader('X-Request-Id', id);
    watchResponse(deps, req, res, id, started, () => routeOf(req), () => req.account?.id);
    next();
  };
}

/** GET /metrics (Prometheus text) and GET /readyz. */
export function observabilityRoutes(deps: ObservabilityDeps): express.Router {
  const r = express.Router();
  if (deps.metrics) {
    const metrics = deps.metrics;
    r.get('/metrics', async (_req, res) => {
      const { contentType, text } = await metrics.render();
      res.setHeader('Cache-Control', 'no-store');
      res.type(contentType).send(text);
    });
  }
  r.get('/readyz', (_req, res) => {
    const why = deps.notReady?.();
    res.setHeader('Cache-Control', 'no-store');
    if (why !== undefined) return sendProblem(res, 'overloaded', `not ready: ${why}`, { retryAfter: 5 });
    res.json({ status: 'ready' });
  });
  return r;
}
