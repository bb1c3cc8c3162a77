/**
 * Audit: recompute every leaf, node, root and signature and walk the block chain, naming the
 * first bad entry index or block height. Works over any AuditSource: a stopped LevelDB store,
 * a running server's public API, or an export archive. Where the source has them, it also checks
 * each block's RFC 3161 timestamp token (its imprint is SHA-256 of the checkpoint body) and the
 * log's key hand-overs (docs/OPERATIONS.md).
 */
import { equalBytes, toHex, utf8 } from '../core/bytes.js';
import { blockHash, formatCheckpointBody, openCheckpoint, ZERO_HASH } from '../core/checkpoint.js';
import { decodeEntry } from '../core/entry.js';
import { isLogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { CompactRange, TreeHasher, verifyConsistency, verifyInclusion, type NodeId } from '../core/merkle.js';
import { isSignedBy } from '../core/note.js';
import { tokenFromResponse, verifyTimestampToken } from '../core/timestamp.js';
import type { BlockRecord } from './ports.js';

export interface AuditSource {
  latestHeight(): Promise<bigint>;
  getBlock(height: bigint): Promise<BlockRecord | undefined>;
  /** Entries [start, start+count), fewer only past the end of what is stored. */
  getEntries(start: bigint, count: number): Promise<Uint8Array[]>;
  /** Stored perfect-node hashes (undefined where absent). Only a store has them. */
  getStoredNodes?(ids: NodeId[]): Promise<(Uint8Array | undefined)[]>;
  /** The source's consistency proof between two sizes (a server has them). */
  consistencyProof?(from: bigint, to: bigint): Promise<Uint8Array[]>;
  /** The source's inclusion proof (used to find the bad entry of a block whose root fails). */
  inclusionProof?(index: bigint, treeSize: bigint): Promise<Uint8Array[]>;
  /** True when an entry exists at `index` (to catch entries beyond the last block). */
  hasEntry?(index: bigint): Promise<boolean>;
  /** The block's RFC 3161 reply or token (DER), undefined when it has none. */
  getTimestamp?(height: bigint): Promise<Uint8Array | undefined>;
}

export interface AuditProblem {
  kind: 'entry' | 'block';
  /** Entry index or block height. */
  at: bigint;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  blocks: bigint;
  entries: bigint;
  problem?: AuditProblem;
}

export interface AuditOptions {
  /** The pinned key: MUST be one of `verifierKeys` when those are given. */
  verifierKey: string;
  /**
   * The log's key history, oldest first (default: `verifierKey` alone, from block 0). Each block
   * MUST be signed by the key in force at its height; the first block of each later key (the
   * hand-over) MUST be signed by both it and the key before.
   */
  verifierKeys?: readonly { key: string; firstHeight: bigint }[];
  /** TSA certificates timestamp chains are pinned to; tokens that reach none are checked as carried, unless `tsaPinned`. */
  tsaCertificates?: readonly Uint8Array[];
  /** Every token MUST chain to one of `tsaCertificates` (the user pinned them); one that does not fails the audit. */
  tsaPinned?: boolean;
  sha256: Sha256;
  chunk?: number;
  onProgress?: (entriesDone: bigint, entriesTotal: bigint) => void;
}

class Found extends Error {
  constructor(readonly problem: AuditProblem) {
    super(problem.message);
  }
}

const fail = (kind: AuditProblem['kind'], at: bigint, message: string): never => {
  throw new Found({ kind, at, message });
};
const why = (e: unknown) => (isLogError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));

