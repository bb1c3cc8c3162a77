/**
 * Builds the downloads the service hands out for verifying without it (docs/VERIFY.md):
 *
 * - `copyright-ledger-verify.mjs`: cli/standalone-verify.ts and src/core bundled by esbuild into
 *   one dependency-free ESM file for Node >= 18 (node builtins only);
 * - `verify.html`: the one-file verify page (web/verify/page.ts) with the bundled browser script
 *   of web/verify/client/ inline (the server serves the same page at /verify, keys filled in);
 * - `SHA256SUMS`: the SHA-256 of both, in `sha256sum -c` format.
 *
 * `npm run build` writes them to dist/downloads/ (write.ts); a server running from the
 * TypeScript sources (tests, tsx) builds them in memory on first request (http/downloads.ts).
 * esbuild is a devDependency: this module MUST only be imported lazily by the server.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { renderVerifyPage } from '../web/verify/page.js';
import { PAGE_FILE, PROJECT_ROOT, sha256Sums, SUMS_FILE, VERIFIER_FILE } from './files.js';

/** Licenses of what the bundles carry, named in their header. */
const BUNDLED = '@noble/hashes, @noble/curves (MIT), @peculiar/asn1-* and @peculiar/utils (MIT), asn1js (BSD-3-Clause), pvtsutils, pvutils (MIT), tslib (0BSD)';

function verifierBanner(version: string): string {
  return `#!/usr/bin/env node
/*! copyright-ledger-verify ${version}: the dependency-free verifier of copyright-ledger evidence and
 *  registration certificates (docs/VERIFY.md in the copyright-ledger sources).
 *  Usage: node copyright-ledger-verify.mjs cert.json [--file work] [--key K | --key-file F] [--tsa-cert F]... [--json]
 *  Exit codes: 0 valid against a pinned log key, 1 invalid, 2 usage error, 3 every check passed but
 *  the log key is not pinned. Needs Node >= 18 and nothing else; it never uses the network.
 *  Built from copyright-ledger's src/core with esbuild. Bundles ${BUNDLED}; their license notices follow at the end. */`;
}

/** package.json's version. */
export async function projectVersion(root = PROJECT_ROOT): Promise<string> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

async function bundle(options: esbuild.BuildOptions): Promise<string> {
  const r = await esbuild.build({ ...options, bundle: true, write: false, minify: true, logLevel: 'silent', charset: 'utf8', legalComments: 'eof' });
  const out = r.outputFiles?.[0];
  if (out === undefined) throw new Error(`esbuild produced no output for ${String(options.entryPoints)}`);
  return out.text;
}

/** The standalone verifier's source text. */
export async function buildVerifier(root = PROJECT_ROOT, version?: string): Promise<string> {
  const v = version ?? (await projectVersion(root));
  return bundle({
    entryPoints: [join(root, 'src/adapters/cli/standalone-verify.ts')],
    platform: 'node',
    format: 'esm',
    target: 'node18',
    define: { COPYRIGHT_LEDGER_VERSION: JSON.stringify(v) },
    banner: { js: verifierBanner(v) },
  });
}

const BROWSER_TARGET = ['es2022', 'chrome100', 'firefox100', 'safari15.4'];

/** The verify page's script (web/verify/client/main.ts, with the hashing worker's bundle inlined as a string) and its base64 SHA-256. */
export async function buildVerifyScript(root = PROJECT_ROOT, version?: string): Promise<{ script: string; scriptSha256: string }> {
  const v = version ?? (await projectVersion(root));
  const client = join(root, 'src/adapters/web/verify/client');
  const worker = await bundle({ entryPoints: [join(client, 'hash-worker.ts')], platform: 'browser', format: 'iife', target: BROWSER_TARGET, legalComments: 'none' });
  const script = (
    await bundle({
      entryPoints: [join(client, 'main.ts')],
      platform: 'browser',
      format: 'iife',
      target: BROWSER_TARGET,
      define: { VERIFY_HASH_WORKER_SOURCE: JSON.stringify(worker) },
      banner: { js: `/*! copyright-ledger verify page ${v}. Bundles ${BUNDLED}, fflate (MIT); their license notices follow at the end. */` },
    })
  ).replace(/<\/(script)/gi, '<\\/$1');
  return { script, scriptSha256: createHash('sha256').update(script, 'utf8').digest('base64') };
}

/** The downloadable verify page's HTML (no keys filled in, no network). */
export async function buildOfflinePage(root = PROJECT_ROOT, version?: string): Promise<string> {
  const v = version ?? (await projectVersion(root));
  return renderVerifyPage({ ...(await buildVerifyScript(root, v)), version: v });
}

/** Every download, by file name: the verifier, the page and their SHA256SUMS. */
export async function buildDownloads(root = PROJECT_ROOT): Promise<Map<string, Uint8Array>> {
  const version = await projectVersion(root);
  const [verifier, page] = await Promise.all([buildVerifier(root, version), buildOfflinePage(root, version)]);
  const files = new Map<string, Uint8Array>([
    [VERIFIER_FILE, new TextEncoder().encode(verifier)],
    [PAGE_FILE, new TextEncoder().encode(page)],
  ]);
  files.set(SUMS_FILE, new TextEncoder().encode(sha256Sums(files)));
  return files;
}
