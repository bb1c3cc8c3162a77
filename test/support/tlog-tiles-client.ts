/**
 * A read-only client of a C2SP tiled transparency log, written from the specs alone and sharing
 * no code with src/: tlog-tiles (https://c2sp.org/tlog-tiles), tlog-checkpoint
 * (https://c2sp.org/tlog-checkpoint), signed-note (https://c2sp.org/signed-note) and RFC 9162
 * §2.1 (Merkle tree hashes, inclusion proofs). Hashing and Ed25519 come from node:crypto.
 *
 * Given a URL prefix and the log's verifier key, it fetches `<prefix>/checkpoint`, checks the
 * note's signature, recomputes the root of the checkpoint's tree from the hash tiles (partial ones
 * at the width the tree size requires), checks that every entry bundle's entries hash to the
 * level-0 tiles and every full tile hashes to its parent tile's hash, and builds RFC 9162
 * inclusion proofs from tiles.
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';

const HASH_SIZE = 32;
const TILE_WIDTH = 256;
const TILE_HEIGHT = 8;

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
const leafHash = (entry: Uint8Array) => sha256(Uint8Array.of(0), entry);
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Uint8Array.of(1), left, right);
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// ---- signed note and checkpoint

export interface Checkpoint {
  origin: string;
  treeSize: bigint;
  rootHash: Uint8Array;
  /** Extension lines after the root hash. */
  extensions: string[];
  /** The signed text (the note body, final newline included). */
  body: string;
}

interface VerifierKey {
  name: string;
  id: Uint8Array;
  publicKey: Uint8Array;
}

/** `<name>+<hex key id>+<base64(0x01 ‖ 32-byte Ed25519 key)>`; the id is checked against the key. */
export function parseVerifierKey(line: string): VerifierKey {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(line.trim());
  if (!m) throw new Error(`not a verifier key: ${line}`);
  const raw = new Uint8Array(Buffer.from(m[3]!, 'base64'));
  if (raw.length !== 33 || raw[0] !== 0x01) throw new Error('not an Ed25519 verifier key');
  const name = m[1]!;
  const id = new Uint8Array(Buffer.from(m[2]!, 'hex'));
  const expected = sha256(new TextEncoder().encode(name + '\n'), raw).subarray(0, 4);
  if (!equal(id, expected)) throw new Error('the verifier key id does not match its key');
  return { name, id, publicKey: raw.subarray(1) };
}

/** Opens a signed note: checks that `key` signed it (by name, key id and Ed25519 signature) and parses the checkpoint body. */
export function openCheckpoint(note: string, verifierKey: string): Checkpoint {
  const key = parseVerifierKey(verifierKey);
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const body = note.slice(0, split + 1);
  const signatures = note.slice(split + 2, -1).split('\n');
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKey).toString('base64url') }, format: 'jwk' });
  let verified = false;
  for (const line of signatures) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw new Error(`malformed signature line: ${line}`);
    const sig = new Uint8Array(Buffer.from(m[2]!, 'base64'));
    if (m[1] !== key.name || sig.length !== 68 || !equal(sig.subarray(0, 4), key.id)) continue;
    if (!verifySignature(null, Buffer.from(body, 'utf8'), publicKey, sig.subarray(4))) throw new Error('the checkpoint signature does not verify');
    verified = true;
  }
  if (!verified) throw new Error('the checkpoint carries no signature by the pinned key');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1]!)) throw new Error('malformed checkpoint body');
  const rootHash = new Uint8Array(Buffer.from(lines[2]!, 'base64'));
  if (rootHash.length !== HASH_SIZE) throw new Error('malformed root hash');
  return { origin: lines[0]!, treeSize: BigInt(lines[1]!), rootHash, extensions: lines.slice(3), body };
}

// ---- paths

