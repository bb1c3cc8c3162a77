/** OpenAPI 3.1 document generated from the zod schemas (never written twice). */
import { z } from 'zod';
import { accountPaths } from './accounts-schemas.js';
import { organisationPaths } from './organisations-schemas.js';
import { registrationPaths } from './registration-openapi.js';
import { usagePath, withRateLimits } from './limits-openapi.js';
import { archivePaths } from './archive-routes.js';
import * as S from './schemas.js';
import { pdfContent, pdfSigningCertPath, uploadDepositForm, verifyForm, verifyPagePath } from './upload-openapi.js';

type Json = Record<string, unknown>;

const schema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as Json;
const outSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any', reused: 'inline' }) as Json;

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: outSchema(S.Problem) } } });
const json = (s: z.ZodType, description = 'OK') => ({ description, content: { 'application/json': { schema: outSchema(s) } } });
const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
const body = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(s) } } });
const qp = (name: string, required: boolean, description: string) => ({ name, in: 'query', required, schema: { type: 'string', pattern: '^(0|[1-9][0-9]*)$' }, description });
const pp = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const bearer = [{ bearer: [] }];
const errors = {
  '400': problem('Malformed or out-of-range input (code invalid_request)'),
  '401': problem('Missing or unknown API key (code unauthorized)'),
  '404': problem('Not found (code not_found)'),
};

