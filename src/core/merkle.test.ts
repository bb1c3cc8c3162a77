import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { MerkleTree } from 'merkletreejs';
import { describe, expect, it } from 'vitest';
import { fromBase64, toHex, utf8 } from './bytes.js';
import { isLogError, type ErrorCode } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';
import {
  CompactRange,
  TreeHasher,
  consistencyProofNodes,
  inclusionProofNodes,
  referenceRoot,
  rehashProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type ProofNodes,
} from './merkle.js';

// Repo root is two levels up from src/core; CI puts shared/ beside the repo at ../shared.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VECTORS = path.resolve(REPO_ROOT, '../shared/vectors/transparency-dev-merkle');

const nodeSha256: Sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hasher = new TreeHasher(nodeSha256);
const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// ---------------------------------------------------------------------------------------------
// Helpers.

/** Asserts that fn throws a LogError, optionally with one of the given codes. */
function expectLogError(fn: () => unknown, ...codes: ErrorCode[]): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`expected a LogError${codes.length ? ` (${codes.join('|')})` : ''}, nothing thrown`);
  if (!isLogError(thrown)) throw new Error(`expected a LogError, got ${String(thrown)}`);
  if (codes.length > 0 && !codes.includes(thrown.code)) {
    throw new Error(`expected code ${codes.join('|')}, got ${thrown.code}: ${thrown.message}`);
  }
}

/** Copy of h with bit (bit mod 8·length) flipped; bit MUST be a non-negative integer. */
function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const b = bit % (h.length * 8);
  const out = h.slice();
  out[Math.floor(b / 8)]! ^= 1 << b % 8;
  return out;
}

const key = (id: NodeId): string => `${id.level}/${id.index}`;

interface Tree {
  leaves: Uint8Array[];
  /** Every perfect node emitted by CompactRange.append's visitor. */
  nodes: Map<string, Uint8Array>;
  /** roots[n] = root of the first n leaves, from CompactRange. */
  roots: Uint8Array[];
  visits: NodeId[];
}

function buildTree(n: number): Tree {
  const leaves: Uint8Array[] = [];
  const nodes = new Map<string, Uint8Array>();
  const visits: NodeId[] = [];
  const cr = new CompactRange(hasher);
  const roots: Uint8Array[] = [cr.root()];
  for (let i = 0; i < n; i++) {
    const leaf = hasher.hashLeaf(utf8(`entry #${i}`));
    leaves.push(leaf);
    cr.append(leaf, (id, hash) => {
      visits.push(id);
      nodes.set(key(id), hash);
    });
    roots.push(cr.root());
  }
  return { leaves, nodes, roots, visits };
}

/** Property tests draw sizes up to BIG; the tree is larger so mutated sizes still have a root. */
const BIG = 5000;
const tree = buildTree(16384);

/** The store's job: fetch every id (asserting it is a perfect node inside `size`), then rehash. */
function fetchAndRehash(pn: ProofNodes, size: bigint): Uint8Array[] {
  const hashes = pn.ids.map((id) => {
    if (id.index < 0n || id.level < 0 || (id.index + 1n) << BigInt(id.level) > size) {
      throw new Error(`node ${key(id)} is not a perfect subtree inside size ${size}`);
    }
    const h = tree.nodes.get(key(id));
    if (h === undefined) throw new Error(`node ${key(id)} was never visited`);
    return h;
  });
  return rehashProof(pn, hashes, hasher);
}

const inclusionProof = (index: number, size: number): Uint8Array[] =>
  fetchAndRehash(inclusionProofNodes(BigInt(index), BigInt(size)), BigInt(size));
const consistencyProof = (size1: number, size2: number): Uint8Array[] =>
  fetchAndRehash(consistencyProofNodes(BigInt(size1), BigInt(size2)), BigInt(size2));

