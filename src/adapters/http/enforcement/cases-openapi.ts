/** OpenAPI operations of the case routes (cases.ts, docs/ENFORCEMENT.md). */
import { binary, json, op, text, type Operation } from '../openapi-kit.js';
import { CaseId, CaseList, CaseListQuery, CaseTransition, CaseView, CreateCase, NoticeQuery } from './cases-schemas.js';

const id = { id: CaseId };

export function caseOperations(): Operation[] {
  return [
    op({
      method: 'post',
      path: '/v1/cases',
      operationId: 'openCase',
      tag: 'Cases',
      security: 'bearer',
      summary: 'Open an infringement case on my deposit or approved registration; the infringing page is captured at once',
      body: CreateCase,
      responses: { 201: json(CaseView, 'Opened (state open); evidence_collected follows when the capture is done') },
      errors: { 400: 'Bad body, or the URL is refused (reason capture_url_refused)', 404: 'No such deposit or registration of mine', 429: 'Capture budget or CAPTURE_PER_ACCOUNT reached', 503: 'The capture queue is full' },
    }),
    op({ method: 'get', path: '/v1/cases', operationId: 'listCases', tag: 'Cases', security: 'bearer', summary: 'My cases, newest first, a page at a time', query: CaseListQuery, responses: { 200: json(CaseList, '`next` is given when there may be more: pass it as `after`') }, errors: [400] }),
    op({ method: 'get', path: '/v1/cases/{id}', operationId: 'getCase', tag: 'Cases', security: 'bearer', summary: 'A case: state, capture, history of its log entries', params: id, responses: { 200: json(CaseView) }, errors: [404] }),
    op({
      method: 'post',
      path: '/v1/cases/{id}/state',
      operationId: 'moveCase',
      tag: 'Cases',
      security: 'bearer',
      summary: 'Move a case on: notice_sent, settled, litigation or closed (each change is a `case` log entry)',
      params: id,
      body: CaseTransition,
      responses: { 200: json(CaseView) },
      errors: { 404: true, 409: 'Not allowed from the current state (code conflict)' },
    }),
    op({
      method: 'post',
      path: '/v1/cases/{id}/recapture',
      operationId: 'recaptureCase',
      tag: 'Cases',
      security: 'bearer',
      summary: 'Capture the infringing page again after a failed capture',
      params: id,
      bodyOptional: true,
      responses: { 200: json(CaseView) },
      errors: { 404: true, 409: 'The capture is still running, or the evidence is collected (code conflict)' },
    }),
    op({
      method: 'get',
      path: '/v1/cases/{id}/package',
      operationId: 'getCasePackage',
      tag: 'Cases',
      security: 'bearer',
      summary: 'The evidence package: certificates, capture bundle, timestamp tokens, evidence list PDF (证据目录), notices, VERIFY.txt',
      params: id,
      responses: { 200: binary('application/zip', 'ZIP; see docs/ENFORCEMENT.md for its layout') },
      errors: { 404: true, 409: 'The evidence is not collected yet (code conflict)' },
    }),
    op({
      method: 'get',
      path: '/v1/cases/{id}/notice',
      operationId: 'getCaseNotice',
      tag: 'Cases',
      security: 'bearer',
      summary: 'The takedown notice (通知书 Art. 14, or DMCA 512(c)(3)) filled from the case: text, or a signed PDF with Accept: application/pdf',
      params: id,
      query: NoticeQuery,
      responses: { 200: { ...text('The notice as text'), content: { 'text/plain': { schema: { type: 'string' } }, 'application/pdf': { schema: { type: 'string', format: 'binary' } } } } },
      errors: { 404: true, 415: 'Neither text/plain nor application/pdf accepted' },
    }),
  ];
}
