/** Zod schemas and OpenAPI operations of the web capture routes (captures.ts, docs/CAPTURE.md). */
import { z } from 'zod';
import { binary, json, op, text, type Operation } from './openapi-kit.js';

export const CaptureId = z.string().regex(/^cap_[0-9a-f]{20}$/, 'a capture id: cap_ and 20 hex digits').meta({ description: 'Capture id', example: 'cap_0123456789abcdef0123' });

export const CaptureOptions = z
  .strictObject({
    viewport: z
      .strictObject({
        width: z.number().int().min(320).max(1920),
        height: z.number().int().min(240).max(1440),
      })
      .optional()
      .meta({ description: 'Browser window size in CSS pixels (default 1280×720); the screenshot is full-page either way' }),
  })
  .meta({ id: 'CaptureOptions' });

export const CaptureRequest = z
  .strictObject({
    url: z.string().min(1).max(2048).meta({ description: 'The http(s) page to capture. Refused (400, `reason: capture_url_refused`) for other schemes and for hosts that are or resolve to loopback, private, link-local or other special-purpose addresses' }),
    note: z.string().max(1000).optional().meta({ description: 'Why the page is captured (kept in the bundle and the private capture record, never in the log in plaintext)' }),
    options: CaptureOptions.optional(),
  })
  .meta({ id: 'CaptureRequest' });

export const Capture = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    url: z.string(),
    note: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    reason: z.string().optional().meta({ description: 'Why it failed (status failed)' }),
    finalUrl: z.string().optional().meta({ description: 'The page after redirects' }),
    title: z.string().optional(),
    depositId: z.string().optional().meta({ description: 'The deposit of the WACZ bundle (status done)' }),
    certificateUrl: z.string().optional().meta({ description: 'Its evidence certificate (JSON, or PDF with Accept: application/pdf)' }),
    bundleUrl: z.string().optional(),
    bundleSha256: z.string().optional(),
    bundleBytes: z.number().int().optional(),
    entryIndex: z.number().int().optional().meta({ description: 'Index of the `capture` log entry' }),
  })
  .meta({ id: 'Capture' });

export const CaptureList = z
  .object({
    captures: z.array(Capture).meta({ description: 'Newest first' }),
    next: CaptureId.optional().meta({ description: 'More captures remain: ask again with `after` set to this id' }),
  })
  .meta({ id: 'CaptureList' });

export const CaptureListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(100).meta({ description: 'Captures per page (1–100)' }),
  after: CaptureId.optional().meta({ description: 'Continue after this capture (the `next` of the previous page)' }),
});

const id = { id: CaptureId };

export function captureOperations(): Operation[] {
  return [
    op({
      method: 'post',
      path: '/v1/captures',
      operationId: 'createCapture',
      tag: 'Captures',
      security: 'bearer',
      summary: 'Queue a capture of a web page: WARC, screenshot, PDF, recording and environment report in a signed WACZ, deposited when done',
      body: CaptureRequest,
      responses: { 202: json(Capture, 'Queued; follow Location') },
      errors: {
        400: 'Bad body, or the URL is refused (code invalid_request, reason capture_url_refused)',
        429: 'Over the capture request budget, or the account has CAPTURE_PER_ACCOUNT captures queued or running (code rate_limited)',
        503: 'CAPTURE_QUEUE captures are waiting (code overloaded); see Retry-After',
      },
    }),
    op({ method: 'get', path: '/v1/captures', operationId: 'listCaptures', tag: 'Captures', security: 'bearer', summary: 'My captures, newest first (pages of at most 100: `next` and `after`)', query: CaptureListQuery, responses: { 200: json(CaptureList) } }),
    op({
      method: 'get',
      path: '/v1/captures/signing-key',
      operationId: 'getCaptureSigningKey',
      tag: 'Captures',
      security: 'public',
      summary: 'The ECDSA P-256 public key (PEM) that signs every bundle’s datapackage-digest.json',
      responses: { 200: text('SubjectPublicKeyInfo PEM', 'application/x-pem-file') },
    }),
    op({ method: 'get', path: '/v1/captures/{id}', operationId: 'getCapture', tag: 'Captures', security: 'bearer', summary: 'A capture’s status; when done its deposit and certificate', params: id, responses: { 200: json(Capture) }, errors: [404] }),
    op({
      method: 'get',
      path: '/v1/captures/{id}/record',
      operationId: 'getCaptureRecord',
      tag: 'Captures',
      security: 'bearer',
      summary: 'The private capture record (JCS, with its salt) whose SHA-256 is the log entry’s recordSha256',
      params: id,
      responses: { 200: text('JCS JSON text', 'application/json') },
      errors: [404],
    }),
    op({
      method: 'get',
      path: '/v1/captures/{id}/bundle',
      operationId: 'getCaptureBundle',
      tag: 'Captures',
      security: 'bearer',
      summary: 'The WACZ evidence bundle of a finished capture (its SHA-256 is the deposit’s)',
      params: id,
      responses: { 200: binary('application/wacz', 'WACZ 1.1.1 (ZIP)') },
      errors: { 404: 'No such capture, not yours, or not done (code not_found)' },
    }),
  ];
}
