/**
 * Web capture routes (docs/CAPTURE.md): request a capture, follow it, list mine, download the
 * WACZ bundle, and the public key that signs bundles. Schemas and OpenAPI operations are in
 * captures-openapi.ts.
 */
import { Router, type Request } from 'express';
import type { Accounts } from '../../app/accounts.js';
import type { CaptureJob, Captures } from '../../app/captures.js';
import { LogError } from '../../core/errors.js';
import { authenticate } from './auth.js';
import { CaptureId, CaptureListQuery, CaptureRequest } from './captures-openapi.js';
import { jsonBody } from './json.js';
import { parseWith } from './problem.js';

export interface CaptureHttpDeps {
  captures: Captures;
  accounts: Accounts;
  /** PEM of the ECDSA key that signs datapackage-digest.json. */
  signingKeyPem: string;
}

/** What the API shows of a job. */
export function captureView(j: CaptureJob) {
  return {
    id: j.id,
    status: j.status,
    url: j.url,
    ...(j.note !== undefined ? { note: j.note } : {}),
    createdAt: j.createdAt,
    ...(j.startedAt !== undefined ? { startedAt: j.startedAt } : {}),
    ...(j.endedAt !== undefined ? { endedAt: j.endedAt } : {}),
    ...(j.reason !== undefined ? { reason: j.reason } : {}),
    ...(j.finalUrl !== undefined ? { finalUrl: j.finalUrl } : {}),
    ...(j.title !== undefined ? { title: j.title } : {}),
    ...(j.depositId !== undefined
      ? {
          depositId: j.depositId,
          certificateUrl: `/v1/deposits/${j.depositId}/certificate`,
          bundleUrl: `/v1/captures/${j.id}/bundle`,
          bundleSha256: j.bundleSha256,
          bundleBytes: j.bundleBytes,
        }
      : {}),
    ...(j.entryIndex !== undefined ? { entryIndex: j.entryIndex } : {}),
  };
}

export function captureRoutes(deps: CaptureHttpDeps): Router {
  const r = Router();
  const auth = authenticate(deps.accounts);
  const json = jsonBody('16kb');
  const me = (req: Request) => req.account!;

  r.post('/v1/captures', auth, (req, _res, next) => {
    if (!req.is('application/json')) throw new LogError('unsupported_media_type', 'send application/json');
    next();
  }, json, async (req, res) => {
    const body = parseWith(CaptureRequest, req.body);
    const job = await deps.captures.request(me(req), { url: body.url, note: body.note, options: body.options });
    res.status(202).location(`/v1/captures/${job.id}`).json(captureView(job));
  });
  r.get('/v1/captures', auth, async (req, res) => {
    const q = parseWith(CaptureListQuery, req.query);
    const page = await deps.captures.list(me(req), { limit: q.limit, ...(q.after !== undefined ? { after: q.after } : {}) });
    res.json({ captures: page.captures.map(captureView), ...(page.next !== undefined ? { next: page.next } : {}) });
  });
  r.get('/v1/captures/signing-key', (_req, res) => {
    res.type('application/x-pem-file').send(deps.signingKeyPem);
  });
  r.get('/v1/captures/:id', auth, async (req, res) => {
    const id = parseWith(CaptureId, req.params.id, 'id');
    res.json(captureView(await deps.captures.get(id, me(req))));
  });
  r.get('/v1/captures/:id/record', auth, async (req, res) => {
    const id = parseWith(CaptureId, req.params.id, 'id');
    res.type('application/json').send(await deps.captures.record(id, me(req)));
  });
  r.get('/v1/captures/:id/bundle', auth, async (req, res) => {
    const id = parseWith(CaptureId, req.params.id, 'id');
    const { bytes } = await deps.captures.bundle(id, me(req));
    res.setHeader('Content-Disposition', `attachment; filename="${id}.wacz"`);
    res.type('application/wacz').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
  return r;
}
