/**
 * RFC 9162 §2.1 Merkle tree math: leaf/node hashing, node IDs for proofs, proof verification and
 * the compact range that grows the tree one leaf at a time.
 *
 * Pure: no I/O, no clock, no `node:` imports; runs unchanged in a browser. Sizes and indices are
 * `bigint` (JavaScript bitwise operators are 32-bit) and MUST lie in [0, 2^64). Every failure is a
 * `LogError`:
 * - `invalid_proof`: bad proof shape or length, index >= size, size1 > size2, size1 == 0, …
 * - `root_mismatch`: the proof is well-formed but the computed root differs from the expected one;
 * - `bad_format`: a hash that is not a 32-byte Uint8Array, or a malformed saved compact range.
 *
 * Node-selection follows transparency-dev/merkle (proof/proof.go, compact/nodes.go), verification
 * follows proof/verify.go, and the compact range follows compact/range.go.
 */
import type { Sha256 } from './hash.js';
import { equalBytes } from './bytes.js';
import { LogError } from './errors.js';

/** Length in bytes of every hash in the tree. */
export const HASH_SIZE = 32;

const MAX_U64 = (1n << 64n) - 1n;
const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = 0x01;

/** Node at `level` covering leaves [index << level, (index + 1) << level). Level 0 is a leaf. */
export interface NodeId {
  level: number;
  index: bigint;
}

// ---------------------------------------------------------------------------------------------
// Small bigint helpers.

/** Number of bits needed to represent x (x >= 0); 0 for 0. */
function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function popcount(x: bigint): number {
  let n = 0;
  while (x !== 0n) {
    x &= x - 1n;
    n++;
  }
  return n;
}

/** Trailing zero bits of x (x > 0). */
function trailingZeros(x: bigint): number {
  let n = 0;
  while ((x & 1n) === 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

function checkU64(name: string, v: bigint, code: 'invalid_proof' | 'bad_format' = 'invalid_proof'): void {
  if (typeof v !== 'bigint' || v < 0n || v > MAX_U64) {
    throw new LogError(code, `${name} must be a bigint in [0, 2^64)`, { details: { field: name } });
  }
}

function checkHash(name: string, h: unknown): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const got = h instanceof Uint8Array ? `${h.length} bytes` : typeof h;
    throw new LogError('bad_format', `${name} must be a ${HASH_SIZE}-byte hash, got ${got}`, { details: { field: name } });
  }
}

function checkHashList(name: string, list: unknown): asserts list is Uint8Array[] {
  if (!Array.isArray(list)) throw new LogError('invalid_proof', `${name} must be an array of hashes`, { details: { field: name } });
  for (let i = 0; i < list.length; i++) checkHash(`${name}[${i}]`, list[i]);
}

function rootMismatch(what: string, calculated: Uint8Array, expected: Uint8Array): LogError {
  return new LogError('root_mismatch', `${what}: calculated root does not match expected root`, {
    details: { calculated, expected },
  });
}

// ---------------------------------------------------------------------------------------------
// Hashing.

/**
 * RFC 9162 §2.1.1 hashing over a pluggable SHA-256.
 *
 * - `sha256` MUST be a correct SHA-256 that returns a fresh 32-byte array and MUST NOT keep a
 *   reference to its inputs after returning (the hasher reuses a scratch buffer).
 * - Every method returns a fresh array the caller MAY keep or mutate.
 * - Not re-entrant across threads (there are none in JS); one instance MAY serve many trees.
 */
export class TreeHasher {
  readonly #sha256: Sha256;
  /** 0x01 ‖ left ‖ right, reused so a node hash is one SHA-256 call over one buffer. */
  readonly #scratch = new Uint8Array(1 + 2 * HASH_SIZE);

  constructor(sha256: Sha256) {
    this.#sha256 = sha256;
    this.#scratch[0] = NODE_PREFIX;
  }

