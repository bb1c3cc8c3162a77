/** Names of the downloads (build.ts makes them, http/downloads.ts serves them) and their SHA256SUMS. Free of esbuild: the server imports it in production. */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (holds package.json and src/), from src/… or dist/…. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where `npm run build` writes the downloads. */
export const DOWNLOADS_DIR = resolve(PROJECT_ROOT, 'dist', 'downloads');

export const VERIFIER_FILE = 'copyright-ledger-verify.mjs';
export const PAGE_FILE = 'verify.html';
export const SUMS_FILE = 'SHA256SUMS';

/** `sha256sum` lines (`<hex>  <name>`) for `files`, checkable with `sha256sum -c SHA256SUMS`. */
export function sha256Sums(files: ReadonlyMap<string, Uint8Array>): string {
  return [...files].map(([name, bytes]) => `${createHash('sha256').update(bytes).digest('hex')}  ${name}\n`).join('');
}
