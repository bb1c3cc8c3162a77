/**
 * `POST /v1/certificates {"ids":[…]}`: up to 1,000 evidence certificates in one answer, in the
 * order of `ids`, each the certificate exactly as `GET /v1/deposits/{id}/certificate` answers it,
 * or a per-item error (docs/UPLOADS.md, "Certificates, many at once"). Same visibility as the
 * single route: the depositor's and, for admins, every deposit; any other id is `not_found`.
 * An express Router app.ts mounts with one line.
 */
import express from 'express';
import { z } from 'zod';
import type { Accounts } from '../../app/accounts.js';
import type { CertificateItem } from '../../app/certificates.js';
import type { Deposits } from '../../app/deposits.js';
import { authenticate, me } from './auth.js';
import { chargeMore } from './limits.js';
import { bodies, parseField } from './request.js';
import * as S from './schemas.js';

export const MAX_CERTIFICATE_IDS = 1_000;
/** Ids per unit of the read budget: a request of n ids costs ceil(n / 100) units (docs/LIMITS.md). */
export const IDS_PER_RATE_UNIT = 100;

export const CertificatesRequest = z
  .strictObject({
    ids: z
      .array(S.DepositId)
      .min(1)
      .max(MAX_CERTIFICATE_IDS)
      .meta({ description: `1 to ${MAX_CERTIFICATE_IDS} deposit ids (dep_…); repeats are answered at each place` }),
  })
  .meta({ id: 'CertificatesRequest' });

export const CertificateItemError = z
  .object({
    id: z.string(),
    error: z.object({ code: z.literal('not_found'), title: z.string() }),
  })
  .meta({ id: 'CertificateItemError', description: 'No such deposit, or not the caller’s (the same answer, so ids do not leak)' });

export const CertificatesResponse = z
  .object({
    certificates: z.array(z.union([S.Certificate, CertificateItemError])).meta({ description: 'In the order of ids: the certificate, or the item’s error' }),
  })
  .meta({ id: 'Certificates' });

const NOT_FOUND_TITLE = 'No such deposit, or not yours';

/** The answer's JSON text: the certificates' own texts joined, so each is byte for byte the single route's. */
export function certificatesBody(items: readonly CertificateItem[]): string {
  const parts = items.map((it) => ('json' in it ? it.json : JSON.stringify({ id: it.id, error: { code: it.error, title: NOT_FOUND_TITLE } })));
  return `{"certificates":[${parts.join(',')}]}`;
}

export function certificateRoutes({ accounts, deposits }: { accounts: Accounts; deposits: Deposits }): express.Router {
  const r = express.Router();
  const auth = authenticate(accounts);
  const { body } = bodies('256kb');

  r.post('/v1/certificates', auth, ...body, async (req, res) => {
    const { ids } = parseField(CertificatesRequest, req.body);
    // The limiter took one unit before the body was read; a request costs one per started 100 ids.
    await chargeMore(req, Math.ceil(ids.length / IDS_PER_RATE_UNIT) - 1);
    const items = await deposits.certificatesJson(ids, me(req));
    res.set('Content-Type', 'application/json').send(certificatesBody(items));
  });
  return r;
}