/** `<N>` as 3-digit groups, all but the last prefixed with `x`. */
export function indexPath(n: bigint): string {
  const digits = n.toString();
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups = padded.match(/.{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

export const hashTilePath = (level: number, n: bigint, width: number) => `tile/${level}/${indexPath(n)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
export const bundlePath = (n: bigint, width: number) => `tile/entries/${indexPath(n)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;

/** Width of tile `n` at `level` in a tree of `size`: floor(size / 256^level) − 256·n, at most 256 (0: not in the tree). */
export function widthAt(size: bigint, level: number, n: bigint): number {
  const count = size / 256n ** BigInt(level) - 256n * n;
  return count <= 0n ? 0 : count >= 256n ? 256 : Number(count);
}

// ---- the client

export interface ClientStats {
  requests: number;
  /** Partial tiles that were gone (404), read from the full tile instead. */
  fallbacks: number;
}

export class TlogTilesClient {
  readonly stats: ClientStats = { requests: 0, fallbacks: 0 };
  private readonly tiles = new Map<string, Uint8Array>();
  private readonly prefix: string;

  constructor(
    prefix: string,
    private readonly verifierKey: string,
  ) {
    this.prefix = prefix.replace(/\/+$/, '');
  }

  private async get(path: string): Promise<Uint8Array | undefined> {
    this.stats.requests++;
    const res = await fetch(`${this.prefix}/${path}`);
    if (res.status === 404) {
      await res.arrayBuffer();
      return undefined;
    }
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async checkpoint(): Promise<Checkpoint> {
    const bytes = await this.get('checkpoint');
    if (bytes === undefined) throw new Error('no checkpoint');
    return openCheckpoint(new TextDecoder('utf-8', { fatal: true }).decode(bytes), this.verifierKey);
  }

  /** A tile's or bundle's bytes at `width`; a partial one that is gone is cut from the full one (the spec's fallback). */
  private async resource(partialPath: string, fullPath: string, width: number, cut: (full: Uint8Array) => Uint8Array): Promise<Uint8Array> {
    const path = width < TILE_WIDTH ? partialPath : fullPath;
    const cached = this.tiles.get(path);
    if (cached) return cached;
    let bytes = await this.get(path);
    if (bytes === undefined && width < TILE_WIDTH) {
      const full = await this.get(fullPath);
      if (full !== undefined) {
        this.stats.fallbacks++;
        bytes = cut(full);
      }
    }
    if (bytes === undefined) throw new Error(`GET ${path}: 404`);
    this.tiles.set(path, bytes);
    return bytes;
  }

  /** The hashes of hash tile (`level`, `n`) in a tree of `size`, checked to be exactly as wide as that tree requires. */
  async hashTile(size: bigint, level: number, n: bigint): Promise<Uint8Array[]> {
    const width = widthAt(size, level, n);
    if (width === 0) throw new Error(`tile ${level}/${n} is not in a tree of ${size}`);
    const bytes = await this.resource(hashTilePath(level, n, width), hashTilePath(level, n, 256), width, (full) => full.subarray(0, width * HASH_SIZE));
    if (bytes.length !== width * HASH_SIZE) throw new Error(`tile ${hashTilePath(level, n, width)} has ${bytes.length} bytes, expected ${width * HASH_SIZE}`);
    return Array.from({ length: width }, (_, i) => bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  }

  /** The entries of bundle `n` in a tree of `size`, checked to be exactly as many as that tree requires. */
  async entryBundle(size: bigint, n: bigint): Promise<Uint8Array[]> {
    const width = widthAt(size, 0, n);
    if (width === 0) throw new Error(`bundle ${n} is not in a tree of ${size}`);
    const bytes = await this.resource(bundlePath(n, width), bundlePath(n, 256), width, (full) => full.subarray(0, bundleLength(full, width)));
    const entries = splitBundle(bytes);
    if (entries.length !== width) throw new Error(`bundle ${bundlePath(n, width)} holds ${entries.length} entries, expected ${width}`);
    return entries;
  }

  /**
   * The hash of the perfect subtree at tree level `k` (2^k leaves), number `i`, in a tree of
   * `size`: read from the tile level ⌊k/8⌋ holding its 2^(k mod 8) hashes, then hashed up.
   */
  async subtreeHash(size: bigint, k: number, i: bigint): Promise<Uint8Array> {
    const level = Math.floor(k / TILE_HEIGHT);
    const span = 2 ** (k % TILE_HEIGHT);
    const first = i * BigInt(span);
    const n = first / 256n;
    const tile = await this.hashTile(size, level, n);
    const offset = Number(first % 256n);
    if (offset + span > tile.length) throw new Error(`subtree ${k}/${i} is not complete in a tree of ${size}`);
    return merkleRoot(tile.slice(offset, offset + span));
  }

  /** MTH(D[start:end]) for a range of the RFC 9162 recursion (start aligned to the largest power of two below end − start, or a perfect aligned range). */
  async rangeHash(size: bigint, start: bigint, end: bigint): Promise<Uint8Array> {
    const n = end - start;
    if (n <= 0n) throw new Error('empty range');
    if ((n & (n - 1n)) === 0n && start % n === 0n) return this.subtreeHash(size, n.toString(2).length - 1, start / n);
    const k = largestPowerOfTwoBelow(n);
    return nodeHash(await this.rangeHash(size, start, start + k), await this.rangeHash(size, start + k, end));
  }

  /** The root hash of the tree of `size` (the first `size` entries), from tiles: SHA-256("") for the empty tree. */
  async rootHash(size: bigint): Promise<Uint8Array> {
    return size === 0n ? sha256() : this.rangeHash(size, 0n, size);
  }

  /** RFC 9162 §2.1.3.1 inclusion proof of entry `m` in the tree of `size`, built from tiles. */
  async inclusionProof(m: bigint, size: bigint): Promise<Uint8Array[]> {
    if (m < 0n || m >= size) throw new Error(`index ${m} is not in a tree of ${size}`);
    const path = async (m: bigint, start: bigint, end: bigint): Promise<Uint8Array[]> => {
      const n = end - start;
      if (n === 1n) return [];
      const k = largestPowerOfTwoBelow(n);
      if (m < k) return [...(await path(m, start, start + k)), await this.rangeHash(size, start + k, end)];
      return [...(await path(m - k, start + k, end)), await this.rangeHash(size, start, start + k)];
    };
    return path(m, 0n, size);
  }

  /** The leaf hash of entry `m` from the level-0 tile of a tree of `size`. */
  async leafHashAt(size: bigint, m: bigint): Promise<Uint8Array> {
    return (await this.hashTile(size, 0, m / 256n))[Number(m % 256n)]!;
  }

  /** The entry bytes of `m` from its bundle in a tree of `size`. */
  async entryAt(size: bigint, m: bigint): Promise<Uint8Array> {
    return (await this.entryBundle(size, m / 256n))[Number(m % 256n)]!;
  }

  /**
   * Checks the whole tree of `size` against `root`: every entry hashes to its level-0 tile hash,
   * every full tile hashes to its hash in the tile above, and the tiles give `root`. Returns the
   * number of tiles and bundles it read.
   */
  async checkTree(size: bigint, root: Uint8Array): Promise<{ tiles: number; bundles: number }> {
    let tiles = 0;
    let bundles = 0;
    const computed = await this.rootHash(size);
    if (!equal(computed, root)) throw new Error(`the tiles give root ${hex(computed)}, the checkpoint says ${hex(root)}`);
    for (let level = 0; size / 256n ** BigInt(level) > 0n; level++) {
      const count = size / 256n ** BigInt(level);
      for (let n = 0n; n * 256n < count; n++) {
        const hashes = await this.hashTile(size, level, n);
        tiles++;
        if (level === 0) {
          const entries = await this.entryBundle(size, n);
          bundles++;
          entries.forEach((e, i) => {
            if (!equal(leafHash(e), hashes[i]!)) throw new Error(`entry ${n * 256n + BigInt(i)} does not hash to its level-0 tile hash`);
          });
        }
        if (hashes.length === TILE_WIDTH && widthAt(size, level + 1, n / 256n) > 0) {
          const above = (await this.hashTile(size, level + 1, n / 256n))[Number(n % 256n)]!;
          if (!equal(merkleRoot(hashes), above)) throw new Error(`full tile ${level}/${n} does not hash to its parent tile's hash`);
        }
      }
    }
    return { tiles, bundles };
  }
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof of leaf `m` (hash `leaf`) in a tree of `size` leads to, or undefined if the proof is malformed. */
export function rootFromInclusionProof(m: bigint, size: bigint, leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array | undefined {
  if (m >= size) return undefined;
  let fn = m;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else r = nodeHash(r, p);
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

/** MTH of a power-of-two number of hashes. */
function merkleRoot(hashes: readonly Uint8Array[]): Uint8Array {
  let level = [...hashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

function largestPowerOfTwoBelow(n: bigint): bigint {
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return k;
}

/** Entries of a bundle: each a big-endian uint16 length, then its bytes. */
export function splitBundle(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (o + 2 > bytes.length) throw new Error('truncated entry bundle');
    const len = (bytes[o]! << 8) | bytes[o + 1]!;
    if (o + 2 + len > bytes.length) throw new Error('truncated entry bundle');
    out.push(bytes.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  return out;
}

function bundleLength(bytes: Uint8Array, count: number): number {
  let o = 0;
  for (let i = 0; i < count && o < bytes.length; i++) o += 2 + ((bytes[o]! << 8) | bytes[o + 1]!);
  return o;
}
