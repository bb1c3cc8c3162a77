/** OpenAPI operations of the portal's bundles (the HTML pages themselves are not API operations). */
import { empty, op, text, type Operation } from '../../http/openapi-kit.js';
import { PORTAL_ASSET_NAMES, PORTAL_ASSETS } from './assets.js';

const OPERATION_IDS: Record<string, string> = {
  'portal.js': 'getPortalScript',
  'hash-worker.js': 'getPortalHashWorker',
  'portal.css': 'getPortalStylesheet',
};

const SUMMARIES: Record<string, string> = {
  'portal.js': "The web portal's browser script (an ES module)",
  'hash-worker.js': 'The Web Worker in which the portal hashes a dropped file (SHA-256 and SM3)',
  'portal.css': "The web portal's stylesheet",
};

export function portalOperations(): Operation[] {
  return PORTAL_ASSET_NAMES.map((name) =>
    op({
      method: 'get',
      path: `/assets/${name}`,
      operationId: OPERATION_IDS[name]!,
      tag: 'Portal',
      security: 'public',
      summary: SUMMARIES[name]!,
      responses: { 200: text('The bundle (ETag; revalidated on every use)', PORTAL_ASSETS[name].split(';')[0]!), 304: empty('Not modified (If-None-Match)') },
      errors: { 404: 'The portal was not built on this server (code not_found)' },
    }),
  );
}
