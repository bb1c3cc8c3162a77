/** Zod schemas of the matching routes (matches.ts); OpenAPI entries in matches-openapi.ts. */
import { z } from 'zod';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256: 64 lowercase hex digits');
const Hash16 = z.string().regex(/^[0-9a-f]{16}$/, 'a 64-bit image hash: 16 lowercase hex digits');
export const DepositIdParam = z.string().regex(/^dep_[0-9a-f]{20}$/, 'a deposit id: dep_ and 20 hex digits').meta({ description: 'Deposit id' });

export const ImageHash = z.strictObject({ phash: Hash16, dhash: Hash16 }).meta({ id: 'ImageHash', description: 'An image fingerprint as this service computes it (docs/ENFORCEMENT.md): 64-bit pHash and dHash' });

export const MatchRequest = z
  .union([
    z.strictObject({ text: z.string().min(1).max(1_000_000).meta({ description: 'A text to match (at least 20 words)' }) }),
    z.strictObject({ url: z.string().min(1).max(2048).meta({ description: 'A page to capture, then match (answered 202 with the capture)' }) }),
    z.strictObject({ captureId: z.string().regex(/^cap_[0-9a-f]{20}$/, 'a capture id').meta({ description: 'A finished capture of mine: every image and page text in it is matched' }) }),
    z.strictObject({ sha256: Hex64 }),
    z.strictObject({ imageHash: ImageHash }),
  ])
  .meta({ id: 'MatchRequest', description: 'Exactly one of text, url, captureId, sha256, imageHash; or send multipart/form-data with a `file` (or a `text` field)' });

export const Match = z
  .object({
    depositId: z.string(),
    method: z.enum(['exact', 'image-phash', 'text-minhash']),
    similarity: z.number().meta({ description: '0–1: 1 for exact, 1 − pHash distance/64 for images, estimated Jaccard similarity of word 2-shingles for texts' }),
    distance: z.number().int().optional().meta({ description: 'pHash Hamming distance (images)' }),
    account: z.string().meta({ description: 'The rights holder (depositing account)' }),
    index: z.number().int(),
    receivedAt: z.string(),
    foundAt: z.string().optional().meta({ description: 'The URL inside a captured page where the copy was found' }),
  })
  .meta({ id: 'Match' });

export const MatchResult = z
  .object({
    query: z.object({ sha256: z.string().optional(), kind: z.enum(['image', 'text', 'other', 'capture']) }),
    matches: z.array(Match),
  })
  .meta({ id: 'MatchResult' });

export const MatchCapturing = z
  .object({ capture: z.object({ id: z.string(), status: z.string() }), next: z.string() })
  .meta({ id: 'MatchCapturing', description: 'The page is being captured; match it with {"captureId"} once GET /v1/captures/{id} says done' });

export const OptInRequest = z
  .strictObject({ enabled: z.boolean(), depositId: DepositIdParam.optional().meta({ description: 'Only this deposit; absent: every deposit of the account' }) })
  .meta({ id: 'OptInRequest' });

export const OptIn = z
  .object({ account: z.boolean().meta({ description: 'Platforms may match every deposit of the account' }), deposits: z.array(z.string()).meta({ description: 'Deposits opted in one by one' }) })
  .meta({ id: 'OptIn' });

export const FingerprintView = z.object({ depositId: z.string(), kind: z.enum(['image', 'text']), createdAt: z.string() }).meta({ id: 'FingerprintView' });