/** RFC 9162 §2.1.3.1 PATH(m, D[n]), naive. */
function refPath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n === 1) return [];
  let k = 1;
  while (k * 2 < n) k *= 2;
  if (m < k) return [...refPath(m, leaves.slice(0, k)), referenceRoot(hasher, leaves.slice(k))];
  return [...refPath(m - k, leaves.slice(k)), referenceRoot(hasher, leaves.slice(0, k))];
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b), naive. */
function refSubproof(m: number, leaves: Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [referenceRoot(hasher, leaves)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  if (m <= k) return [...refSubproof(m, leaves.slice(0, k), b), referenceRoot(hasher, leaves.slice(k))];
  return [...refSubproof(m - k, leaves.slice(k), false), referenceRoot(hasher, leaves.slice(0, k))];
}

const hexes = (list: Uint8Array[]): string[] => list.map(toHex);

// ---------------------------------------------------------------------------------------------

describe('TreeHasher', () => {
  it('empty tree root is SHA-256("") = e3b0c442…b855', () => {
    expect(toHex(hasher.emptyRoot())).toBe(EMPTY_ROOT_HEX);
    expect(toHex(new CompactRange(hasher).root())).toBe(EMPTY_ROOT_HEX);
    expect(toHex(referenceRoot(hasher, []))).toBe(EMPTY_ROOT_HEX);
    expect(toHex(new TreeHasher(portableSha256).emptyRoot())).toBe(EMPTY_ROOT_HEX);
  });

  it('uses the RFC 9162 domain-separation prefixes', () => {
    const entry = utf8('hello');
    expect(toHex(hasher.hashLeaf(entry))).toBe(toHex(nodeSha256(new Uint8Array([0]), entry)));
    const [l, r] = [tree.leaves[0]!, tree.leaves[1]!];
    expect(toHex(hasher.hashChildren(l, r))).toBe(toHex(nodeSha256(new Uint8Array([1]), l, r)));
    // The scratch buffer is reused: results must be independent arrays.
    const a = hasher.hashChildren(l, r);
    const b = hasher.hashChildren(r, l);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(toHex(a)).toBe(toHex(hasher.hashChildren(l, r)));
  });

  it('portable (browser) SHA-256 gives the same tree', () => {
    const portable = new TreeHasher(portableSha256);
    const cr = new CompactRange(portable);
    for (let i = 0; i < 37; i++) cr.append(portable.hashLeaf(utf8(`entry #${i}`)));
    expect(toHex(cr.root())).toBe(toHex(tree.roots[37]!));
  });

  it('hashChildren rejects non-32-byte hashes with bad_format', () => {
    expectLogError(() => hasher.hashChildren(new Uint8Array(31), tree.leaves[0]!), 'bad_format');
    expectLogError(() => hasher.hashChildren(tree.leaves[0]!, new Uint8Array(33)), 'bad_format');
  });
});

describe('transparency-dev/merkle vectors', () => {
  function listJson(dir: string): string[] {
    const out: string[] = [];
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) out.push(...listJson(p));
      else if (e.name.endsWith('.json')) out.push(p);
    }
    return out.sort();
  }
  const b64 = (s: string): Uint8Array => fromBase64(s);
  const b64list = (l: string[] | null): Uint8Array[] => (l ?? []).map(b64);
  const rel = (p: string): string => path.relative(VECTORS, p);

  const inclusionFiles = listJson(path.join(VECTORS, 'inclusion'));
  const consistencyFiles = listJson(path.join(VECTORS, 'consistency'));

  it('the vector directories are not empty (no vacuous pass)', () => {
    expect(inclusionFiles.length).toBeGreaterThanOrEqual(90);
    expect(consistencyFiles.length).toBeGreaterThanOrEqual(90);
    expect(inclusionFiles.some((f) => f.endsWith('happy-path.json'))).toBe(true);
  });

  interface InclusionVector {
    leafIdx: number;
    treeSize: number;
    root: string;
    leafHash: string;
    proof: string[] | null;
    desc: string;
    wantErr: boolean;
  }
  for (const file of inclusionFiles) {
    it(`inclusion/${rel(file).replace(/^inclusion\//, '')}`, () => {
      const v = JSON.parse(readFileSync(file, 'utf8')) as InclusionVector;
      const run = (): void =>
        verifyInclusion(hasher, BigInt(v.leafIdx), BigInt(v.treeSize), b64(v.leafHash), b64list(v.proof), b64(v.root));
      if (v.wantErr) expectLogError(run, 'invalid_proof', 'root_mismatch', 'bad_format');
      else expect(run).not.toThrow();
    });
  }

  interface ConsistencyVector {
    size1: number;
    size2: number;
    root1: string;
    root2: string;
    proof: string[] | null;
    desc: string;
    wantErr: boolean;
  }
  for (const file of consistencyFiles) {
    it(`consistency/${rel(file).replace(/^consistency\//, '')}`, () => {
      const v = JSON.parse(readFileSync(file, 'utf8')) as ConsistencyVector;
      const run = (): void =>
        verifyConsistency(hasher, BigInt(v.size1), BigInt(v.size2), b64list(v.proof), b64(v.root1), b64(v.root2));
      if (file.endsWith(path.join('additional', 'sizes-are-equal-one-and-proof-is-empty.json'))) {
        // Known, accepted deviation (see shared/vectors/README.md): this vector expects success but
        // uses 12-byte "don't care" roots. Our verifier insists on 32-byte hashes, so it rejects
        // the roots as malformed. The same case with real 32-byte roots is tested below.
        expect(v.wantErr).toBe(false);
        expectLogError(run, 'bad_format');
        const r = tree.roots[1]!;
        expect(() => verifyConsistency(hasher, 1n, 1n, [], r, r)).not.toThrow();
        return;
      }
      if (v.wantErr) expectLogError(run, 'invalid_proof', 'root_mismatch', 'bad_format');
      else expect(run).not.toThrow();
    });
  }
});

