/**
 * Response headers every answer carries (docs/SECURITY.md): helmet's hardening headers with a
 * Content-Security-Policy that allows nothing (API answers are data, not documents; the verify
 * page sets its own, see verify-page.ts), `X-Content-Type-Options: nosniff`, and
 * `Cache-Control: no-store` on answers that may carry keys or private data: account routes and
 * every request that sends credentials (a bearer key or the session cookie), and the session
 * routes. Public log endpoints stay cacheable.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { presentedCredential } from './auth.js';

export function securityHeaders(opts: { https: boolean }): RequestHandler[] {
  const h = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { 'default-src': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"], 'frame-ancestors': ["'none'"] },
    },
    // Public evidence (checkpoints, proofs) may be read from any origin.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // HSTS only means something when the service is reached over https.
    strictTransportSecurity: opts.https ? { maxAge: 15_552_000 } : false,
  });
  const noStore = (req: Request, res: Response, next: NextFunction) => {
    const path = req.path.toLowerCase(); // routes match case-insensitively
    if (req.headers.authorization !== undefined || presentedCredential(req) !== undefined || path === '/v1/accounts' || path.startsWith('/v1/accounts/') || path === '/v1/session') {
      res.setHeader('Cache-Control', 'no-store');
    }
    next();
  };
  return [h, noStore];
}
