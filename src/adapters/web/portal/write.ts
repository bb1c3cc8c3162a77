/**
 * `node dist/adapters/web/portal/write.js` (a step of `npm run build`): writes the portal's
 * bundles to dist/portal/, where the server (server.ts) serves them from.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PORTAL_DIST_DIR as dir } from './assets.js';
import { buildPortalAssets } from './build.js';
const files = await buildPortalAssets();
await mkdir(dir, { recursive: true });
for (const [name, bytes] of files) {
  await writeFile(join(dir, name), bytes);
  process.stdout.write(`dist/portal/${name} (${bytes.length} bytes)\n`);
}
