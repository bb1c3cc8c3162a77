/**
 * Matching routes (docs/ENFORCEMENT.md): match a file, a text, a SHA-256, an image hash, a URL
 * (captured first) or a finished capture against deposited works; the platform-matching opt-in;
 * fingerprints of deposits whose file is shown after the deposit.
 */
import express, { type Request } from 'express';
import type { Accounts } from '../../../app/accounts.js';
import type { Matches } from '../../../app/matches.js';
import type { Fingerprints } from '../../../app/fingerprints.js';
import { LogError } from '../../../core/errors.js';
import { authenticate, me } from '../auth.js';
import { bodies, parseField } from '../request.js';
import { DepositIdParam, MatchRequest, OptInRequest } from './matches-schemas.js';
import { readSmallForm, type SmallFormReceiver } from './multipart.js';

export interface MatchHttpDeps {
  accounts: Accounts;
  matches: Matches;
  fingerprints: Fingerprints;
  /** MATCH_MAX_BYTES: largest file to match or fingerprint. */
  maxBytes: number;
  /** The uploads' originals store and SM3 streams (the multipart receiver's dependencies). */
  receiver: SmallFormReceiver;
}

export function matchRoutes(deps: MatchHttpDeps): express.Router {
  const { matches } = deps;
  const r = express.Router();
  const auth = authenticate(deps.accounts);
  const { body } = bodies('2mb');
  const depositId = (req: Request) => parseField(DepositIdParam, req.params.id, 'id');

  r.post('/v1/matches', auth, async (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const form = await readSmallForm(req, res, deps.receiver, { maxBytes: deps.maxBytes, fileField: 'file', fields: ['text'] });
    if (form.file !== undefined && form.fields.text !== undefined) throw new LogError('invalid_request', 'send a file or a text, not both', { details: { field: 'text' } });
    if (form.file !== undefined) return void res.json(await matches.matchFile(me(req), form.file));
    if (form.fields.text !== undefined) return void res.json(await matches.matchText(me(req), form.fields.text));
    throw new LogError('invalid_request', 'send a `file` (or a `text` field)', { details: { field: 'file' } });
  }, ...body, async (req, res) => {
    const q = parseField(MatchRequest, req.body);
    const viewer = me(req);
    if ('text' in q) return void res.json(await matches.matchText(viewer, q.text));
    if ('captureId' in q) return void res.json(await matches.matchCapture(viewer, q.captureId));
    if ('sha256' in q) return void res.json({ query: { sha256: q.sha256, kind: 'other' }, matches: await matches.matchSha256(viewer, q.sha256) });
    if ('imageHash' in q) return void res.json({ query: { kind: 'image' }, matches: await matches.matchFingerprint(viewer, { kind: 'image', ...q.imageHash }) });
    const capture = await matches.captureForMatch(viewer, q.url);
    res.status(202).location(`/v1/captures/${capture.id}`).json({ capture: { id: capture.id, status: capture.status }, next: `POST /v1/matches {"captureId":"${capture.id}"} once GET /v1/captures/${capture.id} says done` });
  });

  r.get('/v1/matches/opt-in', auth, async (req, res) => {
    res.json(await matches.optIn(me(req).id));
  });
  r.put('/v1/matches/opt-in', auth, ...body, async (req, res) => {
    const q = parseField(OptInRequest, req.body);
    res.json(await matches.setOptIn(me(req), q.enabled, q.depositId));
  });

  r.post('/v1/deposits/:id/fingerprint', auth, async (req, res) => {
    const id = depositId(req);
    if (!req.is('multipart/form-data')) throw new LogError('unsupported_media_type', 'send multipart/form-data with the deposited `file`');
    const form = await readSmallForm(req, res, deps.receiver, { maxBytes: deps.maxBytes, fileField: 'file', fields: [] });
    if (form.file === undefined) throw new LogError('invalid_request', 'send the deposited file in field `file`', { details: { field: 'file' } });
    res.status(201).json(await matches.fingerprintDeposit(me(req), id, form.file));
  });
  r.get('/v1/deposits/:id/fingerprint', auth, async (req, res) => {
    const id = depositId(req);
    await matches.depositOf(me(req), id);
    const rec = await deps.fingerprints.get(id);
    if (rec === undefined) throw new LogError('not_found', `deposit ${id} has no fingerprint (yet): show its file with POST /v1/deposits/${id}/fingerprint`);
    res.json({ depositId: id, kind: rec.kind, createdAt: rec.createdAt });
  });
  return r;
}
