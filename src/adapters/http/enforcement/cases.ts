/**
 * Case routes (docs/ENFORCEMENT.md): open a case (which captures the infringing page), follow
 * it, move it on, download its evidence package and its takedown notice (text or signed PDF).
 */
import express, { type Request } from 'express';
import type { Accounts } from '../../../app/accounts.js';
import type { CaseRecord, Cases } from '../../../app/cases.js';
import { LogError } from '../../../core/errors.js';
import { formatTime } from '../../../core/time.js';
import { buildCasePackage } from '../../enforcement/package.js';
import { noticeFacts, noticeText } from '../../enforcement/notice.js';
import type { PdfIssuer } from '../../pdf/court.js';
import { renderNoticePdf } from '../../pdf/case-pdf.js';
import { authenticate, me } from '../auth.js';
import { bodies, noBody, parseField } from '../request.js';
import { CaseId, CaseListQuery, CaseTransition, CreateCase, NoticeQuery } from './cases-schemas.js';

export interface CaseHttpDeps {
  accounts: Accounts;
  cases: Cases;
  /** Operator, PDF signing key, fonts, public URL. */
  issuer: () => PdfIssuer;
  /** The standalone verifier's bytes (downloads), or undefined when they cannot be built here. */
  verifier: () => Promise<Uint8Array | undefined>;
  /** The built-in TSA's certificate, when it stamps the blocks. */
  tsaPem?: string;
  now: () => number;
}

export function caseView(c: CaseRecord) {
  return {
    id: c.id,
    state: c.state,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    work: c.work,
    infringingUrl: c.infringingUrl,
    description: c.description,
    ...(c.rightsHolder !== undefined ? { rightsHolder: c.rightsHolder } : {}),
    ...(c.captureId !== undefined ? { captureId: c.captureId } : {}),
    ...(c.captureError !== undefined ? { captureError: c.captureError } : {}),
    history: c.history.map(({ snapshot: _s, ...h }) => h),
    packageUrl: `/v1/cases/${c.id}/package`,
  };
}

export function caseRoutes(deps: CaseHttpDeps): express.Router {
  const { cases } = deps;
  const r = express.Router();
  const auth = authenticate(deps.accounts);
  const { body, optionalBody } = bodies('64kb');
  const id = (req: Request) => parseField(CaseId, req.params.id, 'id');
  const accountName = async (accountId: string) => (await deps.accounts.get(accountId))?.name;

  r.post('/v1/cases', auth, ...body, async (req, res) => {
    const q = parseField(CreateCase, req.body);
    const c = await cases.open(me(req), q);
    res.status(201).location(`/v1/cases/${c.id}`).json(caseView(c));
  });
  r.get('/v1/cases', auth, async (req, res) => {
    const q = parseField(CaseListQuery, req.query as Record<string, unknown>);
    const page = await cases.list(me(req), { after: q.after, limit: q.limit ?? 20 });
    res.json({ cases: page.cases.map(caseView), ...(page.next !== undefined ? { next: page.next } : {}) });
  });
  r.get('/v1/cases/:id', auth, async (req, res) => {
    res.json(caseView(await cases.get(me(req), id(req))));
  });
  r.post('/v1/cases/:id/state', auth, ...body, async (req, res) => {
    const cid = id(req);
    const q = parseField(CaseTransition, req.body);
    res.json(caseView(await cases.transition(me(req), cid, q.state, q.note)));
  });
  r.post('/v1/cases/:id/recapture', auth, optionalBody, async (req, res) => {
    const cid = id(req);
    noBody(req);
    res.json(caseView(await cases.recapture(me(req), cid)));
  });
  r.get('/v1/cases/:id/package', auth, async (req, res) => {
    const cid = id(req);
    const ev = await cases.evidence(me(req), cid);
    if (ev.case.state === 'open') throw new LogError('conflict', 'the evidence is not collected yet: the capture of the infringing page is not done', { details: { state: 'open' } });
    const name = await accountName(ev.case.account);
    const verifier = await deps.verifier();
    const zip = await buildCasePackage(ev, {
      issuer: deps.issuer(),
      issuedAt: formatTime(deps.now()),
      ...(verifier ? { verifier } : {}),
      ...(deps.tsaPem !== undefined ? { tsaPem: deps.tsaPem } : {}),
      ...(name !== undefined ? { accountName: name } : {}),
    });
    res.setHeader('Content-Disposition', `attachment; filename="${cid}.evidence.zip"`);
    res.type('application/zip').send(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength));
  });
  r.get('/v1/cases/:id/notice', auth, async (req, res) => {
    const cid = id(req);
    const q = parseField(NoticeQuery, req.query as Record<string, unknown>);
    const ev = await cases.evidence(me(req), cid);
    const issuer = deps.issuer();
    const issuedAt = formatTime(deps.now());
    const name = await accountName(ev.case.account);
    const facts = noticeFacts(ev, { ...(name !== undefined ? { accountName: name } : {}), packageUrl: `${issuer.publicUrl}/v1/cases/${cid}/package`, date: issuedAt, recipient: q.to });
    const type = req.accepts(['text/plain', 'application/pdf']);
    if (type === 'application/pdf') {
      const pdf = await renderNoticePdf({ kind: q.kind, facts, issuer, issuedAt });
      res.setHeader('Content-Disposition', `attachment; filename="${cid}.notice-${q.kind}.pdf"`);
      return void res.type('application/pdf').send(pdf);
    }
    if (type === false) throw new LogError('unsupported_media_type', 'ask for text/plain or application/pdf');
    res.type('text/plain; charset=utf-8').send(noticeText(q.kind, facts));
  });
  return r;
}
