/**
 * Data routes of the web portal: the caller's own deposits (newest first, paged, searchable) and
 * the public statistics. An express Router app.ts mounts with one line.
 */
import express from 'express';
import type { Accounts } from '../../app/accounts.js';
import type { Deposits } from '../../app/deposits.js';
import type { Stats } from '../../app/stats.js';
import { authenticate, me, noStore } from './auth.js';
import { encodeCursor, MyDepositsQuery } from './portal-data-schemas.js';
import { parseField } from './request.js';

export interface PortalDataDeps {
  accounts: Accounts;
  deposits: Deposits;
  /** Figures for GET /v1/stats/public; absent: that route is not served. */
  stats?: Stats;
}

export function portalDataRoutes({ accounts, deposits, stats }: PortalDataDeps): express.Router {
  const r = express.Router();
  const auth = authenticate(accounts);

  r.get('/v1/accounts/me/deposits', auth, async (req, res) => {
    const q = parseField(MyDepositsQuery, req.query);
    const page = await deposits.list(me(req), {
      limit: q.limit ?? 20,
      ...(q.after !== undefined ? { before: q.after } : {}),
      ...(q.q !== undefined ? { q: q.q } : {}),
    });
    noStore(res);
    res.json({ deposits: page.deposits, ...(page.next !== undefined ? { next: encodeCursor(page.next) } : {}) });
  });

  if (stats) {
    r.get('/v1/stats/public', async (_req, res) => {
      const view = await stats.publicView();
      res.setHeader('Cache-Control', 'public, max-age=60');
      res.json(view);
    });
  }
  return r;
}
