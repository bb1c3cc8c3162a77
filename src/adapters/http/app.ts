/**
 * The HTTP API (contract §2.3–§6) on express 5. Routes stay thin: parse with zod, call one use
 * case, render. Express 5 forwards rejected promises to the error handler.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { toBase64, toHex } from '../../core/bytes.js';
import type { VerifyOptions } from '../../core/certificate.js';
import { verifyAnyCertificate } from '../../core/registration.js';
import { withOwnBlockCheck } from '../../app/own-block.js';
import { pinnedResult } from '../../core/trust.js';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { Deposits } from '../../app/deposits.js';
import type { Ledger } from '../../app/log.js';
import type { AccountRecord, BlockRecord } from '../../app/ports.js';
import { accountRoutes } from './accounts.js';
import { authenticate, installSessionAuth } from './auth.js';
import type { Sessions } from '../../app/sessions.js';
import { sessionRoutes } from './sessions.js';
import { jsonBody } from './json.js';
import { parseBatchRequest } from './batch-request.js';
import type { PdfInput } from './pdf.js';
import { buildOpenApi } from './openapi.js';
import { errorHandler, parseWith, sendProblem } from './problem.js';
import * as S from './schemas.js';
import { uploadRoutes, type UploadConfig } from './upload-routes.js';
import { registrationRoutes, type RegistrationHttpDeps } from './registrations.js';
import { organisationRoutes } from './organisations.js';
import { portalDataRoutes } from './portal-data.js';
import { chainOfTitleRoutes } from './chain-of-title.js';
import { licenceRoutes } from './licences.js';
import type { OperationHttpDeps } from './operation-routes.js';
import { pledgeRoutes } from './pledges.js';
import { transferRoutes } from './transfers.js';
import { timestampRoutes, type TimestampHttpDeps } from './timestamps.js';
import { rateLimits, storageUsage, type LimitsConfig } from './limits.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { observabilityRoutes, requestObserver, type ObservabilityDeps } from './observability.js';
import { securityHeaders } from './security.js';
import type { WorkerPool } from '../workers/pool.js';
import { archiveRoutes } from './archive-routes.js';
import { enforcementRoutes, type EnforcementHttpDeps } from './enforcement/routes.js';
import { downloadRoutes } from './downloads.js';
import { portalRoutes } from '../web/portal/server.js';
import { captureRoutes, type CaptureHttpDeps } from './captures.js';
import { certificateRoutes } from './certificates.js';
import type { LedgerStore } from '../../app/ports.js';
import { tileRoutes } from './tiles.js';
import { withFastDeposit } from './fast-deposit.js';
import type { RequestListener } from 'node:http';

export interface HttpDeps {
  ledger: Ledger;
  accounts: Accounts;
  deposits: Deposits;
  sha256: (...parts: Uint8Array[]) => Uint8Array;
  log?: (msg: string, err?: unknown) => void;
  /** Uploads, PDF certificates and the verify page; without it multipart deposits answer 415. */
  uploads?: UploadConfig;
  /** Registration, review, registry, statistics and organisation routes (registrations.ts, organisations.ts). */
  registration?: Omit<RegistrationHttpDeps, 'accounts'>;
  /** Licence, transfer, pledge and chain-of-title routes (licences.ts, transfers.ts, pledges.ts, chain-of-title.ts). */
  operation?: Omit<OperationHttpDeps, 'accounts'>;
  /** Trusted time (timestamps.ts): block timestamps, the built-in TSA, and the TSA certificates POST /v1/verify pins. */
  timestamps?: Omit<TimestampHttpDeps, 'ledger'> & { trusted: readonly Uint8Array[] };
  /** Request rate limits (limits.ts, docs/LIMITS.md); without it nothing is limited. */
  limits?: { limiter: RateLimiter; config: LimitsConfig };
  /** Express 'trust proxy' (TRUST_PROXY): whose X-Forwarded-For names the client. */
  trustProxy?: boolean | number | string;
  /** Request ids, access log, metrics and /readyz (observability.ts). */
  observability?: ObservabilityDeps;
  /** The service is reached over https (PUBLIC_URL): send HSTS. */
  https?: boolean;
  /** Worker threads for POST /v1/verify and PDF rendering (workers/pool.ts); absent: both run on the event loop. */
  workers?: WorkerPool;
  /** The log's key history and the registry listing exporters read (archive-routes.ts). */
  archive?: { store: Pick<LedgerStore, 'listRecords'> };
  /** PEM certificate (chain) that signs PDF certificates, served at GET /v1/pdf/signing-cert. */
  pdfSigningCert?: string;
  /** Password sign-in and session cookies (sessions.ts, auth.ts); `publicOrigin`: PUBLIC_URL's origin. Without it only bearer keys authenticate. */
  sessions?: { sessions: Sessions; publicOrigin?: string };
  /** Matches, monitoring and cases (enforcement/, docs/ENFORCEMENT.md). */
  enforcement?: EnforcementHttpDeps;
  /** Web captures (captures.ts, docs/CAPTURE.md). */
  captures?: Omit<CaptureHttpDeps, 'accounts'>;
  /** The store's C2SP tiles, served at /checkpoint and /tile/… (tiles.ts, docs/TILES.md). */
  tiles?: Pick<LedgerStore, 'getTile' | 'getEntryBundle'>;
}