  /** MTH({}) = SHA-256(""). */
  emptyRoot(): Uint8Array {
    return this.#sha256(new Uint8Array(0));
  }

  /** MTH({d}) = SHA-256(0x00 ‖ d). `entry` MAY be any length, including 0. */
  hashLeaf(entry: Uint8Array): Uint8Array {
    return this.#sha256(LEAF_PREFIX, entry);
  }

  /**
   * SHA-256(0x01 ‖ left ‖ right). Both MUST be 32-byte hashes (else `bad_format`).
   * The inputs are not modified.
   */
  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
    checkHash('left', left);
    checkHash('right', right);
    const buf = this.#scratch;
    buf.set(left, 1);
    buf.set(right, 1 + HASH_SIZE);
    return this.#sha256(buf);
  }
}

// ---------------------------------------------------------------------------------------------
// Node IDs for proofs (proof.go `Nodes`).

/**
 * Which stored (perfect-subtree) nodes a proof needs, and how to fold the ephemeral one.
 *
 * - `ids`: every id is a perfect subtree lying fully inside the tree the proof is for, so a store
 *   that keeps every node emitted by `CompactRange.append` holds all of them.
 * - `ids[begin..end)` (possibly empty, `begin === end === 0` then) are the perfect nodes covering
 *   the ephemeral node `ephem`, ordered from the right-most (lowest) to the left-most; their hashes
 *   are folded right-to-left into the hash of `ephem` by `rehashProof`.
 * - `ephem` is informational; it MAY be meaningless when the range is empty.
 */
export interface ProofNodes {
  ids: NodeId[];
  begin: number;
  end: number;
  ephem: NodeId;
}

/** Decomposition of [begin, end) into perfect subtrees (compact/nodes.go `Decompose`). */
function decompose(begin: bigint, end: bigint): [left: bigint, right: bigint] {
  if (begin === 0n) return [0n, end];
  const xbegin = begin - 1n;
  const d = bitLen(xbegin ^ end) - 1;
  const mask = (1n << BigInt(d)) - 1n;
  return [~xbegin & mask, end & mask];
}

function rangeSize(begin: bigint, end: bigint): number {
  const [left, right] = decompose(begin, end);
  return popcount(left) + popcount(right);
}

/** Appends the perfect nodes covering [begin, end), left to right (compact/nodes.go `RangeNodes`). */
function rangeNodes(begin: bigint, end: bigint, ids: NodeId[]): void {
  let [left, right] = decompose(begin, end);
  let pos = begin;
  // Left border, from lower to upper levels.
  while (left !== 0n) {
    const level = trailingZeros(left);
    const bit = 1n << BigInt(level);
    ids.push({ level, index: pos >> BigInt(level) });
    pos += bit;
    left ^= bit;
  }
  // Right border, from upper to lower levels.
  while (right !== 0n) {
    const level = bitLen(right) - 1;
    const bit = 1n << BigInt(level);
    ids.push({ level, index: pos >> BigInt(level) });
    pos += bit;
    right ^= bit;
  }
}

function reverseTail(ids: NodeId[], count: number): void {
  for (let i = ids.length - count, j = ids.length - 1; i < j; i++, j--) {
    const t = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = t;
  }
}

/**
 * Node IDs proving that node (level, index) is in the tree of `size` leaves, the node itself
 * first (proof.go `nodes`). Requires (index + 1) << level <= size.
 */