describe('CompactRange', () => {
  it('visits every perfect node exactly once, each with its MTH', () => {
    const small = buildTree(300);
    const seen = new Set(small.visits.map(key));
    expect(seen.size).toBe(small.visits.length);
    let expected = 0;
    for (let l = 0; 300 >> l > 0; l++) expected += 300 >> l;
    expect(small.visits.length).toBe(expected);
    for (const id of small.visits) {
      const from = Number(id.index) << id.level;
      const to = (Number(id.index) + 1) << id.level;
      expect(to).toBeLessThanOrEqual(300);
      expect(toHex(small.nodes.get(key(id))!)).toBe(toHex(referenceRoot(hasher, small.leaves.slice(from, to))));
    }
  });

  it('restores from saved state and keeps growing identically; clone is independent', () => {
    const cr = new CompactRange(hasher);
    for (let n = 0; n < 200; n++) {
      expect(cr.hashes.length).toBe(n.toString(2).split('1').length - 1);
      const restored = new CompactRange(hasher, cr.size, [...cr.hashes]);
      expect(toHex(restored.root())).toBe(toHex(tree.roots[n]!));
      restored.append(tree.leaves[n]!);
      expect(toHex(restored.root())).toBe(toHex(tree.roots[n + 1]!));
      const c = cr.clone();
      c.append(tree.leaves[n]!);
      c.append(tree.leaves[n + 1]!);
      expect(cr.size).toBe(BigInt(n));
      expect(toHex(cr.root())).toBe(toHex(tree.roots[n]!));
      cr.append(tree.leaves[n]!);
      expect(cr.size).toBe(BigInt(n + 1));
    }
  });

  it('root() returns a fresh array', () => {
    const cr = new CompactRange(hasher);
    cr.append(tree.leaves[0]!);
    cr.root().fill(0);
    expect(toHex(cr.root())).toBe(toHex(tree.leaves[0]!));
  });

  it('rejects malformed state and leaf hashes with bad_format, leaving the range unchanged', () => {
    const h = tree.leaves[0]!;
    expectLogError(() => new CompactRange(hasher, 3n, [h]), 'bad_format');
    expectLogError(() => new CompactRange(hasher, 0n, [h]), 'bad_format');
    expectLogError(() => new CompactRange(hasher, 1n, []), 'bad_format');
    expectLogError(() => new CompactRange(hasher, 1n, [new Uint8Array(31)]), 'bad_format');
    expectLogError(() => new CompactRange(hasher, -1n, []), 'bad_format');
    expectLogError(() => new CompactRange(hasher, 1n << 64n, [h]), 'bad_format');
    const cr = new CompactRange(hasher, 3n, [h, h]);
    expectLogError(() => cr.append(new Uint8Array(0)), 'bad_format');
    expect(cr.size).toBe(3n);
    // A throwing visitor leaves the range unchanged too.
    expect(() =>
      cr.append(h, (id) => {
        if (id.level === 2) throw new Error('store failed');
      }),
    ).toThrow('store failed');
    expect(cr.size).toBe(3n);
    expect(cr.hashes.length).toBe(2);
  });
});

