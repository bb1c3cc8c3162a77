/** SHA-256 and SM3 of a File, read chunk by chunk (in the hashing worker, or on the page when no worker can start). */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../../../core/bytes.js';
import { Sm3 } from '../../../../core/sm3.js';

export interface Digests {
  sha256: string;
  sm3: string;
  size: number;
}

export type HashProgress = (done: number, total: number) => void;

/** Hashes `file` in `chunk`-byte pieces, calling `onProgress` after each; awaits between pieces, so the caller's thread stays responsive. */
export async function hashFile(file: Blob, onProgress: HashProgress, chunk = 4 << 20): Promise<Digests> {
  const sha = sha256.create();
  const sm3 = new Sm3();
  for (let off = 0; off < file.size; off += chunk) {
    const bytes = new Uint8Array(await file.slice(off, off + chunk).arrayBuffer());
    sha.update(bytes);
    sm3.update(bytes);
    onProgress(off + bytes.length, file.size);
  }
  return { sha256: toHex(sha.digest()), sm3: toHex(sm3.digest()), size: file.size };
}
