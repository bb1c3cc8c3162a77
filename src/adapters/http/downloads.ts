/**
 * `GET /downloads/…`: what a lawyer or a court needs to verify certificates without this
 * service (docs/VERIFY.md): the dependency-free verifier `copyright-ledger-verify.mjs`, the
 * one-file verify page `verify.html` (the page /verify serves, without the operator's keys), and `SHA256SUMS` of both.
 *
 * Where the files come from: a server running from dist/ serves dist/downloads/, which
 * `npm run build` writes. A server running from the TypeScript sources (tests, tsx), or one whose
 * dist/downloads/ is missing, builds them in memory with esbuild on the first request and keeps
 * them (esbuild is a devDependency; without it the routes answer 404 saying so).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router, type Request, type Response } from 'express';
import { LogError } from '../../core/errors.js';
import { DOWNLOADS_DIR, PAGE_FILE, sha256Sums, SUMS_FILE, VERIFIER_FILE } from '../downloads/files.js';
import { pageScript, verifyPageCsp } from '../web/verify/page.js';
import { empty, op, text, type Operation } from './openapi-kit.js';

type Files = Map<string, Uint8Array>;

/** Running from the .ts sources: dist/downloads/ may be stale, so build from the sources. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

async function readBuilt(): Promise<Files | undefined> {
  try {
    const files: Files = new Map();
    for (const name of [VERIFIER_FILE, PAGE_FILE]) files.set(name, new Uint8Array(await readFile(join(DOWNLOADS_DIR, name))));
    files.set(SUMS_FILE, new TextEncoder().encode(sha256Sums(files)));
    return files;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function buildInMemory(): Promise<Files> {
  let build: typeof import('../downloads/build.js');
  try {
    build = await import('../downloads/build.js');
  } catch (cause) {
    throw new LogError('not_found', 'the verifier downloads were not built on this server: run npm run build (it writes dist/downloads/)', { cause });
  }
  return build.buildDownloads();
}

let cached: Promise<Files> | undefined;

/** The downloads, loaded (or built) once; a failed load is retried on the next request. */
export function loadDownloads(): Promise<Files> {
  cached ??= (async () => (FROM_SOURCE ? undefined : await readBuilt()) ?? (await buildInMemory()))();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

const TYPES: Record<string, string> = {
  [VERIFIER_FILE]: 'text/javascript; charset=utf-8',
  [PAGE_FILE]: 'text/html; charset=utf-8',
  [SUMS_FILE]: 'text/plain; charset=utf-8',
};

export function downloadRoutes(): Router {
  const router = Router();
  const serve = async (req: Request, res: Response, name: string) => {
    const bytes = (await loadDownloads()).get(name);
    if (bytes === undefined) throw new LogError('not_found', `no download ${name}`);
    const sha = createHash('sha256').update(bytes).digest();
    const etag = `"${sha.toString('hex').slice(0, 32)}"`;
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.setHeader('ETag', etag);
    res.setHeader('Repr-Digest', `sha-256=:${sha.toString('base64')}:`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (name === VERIFIER_FILE) res.setHeader('Content-Disposition', `attachment; filename="${VERIFIER_FILE}"`);
    if (name === PAGE_FILE) {
      const html = new TextDecoder().decode(bytes);
      res.setHeader('Content-Security-Policy', verifyPageCsp(createHash('sha256').update(pageScript(html), 'utf8').digest('base64'), { header: true }));
      res.setHeader('Content-Disposition', `inline; filename="${PAGE_FILE}"`);
    }
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.status(200).type(TYPES[name]!).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };
  router.get(`/downloads/${VERIFIER_FILE}`, (req, res) => serve(req, res, VERIFIER_FILE));
  router.get(`/downloads/${PAGE_FILE}`, (req, res) => serve(req, res, PAGE_FILE));
  router.get(`/downloads/${SUMS_FILE}`, (req, res) => serve(req, res, SUMS_FILE));
  return router;
}

/** OpenAPI operations of the download routes. */
export function downloadOperations(): Operation[] {
  const file = (name: string, operationId: string, summary: string, type: string) =>
    op({
      method: 'get',
      path: `/downloads/${name}`,
      operationId,
      tag: 'Downloads',
      security: 'public',
      summary,
      responses: { 200: text('The file (ETag, Repr-Digest: sha-256; cacheable for a day)', type), 304: empty('Not modified (If-None-Match)') },
      errors: { 404: 'The downloads were not built on this server (code not_found)' },
    });
  return [
    file(VERIFIER_FILE, 'getStandaloneVerifier', 'The dependency-free verifier: `node copyright-ledger-verify.mjs cert.json [--file F] --key-file F` on Node >= 18 (docs/VERIFY.md)', 'text/javascript'),
    file(PAGE_FILE, 'getOfflineVerifyPage', 'The one-file verify page (the page /verify serves, without its keys): all script and style inline, no network (docs/VERIFY.md)', 'text/html'),
    file(SUMS_FILE, 'getDownloadChecksums', 'SHA-256 of the downloads, in `sha256sum -c` format', 'text/plain'),
  ];
}
