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

function helmetFor(opts: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { 'default-src': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"], 'frame-ancestors': ["'none'"] },
    },
    // Public evidence (checkpoints, proofs) may be read from any origin.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // HSTS only means something when the service is reached over https.
    strictTransportSecurity: opts.https ? { maxAge: 15_552_000 } : false,
  });
}

export function securityHeaders(opts: { https: boolean }): RequestHandler[] {
  const h = helmetFor(opts);
  const noStore = (req: Request, res: Response, next: NextFunction) => {
    const path = req.path.toLowerCase(); // routes match case-insensitively
    if (req.headers.authorization !== undefined || presentedCredential(req) !== undefined || path === '/v1/accounts' || path.startsWith('/v1/accounts/') || path === '/v1/session') {
      res.setHeader('Cache-Control', 'no-store');
    }
    next();
  };
  return [h, noStore];
}

/**
 * The headers helmet sets with these options, in its order, recorded once by running it on a
 * stand-in response (the options hold no per-request functions, so every answer gets these).
 */
export function securityHeaderList(opts: { https: boolean }): readonly (readonly [string, string])[] {
  const set: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      const i = set.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
      if (i >= 0) set.splice(i, 1);
      set.push([name, String(value)]);
    },
    removeHeader: (name: string) => {
      const i = set.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
      if (i >= 0) set.splice(i, 1);
    },
  };
  let error: unknown;
  helmetFor(opts)({ headers: {} } as Request, recorder as unknown as Response, (e?: unknown) => (error = e));
  if (error !== undefined) throw error;
  return set;
}