function nodesFor(index: bigint, level: number, size: bigint): ProofNodes {
  // `fork` is where the path from the root to (level, index) diverges from the path to leaf
  // `size`; its sibling is the ephemeral node, a non-perfect subtree covering [end, size).
  const inner = bitLen(index ^ (size >> BigInt(level))) - 1;
  const forkLevel = level + inner;
  const forkIndex = index >> BigInt(inner);
  const begin = forkIndex << BigInt(forkLevel);
  const end = (forkIndex + 1n) << BigInt(forkLevel);

  const ids: NodeId[] = [{ level, index }];
  // Siblings along the path up to the fork.
  let l = level;
  let i = index;
  for (; l < forkLevel; l++, i >>= 1n) ids.push({ level: l, index: i ^ 1n });

  // Nodes covering [end, size): they make up the ephemeral node. Reversed so that rehashing
  // goes from lower to upper levels.
  const len1 = ids.length;
  rangeNodes(end, size, ids);
  reverseTail(ids, ids.length - len1);
  const len2 = ids.length;
  // Nodes covering [0, begin), ordered by increasing level.
  rangeNodes(0n, begin, ids);
  reverseTail(ids, ids.length - len2);

  const ephem: NodeId = { level: forkLevel, index: forkIndex ^ 1n };
  if (len1 >= len2) return { ids, begin: 0, end: 0, ephem };
  return { ids, begin: len1, end: len2, ephem };
}

function skipFirst(n: ProofNodes): ProofNodes {
  const ids = n.ids.slice(1);
  if (n.begin < n.end) return { ids, begin: n.begin - 1, end: n.end - 1, ephem: n.ephem };
  return { ids, begin: n.begin, end: n.end, ephem: n.ephem };
}

/**
 * Nodes to fetch for the inclusion proof of leaf `index` in the tree of `size` leaves
 * (proof.go `Inclusion`).
 *
 * - `index` MUST be < `size` (else `invalid_proof`); both MUST be in [0, 2^64).
 * - Every returned id is a perfect subtree fully inside [0, size).
 */
export function inclusionProofNodes(index: bigint, size: bigint): ProofNodes {
  checkU64('index', index);
  checkU64('size', size);
  if (index >= size) {
    throw new LogError('invalid_proof', `index ${index} out of bounds for tree size ${size}`);
  }
  return skipFirst(nodesFor(index, 0, size));
}

/**
 * Nodes to fetch for the consistency proof from tree size `size1` to `size2`
 * (proof.go `Consistency`).
 *
 * - MUST satisfy 0 < size1 <= size2 (else `invalid_proof`); both MUST be in [0, 2^64).
 * - size1 === size2 gives an empty list (the proof is empty).
 * - Every returned id is a perfect subtree fully inside [0, size2).
 */
export function consistencyProofNodes(size1: bigint, size2: bigint): ProofNodes {
  checkU64('size1', size1);
  checkU64('size2', size2);
  if (size1 > size2) throw new LogError('invalid_proof', `tree size ${size1} > ${size2}`);
  if (size1 === 0n) throw new LogError('invalid_proof', 'consistency proof from an empty tree is meaningless');
  if (size1 === size2) return { ids: [], begin: 0, end: 0, ephem: { level: 0, index: 0n } };

  // The biggest perfect subtree of [0, size1) ending at size1, then its inclusion in size2.
  const level = trailingZeros(size1);
  const index = (size1 - 1n) >> BigInt(level);
  const p = nodesFor(index, level, size2);
  // If size1 is a power of two that node is the root of size1, which the client already has.
  return (size1 & (size1 - 1n)) === 0n ? skipFirst(p) : p;
}

/**
 * Turns the fetched hashes into the final proof, folding `hashes[begin..end)` right-to-left into
 * the ephemeral node's hash (proof.go `Rehash`).
 *
 * - `nodes` MUST come from `inclusionProofNodes` / `consistencyProofNodes` (shape checked:
 *   `invalid_proof`).
 * - `hashes` MUST hold exactly one 32-byte hash per `nodes.ids[i]`, same order (count:
 *   `invalid_proof`; length: `bad_format`).
 * - MUST NOT modify `hashes`; returns a new array (whose elements MAY alias `hashes`' elements).
 */
