/**
 * The floors of part (d), in a child process like the service (scripts/bench/server.ts, same IPC
 * protocol): a server that answers `POST /v1/deposits` with a JSON 201 of the deposit view's size
 * and shape (fresh id, the body's sha256, Location) but does no deposit. BENCH_FLOOR picks how:
 *
 * - `node`: bare node:http — read the body, JSON.parse, answer. What the machine and the client
 *   allow at all.
 * - `express`: express 5 with express.json() and the handler: express's own request/response
 *   setup, routing and body parsing.
 * - `stack`: express 5 with the service's middleware stack in front of the handler, built from
 *   src like createApp does: request id + access log (pino at info to /dev/null) + metrics,
 *   helmet and Cache-Control, the /metrics and /readyz router, the rate limiter (budgets far above
 *   the load), the JSON body parser with its "__proto__" check, and the server's connection
 *   limits. No authentication, no validation, no ledger: what the service would cost with a
 *   trivial handler.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { pino } from 'pino';
import { ConfigSchema } from '../../src/config.js';
import { applyConnectionLimits } from '../../src/adapters/http/connections.js';
import { jsonBody } from '../../src/adapters/http/json.js';
import { limitsFromConfig, rateLimits } from '../../src/adapters/http/limits.js';
import { observabilityRoutes, requestObserver } from '../../src/adapters/http/observability.js';
import { errorHandler } from '../../src/adapters/http/problem.js';
import { securityHeaders } from '../../src/adapters/http/security.js';
import { TokenBucketLimiter } from '../../src/adapters/limits/token-bucket.js';
import { createLogger } from '../../src/adapters/logging.js';
import { ServiceMetrics } from '../../src/adapters/metrics.js';
import { emptyStats } from './instrument.js';
import type { FromServer, ToServer } from './server.js';
import type { Floor } from './single.js';

const FLOORS: readonly Floor[] = ['node', 'express', 'stack'];

const send = (m: FromServer) => process.send?.(m);
const mode = process.env.BENCH_FLOOR as Floor;
let answered = 0;

/** A deposit view of the real one's size: 20 random hex id, the client's hash, an ISO time. */
function view(sha256: unknown): string {
  const id = 'dep_' + randomBytes(10).toString('hex');
  const index = answered++;
  return JSON.stringify({ id, index, sha256, receivedAt: new Date().toISOString(), block: index, certificateUrl: `/v1/deposits/${id}/certificate` });
}

function bare(): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/v1/deposits') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { sha256?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sha256?: unknown };
      } catch {
        res.writeHead(400).end();
        return;
      }
      const text = view(body.sha256);
      const id = /"id":"([^"]+)"/.exec(text)![1]!;
      res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Location: `/v1/deposits/${id}` });
      res.end(text);
    });
  });
}

function expressApp(stack: boolean): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (stack) {
    const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: true }));
    const metrics = new ServiceMetrics();
    const observability = { logger, metrics, notReady: () => undefined };
    app.use(requestObserver(observability));
    app.use(securityHeaders({ https: false }));
    app.use(observabilityRoutes(observability));
    const config = ConfigSchema.parse({ RATE_WRITE_PER_IP: '9999999999/1s', RATE_WRITE_PER_KEY: '9999999999/1s' });
    app.use(rateLimits(new TokenBucketLimiter(), limitsFromConfig(config)!));
  }
  const handler = (req: Request, res: Response) => {
    const text = view((req.body as { sha256?: unknown }).sha256);
    const id = /"id":"([^"]+)"/.exec(text)![1]!;
    res.status(201).location(`/v1/deposits/${id}`).type('application/json').send(text);
  };
  app.post('/v1/deposits', stack ? jsonBody('256kb') : express.json({ limit: '256kb' }), handler);
  if (stack) app.use(errorHandler(() => undefined));
  return app;
}

let server: Server | undefined;
const stop = () =>
  new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  }).then(() => send({ type: 'stopped', diskBytes: 0 }));

process.on('disconnect', () => void stop().finally(() => process.exit(0)));
process.on('SIGTERM', () => void stop().finally(() => process.exit(0)));

try {
  if (!(FLOORS as readonly string[]).includes(mode)) throw new Error(`BENCH_FLOOR must be one of ${FLOORS.join(', ')}`);
  const s = mode === 'node' ? bare() : createServer(expressApp(mode === 'stack'));
  server = s;
  s.keepAliveTimeout = 65_000;
  if (mode === 'stack') {
    const c = ConfigSchema.parse({});
    applyConnectionLimits(s, {
      maxUploadBytes: c.MAX_UPLOAD_BYTES,
      minUploadBytesPerSec: c.MIN_UPLOAD_BYTES_PER_SEC,
      bodyIdleMs: c.BODY_IDLE_TIMEOUT_MS,
      headersTimeoutMs: c.HEADERS_TIMEOUT_MS,
      maxConnections: c.MAX_CONNECTIONS,
    });
  }
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (s.address() as AddressInfo).port;
  process.on('message', (m: ToServer) => {
    if (m.cmd === 'stats') send({ type: 'stats', treeSize: answered, height: 0, store: emptyStats(), cpu: process.cpuUsage(), uptime: process.uptime() });
    else if (m.cmd === 'stop')
      void stop().finally(() => {
        process.disconnect?.();
        process.exit(0);
      });
  });
  send({ type: 'ready', url: `http://127.0.0.1:${port}`, apiKey: 'floor', pid: process.pid });
} catch (e) {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