export async function audit(src: AuditSource, opts: AuditOptions): Promise<AuditReport> {
  const hasher = new TreeHasher(opts.sha256);
  const chunk = opts.chunk ?? 10_000;
  const range = new CompactRange(hasher);
  let entries = 0n;
  let blocks = 0n;
  try {
    const latest = await src.latestHeight();
    const top = await src.getBlock(latest);
    const total = top?.treeSize ?? 0n;
    const keys = opts.verifierKeys ?? [{ key: opts.verifierKey, firstHeight: 0n }];
    if (!keys.some((k) => k.key === opts.verifierKey)) fail('block', 0n, `the pinned key ${opts.verifierKey} is not in the log's key history`);
    if (keys[0]!.firstHeight !== 0n || keys.some((k, i) => i > 0 && k.firstHeight <= keys[i - 1]!.firstHeight)) fail('block', 0n, 'the key history does not start at block 0 in height order');
    let prev: { block: BlockRecord; body: string } | undefined;
    let inForce = 0;
    for (let h = 0n; h <= latest; h++) {
      const block = await src.getBlock(h);
      if (!block) fail('block', h, 'block is missing');
      // The key in force signs the block; at a hand-over the incoming key signs it too.
      const next = keys[inForce + 1];
      const handOver = next !== undefined && next.firstHeight === h;
      const { body } = checkBlock(block!, h, prev, { ...opts, verifierKey: keys[inForce]!.key }, hasher);
      if (handOver) {
        if (!isSignedBy(block!.checkpoint, next.key)) fail('block', h, `hand-over block is not signed by the incoming key ${next.key}`);
        inForce++;
      } else if (next !== undefined && isSignedBy(block!.checkpoint, next.key)) {
        fail('block', h, `signed by ${next.key} before its hand-over at block ${next.firstHeight}`);
      }
      if (src.getTimestamp) await checkTimestamp(src, h, body, opts);
      // Integrate the entries this block adds, checking each against the store's nodes.
      while (range.size < block!.treeSize) {
        const want = Number(block!.treeSize - range.size < BigInt(chunk) ? block!.treeSize - range.size : BigInt(chunk));
        const start = range.size;
        const batch = await src.getEntries(start, want);
        if (batch.length !== want) fail('entry', start + BigInt(batch.length), 'entry is missing');
        const visited: { id: NodeId; hash: Uint8Array; entry: bigint }[] = [];
        batch.forEach((bytes, i) => {
          const index = start + BigInt(i);
          try {
            decodeEntry(bytes);
          } catch (e) {
            fail('entry', index, `entry is not a valid log entry (${why(e)})`);
          }
          range.append(hasher.hashLeaf(bytes), (id, hash) => visited.push({ id, hash, entry: index }));
        });
        if (src.getStoredNodes) {
          const stored = await src.getStoredNodes(visited.map((v) => v.id));
          visited.forEach((v, i) => {
            const s = stored[i];
            if (s === undefined) fail('entry', v.entry, `tree node (level ${v.id.level}, index ${v.id.index}) is missing`);
            if (!equalBytes(s!, v.hash)) {
              fail('entry', v.entry, v.id.level === 0 ? 'entry bytes do not match the stored leaf hash' : `stored tree node (level ${v.id.level}, index ${v.id.index}) is wrong`);
            }
          });
        }
        entries = range.size;
        opts.onProgress?.(entries, total);
      }
      if (!equalBytes(range.root(), block!.rootHash)) {
        const culprit = await findBadEntry(src, hasher, prev?.block.treeSize ?? 0n, block!, chunk);
        if (culprit !== undefined) fail('entry', culprit, `entry is not the one block ${h} signed`);
        fail('block', h, `root hash ${toHex(block!.rootHash)} does not match the entries (${toHex(range.root())})`);
      }
      if (prev && src.consistencyProof && prev.block.treeSize > 0n) {
        try {
          const proof = await src.consistencyProof(prev.block.treeSize, block!.treeSize);
          verifyConsistency(hasher, prev.block.treeSize, block!.treeSize, proof, prev.block.rootHash, block!.rootHash);
        } catch (e) {
          fail('block', h, `no valid consistency proof from block ${h - 1n} (${why(e)})`);
        }
      }
      prev = { block: block!, body };
      blocks = h + 1n;
    }
    if (src.hasEntry && (await src.hasEntry(range.size))) fail('entry', range.size, 'entry exists beyond the latest block');
    if (inForce !== keys.length - 1) fail('block', latest, `the key history names ${keys[inForce + 1]!.key} from block ${keys[inForce + 1]!.firstHeight}, beyond the latest block`);
    return { ok: true, blocks, entries };
  } catch (e) {
    if (e instanceof Found) return { ok: false, blocks, entries, problem: e.problem };
    throw e;
  }
}

