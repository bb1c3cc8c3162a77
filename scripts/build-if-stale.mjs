#!/usr/bin/env node
/**
 * `npm run build` only when dist/ is older than the sources: what `prepare` (npm install, and the
 * first `npx copyright-ledger` in the repository) and `prestart` run, so a start after an install
 * does not spend its time in tsc. `npm run build` always builds; its prebuild and postbuild steps
 * (`--begin`, `--end`) leave dist/.build-stamp with the time that build began. Any file under src/
 * or a build input changed after that time means a new build.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const begun = join(root, 'dist', '.build-begun');
const INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest modification time (ms) of the files under `dir`. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (!e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function stampTime() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

if (process.argv[2] === '--begin') {
  mkdirSync(dirname(begun), { recursive: true });
  writeFileSync(begun, `${new Date().toISOString()}\n`);
  process.exit(0);
}
if (process.argv[2] === '--end') {
  // The stamp carries the time the build began: a source saved during the build is still newer.
  renameSync(begun, stamp);
  process.exit(0);
}

const sources = Math.max(newest(join(root, 'src')), ...INPUTS.map((f) => statSync(join(root, f)).mtimeMs));
const built = stampTime();
if (built >= sources) process.exit(0);

process.stderr.write(built < 0 ? 'copyright-ledger: building dist/\n' : 'copyright-ledger: sources changed since the last build, rebuilding dist/\n');
const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(r.status ?? 1);