export function buildOpenApi(): Json {
  return withRateLimits({
    openapi: '3.1.0',
    info: {
      title: 'copyright-ledger',
      version: '1',
      description: 'Deposits in an append-only RFC 9162 Merkle log with signed, chained checkpoints (blocks) and offline-verifiable evidence certificates.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key from POST /v1/accounts' } } },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'OK' } } } },
      '/readyz': { get: { summary: 'Readiness (docs/OBSERVABILITY.md)', responses: { '200': { description: '{"status":"ready"}' }, '503': problem('Not ready: starting, stopping or shutting down (code overloaded)') } } },
      '/metrics': { get: { summary: 'Prometheus metrics, text format 0.0.4 (docs/OBSERVABILITY.md)', responses: { '200': text('Prometheus text exposition') } } },
      '/v1/log/checkpoint': { get: { summary: "The latest block's signed checkpoint note", responses: { '200': text('C2SP signed note') } } },
      '/v1/log/key': { get: { summary: 'The verifier key line', responses: { '200': text('<origin>+<key id>+<base64 key>') } } },
      '/v1/log/entries/{index}': {
        get: { summary: 'One entry', parameters: [pp('index', 'decimal entry index')], responses: { '200': json(S.Entry), ...errors } },
      },
      '/v1/log/entries': {
        get: {
          summary: 'A range of entries (for auditors)',
          parameters: [qp('start', true, 'first index'), qp('count', true, '1..1000')],
          responses: { '200': { description: '{"start","entries":[Entry…]}' }, ...errors },
        },
      },
      '/v1/log/proof/inclusion': {
        get: {
          summary: 'RFC 9162 §2.1.3 inclusion proof',
          parameters: [qp('index', true, 'entry index'), qp('treeSize', false, "default: the latest block's tree size")],
          responses: { '200': json(S.InclusionProof), ...errors },
        },
      },
      '/v1/log/proof/consistency': {
        get: {
          summary: 'RFC 9162 §2.1.4 consistency proof',
          parameters: [qp('from', true, 'older tree size'), qp('to', true, 'newer tree size')],
          responses: { '200': json(S.ConsistencyProof), ...errors },
        },
      },
      '/v1/blocks/latest': { get: { summary: 'The latest block', responses: { '200': json(S.Block) } } },
      '/v1/blocks/{height}': { get: { summary: 'A block', parameters: [pp('height', 'decimal height')], responses: { '200': json(S.Block), ...errors } } },
      '/v1/blocks/{height}/timestamp': {
        get: {
          summary: "The block's RFC 3161 TimeStampResp over SHA-256 of its checkpoint body (docs/TIMESTAMPS.md)",
          parameters: [pp('height', 'decimal height')],
          responses: { '200': { description: 'DER TimeStampResp', content: { 'application/timestamp-reply': { schema: { type: 'string', format: 'binary' } } } }, ...errors },
        },
      },
      '/v1/tsa': {
        post: {
          summary: 'The built-in RFC 3161 TSA (self-issued time)',
          requestBody: { required: true, content: { 'application/timestamp-query': { schema: { type: 'string', format: 'binary' } } } },
          responses: { '200': { description: 'DER TimeStampResp (a refusal for a bad query)', content: { 'application/timestamp-reply': { schema: { type: 'string', format: 'binary' } } } }, '415': problem('Not application/timestamp-query') },
        },
      },
      '/v1/tsa/certificate': { get: { summary: "The built-in TSA's self-signed certificate", responses: { '200': { description: 'PEM', content: { 'application/pem-certificate-chain': { schema: { type: 'string' } } } } } } },
      ...accountPaths(),
      '/v1/deposits': {
        post: {
          summary: 'Deposit a work: upload it (multipart/form-data) or give its hashes (application/json)',
          security: bearer,
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: schema(S.IdempotencyKey) }],
          requestBody: { required: true, content: { 'application/json': { schema: schema(S.DepositRequest) }, 'multipart/form-data': uploadDepositForm() } },
          responses: {
            '201': json(S.Deposit, 'Created, durable'),
            '200': json(S.Deposit, 'Repeat of an Idempotency-Key: the first deposit'),
            '413': problem('Body or file too large (MAX_UPLOAD_BYTES), or the upload would pass the account’s storage quota (UPLOAD_QUOTA_BYTES; docs/LIMITS.md)'),
            '415': problem('Neither JSON nor multipart/form-data'),
            '503': problem('Overloaded; see Retry-After'),
            ...errors,
          },
        },
        get: {
          summary: 'Public prior-art lookup by SHA-256, earliest first',
          parameters: [{ name: 'sha256', in: 'query', required: true, schema: schema(S.Hex64) }],
          responses: { '200': { description: '{"sha256","deposits":[PriorArt…]}', content: { 'application/json': { schema: outSchema(z.object({ sha256: z.string(), deposits: z.array(S.PriorArt) })) } } }, ...errors },
        },
      },
      '/v1/deposits/batch': {
        post: {
          summary: 'Deposit up to 10,000 hashes; externalId is idempotent per account',
          security: bearer,
          requestBody: body(S.BatchRequest),
          responses: { '201': json(z.object({ deposits: z.array(S.Deposit) })), '413': problem('Body too large'), '503': problem('Overloaded; see Retry-After'), ...errors },
        },
      },
      '/v1/deposits/{id}': { get: { summary: 'A deposit of the caller', security: bearer, parameters: [pp('id', 'deposit id')], responses: { '200': json(S.Deposit), ...errors } } },
      '/v1/deposits/{id}/certificate': {
        get: {
          summary: 'Evidence certificate (contract §5); with Accept: application/pdf, the printable bilingual PDF with a QR code of the verify page',
          security: bearer,
          parameters: [pp('id', 'deposit id')],
          responses: { '200': { description: 'OK', content: { ...json(S.Certificate).content, ...pdfContent() } }, '503': problem('PDF renderers busy or over budget; see Retry-After'), ...errors },
        },
      },
      '/v1/verify': {
        post: {
          summary: "Verify a certificate against this log's key (JSON body, or multipart certificate + optional file)",
          requestBody: { required: true, content: { 'application/json': { schema: schema(S.Certificate) }, 'multipart/form-data': verifyForm() } },
          responses: { '200': json(S.VerifyResult), '503': problem('Verifiers busy or over budget; see Retry-After'), ...errors },
        },
      },
      ...verifyPagePath(),
      ...pdfSigningCertPath(),
      ...registrationPaths(),
      ...organisationPaths(),
      ...usagePath(),
      ...archivePaths(problem, outSchema),
    },
  });
}
