/**
 * Hashes a File off the main thread in the worker at /assets/hash-worker.js. The promise
 * settles with the SHA-256 and SM3 (lowercase hex) and the size, or rejects with a
 * `HashCancelled` when `signal` aborts (the worker is terminated at once).
 */
import type { FileHashes, HashMessage } from './hash-protocol.js';

export type { FileHashes } from './hash-protocol.js';

export class HashCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export function hashInWorker(file: File, onProgress: (done: number, total: number) => void, signal?: AbortSignal): Promise<FileHashes> {
  return new Promise<FileHashes>((resolve, reject) => {
    if (signal?.aborted) return reject(new HashCancelled());
    const worker = new Worker('/assets/hash-worker.js');
    const stop = () => {
      worker.terminate();
      reject(new HashCancelled());
    };
    signal?.addEventListener('abort', stop, { once: true });
    const finish = () => {
      signal?.removeEventListener('abort', stop);
      worker.terminate();
    };
    worker.onmessage = (e: MessageEvent<HashMessage>) => {
      const m = e.data;
      if (m.type === 'progress') onProgress(m.done, m.total);
      else if (m.type === 'done') {
        finish();
        resolve({ sha256: m.sha256, sm3: m.sm3, size: m.size });
      } else {
        finish();
        reject(new Error(m.message));
      }
    };
    worker.onerror = (e) => {
      finish();
      reject(new Error(e.message || 'the hashing worker failed'));
    };
    worker.postMessage({ file });
  });
}
