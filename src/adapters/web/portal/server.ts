/**
 * The web portal's server side: the HTML shell for every portal page path (paths.ts) and the
 * bundles under `/assets/` (portal.js, hash-worker.js, portal.css).
 *
 * Where the bundles come from: a server running from dist/ serves dist/portal/, which
 * `npm run build` writes. A server running from the TypeScript sources (tests, tsx), or one whose
 * dist/portal/ is missing, builds them in memory with esbuild on the first request and keeps
 * them (esbuild is a devDependency; without it the assets answer 404 saying so).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router, type Request, type Response } from 'express';
import { LogError } from '../../../core/errors.js';
import { PORTAL_ASSET_NAMES, PORTAL_ASSETS, PORTAL_DIST_DIR, type PortalAsset } from './assets.js';
import { isPortalPath } from './paths.js';
import { PORTAL_CSP, renderShell, shellLang } from './shell.js';

type Files = Map<PortalAsset, { bytes: Buffer; etag: string }>;

/** Running from the .ts sources: dist/portal/ may be stale, so build from the sources. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

function withEtags(files: Map<PortalAsset, Uint8Array>): Files {
  const out: Files = new Map();
  for (const [name, bytes] of files) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    out.set(name, { bytes: buf, etag: `"${createHash('sha256').update(buf).digest('hex').slice(0, 32)}"` });
  }
  return out;
}

async function readBuilt(): Promise<Files | undefined> {
  try {
    const files = new Map<PortalAsset, Uint8Array>();
    for (const name of PORTAL_ASSET_NAMES) files.set(name, await readFile(join(PORTAL_DIST_DIR, name)));
    return withEtags(files);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function buildInMemory(): Promise<Files> {
  let build: typeof import('./build.js');
  try {
    build = await import('./build.js');
  } catch (cause) {
    throw new LogError('not_found', 'the portal was not built on this server: run npm run build (it writes dist/portal/)', { cause });
  }
  return withEtags(await build.buildPortalAssets());
}

let cached: Promise<Files> | undefined;

/** The bundles, loaded (or built) once; a failed load is retried on the next request. */
export function loadPortalAssets(): Promise<Files> {
  cached ??= (async () => (FROM_SOURCE ? undefined : await readBuilt()) ?? (await buildInMemory()))();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

export function portalRoutes(): Router {
  const router = Router();
  for (const name of PORTAL_ASSET_NAMES) {
    router.get(`/assets/${name}`, async (req: Request, res: Response) => {
      const file = (await loadPortalAssets()).get(name);
      if (file === undefined) throw new LogError('not_found', `no asset ${name}`);
      // Names carry no content hash: revalidate every time, answer 304 when unchanged.
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('ETag', file.etag);
      if (req.headers['if-none-match'] === file.etag) {
        res.status(304).end();
        return;
      }
      res.status(200).type(PORTAL_ASSETS[name]).send(file.bytes);
    });
  }
  router.use((req: Request, res: Response, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isPortalPath(req.path)) return next();
    const lang = shellLang((req.query as Record<string, unknown>).lang, req.headers.cookie);
    res.setHeader('Content-Security-Policy', PORTAL_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Language', lang === 'zh' ? 'zh-CN' : 'en');
    res.status(200).type('text/html; charset=utf-8').send(renderShell(lang));
  });
  return router;
}
