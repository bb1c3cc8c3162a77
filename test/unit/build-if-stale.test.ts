/**
 * scripts/build-if-stale.mjs (prepare and prestart): builds when dist/ has no stamp or a source
 * is newer than the last build, and otherwise does nothing, so `npm start` after `npm install`
 * does not rebuild. Run on a copy of the script in a small project whose build only counts.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, PROJECT_ROOT, removeAllTempDirs } from '../support/proc.js';

const exec = promisify(execFile);

afterAll(removeAllTempDirs);

describe('build-if-stale', () => {
  it('builds once, then only after a source changed; npm run build leaves the stamp', async () => {
    const dir = await makeTempDir('cl-stale-');
    const root = dir.path;
    await mkdir(join(root, 'scripts'));
    await mkdir(join(root, 'src'));
    await copyFile(join(PROJECT_ROOT, 'scripts/build-if-stale.mjs'), join(root, 'scripts/build-if-stale.mjs'));
    const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node scripts/build-if-stale.mjs');
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    await writeFile(
      join(root, 'package.json'),
      JSON.stringify({
        name: 'p',
        version: '1.0.0',
        scripts: {
          prebuild: pkg.scripts.prebuild,
          build: `node -e "require('fs').appendFileSync('builds.txt', 'x')"`,
          postbuild: pkg.scripts.postbuild,
        },
      }),
    );
    for (const f of ['tsconfig.json', 'tsconfig.build.json']) await writeFile(join(root, f), '{}');
    await writeFile(join(root, 'src/a.ts'), 'export {};');
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const run = () => exec(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, env });
    const builds = async () => (await readFile(join(root, 'builds.txt'), 'utf8').catch(() => '')).length;

    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    await run();
    expect(await builds()).toBe(1); // no dist/: built
    await run();
    await run();
    expect(await builds()).toBe(1); // up to date: nothing
    await utimes(join(root, 'dist/.build-stamp'), ago(60), ago(60));
    await utimes(join(root, 'src/a.ts'), ago(30), ago(30));
    await run();
    expect(await builds()).toBe(2); // a source newer than the last build: built
    await run();
    expect(await builds()).toBe(2);
    // A test file is not a build input.
    await writeFile(join(root, 'src/a.test.ts'), '');
    await utimes(join(root, 'src/a.test.ts'), ago(-60), ago(-60));
    await run();
    expect(await builds()).toBe(2);
    // npm run build always builds, and leaves a fresh stamp.
    await utimes(join(root, 'dist/.build-stamp'), ago(60), ago(60));
    await exec('npm', ['run', '--silent', 'build'], { cwd: root, env });
    expect(await builds()).toBe(3);
    await run();
    expect(await builds()).toBe(3);
  }, 60_000);
});