const SINGLE_BODY_LIMIT = '256kb';
const BATCH_BODY_LIMIT = '32mb';

export function createApp(deps: HttpDeps) {
  const { ledger, accounts, deposits } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy ?? false);
  if (deps.sessions) installSessionAuth(app, { ...deps.sessions, secure: deps.https ?? false });
  app.use(requestObserver(deps.observability ?? {}));
  app.use(securityHeaders({ https: deps.https ?? false }));
  app.use(observabilityRoutes(deps.observability ?? {}));
  if (deps.limits) app.use(rateLimits(deps.limits.limiter, deps.limits.config, deps.log));

  const jsonSmall = jsonBody(SINGLE_BODY_LIMIT);
  const jsonBatch = jsonBody(BATCH_BODY_LIMIT);

  const requireJson = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is('application/json')) throw new LogError('unsupported_media_type', 'send application/json');
    next();
  };

  const auth = authenticate(accounts);

  const me = (req: Request): AccountRecord => req.account!;
  // One verifier for POST /v1/verify, JSON or multipart: the log's key and the pinned TSA certificates.
  // The answer names the pinned key (the log's own, of its key history) and its fingerprint.
  const verify = async (certificate: unknown, file?: NonNullable<VerifyOptions['file']>) => {
    const trust = { verifierKey: ledger.keyNamed((certificate as { logKey?: unknown } | null)?.logKey), tsaCertificates: deps.timestamps?.trusted ?? [], ...(file ? { file } : {}) };
    const result = deps.workers ? await deps.workers.verify(certificate, trust) : verifyAnyCertificate(certificate, { ...trust, sha256: deps.sha256 });
    // Valid only when the checkpoint is this log's own stored block at its height (one store read).
    return pinnedResult(await withOwnBlockCheck(result, certificate, (h) => ledger.block(h)), trust.verifierKey, deps.sha256);
  };
  const renderPdf = deps.workers ? (input: PdfInput) => deps.workers!.certificatePdf(input) : undefined;
  const uploads = deps.uploads ? uploadRoutes({ ledger, deposits, sha256: deps.sha256, config: deps.uploads, verify, ...(renderPdf ? { renderPdf } : {}) }) : undefined;
  const query = (req: Request) => req.query as Record<string, unknown>;
  /** An account's id and display name, as PDF certificates print them. */
  const accountLabel = async (id: string) => {
    const name = (await accounts.get(id))?.name;
    return { id, ...(name !== undefined ? { name } : {}) };
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', treeSize: Number(ledger.treeSize), height: Number(ledger.latestBlock.height), backlog: ledger.backlog, sequencer: ledger.sequencer });
  });

  const openapi = buildOpenApi();
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  // §2.3 public log endpoints
  app.get('/v1/log/checkpoint', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(ledger.latestBlock.checkpoint);
  });
  app.get('/v1/log/key', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(ledger.verifierKey + '\n');
  });
  app.get('/v1/log/entries/:index', async (req, res) => {
    const index = parseWith(S.Decimal, req.params.index, 'index');
    const bytes = await ledger.entry(index);
    if (bytes === undefined) throw new LogError('not_found', `no entry ${index}: the tree has ${ledger.treeSize}`);
    res.json({ index: Number(index), entry: toBase64(bytes), leafHash: toHex(ledger.hasher.hashLeaf(bytes)) });
  });
  app.get('/v1/log/entries', async (req, res) => {
    const q = parseWith(S.EntriesQuery, query(req));
    const size = ledger.treeSize;
    if (q.start >= size) throw new LogError('not_found', `no entry ${q.start}: the tree has ${size}`);
    const count = Number(size - q.start < BigInt(q.count) ? size - q.start : BigInt(q.count));
    const entries = await ledger.entries(q.start, count);
    res.json({
      start: Number(q.start),
      entries: entries.map((b, i) => ({ index: Number(q.start) + i, entry: toBase64(b), leafHash: toHex(ledger.hasher.hashLeaf(b)) })),
    });
  });
  app.get('/v1/log/proof/inclusion', async (req, res) => {
    const q = parseWith(S.InclusionQuery, query(req));
    const treeSize = q.treeSize ?? ledger.latestBlock.treeSize;
    const p = await ledger.inclusionProof(q.index, treeSize);
    res.json({ index: Number(q.index), treeSize: Number(treeSize), leafHash: toHex(p.leafHash), hashes: p.hashes.map(toHex) });
  });
  app.get('/v1/log/proof/consistency', async (req, res) => {
    const q = parseWith(S.ConsistencyQuery, query(req));
    const hashes = await ledger.consistencyProof(q.from, q.to);
    res.json({ from: Number(q.from), to: Number(q.to), hashes: hashes.map(toHex) });
  });
  app.get('/v1/blocks/latest', (_req, res) => {
    res.json(blockView(ledger.latestBlock));
  });
  app.get('/v1/blocks/:height', async (req, res) => {
    const height = parseWith(S.Decimal, req.params.height, 'height');
    const block = await ledger.block(height);
    if (!block) throw new LogError('not_found', `no block ${height}: the latest is ${ledger.latestBlock.height}`);
    res.json(blockView(block));
  });

  // §3 accounts and keys (accounts.ts)
  app.use(accountRoutes({ accounts, ...(deps.sessions ? { sessions: deps.sessions.sessions } : {}) }));
  if (deps.sessions) app.use(sessionRoutes({ accounts, sessions: deps.sessions.sessions }));
  app.use(portalDataRoutes({ accounts, deposits, ...(deps.registration ? { stats: deps.registration.stats } : {}) }));

  // §4 deposits (hash-only JSON deposits with a bearer key are answered by fast-deposit.ts in
  // front of the app: a middleware that acts on POST /v1/deposits must be added there too)
  app.post('/v1/deposits/batch', auth, requireJson, jsonBatch, async (req, res) => {
    const body = parseBatchRequest(req.body);
    const results = await deposits.depositBatch(me(req), body.items);
    res.status(201).json({ deposits: results.map((r) => r.deposit) });
  });
  app.post('/v1/deposits', auth, async (req, res, next) => {
    if (req.is('multipart/form-data')) {
      if (uploads) return uploads.deposit(req, res);
      throw new LogError('unsupported_media_type', 'file upload is not enabled on this server; deposit the hash with application/json');
    }
    if (!req.is('application/json')) throw new LogError('unsupported_media_type', 'send application/json (hash only) or multipart/form-data (upload)');
    jsonSmall(req, res, next);
  }, async (req, res) => {
    const body = parseWith(S.DepositRequest, req.body);
    const key = req.get('idempotency-key');
    const idem = key === undefined ? undefined : parseWith(S.IdempotencyKey, key, 'Idempotency-Key');
    const r = await deposits.deposit(me(req), body, idem);
    res.status(r.created ? 201 : 200).location(`/v1/deposits/${r.deposit.id}`).json(r.deposit);
  });
  app.get('/v1/deposits', async (req, res) => {
    const q = parseWith(S.DepositLookupQuery, query(req));
    res.json({ sha256: q.sha256, deposits: await deposits.bySha256(q.sha256) });
  });
  app.get('/v1/deposits/:id', auth, async (req, res) => {
    const id = parseWith(S.DepositId, req.params.id, 'id');
    res.json(await deposits.get(id, me(req)));
  });
  app.get('/v1/deposits/:id/certificate', auth, async (req, res) => {
    const id = parseWith(S.DepositId, req.params.id, 'id');
    if (req.accepts(['application/json', 'application/pdf']) === 'application/pdf') {
      const cert = await deposits.certificate(id, me(req));
      if (uploads) return uploads.certificatePdf(req, res, cert, await accountLabel(await deposits.depositor(id)));
      throw new LogError('unsupported_media_type', 'PDF certificates are not available on this server; ask for application/json');
    }
    // The JSON text (cached while it cannot change: app/certificates.ts), sent as res.json would.
    const text = await deposits.certificateJson(id, me(req));
    res.setHeader('Content-Disposition', `attachment; filename="${id}.certificate.json"`);
    res.set('Content-Type', 'application/json').send(text);
  });
  app.use(certificateRoutes({ accounts, deposits }));

  app.post('/v1/verify', async (req, res, next) => {
    if (uploads && req.is('multipart/form-data')) return uploads.verify(req, res);
    next();
  }, requireJson, jsonSmall, async (req, res) => {
    res.json(await verify(req.body));
  });

  if (uploads) app.get('/verify', (req, res) => uploads.verifyPage(req, res, deps.timestamps?.trusted));
  if (uploads) app.get('/verify/:id', (req, res) => uploads.verifyPage(req, res, deps.timestamps?.trusted));
  if (deps.pdfSigningCert !== undefined) {
    const pem = deps.pdfSigningCert;
    app.get('/v1/pdf/signing-cert', (_req, res) => {
      res.type('application/pem-certificate-chain').send(pem);
    });
  }

  if (deps.registration) app.use(registrationRoutes({ ...deps.registration, accounts }));
  if (deps.registration) app.use(organisationRoutes({ organisations: deps.registration.organisations, accounts }));
  if (deps.timestamps) app.use(timestampRoutes({ ...deps.timestamps, ledger }));
  app.get('/v1/accounts/me/usage', auth, storageUsage(deps.uploads));
  if (deps.archive) app.use(archiveRoutes({ ledger, store: deps.archive.store }));
  if (deps.operation) {
    const operation = { ...deps.operation, accounts };
    app.use(licenceRoutes(operation), transferRoutes(operation), pledgeRoutes(operation), chainOfTitleRoutes(operation));
  }
  if (deps.captures) app.use(captureRoutes({ ...deps.captures, accounts }));
  if (deps.enforcement) app.use(enforcementRoutes({ ...deps.enforcement, accounts }));
  if (deps.tiles) app.use(tileRoutes({ ledger, store: deps.tiles, sha256: deps.sha256 }));
  app.use(downloadRoutes());
  app.use(portalRoutes());

  app.use((req, res) => sendProblem(res, 'not_found', `no route for ${req.method} ${req.path}`));
  app.use(errorHandler(deps.log ?? ((m, e) => console.error(m, e))));
  return app;
}

/**
 * What the HTTP server serves: createApp's app, with hash-only JSON deposits answered in front
 * of it (fast-deposit.ts; the same answers, without express's per-request cost).
 */
export function createRequestListener(deps: HttpDeps): RequestListener {
  const app = createApp(deps);
  return withFastDeposit(app, {
    accounts: deps.accounts,
    deposits: deps.deposits,
    log: deps.log ?? ((m, e) => console.error(m, e)),
    ...(deps.limits ? { limits: deps.limits } : {}),
    ...(deps.observability ? { observability: deps.observability } : {}),
    ...(deps.https !== undefined ? { https: deps.https } : {}),
    ...(deps.trustProxy !== undefined ? { trustProxy: deps.trustProxy } : {}),
  });
}

function blockView(b: BlockRecord) {
  return {
    height: Number(b.height),
    treeSize: Number(b.treeSize),
    rootHash: toHex(b.rootHash),
    prevHash: toHex(b.prevHash),
    time: b.time,
    checkpoint: b.checkpoint,
  };
}
