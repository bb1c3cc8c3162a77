/**
 * The verify page's hashing worker: SHA-256 and SM3 of a File, read in chunks, reporting
 * progress. Bundled on its own and inlined into the page's script as a string (the page starts
 * it from a Blob URL, CSP `worker-src blob:`), so the page stays one file.
 */
import { hashFile, type HashProgress } from './hash-core.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<{ file: File }>) => void) | null;
  postMessage(msg: unknown): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  const onProgress: HashProgress = (done, total) => scope.postMessage({ progress: [done, total] });
  hashFile(e.data.file, onProgress).then(
    (digests) => scope.postMessage({ digests }),
    (err: unknown) => scope.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
};
