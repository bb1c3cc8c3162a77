/**
 * SHA-256 as a plain function, so the hot path (server: node:crypto, ~9x faster) and the
 * portable path (browser, CLI verifier: @noble/hashes) share every algorithm above it.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** SHA-256 over the concatenation of `parts`. MUST return a fresh 32-byte array. */
export type Sha256 = (...parts: Uint8Array[]) => Uint8Array;

/** Portable SHA-256 (pure JS). Use on the server only where speed does not matter. */
export const portableSha256: Sha256 = (...parts) => {
  if (parts.length === 1) return nobleSha256(parts[0]!);
  const h = nobleSha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
};