describe('cross-check against merkletreejs (RFC 6962 configuration) and naive RFC 9162', () => {
  const bufSha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();
  // Leaves are pre-hashed (0x00 prefix); inner nodes get the 0x01 prefix through the concatenator.
  // Lonely right nodes are promoted (no duplicateOdd / sort / complete), which is the RFC shape.
  const nodePrefixed = (inputs: Buffer[]): Buffer => Buffer.concat([Buffer.from([0x01]), ...inputs]);
  const leafBufs = tree.leaves.slice(0, 300).map((l) => Buffer.from(l));

  for (let lo = 1; lo <= 300; lo += 50) {
    const hi = Math.min(lo + 49, 300);
    it(`sizes ${lo}..${hi}: roots and every inclusion path`, () => {
      for (let size = lo; size <= hi; size++) {
        const mt = new MerkleTree(leafBufs.slice(0, size), bufSha256, { hashLeaves: false, concatenator: nodePrefixed });
        const root = tree.roots[size]!;
        expect(toHex(mt.getRoot())).toBe(toHex(root));
        expect(toHex(referenceRoot(hasher, tree.leaves.slice(0, size)))).toBe(toHex(root));
        for (let i = 0; i < size; i++) {
          const ours = inclusionProof(i, size);
          const theirs = mt.getProof(leafBufs[i]!, i).map((p) => toHex(p.data));
          expect(hexes(ours)).toEqual(theirs);
          verifyInclusion(hasher, BigInt(i), BigInt(size), tree.leaves[i]!, ours, root);
        }
      }
    });
  }

  it('inclusion paths equal RFC 9162 PATH for every index of sizes 1..64', () => {
    for (let size = 1; size <= 64; size++) {
      const leaves = tree.leaves.slice(0, size);
      for (let i = 0; i < size; i++) expect(hexes(inclusionProof(i, size))).toEqual(hexes(refPath(i, leaves)));
    }
  });

  it('consistency proofs equal RFC 9162 PROOF for every 0 < m <= n <= 64, and verify', () => {
    for (let n = 1; n <= 64; n++) {
      const leaves = tree.leaves.slice(0, n);
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, n);
        expect(hexes(proof)).toEqual(hexes(refSubproof(m, leaves, true)));
        verifyConsistency(hasher, BigInt(m), BigInt(n), proof, tree.roots[m]!, tree.roots[n]!);
      }
    }
  });
});

