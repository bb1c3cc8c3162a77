/** OpenAPI pieces for uploads, PDF certificates and the verify page (issue 4), used by openapi.ts. */
import { z } from 'zod';
import * as S from './schemas.js';

type Json = Record<string, unknown>;

const inputSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as Json;

/** multipart/form-data body of POST /v1/deposits. */
export const uploadDepositForm = (): Json => ({
  schema: {
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
        contentSchema: inputSchema(S.Metadata),
        description: 'Optional JSON text of the work metadata (docs/UPLOADS.md).',
      },
    },
  },
});

/** multipart/form-data body of POST /v1/verify. */
export const verifyForm = (): Json => ({
  schema: {
    type: 'object',
    required: ['certificate'],
    properties: {
      certificate: { type: 'string', description: 'The JSON certificate, as a file part or a text field (at most 1 MiB).' },
      file: { type: 'string', format: 'binary', description: 'Optional: the work, hashed while streaming and never kept; adds the `file` check.' },
    },
  },
});

export const pdfContent = (): Json => ({ 'application/pdf': { schema: { type: 'string', format: 'binary' } } });

export const verifyPagePath = (): Json => ({
  '/verify/{depositId}': {
    get: {
      summary: 'Public verify page of a deposit (the PDF certificate’s QR code opens it): id, entry index, block, time received, and how to verify offline',
      parameters: [{ name: 'depositId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
        '404': { description: 'HTML page saying no such deposit', content: { 'text/html': { schema: { type: 'string' } } } },
      },
    },
  },
});

export const pdfSigningCertPath = (): Json => ({
  '/v1/pdf/signing-cert': {
    get: {
      operationId: 'getPdfSigningCertificate',
      summary: 'The certificate (PEM, then its chain) of the key that signs PDF certificates; PDFs name it by its SHA-256 fingerprint (docs/UPLOADS.md)',
      security: [],
      responses: {
        '200': { description: 'PEM certificate chain', content: { 'application/pem-certificate-chain': { schema: { type: 'string' } } } },
      },
    },
  },
});
