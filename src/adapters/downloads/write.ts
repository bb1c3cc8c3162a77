/**
 * `node dist/adapters/downloads/write.js` (the last step of `npm run build`): writes the
 * standalone verifier, the verify page and their SHA256SUMS to dist/downloads/, where
 * the server (http/downloads.ts) and release packaging pick them up.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDownloads } from './build.js';
import { DOWNLOADS_DIR as dir } from './files.js';
const files = await buildDownloads();
await mkdir(dir, { recursive: true });
for (const [name, bytes] of files) {
  await writeFile(join(dir, name), bytes, { mode: name.endsWith('.mjs') ? 0o755 : 0o644 });
  process.stdout.write(`dist/downloads/${name} (${bytes.length} bytes)\n`);
}
