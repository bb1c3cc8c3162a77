/**
 * Deposits (contract §4): hash-only deposits, single and batch, idempotent by Idempotency-Key
 * or externalId; reads, prior-art lookup and certificates.
 */
import { fromHex, toHex, utf8, Utf8Slab } from '../core/bytes.js';
import type { Certificate } from '../core/certificate.js';
import { Certificates, type CertificateItem } from './certificates.js';
import { decodeEntry, encodeEntry, isDepositEntry, type DepositEntry, encodeDepositEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { canonicalize } from '../core/jcs.js';
import { formatTime } from '../core/time.js';
import { DepositList, type DepositPage, type ListOptions } from './deposit-list.js';
import type { Ledger, PendingEntry } from './log.js';
import type { AccountRecord, ClaimRecord, Clock, DepositStore, LogStore, RandomBytes, TimestampStore } from './ports.js';

/** A validated deposit request (hashes lowercase hex). */
export interface DepositInput {
  sha256: string;
  sm3?: string;
  size?: number;
  metadata?: Record<string, unknown>;
  externalId?: string;
  /**
   * The rights holder a platform deposits for (docs/REGISTRATION.md). Kept in the private
   * metadata as `onBehalfOf` (so only metaSha256 enters the log); the named account may then use
   * the deposit in its registration applications. Only platforms and admins may set it.
   */
  onBehalfOf?: OnBehalfOf;
}

export interface OnBehalfOf {
  /** The rights holder's account here, if it has one. */
  account?: string;
  /** The rights holder's name as the platform knows it. */
  name?: string;
  /** The platform's own reference for the rights holder. */
  reference?: string;
}

/** What the API returns for a deposit. */
export interface DepositView {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  receivedAt: string;
  block: number;
  certificateUrl: string;
}

export interface PriorArt {
  id: string;
  index: number;
  receivedAt: string;
  block: number;
}

export const MAX_METADATA_BYTES = 16_384;

/**
 * Locks across the processes that share the store (src/adapters/pg/locks.ts): held for a keyed
 * deposit's claims from the look-up of stored claims until its commit is durable, so the same
 * Idempotency-Key or externalId sent to two processes at once makes one deposit.
 */
export interface ClaimLocks {
  runAll<T>(name: string, keys: readonly string[], fn: () => Promise<T>): Promise<T>;
}

interface Prepared {
  pending: PendingEntry;
  entry: DepositEntry;
}

export class Deposits {
  /** Claims (idempotency keys, externalIds) whose deposit is being committed right now. */
  private readonly inflight = new Map<string, Promise<DepositView>>();
  private lister: DepositList | undefined;
  private readonly certs: Certificates;
  private readonly claimLocks: ClaimLocks | undefined;
  /** Lowercase hex SHA-256 of a text's UTF-8 bytes (`opts.textSha256Hex`: a faster one, same result). */
  private readonly textSha256Hex: (text: string) => string;
  /** Entry bytes of new deposits, encoded into shared slabs (they are copied into the log's bundles). */
  private readonly slab = new Utf8Slab();

  /** `opts.certificateCacheChars`: bound of the certificate cache (certificates.ts; 0: none). `opts.claimLocks`: with a shared store. */
  constructor(
    private readonly ledger: Ledger,
    private readonly store: DepositStore & Pick<LogStore, 'getEntry' | 'getEntries' | 'getNodes'> & Pick<TimestampStore, 'findFirstTimestampedBlock'>,
    private readonly sha256: Sha256,
    private readonly random: RandomBytes,
    private readonly clock: Clock,
    opts: { certificateCacheChars?: number; textSha256Hex?: (text: string) => string; claimLocks?: ClaimLocks } = {},
  ) {
    this.certs = new Certificates(ledger, store, opts.certificateCacheChars);
    this.textSha256Hex = opts.textSha256Hex ?? ((text) => toHex(sha256(utf8(text))));
    this.claimLocks = opts.claimLocks;
  }

  /**
   * One deposit. With `idempotencyKey`, a repeat returns the first deposit and created = false.
   * `extra` records and counters (an upload's storage charge) are written in the deposit's own
   * batch, so only when created = true.
   */
  async deposit(
    account: AccountRecord,
    input: DepositInput,
    idempotencyKey?: string,
    extra?: Pick<PendingEntry, 'records' | 'counters'>,
  ): Promise<{ deposit: DepositView; created: boolean }> {
    if (idempotencyKey === undefined && input.externalId === undefined) {
      return { deposit: (await this.commit(account, [this.prepare(account, input, [], this.now(), extra)]))[0]!, created: true };
    }
    const [claim] = this.claimsFor(account, input, idempotencyKey);
    const [result] = await this.claimed(account, [{ input, claims: claim ? [claim] : [], ...(extra ? { extra } : {}) }]);
    return result!;
  }

  /** Up to 10,000 deposits in one batch, answered in item order. */
  async depositBatch(account: AccountRecord, items: DepositInput[]): Promise<{ deposit: DepositView; created: boolean }[]> {
    if (items.every((input) => input.externalId === undefined)) {
      // No claims: nothing to deduplicate, every item is a new deposit (no in-flight bookkeeping,
      // no per-item promises).
      const receivedAt = this.now();
      const views = await this.commit(account, items.map((input) => this.prepare(account, input, [], receivedAt)));
      return views.map((deposit) => ({ deposit, created: true }));
    }
    return this.claimed(
      account,
      items.map((input) => ({ input, claims: this.claimsFor(account, input) })),
    );
  }

  private claimsFor(account: AccountRecord, input: DepositInput, idempotencyKey?: string): ClaimRecord[] {
    const claims: ClaimRecord[] = [];
    if (idempotencyKey !== undefined) claims.push({ kind: 'idempotency', account: account.id, key: idempotencyKey, depositId: '' });
    if (input.externalId !== undefined) claims.push({ kind: 'external', account: account.id, key: input.externalId, depositId: '' });
    return claims;
  }

  /**
   * Resolves each item either to the deposit its claim already names (stored, in flight, or
   * earlier in this batch) or to a new deposit; all new ones go into the log together.
   * Claims are registered in flight synchronously, before any await, so two concurrent
   * requests with the same key can never both create a deposit.
   */
  private async claimed(
    account: AccountRecord,
    items: { input: DepositInput; claims: ClaimRecord[]; extra?: Pick<PendingEntry, 'records' | 'counters'> }[],
  ): Promise<{ deposit: DepositView; created: boolean }[]> {
    // Validate every item first: a bad item fails the whole request before anything is claimed.
    const receivedAt = this.now();
    const prepared = items.map((item) => this.prepare(account, item.input, item.claims, receivedAt, item.extra));
    const results: Promise<{ deposit: DepositView; created: boolean }>[] = new Array(items.length);
    const dupOf = new Map<number, number>();
    const inBatch = new Map<string, number>();
    const fresh: { slot: number; prepared: Prepared; keys: string[]; done: Deferred<DepositView> }[] = [];
    for (const [slot, item] of items.entries()) {
      const keys = item.claims.map((c) => `${c.kind}\u0000${c.account}\u0000${c.key}`);
      const earlier = keys.map((k) => inBatch.get(k)).find((s) => s !== undefined);
      if (earlier !== undefined) {
        dupOf.set(slot, earlier);
        continue;
      }
      const flying = keys.map((k) => this.inflight.get(k)).find((p) => p !== undefined);
      if (flying) {
        const repeat = flying.then((deposit) => ({ deposit, created: false }));
        repeat.catch(() => undefined); // awaited below; until then its rejection must not go unhandled
        results[slot] = repeat;
        continue;
      }
      const done = deferred<DepositView>();
      for (const k of keys) {
        inBatch.set(k, slot);
        this.inflight.set(k, done.promise);
      }
      fresh.push({ slot, prepared: prepared[slot]!, keys, done });
    }
    try {
      // Another process sharing the store may commit the same claims: hold their locks from the look-up to the durable commit.
      const lookUpAndCommit = async () => {
        const found = await Promise.all(fresh.map((f) => this.storedClaim(f.prepared)));
        const toCommit = fresh.filter((_, i) => found[i] === undefined);
        const views = await this.commit(account, toCommit.map((f) => f.prepared));
        toCommit.forEach((f, i) => {
          f.done.resolve(views[i]!);
          results[f.slot] = Promise.resolve({ deposit: views[i]!, created: true });
        });
        return found;
      };
      const stored = this.claimLocks !== undefined && fresh.length > 0 ? await this.claimLocks.runAll('deposit-claim', fresh.flatMap((f) => f.keys), lookUpAndCommit) : await lookUpAndCommit();
      await Promise.all(
        fresh.map(async (f, i) => {
          const id = stored[i];
          if (id === undefined) return;
          const deposit = await this.view(id);
          f.done.resolve(deposit);
          results[f.slot] = Promise.resolve({ deposit, created: false });
        }),
      );
    } catch (e) {
      for (const f of fresh) f.done.reject(e);
      throw e;
    } finally {
      for (const f of fresh) for (const k of f.keys) if (this.inflight.get(k) === f.done.promise) this.inflight.delete(k);
    }
    for (const [slot, earlier] of dupOf) results[slot] = results[earlier]!.then((r) => ({ deposit: r.deposit, created: false }));
    return Promise.all(results);
  }

  /** The deposit id an already stored claim of this item names, if any. */
  private async storedClaim(p: Prepared): Promise<string | undefined> {
    for (const c of p.pending.claims ?? []) {
      const id = await this.store.getClaim(c.kind, c.account, c.key);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** The request's receipt time: one reading for every item of a request. */
  private now(): string {
    return formatTime(this.clock.now());
  }

  private prepare(account: AccountRecord, input: DepositInput, claims: ClaimRecord[], receivedAt: string, extra?: Pick<PendingEntry, 'records' | 'counters'>): Prepared {
    const user = input.metadata;
    let bare = input.onBehalfOf === undefined;
    if (user !== undefined) {
      if (Object.hasOwn(user, 'salt')) throw new LogError('invalid_request', 'metadata.salt is reserved: the service adds it', { details: { field: 'metadata.salt' } });
      if (Object.hasOwn(user, 'onBehalfOf')) throw new LogError('invalid_request', 'metadata.onBehalfOf is reserved: send onBehalfOf beside metadata', { details: { field: 'metadata.onBehalfOf' } });
      if (bare) for (const k in user) if (Object.hasOwn(user, k)) bare = false;
    }
    if (input.onBehalfOf !== undefined && account.role !== 'platform' && account.role !== 'admin') {
      throw new LogError('forbidden', 'only a platform may deposit on behalf of a rights holder', { details: { field: 'onBehalfOf' } });
    }
    const salt = toHex(this.random(16));
    // Hash-only deposits often send no metadata: {"salt":"<hex>"} is already its JCS form.
    const metaText = bare ? `{"salt":"${salt}"}` : canonicalize({ ...user, ...(input.onBehalfOf !== undefined ? { onBehalfOf: input.onBehalfOf } : {}), salt });
    // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the text could be too long.
    if (metaText.length > MAX_METADATA_BYTES / 3 && utf8(metaText).length > MAX_METADATA_BYTES) {
      throw new LogError('invalid_request', `metadata is over ${MAX_METADATA_BYTES} bytes`, { details: { field: 'metadata' } });
    }
    const id = 'dep_' + toHex(this.random(10));
    const entry: DepositEntry =
      input.sm3 === undefined && input.size === undefined
        ? { v: 1, type: 'deposit', id, account: account.id, sha256: input.sha256, metaSha256: this.textSha256Hex(metaText), receivedAt }
        : {
            v: 1,
            type: 'deposit',
            id,
            account: account.id,
            sha256: input.sha256,
            ...(input.sm3 !== undefined ? { sm3: input.sm3 } : {}),
            ...(input.size !== undefined ? { size: input.size } : {}),
            metaSha256: this.textSha256Hex(metaText),
            receivedAt,
          };
    const pending: PendingEntry = {
      bytes: encodeDepositEntry(entry, this.slab),
      deposit: { record: { id, metadata: metaText }, sha256: fromHex(input.sha256, 32), account: account.id, receivedAt },
    };
    if (claims.length > 0) pending.claims = claims.map((c) => ({ ...c, depositId: id }));
    if (extra?.records) pending.records = extra.records;
    if (extra?.counters) pending.counters = extra.counters;
    return { entry, pending };
  }

  /** Appends as `account`'s entries: the sequencer's fair share is counted per account. */
  private async commit(account: AccountRecord, prepared: Prepared[]): Promise<DepositView[]> {
    const appended = await this.ledger.append(prepared.map((p) => p.pending), { owner: account.id });
    return prepared.map((p, i) => toView(p.entry, appended[i]!.index, appended[i]!.block));
  }

  /** The account's own deposits, newest first, paged and searchable (deposit-list.ts). */
  list(account: AccountRecord, opts: ListOptions): Promise<DepositPage> {
    return (this.lister ??= new DepositList(this.store)).list(account.id, opts);
  }

  /** A deposit by id, as its owner (or an admin) sees it. Others get not_found. */
  async get(id: string, viewer: AccountRecord): Promise<DepositView> {
    const { entry, index } = await this.load(id);
    if (entry.account !== viewer.id && viewer.role !== 'admin') throw new LogError('not_found', 'no such deposit');
    return toView(entry, index, await this.blockOf(index));
  }

  private async view(id: string): Promise<DepositView> {
    const { entry, index } = await this.load(id);
    return toView(entry, index, await this.blockOf(index));
  }

  private async load(id: string): Promise<{ entry: DepositEntry; index: bigint; metadata: string }> {
    const rec = await this.store.getDeposit(id);
    if (rec === undefined || !(await this.ledger.covers(rec.index))) throw new LogError('not_found', 'no such deposit');
    const bytes = await this.ledger.entry(rec.index);
    if (bytes === undefined) throw new LogError('corrupt_store', `entry ${rec.index} is missing`);
    const entry = decodeEntry(bytes);
    if (!isDepositEntry(entry) || entry.id !== id) throw new LogError('corrupt_store', `entry ${rec.index} is not deposit ${id}`);
    return { entry, index: rec.index, metadata: rec.metadata };
  }

  private async blockOf(index: bigint): Promise<bigint> {
    const b = await this.ledger.coveringBlock(index);
    if (b === undefined) throw new LogError('corrupt_store', `no block covers entry ${index}`);
    return b.height;
  }

  /** The account that made deposit `id` (printed on its PDF certificate). Callers MUST have checked the viewer may see it. */
  async depositor(id: string): Promise<string> {
    return (await this.load(id)).entry.account;
  }

  /** Public facts of one deposit (what the prior-art lookup shows), for the public verify page. */
  async publicInfo(id: string): Promise<PriorArt> {
    const { entry, index } = await this.load(id);
    return { id, index: Number(index), receivedAt: entry.receivedAt, block: Number(await this.blockOf(index)) };
  }

  /** Public prior-art lookup: earliest first, at most `limit`. */
  async bySha256(sha256Hex: string, limit = 100): Promise<PriorArt[]> {
    const indexes = await this.store.findBySha256(fromHex(sha256Hex, 32), limit);
    const out: PriorArt[] = [];
    for (const index of indexes) {
      if (!(await this.ledger.covers(index))) continue;
      const bytes = await this.ledger.entry(index);
      if (bytes === undefined) continue;
      const e = decodeEntry(bytes);
      if (!isDepositEntry(e)) continue;
      out.push({ id: e.id, index: Number(index), receivedAt: e.receivedAt, block: Number(await this.blockOf(index)) });
    }
    // Earliest received first. The fair share of the sequencer queue may give a deposit received
    // later a lower index within a block, so log order alone does not say who came first.
    return out.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.index - b.index));
  }

  /** The evidence certificate, proved against the first covering block with a timestamp (else the first covering block). */
  certificate(id: string, viewer: AccountRecord): Promise<Certificate> {
    return this.certs.certificate(id, viewer);
  }

  /** The certificate's JSON text, `JSON.stringify(certificate(id, viewer))`, cached while it cannot change (certificates.ts). */
  certificateJson(id: string, viewer: AccountRecord): Promise<string> {
    return this.certs.json(id, viewer);
  }

  /** Many certificates' JSON texts in the order of `ids`, each or not_found (certificates.ts). */
  certificatesJson(ids: readonly string[], viewer: AccountRecord): Promise<CertificateItem[]> {
    return this.certs.many(ids, viewer);
  }
}

function toView(e: DepositEntry, index: bigint, block: bigint): DepositView {
  if (e.sm3 === undefined && e.size === undefined) {
    return { id: e.id, index: Number(index), sha256: e.sha256, receivedAt: e.receivedAt, block: Number(block), certificateUrl: `/v1/deposits/${e.id}/certificate` };
  }
  return {
    id: e.id,
    index: Number(index),
    sha256: e.sha256,
    ...(e.sm3 !== undefined ? { sm3: e.sm3 } : {}),
    ...(e.size !== undefined ? { size: e.size } : {}),
    receivedAt: e.receivedAt,
    block: Number(block),
    certificateUrl: `/v1/deposits/${e.id}/certificate`,
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // waiters attach their own handlers; never an unhandled rejection
  return { promise, resolve, reject };
}