export function rehashProof(nodes: ProofNodes, hashes: Uint8Array[], hasher: TreeHasher): Uint8Array[] {
  const { ids, begin, end } = nodes;
  if (!Array.isArray(ids) || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || begin > end || end > ids.length) {
    throw new LogError('invalid_proof', 'malformed proof node list');
  }
  checkHashList('hashes', hashes);
  if (hashes.length !== ids.length) {
    throw new LogError('invalid_proof', `got ${hashes.length} hashes but expected ${ids.length}`);
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < hashes.length; i++) {
    let hash = hashes[i]!;
    if (i === begin && begin < end) {
      for (i++; i < end; i++) hash = hasher.hashChildren(hashes[i]!, hash);
      i--;
    }
    out.push(hash);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Verification (verify.go).

/** Lengths of the lower (inner) and upper (border) parts of an inclusion proof. */
function decompInclProof(index: bigint, size: bigint): [inner: number, border: number] {
  const inner = bitLen(index ^ (size - 1n));
  return [inner, popcount(index >> BigInt(inner))];
}

/** Chains proof hashes (lower to upper) from `seed` located at `index` on its level. */
function chainInner(hasher: TreeHasher, seed: Uint8Array, proof: Uint8Array[], from: number, to: number, index: bigint): Uint8Array {
  for (let i = from; i < to; i++, index >>= 1n) {
    const h = proof[i]!;
    seed = (index & 1n) === 0n ? hasher.hashChildren(seed, h) : hasher.hashChildren(h, seed);
  }
  return seed;
}

/** Like chainInner but uses only the left siblings: the hash of the earlier version of the subtree. */
function chainInnerRight(hasher: TreeHasher, seed: Uint8Array, proof: Uint8Array[], from: number, to: number, index: bigint): Uint8Array {
  for (let i = from; i < to; i++, index >>= 1n) {
    if ((index & 1n) === 1n) seed = hasher.hashChildren(proof[i]!, seed);
  }
  return seed;
}

/** Chains left-side border hashes. */
function chainBorderRight(hasher: TreeHasher, seed: Uint8Array, proof: Uint8Array[], from: number): Uint8Array {
  for (let i = from; i < proof.length; i++) seed = hasher.hashChildren(proof[i]!, seed);
  return seed;
}

/**
 * Root of the tree of `size` leaves implied by an inclusion proof for leaf `index` with hash
 * `leafHash` (verify.go `RootFromInclusionProof`). Does not compare against any root.
 *
 * - MUST satisfy 0 <= index < size < 2^64 (else `invalid_proof`).
 * - `leafHash` and every proof element MUST be 32 bytes (else `bad_format`).
 * - `proof` MUST have exactly the RFC 9162 length for (index, size) (else `invalid_proof`).
 */
export function rootFromInclusionProof(hasher: TreeHasher, index: bigint, size: bigint, leafHash: Uint8Array, proof: Uint8Array[]): Uint8Array {
  checkU64('index', index);
  checkU64('size', size);
  if (index >= size) throw new LogError('invalid_proof', `index is beyond size: ${index} >= ${size}`);
  checkHash('leafHash', leafHash);
  checkHashList('proof', proof);
  const [inner, border] = decompInclProof(index, size);
  if (proof.length !== inner + border) {
    throw new LogError('invalid_proof', `wrong proof size ${proof.length}, want ${inner + border}`);
  }
  const res = chainInner(hasher, leafHash, proof, 0, inner, index);
  return chainBorderRight(hasher, res, proof, inner);
}

/**
 * Verifies an inclusion proof of leaf `index` (hash `leafHash`) in the tree of `size` leaves with
 * root `root` (verify.go `VerifyInclusion`). Returns normally only if the proof is valid.
 *
 * - Preconditions as `rootFromInclusionProof`; `root` MUST be 32 bytes (else `bad_format`).
 * - A well-formed proof that leads to another root throws `root_mismatch`.
 */
export function verifyInclusion(hasher: TreeHasher, index: bigint, size: bigint, leafHash: Uint8Array, proof: Uint8Array[], root: Uint8Array): void {
  checkHash('root', root);
  const calculated = rootFromInclusionProof(hasher, index, size, leafHash, proof);
  if (!equalBytes(calculated, root)) throw rootMismatch('inclusion', calculated, root);
}

/**
 * Verifies a consistency proof between the tree of `size1` leaves with root `root1` and the tree
 * of `size2` leaves with root `root2` (verify.go `VerifyConsistency`). Returns normally only if
 * the proof is valid.
 *
 * - MUST satisfy 0 < size1 <= size2 < 2^64 (else `invalid_proof`). A proof from the empty tree
 *   is meaningless and is rejected, even for size1 === size2 === 0.
 * - `root1`, `root2` and every proof element MUST be 32 bytes (else `bad_format`).
 * - For size1 === size2 the proof MUST be empty and the roots MUST be equal.
 * - Wrong proof length: `invalid_proof`. Computed root1 or root2 differs: `root_mismatch`.
 */
export function verifyConsistency(hasher: TreeHasher, size1: bigint, size2: bigint, proof: Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  checkU64('size1', size1);
  checkU64('size2', size2);
  if (size2 < size1) throw new LogError('invalid_proof', `size2 (${size2}) < size1 (${size1})`);
  if (size1 === 0n) throw new LogError('invalid_proof', 'consistency proof from an empty tree is meaningless');
  checkHash('root1', root1);
  checkHash('root2', root2);
  checkHashList('proof', proof);

  if (size1 === size2) {
    if (proof.length > 0) throw new LogError('invalid_proof', 'size1 = size2, but proof is not empty');
    if (!equalBytes(root1, root2)) throw rootMismatch('consistency (equal sizes)', root1, root2);
    return;
  }
  if (proof.length === 0) throw new LogError('invalid_proof', 'empty proof');

  const [inner0, border] = decompInclProof(size1 - 1n, size2);
  const shift = trailingZeros(size1);
  const inner = inner0 - shift; // shift < inner0 because size1 < size2.

  // The proof starts with the hash of the subtree of size 2^shift ending at size1, unless size1
  // is that very 2^shift, in which case it is root1.
  let seed: Uint8Array;
  let start: number;
  if (size1 === 1n << BigInt(shift)) {
    seed = root1;
    start = 0;
  } else {
    seed = proof[0]!;
    start = 1;
  }
  if (proof.length !== start + inner + border) {
    throw new LogError('invalid_proof', `wrong proof size ${proof.length}, want ${start + inner + border}`);
  }

  const mask = (size1 - 1n) >> BigInt(shift); // Chaining starts from level `shift`.
  let hash1 = chainInnerRight(hasher, seed, proof, start, start + inner, mask);
  hash1 = chainBorderRight(hasher, hash1, proof, start + inner);
  if (!equalBytes(hash1, root1)) throw rootMismatch('consistency (root1)', hash1, root1);

  let hash2 = chainInner(hasher, seed, proof, start, start + inner, mask);
  hash2 = chainBorderRight(hasher, hash2, proof, start + inner);
  if (!equalBytes(hash2, root2)) throw rootMismatch('consistency (root2)', hash2, root2);
}

// ---------------------------------------------------------------------------------------------
// Compact range (compact/range.go), always starting at leaf 0.

/**
 * Compact range [0, size): the hashes of the perfect subtrees along the right border, ordered
 * left to right (largest first); there are popcount(size) of them.
 *
 * - The range keeps references to the leaf hashes it is given and to the hashes it emits; callers
 *   MUST NOT mutate them afterwards.
 * - Not safe to share between concurrent integrators; use `clone()` to fork.
 */
export class CompactRange {
  readonly #hasher: TreeHasher;
  #size: bigint;
  #hashes: Uint8Array[];

  /**
   * Restores a range from saved state, or starts an empty one.
   *
   * - `size` MUST be in [0, 2^64) and `hashes.length` MUST equal popcount(size); each hash MUST be
   *   32 bytes. Otherwise throws `bad_format`.
   * - `hashes` is copied (the array, not the bytes).
   */
  constructor(hasher: TreeHasher, size: bigint = 0n, hashes: Uint8Array[] = []) {
    checkU64('size', size, 'bad_format');
    if (!Array.isArray(hashes)) throw new LogError('bad_format', 'compact range hashes must be an array');
    for (let i = 0; i < hashes.length; i++) checkHash(`hashes[${i}]`, hashes[i]);
    const want = popcount(size);
    if (hashes.length !== want) {
      throw new LogError('bad_format', `compact range of size ${size} needs ${want} hashes, got ${hashes.length}`);
    }
    this.#hasher = hasher;
    this.#size = size;
    this.#hashes = hashes.slice();
  }

  get size(): bigint {
    return this.#size;
  }

  /** Right-border hashes, largest subtree first. MUST NOT be mutated. */
  get hashes(): readonly Uint8Array[] {
    return this.#hashes;
  }

  /**
   * Appends one leaf hash as leaf `size`.
   *
   * - `leafHash` MUST be 32 bytes (else `bad_format`, and the range is unchanged).
   * - Calls `visit(id, hash)` for the leaf node and then for every perfect node the append
   *   completes, from lower to upper levels, so a store can save every perfect-subtree node.
   *   `visit` MUST NOT throw or mutate the hash; if it throws, the range is left unchanged and
   *   the error propagates.
   * - The size MUST stay below 2^64 (else `bad_format`).
   */
  append(leafHash: Uint8Array, visit?: (id: NodeId, hash: Uint8Array) => void): void {
    checkHash('leafHash', leafHash);
    let index = this.#size;
    if (index === MAX_U64) throw new LogError('bad_format', 'compact range is full');
    const hashes = this.#hashes;
    if (visit !== undefined) visit({ level: 0, index }, leafHash);
    let hash = leafHash;
    let level = 0;
    let k = hashes.length;
    // Merge with the right-border nodes while the current node is a right child.
    while ((index & 1n) === 1n) {
      hash = this.#hasher.hashChildren(hashes[--k]!, hash);
      index >>= 1n;
      level++;
      if (visit !== undefined) visit({ level, index }, hash);
    }
    // Commit only after every visit returned.
    hashes.length = k;
    hashes.push(hash);
    this.#size += 1n;
  }

  /** Root of the whole range: MTH of leaves [0, size); the empty root for size 0. Always a fresh array. */
  root(): Uint8Array {
    const hashes = this.#hashes;
    let i = hashes.length - 1;
    if (i < 0) return this.#hasher.emptyRoot();
    if (i === 0) return hashes[0]!.slice();
    let seed = hashes[i]!;
    for (i--; i >= 0; i--) seed = this.#hasher.hashChildren(hashes[i]!, seed);
    return seed;
  }

  /** Independent copy sharing the hasher (and the immutable hash bytes). */
  clone(): CompactRange {
    return new CompactRange(this.#hasher, this.#size, this.#hashes);
  }
}

// ---------------------------------------------------------------------------------------------
// Reference implementation.

/**
 * Naive RFC 9162 MTH over all leaf hashes (recursion on the largest power of two < n). O(n)
 * hashes and O(log n) stack; meant for tests and small audit ranges.
 *
 * - Every element of `leafHashes` MUST be 32 bytes (else `bad_format`).
 */
export function referenceRoot(hasher: TreeHasher, leafHashes: Uint8Array[]): Uint8Array {
  checkHashList('leafHashes', leafHashes);
  if (leafHashes.length === 0) return hasher.emptyRoot();
  const mth = (from: number, to: number): Uint8Array => {
    const n = to - from;
    if (n === 1) return leafHashes[from]!;
    let k = 1;
    while (k * 2 < n) k *= 2;
    return hasher.hashChildren(mth(from, from + k), mth(from + k, to));
  };
  return mth(0, leafHashes.length);
}
