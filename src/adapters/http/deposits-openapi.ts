/** OpenAPI operations of deposits, certificates, verification and the verify page (app.ts, upload-routes.ts). */
import { z } from 'zod';
import { binary, json, op, requestBody, text, zodSchema, type Json, type Operation } from './openapi-kit.js';
import { CertificatesRequest, CertificatesResponse } from './certificates.js';
import { RegistrationCertificate } from './registration-views.js';
import * as S from './schemas.js';

export const PriorArtLookup = z.object({ sha256: z.string(), deposits: z.array(S.PriorArt) }).meta({ id: 'PriorArtLookup' });
export const DepositBatch = z.object({ deposits: z.array(S.Deposit).meta({ description: 'In item order' }) }).meta({ id: 'DepositBatch' });

/** What POST /v1/verify takes as JSON: a deposit certificate, or a registration certificate (docs/REGISTRATION.md). */
const AnyCertificate = z.union([S.Certificate, RegistrationCertificate]);

/** multipart/form-data body of POST /v1/deposits. */
const uploadDepositForm: Json = {
  type: 'object',
  required: ['file'],
  properties: {
    file: {
      type: 'string',
      format: 'binary',
      description: 'The work, exactly one, streamed; at most MAX_UPLOAD_BYTES (default 2 GiB, else 413 payload_too_large). SHA-256 and SM3 are computed while it arrives.',
    },
    metadata: {
      type: 'string',
      contentMediaType: 'application/json',
      contentSchema: zodSchema(S.Metadata, 'input'),
      description: 'Optional JSON text of the work metadata (docs/UPLOADS.md).',
    },
  },
};

/** multipart/form-data body of POST /v1/verify. */
const verifyForm: Json = {
  type: 'object',
  required: ['certificate'],
  properties: {
    certificate: { type: 'string', description: 'The JSON certificate, as a file part or a text field (at most 1 MiB).' },
    file: { type: 'string', format: 'binary', description: 'Optional: the work, hashed while streaming and never kept; adds the `file` check.' },
  },
};

const id = S.DepositId.meta({ description: 'Deposit id (dep_…)' });
const location = { Location: { description: 'The deposit: /v1/deposits/{id}', schema: { type: 'string' } } };
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

