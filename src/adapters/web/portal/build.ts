/**
 * Bundles the portal's browser code with esbuild: `portal.js` (client/main.ts and the pages, an
 * ES module), `hash-worker.js` (the Web Worker that hashes dropped files) and `portal.css`.
 * `npm run build` writes them to dist/portal/ (write.ts); a server running from the TypeScript
 * sources builds them in memory on first request (server.ts). esbuild is a devDependency: this
 * module MUST only be imported lazily by the server.
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { PROJECT_ROOT } from '../../downloads/files.js';
import type { PortalAsset } from './assets.js';

const HERE = 'src/adapters/web/portal';
const TARGET = ['es2022', 'chrome100', 'firefox100', 'safari15.4'];

async function bundle(options: esbuild.BuildOptions): Promise<Uint8Array> {
  const r = await esbuild.build({ ...options, bundle: true, write: false, minify: true, logLevel: 'silent', charset: 'utf8', legalComments: 'eof', target: TARGET });
  const out = r.outputFiles?.[0];
  if (out === undefined) throw new Error(`esbuild produced no output for ${String(options.entryPoints)}`);
  return out.contents;
}

/** Every portal asset, by name. */
export async function buildPortalAssets(root = PROJECT_ROOT): Promise<Map<PortalAsset, Uint8Array>> {
  const [js, worker, css] = await Promise.all([
    bundle({ entryPoints: [join(root, HERE, 'client/main.ts')], platform: 'browser', format: 'esm' }),
    bundle({ entryPoints: [join(root, HERE, 'client/hash-worker.ts')], platform: 'browser', format: 'iife' }),
    bundle({ entryPoints: [join(root, HERE, 'portal.css')], loader: { '.css': 'css' } }),
  ]);
  return new Map<PortalAsset, Uint8Array>([
    ['portal.js', js],
    ['hash-worker.js', worker],
    ['portal.css', css],
  ]);
}
