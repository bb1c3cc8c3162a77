/**
 * Names of the portal's static assets (build.ts makes them, server.ts serves them) and where
 * `npm run build` writes them. Free of esbuild: the server imports it in production.
 */
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../../downloads/files.js';

/** Where `npm run build` writes the bundles. */
export const PORTAL_DIST_DIR = resolve(PROJECT_ROOT, 'dist', 'portal');

/** The bundles, by the name they are served under at `/assets/<name>`. */
export const PORTAL_ASSETS = {
  'portal.js': 'text/javascript; charset=utf-8',
  'hash-worker.js': 'text/javascript; charset=utf-8',
  'portal.css': 'text/css; charset=utf-8',
} as const;

export type PortalAsset = keyof typeof PORTAL_ASSETS;
export const PORTAL_ASSET_NAMES = Object.keys(PORTAL_ASSETS) as PortalAsset[];
