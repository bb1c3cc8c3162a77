/**
 * Evidence certificates of deposits (contract §5): built from the store, one at a time or many at
 * once, and kept as JSON text in a bounded cache.
 *
 * What may be cached. A certificate is proved against the first block at or after the entry's
 * first covering block that has an RFC 3161 token, else against the first covering block
 * (timestamps.ts). Blocks, entries, deposit records and tokens never change, so:
 * - a certificate WITH a token is final: the first stamped block at or after the covering block
 *   cannot change, because the timestamp worker only ever stamps the newest block (a block older
 *   than a stamped one is never stamped later);
 * - a certificate WITHOUT a token stays right only until a token exists for any block at or after
 *   its covering block. Its cached text is therefore served only after one store read
 *   (`findFirstTimestampedBlock`) says there is still none; otherwise it is rebuilt. So a
 *   certificate never misses a token the store holds at the time of the request.
 * The cache is keyed by deposit id and remembers the depositing account, so the visibility rule
 * (the depositor and admins; anyone else gets not_found) is applied to every hit exactly as on a
 * miss. Its size is bounded in characters of JSON text (least recently used out first).
 *
 * Many at once (`many`): the store reads are shared across the request — one covering-block
 * lookup per block the entries fall in (found by a sorted sweep), one token lookup per covering
 * block, one `getNodes` for the union of all inclusion-proof nodes at each tree size, and runs of
 * consecutive entries read with `getEntries`.
 */
