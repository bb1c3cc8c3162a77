/**
 * The sequencer's queue of append requests: one FIFO lane per owner (an account), filled into
 * batches round-robin so one owner's backlog cannot keep the others out, with caps on what
 * waits in all and per owner. Requests other processes handed over (a shared store) wait in the
 * same lanes but count against no cap here (the handing process capped them).
 */
import { LogError } from '../core/errors.js';
import type { Appended, PendingEntry } from './log.js';

export interface Waiter {
  owner: string;
  items: PendingEntry[];
  /** The handoff reference of entries another process handed over (not counted in this queue). */
  ref?: string;
  resolve: (r: Appended[]) => void;
  reject: (e: unknown) => void;
}

/** The default share of the queue one owner may fill: a quarter, but at least one full 10,000-item batch request. */
export function defaultQueueShare(maxQueue: number): number {
  return Math.max(10_000, Math.floor(maxQueue / 4));
}

export class AppendQueue {
  /** Waiting requests, one FIFO lane per owner; the Map's order is the round-robin order. */
  private lanes = new Map<string, Waiter[]>();
  private queuedBy = new Map<string, number>();
  private lastServed = new Set<string>();
  private queued = 0;

  constructor(
    readonly maxBatch: number,
    readonly maxQueue: number,
    readonly maxQueuePerOwner: number,
  ) {}

  /** Entries of this process waiting for a batch. */
  get backlog(): number {
    return this.queued;
  }

  get empty(): boolean {
    return this.lanes.size === 0;
  }

  /** Why `n` more entries of `owner` cannot wait now (`capped`: the owner's share applies), or undefined. */
  refusal(n: number, owner: string, capped: boolean): LogError | undefined {
    const mine = this.queuedBy.get(owner) ?? 0;
    if (capped && mine + n > this.maxQueuePerOwner) {
      return new LogError('overloaded', `this account already has ${mine} entries waiting (at most ${this.maxQueuePerOwner}, MAX_QUEUE_ENTRIES_PER_ACCOUNT); retry shortly`, {
        details: { retryAfter: 1 },
      });
    }
    if (this.queued + n > this.maxQueue) return new LogError('overloaded', 'too many deposits are waiting; retry shortly', { details: { retryAfter: 1 } });
    return undefined;
  }

  add(w: Waiter): void {
    const lane = this.lanes.get(w.owner);
    if (lane) lane.push(w);
    else this.lanes.set(w.owner, [w]);
    if (w.ref !== undefined) return;
    this.queuedBy.set(w.owner, (this.queuedBy.get(w.owner) ?? 0) + w.items.length);
    this.queued += w.items.length;
  }

  /** Entries handed over by other processes that wait here. */
  handedWaiting(): number {
    let n = 0;
    for (const lane of this.lanes.values()) for (const w of lane) if (w.ref !== undefined) n += w.items.length;
    return n;
  }

  /**
   * The next batch: one waiting request of each owner in turn, round after round, while the batch
   * has room. Owners the previous batch served take their turns after those it did not.
   */
  take(): Waiter[] {
    const take: Waiter[] = [];
    const served = new Set<string>();
    const order = [...this.lanes.keys()].sort((x, y) => Number(this.lastServed.has(x)) - Number(this.lastServed.has(y)));
    let n = 0;
    let local = 0;
    for (let progress = true; progress; ) {
      progress = false;
      for (const owner of order) {
        const lane = this.lanes.get(owner);
        const w = lane?.[0];
        if (w === undefined || n + w.items.length > this.maxBatch) continue;
        lane!.shift();
        take.push(w);
        n += w.items.length;
        served.add(owner);
        progress = true;
        if (lane!.length === 0) this.lanes.delete(owner);
        if (w.ref !== undefined) continue;
        local += w.items.length;
        const left = this.queuedBy.get(owner)! - w.items.length;
        if (left > 0) this.queuedBy.set(owner, left);
        else this.queuedBy.delete(owner);
      }
    }
    this.lastServed = served;
    this.queued -= local;
    return take;
  }

  /** Empties the queue, returning every waiting request. */
  clear(): Waiter[] {
    const all = [...this.lanes.values()].flat();
    this.lanes.clear();
    this.queuedBy.clear();
    this.queued = 0;
    return all;
  }
}
