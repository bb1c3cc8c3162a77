/**
 * Every path the portal's browser router draws (client/pages/*.ts list the same patterns; a
 * test checks both agree). The server answers these with the HTML shell; any other path keeps
 * its 404 problem+json. `/verify` and `/verify/:id` are not here: they are a separate one-file
 * page.
 */
export const PORTAL_PATHS = [
  '/',
  '/signin',
  '/signup',
  '/keys',
  '/deposit',
  '/deposits',
  '/deposits/:id',
  '/prior-art',
  '/registrations',
  '/registrations/new',
  '/registrations/:id',
  '/review',
  '/review/:id',
  '/registry',
  '/registry/:number',
  '/stats',
  '/licences',
  '/licences/check',
  '/transfers',
  '/pledges',
  '/captures',
  '/captures/:id',
  '/matches',
  '/cases',
  '/cases/new',
  '/cases/:id',
] as const;

/** Does `pathname` name a portal page? (`:x` matches one non-empty segment; a trailing slash is ignored.) */
export function isPortalPath(pathname: string): boolean {
  const parts = pathname.length > 1 ? pathname.replace(/\/+$/, '').split('/') : [''];
  return PORTAL_PATHS.some((p) => {
    const pat = p === '/' ? [''] : p.split('/');
    return pat.length === parts.length && pat.every((s, i) => (s.startsWith(':') ? parts[i] !== '' : s === parts[i]));
  });
}
