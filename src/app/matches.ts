/**
 * Matching (docs/ENFORCEMENT.md): which deposited works a file, a text or a captured page
 * copies. Exact copies are found by SHA-256 (the log's index), altered ones by their private
 * fingerprints (fingerprints.ts). Scope: a caller sees matches among its own works; a platform
 * also among the works of rights holders who opted in (per account, or per deposit); an admin
 * sees all.
 */
import { fromHex, toHex } from '../core/bytes.js';
import { decodeEntry, isDepositEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { formatTime } from '../core/time.js';
import type { Deposits } from './deposits.js';
import type { Fingerprint, FingerprintHit, Fingerprinter, Fingerprints, MatchMethod } from './fingerprints.js';
import type { Ledger } from './log.js';
import type { OptIn, OptInStore } from './opt-in-ports.js';
import type { AccountRecord, Clock, DepositStore } from './ports.js';

export type { OptIn } from './opt-in-ports.js';

/** One work found in a captured page (a WARC response: an image, a page's text). */
export interface CapturedWork {
  url: string;
  contentType: string;
  bytes: Uint8Array;
}

/** The capture use case as matching and cases need it (implemented by app/captures.ts). */
export interface CaptureRequester {
  request(account: AccountRecord, input: { url: string; note?: string | undefined }): Promise<{ id: string; status: string }>;
  get(id: string, viewer: AccountRecord): Promise<{ id: string; status: string; depositId?: string; bundleSha256?: string; reason?: string; url: string; endedAt?: string; entryIndex?: number }>;
  bundle(id: string, viewer: AccountRecord): Promise<{ bytes: Uint8Array }>;
}

export interface MatchView {
  depositId: string;
  method: MatchMethod;
  similarity: number;
  /** pHash Hamming distance (images). */
  distance?: number;
  /** The rights holder's account. */
  account: string;
  index: number;
  receivedAt: string;
  /** Where in a captured page the copy was found. */
  foundAt?: string;
}

export interface MatchResult {
  query: { sha256?: string; kind: 'image' | 'text' | 'other' | 'capture' };
  matches: MatchView[];
}

/** Most deposits of one SHA-256 read from the global index; the viewer's own are read apart. */
const EXACT_SCAN = 1000;

export class Matches {
  constructor(
    private readonly d: {
      /** The log's SHA-256 index. */
      store: Pick<DepositStore, 'findBySha256'>;
      optIns: OptInStore;
      ledger: Ledger;
      deposits: Deposits;
      fingerprints: Fingerprints;
      fingerprinter: Fingerprinter;
      textFingerprint: (text: string) => Fingerprint | undefined;
      sha256: Sha256;
      clock: Clock;
      captures?: CaptureRequester;
      /** The works inside a capture's WACZ bundle. */
      extractCapture?: (bundle: Uint8Array) => Promise<CapturedWork[]>;
    },
  ) {}

  // ---- opt-in
  async optIn(account: string): Promise<OptIn> {
    return this.d.optIns.get(account);
  }

  /** Opts the account (or one of its deposits) in or out of platform matching. */
  async setOptIn(viewer: AccountRecord, enabled: boolean, depositId?: string): Promise<OptIn> {
    if (depositId !== undefined) await this.d.deposits.get(depositId, viewer);
    await this.d.optIns.set(viewer.id, depositId, enabled, formatTime(this.d.clock.now()));
    return this.optIn(viewer.id);
  }

  private async visible(viewer: AccountRecord, account: string, depositId: string): Promise<boolean> {
    if (viewer.role === 'admin' || account === viewer.id) return true;
    if (viewer.role !== 'platform') return false;
    return this.d.optIns.covers(account, depositId);
  }

  private async view(hit: FingerprintHit, foundAt?: string): Promise<MatchView> {
    const info = await this.d.deposits.publicInfo(hit.depositId);
    return {
      depositId: hit.depositId,
      method: hit.method,
      similarity: hit.similarity,
      ...(hit.distance !== undefined ? { distance: hit.distance } : {}),
      account: hit.account,
      index: info.index,
      receivedAt: info.receivedAt,
      ...(foundAt !== undefined ? { foundAt } : {}),
    };
  }

  /**
   * Deposits of exactly these bytes (SHA-256), with their accounts: the first EXACT_SCAN of the
   * global index, and every one of the viewer's own (from its per-account index), so a common
   * file deposited by many never hides the viewer's deposit of it.
   */
  private async exact(sha256: string, viewer: AccountRecord): Promise<FingerprintHit[]> {
    const out = new Map<string, FingerprintHit>();
    for (const index of await this.d.store.findBySha256(fromHex(sha256, 32), EXACT_SCAN)) {
      if (!(await this.d.ledger.covers(index))) continue;
      const bytes = await this.d.ledger.entry(index);
      if (bytes === undefined) continue;
      const e = decodeEntry(bytes);
      if (isDepositEntry(e)) out.set(e.id, { depositId: e.id, account: e.account, method: 'exact', similarity: 1 });
    }
    let before: bigint | undefined;
    for (;;) {
      const page = await this.d.deposits.list(viewer, { q: sha256, limit: 100, ...(before !== undefined ? { before } : {}) });
      for (const dep of page.deposits) if (dep.sha256 === sha256) out.set(dep.id, { depositId: dep.id, account: viewer.id, method: 'exact', similarity: 1 });
      if (page.next === undefined) break;
      before = page.next;
    }
    return [...out.values()];
  }

  /** Keeps hits the viewer may see, one per deposit (the best), best first. */
  private async scoped(viewer: AccountRecord, hits: { hit: FingerprintHit; foundAt?: string }[]): Promise<MatchView[]> {
    const best = new Map<string, { hit: FingerprintHit; foundAt?: string }>();
    const rank = (h: FingerprintHit) => (h.method === 'exact' ? 2 : 1) + h.similarity;
    for (const h of hits) {
      const seen = best.get(h.hit.depositId);
      if (seen === undefined || rank(h.hit) > rank(seen.hit)) best.set(h.hit.depositId, h);
    }
    const out: MatchView[] = [];
    for (const { hit, foundAt } of best.values()) if (await this.visible(viewer, hit.account, hit.depositId)) out.push(await this.view(hit, foundAt));
    return out.sort((a, b) => (a.method === 'exact' ? 0 : 1) - (b.method === 'exact' ? 0 : 1) || b.similarity - a.similarity || a.index - b.index);
  }

  private async hitsOfBytes(viewer: AccountRecord, bytes: Uint8Array): Promise<{ sha256: string; kind: 'image' | 'text' | 'other'; hits: FingerprintHit[] }> {
    const sha256 = toHex(this.d.sha256(bytes));
    const exact = await this.exact(sha256, viewer);
    const fp = await this.d.fingerprinter(bytes);
    // The file of a deposit shown again: the viewer's own exact deposits without a fingerprint get one now.
    if (fp !== undefined) {
      for (const h of exact) {
        if (h.account === viewer.id && (await this.d.fingerprints.get(h.depositId)) === undefined) {
          await this.d.fingerprints.fingerprintNow({ depositId: h.depositId, account: h.account, sha256 }, bytes, fp);
        }
      }
    }
    const similar = fp === undefined ? [] : await this.d.fingerprints.find(fp);
    return { sha256, kind: fp?.kind ?? 'other', hits: [...exact, ...similar] };
  }

  async matchFile(viewer: AccountRecord, bytes: Uint8Array): Promise<MatchResult> {
    const { sha256, kind, hits } = await this.hitsOfBytes(viewer, bytes);
    return { query: { sha256, kind }, matches: await this.scoped(viewer, hits.map((hit) => ({ hit }))) };
  }

  async matchText(viewer: AccountRecord, text: string): Promise<MatchResult> {
    const fp = this.d.textFingerprint(text);
    if (fp === undefined) throw new LogError('invalid_request', 'the text is too short to match (at least 20 words)', { details: { field: 'text' } });
    return { query: { kind: 'text' }, matches: await this.scoped(viewer, (await this.d.fingerprints.find(fp)).map((hit) => ({ hit }))) };
  }

  /** Matches a fingerprint given directly (monitoring items): an image's pHash+dHash or a SHA-256. */
  async matchFingerprint(viewer: AccountRecord, fp: Fingerprint): Promise<MatchView[]> {
    return this.scoped(viewer, (await this.d.fingerprints.find(fp)).map((hit) => ({ hit })));
  }

  async matchSha256(viewer: AccountRecord, sha256: string): Promise<MatchView[]> {
    return this.scoped(viewer, (await this.exact(sha256, viewer)).map((hit) => ({ hit })));
  }

  private requireCaptures(): { captures: CaptureRequester; extract: (b: Uint8Array) => Promise<CapturedWork[]> } {
    if (!this.d.captures || !this.d.extractCapture) throw new LogError('unsupported_media_type', 'web captures are not available on this server');
    return { captures: this.d.captures, extract: this.d.extractCapture };
  }

  /** Matches every image and page text of a finished capture of the viewer's. */
  async matchCapture(viewer: AccountRecord, captureId: string): Promise<MatchResult> {
    const { captures, extract } = this.requireCaptures();
    const job = await captures.get(captureId, viewer);
    if (job.status !== 'done') throw new LogError('conflict', `capture ${captureId} is ${job.status}: match it once it is done`, { details: { status: job.status } });
    const { bytes } = await captures.bundle(captureId, viewer);
    const hits: { hit: FingerprintHit; foundAt?: string }[] = [];
    for (const work of await extract(bytes)) {
      const r = await this.hitsOfBytes(viewer, work.bytes);
      for (const hit of r.hits) hits.push({ hit, foundAt: work.url });
    }
    return { query: { kind: 'capture' }, matches: await this.scoped(viewer, hits) };
  }

  /** Starts a capture of `url` to match once it is done (the capture is evidence too). */
  async captureForMatch(viewer: AccountRecord, url: string): Promise<{ id: string; status: string }> {
    return this.requireCaptures().captures.request(viewer, { url, note: 'captured to match against deposited works' });
  }

  /** The deposit, when the viewer may see it (not_found otherwise). */
  depositOf(viewer: AccountRecord, depositId: string) {
    return this.d.deposits.get(depositId, viewer);
  }

  /** Fingerprints the file of a deposit (hash-only deposits, or originals not kept) when it is shown. */
  async fingerprintDeposit(viewer: AccountRecord, depositId: string, bytes: Uint8Array) {
    const dep = await this.d.deposits.get(depositId, viewer);
    const sha256 = toHex(this.d.sha256(bytes));
    if (sha256 !== dep.sha256) throw new LogError('invalid_request', `the file's SHA-256 ${sha256} is not deposit ${depositId}'s`, { details: { field: 'file' } });
    const rec = await this.d.fingerprints.fingerprintNow({ depositId, account: await this.d.deposits.depositor(depositId), sha256 }, bytes);
    if (rec === undefined) throw new LogError('invalid_request', 'the file is neither an image nor a text of at least 20 words: it has no fingerprint', { details: { field: 'file' } });
    return { depositId, kind: rec.kind, createdAt: rec.createdAt };
  }
}
