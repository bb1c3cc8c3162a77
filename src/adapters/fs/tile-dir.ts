/**
 * A directory of C2SP tlog-tiles (TILES_DIR) that any static file server can serve as the log:
 *
 *     <TILES_DIR>/checkpoint                     the latest published checkpoint
 *     <TILES_DIR>/tile/<L>/<N>[.p/<W>]           hash tiles
 *     <TILES_DIR>/tile/entries/<N>[.p/<W>]       entry bundles
 *     <TILES_DIR>/.tmp/                          files being written (old ones removed on open)
 *
 * Every file is written to `.tmp/` and renamed into place, so a reader sees a whole file or none,
 * and the checkpoint is replaced atomically. The log is public: files are 0644 and directories
 * 0755 whatever the process umask, so a web server running as another user can read them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TileSink } from '../../app/tile-publisher.js';

const STALE_TEMP_MS = 3_600_000;
const SAFE_PATH = /^(checkpoint|tile(\/[0-9A-Za-z.]+)+)$/;

export class TileDirectory implements TileSink {
  private readonly tmp: string;
  private readonly dirs = new Set<string>();

  private constructor(readonly root: string) {
    this.tmp = join(root, '.tmp');
  }

  /**
   * Creates the directory (and `.tmp/`) if needed and removes temp files a crash left behind (those
   * over an hour old: another process may be publishing into the same directory). Throws when it
   * cannot be written.
   */
  static async open(root: string): Promise<TileDirectory> {
    const dir = new TileDirectory(root);
    await dir.ensureDir(root);
    await mkdir(dir.tmp, { recursive: true, mode: 0o700 });
    for (const name of await readdir(dir.tmp)) {
      const file = join(dir.tmp, name);
      const s = await stat(file).catch(() => undefined);
      if (s !== undefined && Date.now() - s.mtimeMs > STALE_TEMP_MS) await rm(file, { recursive: true, force: true });
    }
    // A probe write, so an unwritable directory is reported at start rather than at the first block.
    const probe = join(dir.tmp, `probe-${randomBytes(6).toString('hex')}`);
    await (await open(probe, 'wx')).close();
    await unlink(probe);
    return dir;
  }

  private file(path: string): string {
    if (!SAFE_PATH.test(path) || path.split('/').some((p) => p === '.' || p === '..')) throw new Error(`not a tile path: ${path}`);
    return join(this.root, ...path.split('/'));
  }

  /** mkdir -p, with every directory it creates made 0755. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    const first = await mkdir(dir, { recursive: true });
    if (first !== undefined) {
      for (let d = dir; ; d = dirname(d)) {
        await chmod(d, 0o755);
        if (d === first || d === dirname(d)) break;
      }
    }
    this.dirs.add(dir);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.file(path)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async size(path: string): Promise<number | undefined> {
    try {
      const s = await stat(this.file(path));
      return s.isFile() ? s.size : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const target = this.file(path);
    await this.ensureDir(dirname(target));
    const temp = join(this.tmp, randomBytes(12).toString('hex'));
    try {
      const fh = await open(temp, 'wx', 0o600);
      try {
        await fh.writeFile(bytes);
        await fh.chmod(0o644);
      } finally {
        await fh.close();
      }
      await rename(temp, target);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      // A directory removed behind our back is made again on the next attempt.
      this.dirs.clear();
      throw e;
    }
  }

  async remove(path: string): Promise<void> {
    await rm(this.file(path), { recursive: true, force: true });
  }

  /** Names in `.tmp/` (tests: nothing is left behind). */
  async pending(): Promise<string[]> {
    return readdir(this.tmp);
  }
}