export function depositOperations(): Operation[] {
  return [
    op({
      method: 'get',
      path: '/v1/pdf/signing-cert',
      operationId: 'getPdfSigningCertificate',
      tag: 'Deposits',
      security: 'public',
      summary: 'The certificate (PEM, then its chain) of the key that signs PDF certificates; PDFs name it by its SHA-256 fingerprint (docs/UPLOADS.md)',
      responses: { 200: text('PEM certificate chain', 'application/pem-certificate-chain') },
    }),
    op({
      method: 'post',
      path: '/v1/deposits',
      operationId: 'createDeposit',
      tag: 'Deposits',
      security: 'bearer',
      summary: 'Deposit a work: upload it (multipart/form-data) or give its hashes (application/json)',
      headers: { 'Idempotency-Key': S.IdempotencyKey.meta({ description: 'A repeat with the same key returns the first deposit with 200' }) },
      body: requestBody({ 'application/json': zodSchema(S.DepositRequest, 'input'), 'multipart/form-data': uploadDepositForm }),
      responses: { 201: json(S.Deposit, 'Created, durable', location), 200: json(S.Deposit, 'Repeat of an Idempotency-Key: the first deposit', location) },
      errors: {
        403: 'onBehalfOf from an account that is not a platform, or the account is disabled (code forbidden)',
        413: 'Body or file too large (MAX_UPLOAD_BYTES), or the upload would pass the account’s storage quota (UPLOAD_QUOTA_BYTES; docs/LIMITS.md)',
        415: 'Neither JSON nor multipart/form-data, or uploads are off on this server (code unsupported_media_type)',
        503: 'Too many deposits waiting; see Retry-After',
      },
    }),
    op({
      method: 'get',
      path: '/v1/deposits',
      operationId: 'lookupDeposits',
      tag: 'Deposits',
      security: 'public',
      summary: 'Public prior-art lookup by SHA-256, earliest first',
      query: S.DepositLookupQuery,
      responses: { 200: json(PriorArtLookup) },
    }),
    op({
      method: 'post',
      path: '/v1/deposits/batch',
      operationId: 'createDepositBatch',
      tag: 'Deposits',
      security: 'bearer',
      summary: 'Deposit up to 10,000 hashes; externalId is idempotent per account',
      body: S.BatchRequest,
      responses: { 201: json(DepositBatch, 'Created, durable') },
      errors: { 403: 'onBehalfOf from an account that is not a platform, or the account is disabled (code forbidden)', 503: 'Too many deposits waiting; see Retry-After' },
    }),
    op({
      method: 'get',
      path: '/v1/deposits/{id}',
      operationId: 'getDeposit',
      tag: 'Deposits',
      security: 'bearer',
      summary: 'A deposit of the caller (admins: any)',
      params: { id },
      responses: { 200: json(S.Deposit) },
      errors: [404],
    }),
    op({
      method: 'get',
      path: '/v1/deposits/{id}/certificate',
      operationId: 'getDepositCertificate',
      tag: 'Deposits',
      security: 'bearer',
      summary: 'Evidence certificate (contract §5); with Accept: application/pdf, the printable bilingual PDF with a QR code of the verify page',
      params: { id },
      responses: {
        200: {
          description: 'The certificate (attachment)',
          content: { ...json(S.Certificate).content, ...binary('application/pdf', '').content },
          headers: { 'Content-Disposition': { description: 'attachment; filename="<id>.certificate.json" or .pdf', schema: { type: 'string' } } },
        },
      },
      errors: { 404: 'No such deposit, or not yours (code not_found)', 415: 'PDF asked for but PDF certificates are off on this server', 503: 'PDF renderers busy or over budget; see Retry-After' },
    }),
    op({
      method: 'post',
      path: '/v1/certificates',
      operationId: 'getCertificates',
      tag: 'Deposits',
      security: 'bearer',
      summary: 'Up to 1,000 evidence certificates at once, in the order of ids; each exactly as GET /v1/deposits/{id}/certificate answers it, or a per-item not_found (docs/UPLOADS.md)',
      body: CertificatesRequest,
      responses: { 200: json(CertificatesResponse) },
      errors: { 400: 'Not an object with 1 to 1,000 deposit ids (code invalid_request; `field` names the first bad one)', 429: 'Over the read budget: a request costs one unit per started 100 ids (docs/LIMITS.md)' },
    }),
    op({
      method: 'post',
      path: '/v1/verify',
      operationId: 'verifyCertificate',
      tag: 'Verification',
      security: 'public',
      summary: "Verify a certificate against this log's keys (JSON body, or multipart certificate + optional file)",
      body: requestBody({ 'application/json': zodSchema(AnyCertificate, 'input'), 'multipart/form-data': verifyForm }),
      responses: { 200: json(S.VerifyResult, 'Every check, and whether all passed') },
      errors: { 503: 'Verifiers busy or over budget; see Retry-After' },
    }),
    op({
      method: 'get',
      path: '/verify',
      operationId: 'getVerifyHome',
      tag: 'Verification',
      security: 'public',
      summary: 'The public verify page: drop a certificate (JSON or PDF) and optionally the work; every check runs in the browser against this log’s keys (docs/VERIFY.md)',
      responses: { 200: html('HTML page (one file: script and style inline)') },
      errors: { 400: false },
    }),
    op({
      method: 'get',
      path: '/verify/{depositId}',
      operationId: 'getVerifyPage',
      tag: 'Verification',
      security: 'public',
      summary: 'The verify page for a deposit (the PDF certificate’s QR code opens it): its id, entry index, block and time received; the page fetches the certificate when the viewer may see it, else takes a dropped one, and checks it in the browser',
      params: { depositId: z.string().meta({ description: 'Deposit id (dep_…)' }) },
      responses: { 200: html('HTML page'), 404: html('HTML page saying there is no such deposit (also for a malformed id)') },
      errors: { 400: false },
    }),
  ];
}
