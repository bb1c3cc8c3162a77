/** OpenAPI operations of the matching routes (matches.ts, docs/ENFORCEMENT.md). */

import { json, op, requestBody, zodSchema, type Operation } from '../openapi-kit.js';
import { DepositIdParam, FingerprintView, MatchCapturing, MatchRequest, MatchResult, OptIn, OptInRequest } from './matches-schemas.js';

const fileForm = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties: { file: { type: 'string', format: 'binary', description: 'The file (up to MATCH_MAX_BYTES)' }, ...extra },
});

export function matchOperations(): Operation[] {
  return [
    op({
      method: 'post',
      path: '/v1/matches',
      operationId: 'createMatch',
      tag: 'Matches',
      security: 'bearer',
      summary: 'Find deposited works a file, text, hash, captured page or URL copies (own works; platforms also opted-in rights holders’)',
      body: requestBody({ 'application/json': zodSchema(MatchRequest, 'input'), 'multipart/form-data': fileForm({ text: { type: 'string', description: 'A text instead of a file' } }) }),
      responses: { 200: json(MatchResult, 'The matches, exact first, then most similar'), 202: json(MatchCapturing, 'A URL: the page is being captured; match the capture when done') },
      errors: { 404: 'No such capture of mine', 409: 'The capture is not done yet (code conflict)' },
    }),
    op({ method: 'get', path: '/v1/matches/opt-in', operationId: 'getMatchOptIn', tag: 'Matches', security: 'bearer', summary: 'Whether platforms may match my works (whole account, or deposits one by one)', responses: { 200: json(OptIn) } }),
    op({
      method: 'put',
      path: '/v1/matches/opt-in',
      operationId: 'setMatchOptIn',
      tag: 'Matches',
      security: 'bearer',
      summary: 'Let platforms match my works (or stop): the whole account, or one deposit',
      body: OptInRequest,
      responses: { 200: json(OptIn) },
      errors: [404],
    }),
    op({
      method: 'post',
      path: '/v1/deposits/{id}/fingerprint',
      operationId: 'fingerprintDeposit',
      tag: 'Matches',
      security: 'bearer',
      summary: 'Fingerprint a deposit from its file (hash-only deposits; originals not kept): the file must have the deposit’s SHA-256',
      params: { id: DepositIdParam },
      body: requestBody({ 'multipart/form-data': fileForm() }),
      responses: { 201: json(FingerprintView) },
      errors: { 400: 'Not the deposited file, or neither an image nor a text (code invalid_request)', 404: true },
    }),
    op({
      method: 'get',
      path: '/v1/deposits/{id}/fingerprint',
      operationId: 'getDepositFingerprint',
      tag: 'Matches',
      security: 'bearer',
      summary: 'Whether a deposit of mine has a fingerprint, and of which kind (the fingerprint itself stays private)',
      params: { id: DepositIdParam },
      responses: { 200: json(FingerprintView) },
      errors: [404],
    }),
  ];
}

