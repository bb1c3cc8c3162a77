/** Messages from the hashing worker (hash-worker.ts) to the page (hashing.ts). */
export type HashMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; sha256: string; sm3: string; size: number }
  | { type: 'error'; message: string };

export interface FileHashes {
  sha256: string;
  sm3: string;
  size: number;
}