describe('properties', () => {
  const sizeArb = fc.integer({ min: 1, max: BIG });

  it('inclusion proofs verify, and every mutation is rejected', () => {
    fc.assert(
      fc.property(sizeArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 1 << 13 }), (size, idxSeed, bit, xor) => {
        const index = idxSeed % size;
        const root = tree.roots[size]!;
        const leaf = tree.leaves[index]!;
        const proof = inclusionProof(index, size);
        const [bi, bs] = [BigInt(index), BigInt(size)];
        verifyInclusion(hasher, bi, bs, leaf, proof, root);
        expect(toHex(rootFromInclusionProof(hasher, bi, bs, leaf, proof))).toBe(toHex(root));

        for (let k = 0; k < proof.length; k++) {
          const bad = proof.slice();
          bad[k] = flipBit(bad[k]!, bit + k);
          expectLogError(() => verifyInclusion(hasher, bi, bs, leaf, bad, root), 'root_mismatch');
        }
        expectLogError(() => verifyInclusion(hasher, bi, bs, leaf, proof, flipBit(root, bit)), 'root_mismatch');
        expectLogError(() => verifyInclusion(hasher, bi, bs, flipBit(leaf, bit), proof, root), 'root_mismatch');

        for (const i2 of [bi + 1n, bi - 1n, bi ^ BigInt(xor)]) {
          if (i2 < 0n || i2 >= bs) expectLogError(() => verifyInclusion(hasher, i2, bs, leaf, proof, root), 'invalid_proof');
          else expectLogError(() => verifyInclusion(hasher, i2, bs, leaf, proof, root), 'invalid_proof', 'root_mismatch');
        }
        // A changed size is checked against the honest root of that size. (Keeping the old root is
        // not guaranteed to fail: e.g. the proof [l1, l2] of leaf 0 in size 3 also "proves" leaf 0
        // in a size-4 tree whose root is root3 — roots are only meaningful bound to their size.)
        for (const s2 of [bs + 1n, bs - 1n, bs * 2n, bs / 2n, bs ^ BigInt(xor)]) {
          if (s2 === bs) continue;
          const r2 = tree.roots[Number(s2)] ?? root;
          expectLogError(() => verifyInclusion(hasher, bi, s2, leaf, proof, r2), 'invalid_proof', 'root_mismatch');
        }
        const extra = tree.leaves[(index + 1) % BIG]!;
        expectLogError(() => verifyInclusion(hasher, bi, bs, leaf, [...proof, extra], root), 'invalid_proof');
        expectLogError(() => verifyInclusion(hasher, bi, bs, leaf, [extra, ...proof], root), 'invalid_proof');
        if (proof.length > 0) {
          expectLogError(() => verifyInclusion(hasher, bi, bs, leaf, proof.slice(1), root), 'invalid_proof');
          expectLogError(() => verifyInclusion(hasher, bi, bs, leaf, proof.slice(0, -1), root), 'invalid_proof');
          const short = proof.slice();
          short[bit % proof.length] = proof[bit % proof.length]!.subarray(1);
          expectLogError(() => verifyInclusion(hasher, bi, bs, leaf, short, root), 'bad_format');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('consistency proofs verify, and every mutation is rejected', () => {
    fc.assert(
      fc.property(sizeArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 1 << 13 }), (size2, s1Seed, bit, xor) => {
        const size1 = 1 + (s1Seed % size2);
        const [b1, b2] = [BigInt(size1), BigInt(size2)];
        const [root1, root2] = [tree.roots[size1]!, tree.roots[size2]!];
        const proof = consistencyProof(size1, size2);
        if (size1 === size2) expect(proof).toEqual([]);
        verifyConsistency(hasher, b1, b2, proof, root1, root2);

        for (let k = 0; k < proof.length; k++) {
          const bad = proof.slice();
          bad[k] = flipBit(bad[k]!, bit + k);
          expectLogError(() => verifyConsistency(hasher, b1, b2, bad, root1, root2), 'root_mismatch');
        }
        expectLogError(() => verifyConsistency(hasher, b1, b2, proof, flipBit(root1, bit), root2), 'root_mismatch');
        expectLogError(() => verifyConsistency(hasher, b1, b2, proof, root1, flipBit(root2, bit)), 'root_mismatch');
        if (size1 !== size2) expectLogError(() => verifyConsistency(hasher, b1, b2, proof, root2, root1), 'root_mismatch');

        // Changed sizes are checked both with the original roots and with the honest roots of the
        // new sizes; size1 changes must fail either way, size2 changes with the honest root2 (see
        // the inclusion property for why a stale root2 is not enough).
        for (const m of [b1 + 1n, b1 - 1n, b1 ^ BigInt(xor), b1 * 2n, b1 / 2n]) {
          if (m === b1) continue;
          const r1 = tree.roots[Number(m)] ?? root1;
          expectLogError(() => verifyConsistency(hasher, m, b2, proof, root1, root2), 'invalid_proof', 'root_mismatch');
          expectLogError(() => verifyConsistency(hasher, m, b2, proof, r1, root2), 'invalid_proof', 'root_mismatch');
        }
        for (const n of [b2 + 1n, b2 - 1n, b2 ^ BigInt(xor), b2 * 2n, b2 / 2n]) {
          if (n === b2) continue;
          const r2 = tree.roots[Number(n)] ?? root2;
          expectLogError(() => verifyConsistency(hasher, b1, n, proof, root1, r2), 'invalid_proof', 'root_mismatch');
        }
        const extra = tree.leaves[size1 - 1]!;
        expectLogError(() => verifyConsistency(hasher, b1, b2, [...proof, extra], root1, root2), 'invalid_proof');
        expectLogError(() => verifyConsistency(hasher, b1, b2, [extra, ...proof], root1, root2), 'invalid_proof');
        if (proof.length > 0) {
          expectLogError(() => verifyConsistency(hasher, b1, b2, proof.slice(1), root1, root2), 'invalid_proof');
          expectLogError(() => verifyConsistency(hasher, b1, b2, proof.slice(0, -1), root1, root2), 'invalid_proof');
          const short = proof.slice();
          short[bit % proof.length] = new Uint8Array(33);
          expectLogError(() => verifyConsistency(hasher, b1, b2, short, root1, root2), 'bad_format');
        }
      }),
      { numRuns: 1000 },
    );
  });

  // Node selection only (no store): for any 64-bit sizes every id is a perfect node inside the
  // tree and the rehashed proof has exactly the length the verifier expects.
  const u64 = fc.bigInt({ min: 1n, max: (1n << 64n) - 1n });
  const dummy = new Uint8Array(32).fill(7);
  const assertInside = (ids: NodeId[], size: bigint): void => {
    for (const id of ids) {
      expect(id.level).toBeGreaterThanOrEqual(0);
      expect(id.level).toBeLessThan(64);
      expect(id.index).toBeGreaterThanOrEqual(0n);
      expect((id.index + 1n) << BigInt(id.level)).toBeLessThanOrEqual(size);
    }
  };

  it('inclusionProofNodes: ids inside the tree, proof length as verify expects (u64 sizes)', () => {
    fc.assert(
      fc.property(u64, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (size, seed) => {
        const index = seed % size;
        const pn = inclusionProofNodes(index, size);
        assertInside(pn.ids, size);
        const proof = rehashProof(pn, pn.ids.map(() => dummy), hasher);
        expect(() => rootFromInclusionProof(hasher, index, size, dummy, proof)).not.toThrow();
        expectLogError(() => rootFromInclusionProof(hasher, index, size, dummy, [...proof, dummy]), 'invalid_proof');
      }),
      { numRuns: 500 },
    );
  });

  it('consistencyProofNodes: ids inside the tree, proof length as verify expects (u64 sizes)', () => {
    fc.assert(
      fc.property(u64, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (size2, seed) => {
        const size1 = 1n + (seed % size2);
        const pn = consistencyProofNodes(size1, size2);
        assertInside(pn.ids, size2);
        const proof = rehashProof(pn, pn.ids.map(() => dummy), hasher);
        // Dummy hashes: only a root mismatch is acceptable, never a length complaint.
        if (size1 !== size2) expectLogError(() => verifyConsistency(hasher, size1, size2, proof, dummy, dummy), 'root_mismatch');
        else expect(proof).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('preconditions and malformed input', () => {
  const h = tree.leaves[0]!;
  const root5 = tree.roots[5]!;

  it('inclusionProofNodes requires 0 <= index < size < 2^64', () => {
    expectLogError(() => inclusionProofNodes(0n, 0n), 'invalid_proof');
    expectLogError(() => inclusionProofNodes(5n, 5n), 'invalid_proof');
    expectLogError(() => inclusionProofNodes(-1n, 5n), 'invalid_proof');
    expectLogError(() => inclusionProofNodes(0n, 1n << 64n), 'invalid_proof');
    expectLogError(() => inclusionProofNodes(0 as unknown as bigint, 5n), 'invalid_proof');
    expect(inclusionProofNodes(0n, 1n).ids).toEqual([]);
  });

  it('consistencyProofNodes requires 0 < size1 <= size2', () => {
    expectLogError(() => consistencyProofNodes(0n, 5n), 'invalid_proof');
    expectLogError(() => consistencyProofNodes(0n, 0n), 'invalid_proof');
    expectLogError(() => consistencyProofNodes(6n, 5n), 'invalid_proof');
    expect(consistencyProofNodes(5n, 5n).ids).toEqual([]);
  });

  it('rehashProof checks the hash count and sizes', () => {
    const pn = inclusionProofNodes(2n, 7n);
    const hashes = pn.ids.map((id) => tree.nodes.get(key(id))!);
    expectLogError(() => rehashProof(pn, hashes.slice(1), hasher), 'invalid_proof');
    expectLogError(() => rehashProof(pn, [...hashes, h], hasher), 'invalid_proof');
    expectLogError(() => rehashProof(pn, [new Uint8Array(32).subarray(1), ...hashes.slice(1)], hasher), 'bad_format');
    expectLogError(() => rehashProof({ ...pn, end: pn.ids.length + 1 }, hashes, hasher), 'invalid_proof');
    const copy = hashes.slice();
    rehashProof(pn, hashes, hasher);
    expect(hashes).toEqual(copy); // input not modified
  });

  it('folds the ephemeral node right-to-left (size 7, leaf 0: [l1, n(1,1), H(n(1,2), l6)])', () => {
    const pn = inclusionProofNodes(0n, 7n);
    expect(pn.ids).toEqual([
      { level: 0, index: 1n },
      { level: 1, index: 1n },
      { level: 0, index: 6n },
      { level: 1, index: 2n },
    ]);
    expect([pn.begin, pn.end]).toEqual([2, 4]);
    expect(pn.ephem).toEqual({ level: 2, index: 1n });
  });

  it('verifiers reject bad sizes, shapes and hash lengths with the right code', () => {
    const p = inclusionProof(1, 5);
    expectLogError(() => verifyInclusion(hasher, 5n, 5n, h, p, root5), 'invalid_proof');
    expectLogError(() => verifyInclusion(hasher, -1n, 5n, h, p, root5), 'invalid_proof');
    expectLogError(() => verifyInclusion(hasher, 1 as unknown as bigint, 5n, h, p, root5), 'invalid_proof');
    expectLogError(() => verifyInclusion(hasher, 1n, 5n, h, null as unknown as Uint8Array[], root5), 'invalid_proof');
    expectLogError(() => verifyInclusion(hasher, 1n, 5n, h, ['x'] as unknown as Uint8Array[], root5), 'bad_format');
    expectLogError(() => verifyInclusion(hasher, 1n, 5n, h, p, root5.subarray(1)), 'bad_format');
    expectLogError(() => verifyInclusion(hasher, 1n, 5n, new Uint8Array(0), p, root5), 'bad_format');
    expectLogError(() => verifyInclusion(hasher, 1n, 5n, h, p, root5), 'root_mismatch'); // h is leaf 0

    const c = consistencyProof(3, 5);
    const root3 = tree.roots[3]!;
    verifyConsistency(hasher, 3n, 5n, c, root3, root5);
    expectLogError(() => verifyConsistency(hasher, 0n, 0n, [], root3, root3), 'invalid_proof');
    expectLogError(() => verifyConsistency(hasher, 0n, 5n, c, root3, root5), 'invalid_proof');
    expectLogError(() => verifyConsistency(hasher, 6n, 5n, c, root3, root5), 'invalid_proof');
    expectLogError(() => verifyConsistency(hasher, 3n, 5n, [], root3, root5), 'invalid_proof');
    expectLogError(() => verifyConsistency(hasher, 5n, 5n, c, root5, root5), 'invalid_proof');
    expectLogError(() => verifyConsistency(hasher, 5n, 5n, [], root3, root5), 'root_mismatch');
    expectLogError(() => verifyConsistency(hasher, 3n, 5n, c, root3.subarray(0, 31), root5), 'bad_format');
    expectLogError(() => verifyConsistency(hasher, 3n, 5n, c, root3, new Uint8Array(64)), 'bad_format');
  });
});
