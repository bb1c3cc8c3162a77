/**
 * Content-addressed storage of uploaded originals under DATA_DIR:
 *
 *     <DATA_DIR>/uploads/tmp/<random>.part           uploads being received (never read back)
 *     <DATA_DIR>/uploads/sha256/<aa>/<bb>/<sha256>   kept originals, named by their SHA-256
 *
 * The same bytes are stored once. A file enters the store only by `link()` of a fully written,
 * fsync'd temp file, so a name in `sha256/` always holds exactly the bytes it is named for.
 * Temp files left by a crash are removed when the store is opened.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LogError } from '../../core/errors.js';
import type { OriginalStore, TempOriginal } from '../../app/originals.js';

const HEX64 = /^[0-9a-f]{64}$/;

export class ObjectStore implements OriginalStore {
  readonly tmpDir: string;
  readonly objectsDir: string;
  private ready: Promise<void> | undefined;

  constructor(dataDir: string) {
    this.tmpDir = join(dataDir, 'uploads', 'tmp');
    this.objectsDir = join(dataDir, 'uploads', 'sha256');
  }

  /** Creates the directories and removes temp files a crash left behind (once per instance). */
  init(): Promise<void> {
    return (this.ready ??= (async () => {
      await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
      await mkdir(this.objectsDir, { recursive: true, mode: 0o700 });
      for (const name of await readdir(this.tmpDir)) {
        if (name.endsWith('.part')) await unlink(join(this.tmpDir, name)).catch(() => undefined);
      }
    })());
  }

  /** Where the object with this SHA-256 (lowercase hex) lives. */
  pathOf(sha256: string): string {
    if (!HEX64.test(sha256)) throw new LogError('invalid_request', 'not a SHA-256');
    return join(this.objectsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** A new, empty temp file (mode 0600), opened for writing; its `ref` is its path. */
  async createTemp(): Promise<TempOriginal> {
    await this.init();
    const path = join(this.tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
    return {
      ref: path,
      write: (bytes, position) => writeAll(handle, bytes, position),
      datasync: () => handle.datasync(),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  }

  /** OriginalStore.keep: `put` under the port's name. */
  keep(ref: string, sha256: string): Promise<'stored' | 'existed'> {
    return this.put(ref, sha256);
  }

  /** Removes a temp file of this store (refs outside its temp folder are ignored). */
  async discard(ref: string): Promise<void> {
    if (dirname(ref) !== this.tmpDir) return;
    await unlink(ref).catch(() => undefined);
  }

  /** The kept original's bytes, or undefined. */
  async read(sha256: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch {
      return undefined;
    }
  }

  /**
   * Moves a complete, synced temp file into the store under its SHA-256. The caller MUST have
   * computed `sha256` over exactly the file's bytes. If the object exists already the temp file
   * is dropped. Either way the temp file is gone afterwards and the object is durable.
   */
  async put(tempPath: string, sha256: string): Promise<'stored' | 'existed'> {
    const target = this.pathOf(sha256);
    try {
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      try {
        await link(tempPath, target);
      } catch (e) {
        if ((e as { code?: string }).code === 'EEXIST') return 'existed';
        throw e;
      }
      await syncDir(dirname(target));
      return 'stored';
    } finally {
      await unlink(tempPath).catch(() => undefined);
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /** Names of the temp files present now (tests and diagnostics). */
  async temps(): Promise<string[]> {
    try {
      return (await readdir(this.tmpDir)).filter((n) => n.endsWith('.part'));
    } catch {
      return [];
    }
  }
}

/** Writes all of `bytes` at `position` (a regular file may take a write in parts). */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten === 0) throw new Error('write returned 0 bytes');
    done += bytesWritten;
  }
}

async function syncDir(path: string): Promise<void> {
  try {
    const dir = await open(path, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the file itself is synced.
  }
}
