/**
 * POSIX ustar (IEEE Std 1003.1-1988 "ustar" interchange format), the subset exports use:
 * regular files only, names under 100 bytes, sizes under 8 GiB. Readable by any `tar`.
 *
 * The reader is strict, so that any changed byte of an archive is caught: every header's magic,
 * checksum and numeric fields must have exactly the form the writer gives them, the bytes that
 * pad a file to 512 bytes must be zero, names must not repeat, and everything after the two
 * zero blocks that end the archive must be zero.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';

const BLOCK = 512;
/** Largest member: 11 octal digits. */
export const MAX_MEMBER_BYTES = 8 ** 11 - 1;

export interface TarMember {
  name: string;
  /** Offset of the header block in the archive. */
  headerOffset: number;
  /** Offset of the first data byte. */
  offset: number;
  size: number;
}

/** A problem in the archive's tar structure, naming the member (or offset) it is in. */
export class TarError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}

function octal(value: number, width: number): string {
  // `width - 1` digits and a NUL, as GNU tar writes ustar numbers.
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** The 512-byte ustar header of a regular file. `name` MUST be ASCII, 1..99 bytes, without "..". */
export function tarHeader(name: string, size: number, mtime: number): Uint8Array {
  if (!/^[\x21-\x7e][\x20-\x7e]{0,98}$/.test(name)) throw new Error(`tar: bad member name ${JSON.stringify(name)}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MEMBER_BYTES) throw new Error(`tar: ${name} is too large`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 'ascii');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return new Uint8Array(h.buffer, h.byteOffset, BLOCK);
}

/** Writes a tar file to `<path>.partial`, renamed to `path` by `finish` (a failed export leaves no archive). */
export class TarWriter {
  private offset = 0;
  private readonly names = new Set<string>();

  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly mtime: number,
  ) {}

  static async create(path: string, mtime = Math.floor(Date.now() / 1000)): Promise<TarWriter> {
    return new TarWriter(await open(`${path}.partial`, 'w', 0o644), path, mtime);
  }

  async add(name: string, data: Uint8Array): Promise<void> {
    if (this.names.has(name)) throw new Error(`tar: ${name} written twice`);
    this.names.add(name);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    await this.write(tarHeader(name, data.length, this.mtime));
    await this.write(data);
    if (pad > 0) await this.write(new Uint8Array(pad));
  }

  private async write(data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, this.offset);
      done += bytesWritten;
      this.offset += bytesWritten;
    }
  }

  /** Ends the archive (two zero blocks), syncs it and moves it into place. */
  async finish(): Promise<void> {
    await this.write(new Uint8Array(2 * BLOCK));
    await this.fh.sync();
    await this.fh.close();
    await rename(`${this.path}.partial`, this.path);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await unlink(`${this.path}.partial`).catch(() => undefined);
  }
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

function field(h: Buffer, start: number, len: number): Buffer {
  return h.subarray(start, start + len);
}

/** A numeric field as the writer spells it: `len - 1` octal digits and a NUL. */
function readOctal(h: Buffer, start: number, len: number, what: string, where: string): number {
  const text = field(h, start, len).toString('latin1');
  if (!new RegExp(`^[0-7]{${len - 1}}\\0$`).test(text)) throw new TarError(where, `tar header: ${what} is not ${len - 1} octal digits and a NUL`);
  return parseInt(text.slice(0, -1), 8);
}

/** Reads and checks a tar file's structure, returning its members in order. */
export async function readTarIndex(fh: FileHandle): Promise<TarMember[]> {
  const { size: total } = await fh.stat();
  const members: TarMember[] = [];
  const names = new Set<string>();
  const h = Buffer.alloc(BLOCK);
  let at = 0;
  const read = async (buf: Buffer, pos: number) => {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    return bytesRead;
  };
  for (;;) {
    const where = `tar block at offset ${at}`;
    if (at + BLOCK > total) throw new TarError(where, 'archive ends without the two zero blocks that close a tar file');
    await read(h, at);
    if (isZero(h)) {
      // End of archive: this and everything after it must be zero, at least two blocks in all.
      if (at + 2 * BLOCK > total) throw new TarError(where, 'archive ends after one zero block, not two');
      const rest = Buffer.alloc(Math.min(1 << 20, total - at));
      for (let pos = at; pos < total; pos += rest.length) {
        const n = await read(rest, pos);
        const nz = rest.subarray(0, n).findIndex((x) => x !== 0);
        if (nz >= 0) throw new TarError(`offset ${pos + nz}`, 'non-zero byte after the end of the archive');
      }
      if ((total - at) % BLOCK !== 0) throw new TarError(`offset ${at}`, 'archive size is not a multiple of 512 bytes');
      return members;
    }
    const nameField = field(h, 0, 100);
    const nul = nameField.indexOf(0);
    const name = nameField.subarray(0, nul < 0 ? 100 : nul).toString('latin1');
    const w = name !== '' ? `${name} (tar header at offset ${at})` : where;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    const sumText = field(h, 148, 8).toString('latin1');
    if (!/^[0-7]{6}\0 $/.test(sumText) || parseInt(sumText.slice(0, 6), 8) !== sum) throw new TarError(w, 'tar header checksum does not match');
    if (field(h, 257, 8).toString('latin1') !== 'ustar\u000000') throw new TarError(w, 'not a ustar header');
    if (h[156] !== 0x30) throw new TarError(w, 'not a regular file');
    if (nul < 0 || !isZero(nameField.subarray(nul)) || !/^[\x21-\x7e][\x20-\x7e]*$/.test(name) || name.split('/').includes('..')) {
      throw new TarError(w, 'bad member name');
    }
    if (!isZero(field(h, 345, 155))) throw new TarError(w, 'long names (prefix field) are not used in exports');
    readOctal(h, 100, 8, 'mode', w);
    readOctal(h, 108, 8, 'uid', w);
    readOctal(h, 116, 8, 'gid', w);
    readOctal(h, 136, 12, 'mtime', w);
    const size = readOctal(h, 124, 12, 'size', w);
    if (names.has(name)) throw new TarError(w, 'member name appears twice');
    names.add(name);
    const offset = at + BLOCK;
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (offset + padded > total) throw new TarError(w, 'archive ends inside this member');
    if (padded > size) {
      const pad = Buffer.alloc(padded - size);
      await read(pad, offset + size);
      const nz = pad.findIndex((x) => x !== 0);
      if (nz >= 0) throw new TarError(`${name} (padding byte at offset ${offset + size + nz})`, 'padding after the member is not zero');
    }
    members.push({ name, headerOffset: at, offset, size });
    at = offset + padded;
  }
}

/** A member's bytes. */
export async function readMember(fh: FileHandle, m: TarMember): Promise<Uint8Array> {
  const buf = Buffer.alloc(m.size);
  let done = 0;
  while (done < m.size) {
    const { bytesRead } = await fh.read(buf, done, m.size - done, m.offset + done);
    if (bytesRead === 0) throw new TarError(m.name, 'archive ends inside this member');
    done += bytesRead;
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
