/**
 * Hashes the dropped work file without freezing the page: in a Web Worker started from a Blob
 * URL of the worker's inlined source (the page's CSP allows `worker-src blob:`); where no worker
 * can start (an old browser, a policy that forbids it), on the page in 1 MiB pieces with a pause
 * between them. Either way nothing leaves the browser.
 */
import { hashFile, type Digests, type HashProgress } from './hash-core.js';

/** The bundled source of hash-worker.ts, put in by the build (esbuild `define`). */
declare const VERIFY_HASH_WORKER_SOURCE: string;

function inWorker(file: File, onProgress: HashProgress): Promise<Digests> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([VERIFY_HASH_WORKER_SOURCE], { type: 'text/javascript' }));
    let worker: Worker;
    try {
      worker = new Worker(url);
    } catch (e) {
      URL.revokeObjectURL(url);
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const done = () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    };
    worker.onmessage = (e: MessageEvent<{ progress?: [number, number]; digests?: Digests; error?: string }>) => {
      const m = e.data;
      if (m.progress) onProgress(m.progress[0], m.progress[1]);
      else if (m.digests) {
        done();
        resolve(m.digests);
      } else {
        done();
        reject(new Error(m.error ?? 'hashing failed'));
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      done();
      reject(new Error(e.message || 'the hashing worker could not start'));
    };
    worker.postMessage({ file });
  });
}

/** How the last file was hashed (shown to the curious and to tests). */
export let hashedBy: 'worker' | 'page' | undefined;

export async function hashWork(file: File, onProgress: HashProgress): Promise<Digests> {
  if (typeof Worker === 'function' && typeof VERIFY_HASH_WORKER_SOURCE === 'string') {
    try {
      const d = await inWorker(file, onProgress);
      hashedBy = 'worker';
      return d;
    } catch {
      // fall back to hashing on the page
    }
  }
  const d = await hashFile(file, (done, total) => onProgress(done, total), 1 << 20);
  hashedBy = 'page';
  return d;
}