import { buildCertificate, type Certificate } from '../core/certificate.js';
import { decodeEntry, isDepositEntry, type DepositEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import { inclusionProofNodes, rehashProof, type NodeId, type ProofNodes } from '../core/merkle.js';
import { tokenFromResponse } from '../core/timestamp.js';
import type { Ledger } from './log.js';
import type { AccountRecord, BlockRecord, DepositStore, LogStore, TimestampStore } from './ports.js';

/** Default bound of the cache: 32 Mi characters of JSON text (about 10,000 certificates of 3 KB). */
export const DEFAULT_CERTIFICATE_CACHE_CHARS = 32 * 1024 * 1024;

/** One answer of `many`, in request order: the certificate's JSON text, or why there is none. */
export type CertificateItem = { id: string; json: string } | { id: string; error: 'not_found' };

type CertLedger = Pick<Ledger, 'treeSize' | 'entry' | 'coveringBlock' | 'block' | 'keyAt' | 'hasher'> & Partial<Pick<Ledger, 'observeInclusionProofs'>>;
type CertStore = Pick<DepositStore, 'getDeposit'> & Pick<LogStore, 'getEntries' | 'getNodes'> & Pick<TimestampStore, 'findFirstTimestampedBlock'>;

interface Cached {
  account: string;
  json: string;
  /** Height of the entry's first covering block. */
  covering: bigint;
  /** The certificate carries a token (final); false: valid until a token appears at or after `covering`. */
  stamped: boolean;
}

/** The block a certificate is proved against, with its token when it has one. */
interface Evidence {
  block: BlockRecord;
  timestamp?: { token: Uint8Array; tsa: string };
}

/** A deposit loaded for building: its entry, index and salted metadata text. */
interface Loaded {
  id: string;
  index: bigint;
  entry: DepositEntry;
  bytes: Uint8Array;
  metadata: string;
}

export class Certificates {
  private readonly cache = new Map<string, Cached>();
  private cachedChars = 0;
  /** Parsed tokens of stamped blocks by height (a token never changes): a few, most recent last. */
  private readonly evidenceMemo = new Map<bigint, Evidence>();

  constructor(
    private readonly ledger: CertLedger,
    private readonly store: CertStore,
    private readonly maxChars: number = DEFAULT_CERTIFICATE_CACHE_CHARS,
  ) {}

  /** The certificate as an object (built afresh). not_found unless `viewer` made the deposit or is an admin. */
  async certificate(id: string, viewer: AccountRecord): Promise<Certificate> {
    const loaded = await this.load(id);
    if (!mayView(loaded.entry.account, viewer)) throw new LogError('not_found', 'no such deposit');
    const evidence = await this.evidence(await this.covering(loaded.index));
    const [proof] = await this.proofs([loaded.index], evidence.block.treeSize);
    return this.build(loaded, evidence, proof!);
  }

  /** The certificate's JSON text: exactly `JSON.stringify(certificate(id, viewer))`, from the cache when it is still right. */
  async json(id: string, viewer: AccountRecord): Promise<string> {
    const hit = this.cache.get(id);
    if (hit !== undefined) {
      if (!mayView(hit.account, viewer)) throw new LogError('not_found', 'no such deposit');
      if (hit.stamped || (await this.store.findFirstTimestampedBlock(hit.covering)) === undefined) {
        // Another request may have dropped or replaced the entry meanwhile: only the same one is touched.
        if (this.cache.get(id) === hit) this.touch(id, hit);
        return hit.json;
      }
      this.drop(id);
    }
    const [item] = await this.many([id], viewer);
    if (item === undefined || !('json' in item)) throw new LogError('not_found', 'no such deposit');
    return item.json;
  }

  /**
   * Many certificates' JSON texts in the order of `ids` (repeats allowed), each or not_found (no
   * such deposit, or not the viewer's: the same answer, so ids do not leak).
   */
  async many(ids: readonly string[], viewer: AccountRecord): Promise<CertificateItem[]> {
    const out = new Map<string, string | null>();
    // Cache hits; unstamped hits are checked against the store once per covering block.
    const recheck = new Map<bigint, string[]>();
    for (const id of new Set(ids)) {
      const hit = this.cache.get(id);
      if (hit === undefined) continue;
      if (!mayView(hit.account, viewer)) out.set(id, null);
      else if (hit.stamped) {
        this.touch(id, hit);
        out.set(id, hit.json);
      } else {
        const list = recheck.get(hit.covering) ?? [];
        list.push(id);
        recheck.set(hit.covering, list);
      }
    }
    await Promise.all(
      [...recheck].map(async ([covering, list]) => {
        const stampedNow = (await this.store.findFirstTimestampedBlock(covering)) !== undefined;
        for (const id of list) {
          const hit = this.cache.get(id);
          if (hit === undefined) continue;
          if (stampedNow) this.drop(id);
          else {
            this.touch(id, hit);
            out.set(id, hit.json);
          }
        }
      }),
    );

    const missing = [...new Set(ids)].filter((id) => !out.has(id));
    if (missing.length > 0) for (const [id, json] of await this.buildMany(missing, viewer)) out.set(id, json);
    return ids.map((id) => {
      const json = out.get(id);
      return typeof json === 'string' ? { id, json } : { id, error: 'not_found' as const };
    });
  }

  /** Builds (and caches) the certificates of distinct `ids` not in the cache: id → JSON text, or null when not visible. */
  private async buildMany(ids: readonly string[], viewer: AccountRecord): Promise<Map<string, string | null>> {
    const result = new Map<string, string | null>();
    const size = this.ledger.treeSize;
    const records = await Promise.all(ids.map((id) => this.store.getDeposit(id)));
    const wanted: { id: string; index: bigint; metadata: string }[] = [];
    ids.forEach((id, i) => {
      const rec = records[i];
      if (rec === undefined || rec.index >= size) result.set(id, null);
      else wanted.push({ id, index: rec.index, metadata: rec.metadata });
    });
    wanted.sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
    const entries = await this.entriesAt(wanted.map((w) => w.index));
    const loaded: Loaded[] = [];
    wanted.forEach((w, i) => {
      const bytes = entries[i];
      if (bytes === undefined) throw new LogError('corrupt_store', `entry ${w.index} is missing`);
      const entry = decodeEntry(bytes);
      if (!isDepositEntry(entry) || entry.id !== w.id) throw new LogError('corrupt_store', `entry ${w.index} is not deposit ${w.id}`);
      if (mayView(entry.account, viewer)) loaded.push({ id: w.id, index: w.index, entry, bytes, metadata: w.metadata });
      else result.set(w.id, null);
    });

    // Covering blocks by a sorted sweep: block B first covering index i also first covers every
    // index in [i, B.treeSize).
    const covering: BlockRecord[] = [];
    let current: BlockRecord | undefined;
    for (const l of loaded) {
      if (current === undefined || l.index >= current.treeSize) current = await this.covering(l.index);
      covering.push(current);
    }
    const evidence = new Map<bigint, Promise<Evidence>>();
    const evidenceOf = (b: BlockRecord) => {
      let e = evidence.get(b.height);
      if (e === undefined) evidence.set(b.height, (e = this.evidence(b)));
      return e;
    };
    const ev = await Promise.all(covering.map(evidenceOf));
    // Proofs: one getNodes per tree size proved against.
    const bySize = new Map<bigint, number[]>();
    ev.forEach((e, i) => {
      const list = bySize.get(e.block.treeSize) ?? [];
      list.push(i);
      bySize.set(e.block.treeSize, list);
    });
    const proofs: Uint8Array[][] = new Array(loaded.length);
    await Promise.all(
      [...bySize].map(async ([treeSize, slots]) => {
        const got = await this.proofs(
          slots.map((s) => loaded[s]!.index),
          treeSize,
        );
        slots.forEach((s, k) => (proofs[s] = got[k]!));
      }),
    );
    // The members every certificate proved against one block shares, serialized once per block.
    const tails = new Map<bigint, string>();
    const tailOf = (e: Evidence) => {
      let t = tails.get(e.block.height);
      if (t === undefined) tails.set(e.block.height, (t = this.tail(e)));
      return t;
    };
    loaded.forEach((l, i) => {
      const json = this.serialize(l, ev[i]!, proofs[i]!, tailOf(ev[i]!));
      result.set(l.id, json);
      this.remember(l.id, { account: l.entry.account, json, covering: covering[i]!.height, stamped: ev[i]!.timestamp !== undefined });
    });
    return result;
  }

  /**
   * `JSON.stringify(build(l, e, proof))`, with the members after `proof` (checkpoint, logKey,
   * timestamp: the same for every certificate proved against `e`) spliced in as `tail` (from
   * `tail(e)`), so their long strings are not escaped again for each certificate.
   */
  private serialize(l: Loaded, e: Evidence, proof: Uint8Array[], tail: string): string {
    const { checkpoint: _checkpoint, logKey: _logKey, timestamp: _timestamp, ...head } = this.build(l, { block: e.block }, proof);
    return JSON.stringify(head).slice(0, -1) + tail;
  }

  /** The serialized members after `proof`, then the closing brace, as JSON.stringify writes them. */
  private tail(e: Evidence): string {
    const { checkpoint, logKey, timestamp } = buildCertificate({
      depositId: '',
      receivedAt: '',
      work: { sha256: '', metadata: {} },
      index: 0n,
      entryBytes: new Uint8Array(0),
      treeSize: e.block.treeSize,
      proof: [],
      checkpoint: e.block.checkpoint,
      logKey: this.ledger.keyAt(e.block.height),
      ...(e.timestamp !== undefined ? { timestamp: e.timestamp } : {}),
    });
    return `,"checkpoint":${JSON.stringify(checkpoint)},"logKey":${JSON.stringify(logKey)}${timestamp !== undefined ? `,"timestamp":${JSON.stringify(timestamp)}` : ''}}`;
  }

  private build(l: Loaded, e: Evidence, proof: Uint8Array[]): Certificate {
    const { entry } = l;
    return buildCertificate({
      depositId: l.id,
      receivedAt: entry.receivedAt,
      work: {
        sha256: entry.sha256,
        ...(entry.sm3 !== undefined ? { sm3: entry.sm3 } : {}),
        ...(entry.size !== undefined ? { size: entry.size } : {}),
        metadata: JSON.parse(l.metadata) as Record<string, unknown>,
      },
      index: l.index,
      entryBytes: l.bytes,
      treeSize: e.block.treeSize,
      proof,
      checkpoint: e.block.checkpoint,
      logKey: this.ledger.keyAt(e.block.height),
      ...(e.timestamp !== undefined ? { timestamp: e.timestamp } : {}),
    });
  }

  private async load(id: string): Promise<Loaded> {
    const rec = await this.store.getDeposit(id);
    if (rec === undefined || rec.index >= this.ledger.treeSize) throw new LogError('not_found', 'no such deposit');
    const bytes = await this.ledger.entry(rec.index);
    if (bytes === undefined) throw new LogError('corrupt_store', `entry ${rec.index} is missing`);
    const entry = decodeEntry(bytes);
    if (!isDepositEntry(entry) || entry.id !== id) throw new LogError('corrupt_store', `entry ${rec.index} is not deposit ${id}`);
    return { id, index: rec.index, entry, bytes, metadata: rec.metadata };
  }

  private async covering(index: bigint): Promise<BlockRecord> {
    const b = await this.ledger.coveringBlock(index);
    if (b === undefined) throw new LogError('corrupt_store', `no block covers entry ${index}`);
    return b;
  }

  /**
   * The block certificates of entries first covered by `covering` are proved against: the first
   * block at or after it with a token (with the token), else `covering` itself (timestamps.ts,
   * `evidenceBlock`: the same rule).
   */
  private async evidence(covering: BlockRecord): Promise<Evidence> {
    const stamped = await this.store.findFirstTimestampedBlock(covering.height);
    if (stamped === undefined) return { block: covering };
    const memo = this.evidenceMemo.get(stamped.height);
    if (memo !== undefined) return memo;
    const block = stamped.height === covering.height ? covering : await this.ledger.block(stamped.height);
    if (block === undefined) return { block: covering };
    let e: Evidence;
    try {
      e = { block, timestamp: { token: tokenFromResponse(stamped.der), tsa: stamped.tsa } };
    } catch {
      // An unreadable stored reply is skipped: the certificate is still valid without it.
      return { block: covering };
    }
    this.evidenceMemo.set(stamped.height, e);
    if (this.evidenceMemo.size > 64) this.evidenceMemo.delete(this.evidenceMemo.keys().next().value!);
    return e;
  }

  /** Entries at ascending, distinct `indexes` (all committed): runs of consecutive indexes in one read each. */
  private async entriesAt(indexes: readonly bigint[]): Promise<(Uint8Array | undefined)[]> {
    const runs: { start: bigint; count: number }[] = [];
    indexes.forEach((index) => {
      const last = runs[runs.length - 1];
      if (last !== undefined && index === last.start + BigInt(last.count)) last.count++;
      else runs.push({ start: index, count: 1 });
    });
    const out: (Uint8Array | undefined)[] = new Array(indexes.length);
    const got = await Promise.all(runs.map((r) => (r.count === 1 ? this.ledger.entry(r.start).then((b) => (b ? [b] : [])) : this.store.getEntries(r.start, r.count))));
    const byIndex = new Map<bigint, Uint8Array>();
    runs.forEach((r, k) => got[k]!.forEach((b, j) => byIndex.set(r.start + BigInt(j), b)));
    indexes.forEach((index, i) => (out[i] = byIndex.get(index)));
    return out;
  }

  /** Inclusion proofs of `indexes` at `treeSize`: the union of their nodes in one getNodes. */
  private async proofs(indexes: readonly bigint[], treeSize: bigint): Promise<Uint8Array[][]> {
    const started = performance.now();
    const plans: ProofNodes[] = indexes.map((i) => inclusionProofNodes(i, treeSize));
    // Slot of each distinct node in one getNodes: by level, then index (bigints compare by value as Map keys).
    const slots = new Map<number, Map<bigint, number>>();
    const ids: NodeId[] = [];
    const plansSlots = plans.map((p) =>
      p.ids.map((n) => {
        let level = slots.get(n.level);
        if (level === undefined) slots.set(n.level, (level = new Map()));
        let at = level.get(n.index);
        if (at === undefined) {
          level.set(n.index, (at = ids.length));
          ids.push(n);
        }
        return at;
      }),
    );
    const hashes = ids.length === 0 ? [] : await this.store.getNodes(ids);
    const proofs = plans.map((p, k) =>
      rehashProof(
        p,
        plansSlots[k]!.map((at) => hashes[at]!),
        this.ledger.hasher,
      ),
    );
    this.ledger.observeInclusionProofs?.(proofs.length, performance.now() - started);
    return proofs;
  }

  private remember(id: string, c: Cached): void {
    if (this.maxChars <= 0 || c.json.length > this.maxChars / 4) return;
    this.drop(id);
    this.cache.set(id, c);
    this.cachedChars += c.json.length;
    while (this.cachedChars > this.maxChars) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }

  private touch(id: string, c: Cached): void {
    this.cache.delete(id);
    this.cache.set(id, c);
  }

  private drop(id: string): void {
    const c = this.cache.get(id);
    if (c === undefined) return;
    this.cache.delete(id);
    this.cachedChars -= c.json.length;
  }

  /** Certificates cached and their size in characters (metrics, tests). */
  get cacheStats(): { entries: number; chars: number } {
    return { entries: this.cache.size, chars: this.cachedChars };
  }
}

function mayView(account: string, viewer: AccountRecord): boolean {
  return account === viewer.id || viewer.role === 'admin';
}
