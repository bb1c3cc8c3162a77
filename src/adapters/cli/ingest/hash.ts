/** SHA-256 and SM3 of a work file in one pass. */
import { createHash } from 'node:crypto';
import { close as closeCb, createReadStream, fstat as fstatCb, open as openCb, read as readCb, type Stats } from 'node:fs';
import type { Sm3Pool } from '../../crypto/sm3-pool.js';

export interface FileDigests {
  sha256: string;
  sm3: string;
  size: number;
  mtimeMs: number;
}

const SMALL_FILE = 1 << 20;

const fsOpen = (path: string) => new Promise<number>((res, rej) => openCb(path, 'r', (e, fd) => (e ? rej(e) : res(fd))));
const fsFstat = (fd: number) => new Promise<Stats>((res, rej) => fstatCb(fd, (e, st) => (e ? rej(e) : res(st))));
const fsRead = (fd: number, buf: Buffer, pos: number) =>
  new Promise<number>((res, rej) => readCb(fd, buf, pos, buf.length - pos, pos, (e, n) => (e ? rej(e) : res(n))));
const fsClose = (fd: number) => new Promise<void>((res) => closeCb(fd, () => res()));

/**
 * SHA-256 and SM3 of a file in one pass. Small files are read whole (open, fstat, read, close:
 * the callback API costs far less per file than fs/promises); larger ones are streamed with SM3
 * on a worker. `skip` sees the file's stat first: true skips the file (resolves undefined).
 */
export async function hashFile(path: string, pool: Sm3Pool, skip?: (st: { size: number; mtimeMs: number }) => boolean): Promise<FileDigests | undefined> {
  const fd = await fsOpen(path);
  let st: Stats;
  try {
    st = await fsFstat(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (skip?.(st)) return undefined;
    if (st.size <= SMALL_FILE) {
      const buf = Buffer.allocUnsafe(st.size);
      let n = 0;
      while (n < buf.length) {
        const got = await fsRead(fd, buf, n);
        if (got === 0) break;
        n += got;
      }
      const data = buf.subarray(0, n);
      return {
        sha256: createHash('sha256').update(data).digest('hex'),
        sm3: createHash('sm3').update(data).digest('hex'),
        size: n,
        mtimeMs: st.mtimeMs,
      };
    }
  } finally {
    await fsClose(fd);
  }
  const sha = createHash('sha256');
  const sm3 = pool.start();
  let n = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      sha.update(chunk);
      n += chunk.length;
      const wait = sm3.update(chunk);
      if (wait !== undefined) await wait;
    }
    return { sha256: sha.digest('hex'), sm3: await sm3.digest(), size: n, mtimeMs: st.mtimeMs };
  } catch (e) {
    sm3.cancel();
    throw e;
  }
}
