/**
 * DATA_DIR at start: checked and created before anything else touches it, private to the
 * service's user (docs/SECURITY.md).
 *
 * - The process umask becomes 0o077, so every file and directory created afterwards (LevelDB's
 *   files, keys, uploads, temp files) is 0600/0700 whatever mode its creator asks for.
 * - The nearest existing ancestor of DATA_DIR MUST be a writable directory; the missing
 *   components are then created one at a time (mode 0700). No recursive mkdir: on some
 *   file systems (e.g. /proc) Node's recursive mkdir spins forever instead of failing.
 * - An existing DATA_DIR is chmod-ed to 0700 (files created by older versions keep their modes,
 *   but nobody else can reach them through the directory).
 *
 * Every failure is a ConfigError naming DATA_DIR, printed as one line by main.ts.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../config.js';

/** Sets the umask to 0o077. Returns false where the process cannot change it (a worker thread). */
export function restrictUmask(): boolean {
  try {
    process.umask(0o077);
    return true;
  } catch {
    return false;
  }
}

function errno(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}

/**
 * Checks and creates `dir` (see the file comment). Resolves with warnings worth logging (e.g. a
 * chmod the file system refused); rejects with ConfigError('DATA_DIR').
 */
export async function prepareDataDir(dir: string): Promise<string[]> {
  const fail = (why: string) => new ConfigError('DATA_DIR', `DATA_DIR: ${why}`);
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    try {
      const st = await stat(existing);
      if (!st.isDirectory()) throw fail(`${existing} is not a directory`);
      break;
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      // ENOTDIR: a component above is a file; going up finds it and names it.
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw fail(`cannot inspect ${existing} (${errno(e)})`);
      const parent = dirname(existing);
      if (parent === existing) throw fail(`no existing ancestor of ${target}`);
      missing.unshift(existing);
      existing = parent;
    }
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw fail(`${existing} is not writable (${errno(e)})`);
  }
  for (const d of missing) {
    try {
      await mkdir(d, { mode: 0o700 });
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw fail(`cannot create ${d} (${errno(e)})`);
    }
  }
  const st = await stat(target).catch((e: unknown) => {
    throw fail(`cannot inspect ${target} (${errno(e)})`);
  });
  if (!st.isDirectory()) throw fail(`${target} is not a directory`);
  const warnings: string[] = [];
  if ((st.mode & 0o777) !== 0o700) {
    try {
      await chmod(target, 0o700);
    } catch (e) {
      warnings.push(`DATA_DIR: cannot chmod ${target} to 0700 (${errno(e)}); it is ${(st.mode & 0o777).toString(8)}`);
    }
  }
  return warnings;
}
