/**
 * An account's own deposits, newest first, from the per-account index (DepositStore
 * `listAccountDeposits`): one page reads `limit` index records, their deposit records and entries.
 *
 * Search (`q`) matches the title, description or fileName of the private metadata
 * (case-insensitive substring) or, when `q` is hexadecimal, the start of the work's SHA-256. It
 * examines at most `MAX_SCAN` index records per request: a page may then hold fewer than `limit`
 * matches (even none) and still carry `next`; the client continues from there.
 */
import { fromUtf8 } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import type { AccountDepositRef, DepositStore, LogStore } from './ports.js';

/** Most index records one search request examines. */
export const MAX_SCAN = 5_000;
/** Index records read per step of a search. */
const SCAN_STEP = 500;

export interface ListedDeposit {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  receivedAt: string;
  title?: string;
  fileName?: string;
}

export interface DepositPage {
  deposits: ListedDeposit[];
  /** List on from here (exclusive: deposits with a lower index); absent on the last page. */
  next?: bigint;
}

export interface ListOptions {
  limit: number;
  /** Only deposits with an index below this (a previous page's `next`). */
  before?: bigint;
  /** Search text: at most 200 characters. */
  q?: string;
}

/** What a listing shows of one deposit, read from its entry and metadata. */
interface Loaded {
  ref: AccountDepositRef;
  entry: { sha256: string; sm3?: string; size?: number; receivedAt: string };
  meta: Record<string, unknown>;
}

export class DepositList {
  constructor(private readonly store: Pick<DepositStore, 'listAccountDeposits' | 'getDeposit'> & Pick<LogStore, 'getEntry'>) {}

  async list(account: string, opts: ListOptions): Promise<DepositPage> {
    const q = opts.q?.trim().toLowerCase();
    return q === undefined || q === '' ? this.page(account, opts) : this.search(account, q, opts);
  }

  private async page(account: string, opts: ListOptions): Promise<DepositPage> {
    // One record more than the page tells whether another page follows.
    const refs = await this.store.listAccountDeposits(account, { ...(opts.before !== undefined ? { before: opts.before } : {}), limit: opts.limit + 1 });
    const shown = refs.slice(0, opts.limit);
    const loaded = await Promise.all(shown.map((r) => this.load(r)));
    return { deposits: loaded.map(view), ...(refs.length > opts.limit ? { next: shown[shown.length - 1]!.index } : {}) };
  }

  private async search(account: string, q: string, opts: ListOptions): Promise<DepositPage> {
    const hex = /^[0-9a-f]{1,64}$/.test(q);
    const found: ListedDeposit[] = [];
    let before = opts.before;
    let scanned = 0;
    while (scanned < MAX_SCAN) {
      const want = Math.min(SCAN_STEP, MAX_SCAN - scanned);
      const refs = await this.store.listAccountDeposits(account, { ...(before !== undefined ? { before } : {}), limit: want });
      const loaded = await Promise.all(refs.map((r) => this.load(r)));
      for (const d of loaded) {
        scanned++;
        before = d.ref.index;
        if ((hex && d.entry.sha256.startsWith(q)) || textMatches(d.meta, q)) {
          found.push(view(d));
          if (found.length === opts.limit) return { deposits: found, next: d.ref.index };
        }
      }
      if (refs.length < want) return { deposits: found };
    }
    return { deposits: found, ...(before !== undefined ? { next: before } : {}) };
  }

  private async load(ref: AccountDepositRef): Promise<Loaded> {
    const [rec, bytes] = await Promise.all([this.store.getDeposit(ref.id), this.store.getEntry(ref.index)]);
    if (rec === undefined || bytes === undefined || rec.index !== ref.index) throw new LogError('corrupt_store', `deposit ${ref.id} at entry ${ref.index} is missing`);
    // The store's own entries and metadata, checked when they were written: plain parses suffice.
    const entry = JSON.parse(fromUtf8(bytes)) as Loaded['entry'] & { id?: unknown };
    if (entry.id !== ref.id) throw new LogError('corrupt_store', `entry ${ref.index} is not deposit ${ref.id}`);
    return { ref, entry, meta: JSON.parse(rec.metadata) as Record<string, unknown> };
  }
}

const SEARCHED = ['title', 'description', 'fileName'] as const;

function textMatches(meta: Record<string, unknown>, q: string): boolean {
  return SEARCHED.some((f) => {
    const v = meta[f];
    return typeof v === 'string' && v.toLowerCase().includes(q);
  });
}

function view(d: Loaded): ListedDeposit {
  const { entry: e, meta } = d;
  return {
    id: d.ref.id,
    index: Number(d.ref.index),
    sha256: e.sha256,
    ...(e.sm3 !== undefined ? { sm3: e.sm3 } : {}),
    ...(e.size !== undefined ? { size: e.size } : {}),
    receivedAt: e.receivedAt,
    ...(typeof meta.title === 'string' ? { title: meta.title } : {}),
    ...(typeof meta.fileName === 'string' ? { fileName: meta.fileName } : {}),
  };
}
