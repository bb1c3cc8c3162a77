/** OpenAPI operations of the public log, block and trusted-time routes (app.ts, timestamps.ts). */
import { z } from 'zod';
import { binary, json, op, requestBody, text, type Operation } from './openapi-kit.js';
import * as S from './schemas.js';

export const EntriesPage = z.object({ start: z.number().int(), entries: z.array(S.Entry) }).meta({ id: 'EntriesPage' });

const index = S.Decimal.meta({ description: 'Decimal entry index' });
const height = S.Decimal.meta({ description: 'Decimal block height' });
const tsr = 'application/timestamp-reply';

export function logOperations(): Operation[] {
  return [
    op({ method: 'get', path: '/v1/log/checkpoint', operationId: 'getCheckpoint', tag: 'Log', security: 'public', summary: "The latest block's signed checkpoint note", responses: { 200: text('C2SP signed note') } }),
    op({ method: 'get', path: '/v1/log/key', operationId: 'getLogKey', tag: 'Log', security: 'public', summary: 'The verifier key line', responses: { 200: text('<origin>+<key id>+<base64 key>') } }),
    op({
      method: 'get',
      path: '/v1/log/entries/{index}',
      operationId: 'getEntry',
      tag: 'Log',
      security: 'public',
      summary: 'One entry',
      params: { index },
      responses: { 200: json(S.Entry) },
      errors: { 404: 'No entry at this index yet' },
    }),
    op({
      method: 'get',
      path: '/v1/log/entries',
      operationId: 'listEntries',
      tag: 'Log',
      security: 'public',
      summary: 'A range of entries (for auditors); fewer than count at the end of the log',
      query: S.EntriesQuery,
      responses: { 200: json(EntriesPage) },
      errors: { 404: 'start is past the end of the log' },
    }),
    op({
      method: 'get',
      path: '/v1/log/proof/inclusion',
      operationId: 'getInclusionProof',
      tag: 'Log',
      security: 'public',
      summary: "RFC 9162 §2.1.3 inclusion proof; treeSize defaults to the latest block's tree size",
      query: S.InclusionQuery,
      responses: { 200: json(S.InclusionProof) },
      errors: { 400: 'Malformed parameters, treeSize beyond the log, or index not below treeSize (code invalid_request)' },
    }),
    op({
      method: 'get',
      path: '/v1/log/proof/consistency',
      operationId: 'getConsistencyProof',
      tag: 'Log',
      security: 'public',
      summary: 'RFC 9162 §2.1.4 consistency proof between two tree sizes',
      query: S.ConsistencyQuery,
      responses: { 200: json(S.ConsistencyProof) },
      errors: { 400: 'Malformed parameters, to beyond the log, or from above to (code invalid_request)' },
    }),
    op({ method: 'get', path: '/v1/blocks/latest', operationId: 'getLatestBlock', tag: 'Log', security: 'public', summary: 'The latest block', responses: { 200: json(S.Block) } }),
    op({
      method: 'get',
      path: '/v1/blocks/{height}',
      operationId: 'getBlock',
      tag: 'Log',
      security: 'public',
      summary: 'A block',
      params: { height },
      responses: { 200: json(S.Block) },
      errors: { 404: 'No block of this height yet' },
    }),
    op({
      method: 'get',
      path: '/v1/blocks/{height}/timestamp',
      operationId: 'getBlockTimestamp',
      tag: 'Timestamps',
      security: 'public',
      summary: "The block's RFC 3161 TimeStampResp over SHA-256 of its checkpoint body (docs/TIMESTAMPS.md)",
      params: { height },
      responses: { 200: { ...binary(tsr, 'DER TimeStampResp'), headers: { 'X-TSA': { description: 'The TSA that answered (URI-encoded)', schema: { type: 'string' } } } } },
      errors: { 404: 'No such block, or it has no timestamp yet (a later block’s covers it once stamped)' },
    }),
    op({
      method: 'post',
      path: '/v1/tsa',
      operationId: 'requestTimestamp',
      tag: 'Timestamps',
      security: 'public',
      summary: 'The built-in RFC 3161 TSA (self-issued time), RFC 3161 §3.4 over HTTP',
      body: requestBody({ 'application/timestamp-query': { type: 'string', format: 'binary', description: 'DER TimeStampReq, at most 4 KiB' } }),
      responses: { 200: binary(tsr, 'DER TimeStampResp (a refusal, status rejection, for a query it cannot answer)') },
      errors: { 400: 'Empty query (code invalid_request)', 415: 'Not application/timestamp-query (code unsupported_media_type)' },
    }),
    op({
      method: 'get',
      path: '/v1/tsa/certificate',
      operationId: 'getTsaCertificate',
      tag: 'Timestamps',
      security: 'public',
      summary: "The built-in TSA's self-signed certificate",
      responses: { 200: text('PEM certificate', 'application/pem-certificate-chain') },
    }),
  ];
}