function checkBlock(block: BlockRecord, h: bigint, prev: { block: BlockRecord; body: string } | undefined, opts: AuditOptions, hasher: TreeHasher) {
  if (block.height !== h) fail('block', h, `record says height ${block.height}`);
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(block.checkpoint, opts.verifierKey);
  } catch (e) {
    return fail('block', h, `checkpoint does not verify (${why(e)})`);
  }
  const c = opened.checkpoint;
  if (c.height !== h) fail('block', h, `checkpoint says block ${c.height}`);
  if (c.treeSize !== block.treeSize || !equalBytes(c.rootHash, block.rootHash) || !equalBytes(c.prevHash, block.prevHash) || c.time !== block.time) {
    fail('block', h, 'block record differs from its signed checkpoint');
  }
  if (opened.body !== formatCheckpointBody(c)) fail('block', h, 'checkpoint body is not in canonical form');
  if (prev === undefined) {
    if (h !== 0n) fail('block', h, 'chain does not start at block 0');
    if (c.treeSize !== 0n || !equalBytes(c.rootHash, hasher.emptyRoot())) fail('block', h, 'block 0 is not the empty tree');
    if (!equalBytes(c.prevHash, ZERO_HASH)) fail('block', h, 'block 0 prev is not 32 zero bytes');
  } else {
    if (!equalBytes(c.prevHash, blockHash(prev.body, opts.sha256))) fail('block', h, `prev does not hash block ${h - 1n}`);
    if (c.treeSize < prev.block.treeSize) fail('block', h, 'tree size shrank');
    if (c.time < prev.block.time) fail('block', h, 'time went back');
  }
  return { body: opened.body };
}

/** The block's timestamp token: its imprint MUST be SHA-256 of the body, its signature and chain MUST verify. */
async function checkTimestamp(src: AuditSource, h: bigint, body: string, opts: AuditOptions): Promise<void> {
  const der = await src.getTimestamp!(h);
  if (der === undefined) return;
  const digest = opts.sha256(utf8(body));
  let token: Uint8Array;
  try {
    token = tokenFromResponse(der);
  } catch (e) {
    return fail('block', h, `timestamp is not a granted RFC 3161 reply (${why(e)})`);
  }
  const pins = opts.tsaCertificates ?? [];
  if (pins.length > 0) {
    try {
      verifyTimestampToken(token, digest, { certificates: pins });
      return;
    } catch (e) {
      if (opts.tsaPinned) return fail('block', h, `timestamp token does not chain to a pinned TSA certificate (${why(e)})`);
      // Not from a known TSA (an external one): check it as carried, below.
    }
  }
  try {
    verifyTimestampToken(token, digest);
  } catch (e) {
    fail('block', h, `timestamp token does not verify (${why(e)})`);
  }
}

/** Asks the source for inclusion proofs of the block's new entries; the first that fails is the culprit. */
async function findBadEntry(src: AuditSource, hasher: TreeHasher, from: bigint, block: BlockRecord, chunk: number): Promise<bigint | undefined> {
  if (!src.inclusionProof) return undefined;
  for (let start = from; start < block.treeSize; start += BigInt(chunk)) {
    const n = Number(block.treeSize - start < BigInt(chunk) ? block.treeSize - start : BigInt(chunk));
    const batch = await src.getEntries(start, n);
    for (const [i, bytes] of batch.entries()) {
      const index = start + BigInt(i);
      try {
        verifyInclusion(hasher, index, block.treeSize, hasher.hashLeaf(bytes), await src.inclusionProof(index, block.treeSize), block.rootHash);
      } catch (e) {
        if (isLogError(e)) return index;
        throw e;
      }
    }
  }
  return undefined;
}
