/**
 * The Web Worker that hashes a dropped file: SHA-256 (@noble/hashes, incremental) and SM3
 * (src/core/sm3.ts) over the same chunks, read from the File a few MiB at a time, so a file of
 * any size hashes in constant memory and the page stays responsive. Posts progress after each
 * chunk; the page cancels by terminating the worker.
 *
 * Protocol: the page posts `{file: File}`; the worker answers `{type:'progress', done, total}`
 * any number of times, then `{type:'done', sha256, sm3, size}` or `{type:'error', message}`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../../../core/bytes.js';
import { Sm3 } from '../../../../core/sm3.js';
import type { HashMessage } from './hash-protocol.js';

/** Bytes read per step: large enough to be fast, small enough for frequent progress. */
const CHUNK = 4 << 20;
/** Bytes hashed between looks at the clock. */
const STEP = 64 << 10;
/** Hash for this long, then pause for PAUSE_MS. */
const SLICE_MS = 10;
const PAUSE_MS = 5;
const pause = () => new Promise<void>((r) => setTimeout(r, PAUSE_MS));

declare const self: { postMessage(m: HashMessage): void; onmessage: ((e: MessageEvent<{ file: File }>) => void) | null };

async function hashFile(file: File): Promise<void> {
  const sha = sha256.create();
  const sm3 = new Sm3();
  const total = file.size;
  self.postMessage({ type: 'progress', done: 0, total });
  let sliceStart = performance.now();
  for (let off = 0; off < total; off += CHUNK) {
    const bytes = new Uint8Array(await file.slice(off, Math.min(total, off + CHUNK)).arrayBuffer());
    for (let i = 0; i < bytes.length; i += STEP) {
      const part = bytes.subarray(i, i + STEP);
      sha.update(part);
      sm3.update(part);
      // Pause now and then: on a busy machine the page's own thread gets CPU time to answer input.
      if (performance.now() - sliceStart >= SLICE_MS) {
        await pause();
        sliceStart = performance.now();
      }
    }
    self.postMessage({ type: 'progress', done: off + bytes.length, total });
  }
  self.postMessage({ type: 'done', sha256: toHex(sha.digest()), sm3: toHex(sm3.digest()), size: total });
}

self.onmessage = (e) => {
  hashFile(e.data.file).catch((err: unknown) => self.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
