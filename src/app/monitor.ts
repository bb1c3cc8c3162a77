/**
 * Monitoring (docs/ENFORCEMENT.md): an account submits batches of up to 1,000 items (a URL, a
 * SHA-256, an image hash or a text); a background queue — separate from the log's sequencer, so
 * deposits never wait for it — matches each item (matches.ts) and delivers the results to the
 * account's webhook, signed with HMAC-SHA256 (core/webhook-signature.ts). A failed delivery is
 * retried with exponential back-off (backoff, 2×, 4×, …) up to `attempts` times, then marked
 * failed. Batches are stored records; a batch left queued or running by a stop is resumed.
 * Each account may have `perAccount` batches queued or running, with at most
 * MAX_MONITOR_URL_ITEMS URL items each (every URL is a web capture); the queue serves accounts
 * in turn (round-robin), so one account's batches never hold back another's for long.
 */
import { toHex, utf8 } from '../core/bytes.js';
import { isLogError, LogError } from '../core/errors.js';
import { checkCaptureUrl } from '../core/ip-ranges.js';
import { formatTime } from '../core/time.js';
import { signatureHeader, SIGNATURE_HEADER } from '../core/webhook-signature.js';
import type { Fingerprint } from './fingerprints.js';
import type { CaptureRequester, Matches, MatchView } from './matches.js';
import type { DeliveryAttempt, ItemResult, MonitorBatch, MonitorItem, MonitorStore, Webhook } from './monitor-ports.js';
import type { AccountRecord, Clock, RandomBytes } from './ports.js';
import { WorkClaims, type SharedClaims } from './work-claims.js';

export type { DeliveryAttempt, ItemResult, MonitorBatch, MonitorItem, Webhook } from './monitor-ports.js';

/** Sends one webhook request. Implementations MUST refuse (throw) targets the SSRF rules forbid, also after DNS resolution, and MUST give up after `timeoutMs`. */
export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<{ status: number }>;
}

export interface MonitorLimits {
  maxQueue: number;
  /** Batches one account may have queued or running (MONITOR_PER_ACCOUNT). */
  perAccount?: number;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  captureWaitMs: number;
  allowPrivate: boolean;
}

export const MAX_MONITOR_ITEMS = 1000;
/** URL items in one batch: each is a web capture. */
export const MAX_MONITOR_URL_ITEMS = 20;
/** Longest a timer may wait (setTimeout's limit, about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class Monitor {
  /** Batches waiting, oldest first, with their account. */
  private readonly waiting: { id: string; account: string }[] = [];
  /** When each account was last served (a counter): the next batch is the oldest of the least recently served account. */
  private readonly served = new Map<string, number>();
  private turn = 0;
  /** The account whose batch is running, and the batch. */
  private current: string | undefined;
  private currentId: string | undefined;
  private running: Promise<void> | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly sending = new Set<Promise<void>>();
  /** Batches with a delivery attempt scheduled or running here: how many. */
  private readonly scheduled = new Map<string, number>();
  private readonly claims: SharedClaims;
  private closed = false;

  constructor(
    private readonly d: {
      monitors: MonitorStore;
      matches: Matches;
      captures?: CaptureRequester;
      accounts: { get(id: string): Promise<AccountRecord | undefined> };
      sender: WebhookSender;
      clock: Clock;
      random: RandomBytes;
      limits: MonitorLimits;
      log: (msg: string, err?: unknown) => void;
      sleep?: (ms: number) => Promise<void>;
      /** Claims on batches and deliveries, shared by the processes on one store (default: this process only). */
      claims?: SharedClaims;
    },
  ) {
    this.claims = d.claims ?? new WorkClaims();
  }

  private now(): string {
    return formatTime(this.d.clock.now());
  }

  /**
   * Takes on the stored batches and deliveries not running here: those a stop interrupted (at
   * start, or when this process becomes the one that runs background work) and those of a process
   * that died. Work another live process holds its claim on is skipped when its turn comes.
   * `due`: deliveries waiting for a retry wait for their `nextAttemptAt` (else they are tried now).
   */
  async resume(opts: { due?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    for (const id of await this.d.monitors.active()) {
      const b = await this.d.monitors.batch(id);
      if (!b) continue;
      if (b.status !== 'done') {
        if (this.currentId !== b.id && !this.waiting.some((w) => w.id === b.id)) this.waiting.push({ id: b.id, account: b.account });
      } else if (b.delivery.status === 'pending' && !this.scheduled.has(b.id)) {
        const at = opts.due === true && b.delivery.nextAttemptAt !== undefined ? Date.parse(b.delivery.nextAttemptAt) : NaN;
        this.schedule(b.id, b.delivery.attempts.length, Number.isNaN(at) ? 0 : Math.min(MAX_DELAY_MS, Math.max(0, at - this.d.clock.now())));
      }
    }
    if (this.waiting.length > 0) this.running ??= this.drain();
  }

  // ---- webhooks
  /** Sets the account's webhook URL; a new secret is made each time and shown in the answer only. */
  async setWebhook(account: AccountRecord, url: string): Promise<Webhook> {
    const check = checkCaptureUrl(url, this.d.limits.allowPrivate);
    if (!check.ok) throw new LogError('invalid_request', `url: ${check.reason}`, { details: { field: 'url', reason: 'webhook_url_refused' } });
    const hook: Webhook = { url, secret: `whsec_${toHex(this.d.random(32))}`, createdAt: this.now() };
    await this.d.monitors.setWebhook(account.id, hook);
    return hook;
  }

  async webhook(account: string): Promise<Webhook | undefined> {
    return this.d.monitors.webhook(account);
  }

  async deleteWebhook(account: AccountRecord): Promise<void> {
    await this.d.monitors.deleteWebhook(account.id);
  }

  // ---- batches
  private load(id: string): Promise<MonitorBatch | undefined> {
    return this.d.monitors.batch(id);
  }

  private save(b: MonitorBatch): Promise<void> {
    return this.d.monitors.saveBatch(b);
  }

  /** Queues a batch. The account needs a webhook; the queue holds at most MONITOR_QUEUE batches. */
  async submit(account: AccountRecord, items: MonitorItem[]): Promise<MonitorBatch> {
    if (this.closed) throw new LogError('overloaded', 'the service is shutting down', { details: { retryAfter: 5 } });
    if (items.length < 1 || items.length > MAX_MONITOR_ITEMS) throw new LogError('invalid_request', `items: 1 to ${MAX_MONITOR_ITEMS}`, { details: { field: 'items' } });
    const urls = items.filter((i) => 'url' in i).length;
    if (urls > MAX_MONITOR_URL_ITEMS) {
      throw new LogError('invalid_request', `items: at most ${MAX_MONITOR_URL_ITEMS} URL items per batch (each is a web capture), got ${urls}`, { details: { field: 'items', reason: 'too_many_urls' } });
    }
    const hook = await this.webhook(account.id);
    if (hook === undefined) throw new LogError('conflict', 'set a webhook first: PUT /v1/monitor/webhook');
    const perAccount = this.d.limits.perAccount;
    if (perAccount !== undefined) {
      const mine = this.waiting.filter((w) => w.account === account.id).length + (this.current === account.id ? 1 : 0);
      if (mine >= perAccount) {
        throw new LogError('rate_limited', `this account already has ${mine} monitoring batches queued or running (at most ${perAccount}, MONITOR_PER_ACCOUNT); retry when one finished`, { details: { retryAfter: 30 } });
      }
    }
    if (this.waiting.length >= this.d.limits.maxQueue) throw new LogError('overloaded', `${this.d.limits.maxQueue} monitoring batches are waiting`, { details: { retryAfter: 30 } });
    const batch: MonitorBatch = { id: `mon_${toHex(this.d.random(10))}`, account: account.id, status: 'queued', createdAt: this.now(), items, delivery: { status: 'waiting', attempts: [] } };
    await this.save(batch);
    this.waiting.push({ id: batch.id, account: account.id });
    this.running ??= this.drain();
    return batch;
  }

  async get(id: string, viewer: AccountRecord): Promise<MonitorBatch> {
    const b = await this.load(id);
    if (!b || (b.account !== viewer.id && viewer.role !== 'admin')) throw new LogError('not_found', 'no such monitoring batch');
    return b;
  }

  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    try {
      for (let next = this.next(); next !== undefined && !this.closed; next = this.next()) {
        this.current = next.account;
        this.currentId = next.id;
        try {
          await this.process(next.id);
        } catch (e) {
          this.d.log(`monitoring batch ${next.id} failed`, e);
        } finally {
          this.current = undefined;
          this.currentId = undefined;
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  /** Takes the next batch: the oldest one of the account served least recently (round-robin over accounts). */
  private next(): { id: string; account: string } | undefined {
    let pick = -1;
    let best = Infinity;
    for (const [i, w] of this.waiting.entries()) {
      const last = this.served.get(w.account) ?? -1;
      if (last < best) {
        best = last;
        pick = i;
      }
    }
    if (pick < 0) return undefined;
    const [w] = this.waiting.splice(pick, 1);
    this.served.set(w!.account, this.turn++);
    // Forget accounts with nothing waiting, so the map stays small.
    for (const a of this.served.keys()) if (a !== w!.account && !this.waiting.some((x) => x.account === a)) this.served.delete(a);
    return w;
  }

  /** Runs a batch unless another process holds its claim (that one runs it). */
  private async process(id: string): Promise<void> {
    await this.claims.tryRun('monitor-batch', id, () => this.processClaimed(id)).then(() => undefined);
  }

  private async processClaimed(id: string): Promise<void> {
    const b = await this.load(id);
    if (!b || b.status === 'done') return;
    const account = await this.d.accounts.get(b.account);
    if (!account) return;
    await this.save({ ...b, status: 'running' });
    const results: ItemResult[] = [];
    for (const [index, item] of b.items.entries()) {
      if (this.closed) return;
      results.push(await this.matchItem(account, item, index));
    }
    const done: MonitorBatch = { ...b, status: 'done', endedAt: this.now(), results, delivery: { status: 'pending', attempts: [] } };
    await this.save(done);
    this.schedule(done.id, 0, 0);
  }

  private async matchItem(account: AccountRecord, item: MonitorItem, index: number): Promise<ItemResult> {
    const base = { index, ...(item.ref !== undefined ? { ref: item.ref } : {}) };
    try {
      if ('sha256' in item) return { ...base, matches: await this.d.matches.matchSha256(account, item.sha256) };
      if ('imageHash' in item) return { ...base, matches: await this.d.matches.matchFingerprint(account, { kind: 'image', ...item.imageHash } as Fingerprint) };
      if ('text' in item) return { ...base, matches: (await this.d.matches.matchText(account, item.text)).matches };
      const capture = await this.d.matches.captureForMatch(account, item.url);
      const job = await this.waitForCapture(account, capture.id);
      if (job.status !== 'done') return { ...base, captureId: capture.id, error: `capture ${job.status}${job.reason !== undefined ? `: ${job.reason}` : ''}` };
      return { ...base, captureId: capture.id, matches: (await this.d.matches.matchCapture(account, capture.id)).matches };
    } catch (e) {
      if (isLogError(e)) return { ...base, error: `${e.code}: ${e.message}` };
      throw e;
    }
  }

  private async waitForCapture(account: AccountRecord, id: string) {
    const end = this.d.clock.now() + this.d.limits.captureWaitMs;
    const sleep = this.d.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (;;) {
      const job = await this.d.captures!.get(id, account);
      if (job.status === 'done' || job.status === 'failed' || this.closed) return job;
      if (this.d.clock.now() > end) return { ...job, status: 'timed out', reason: `not done after ${this.d.limits.captureWaitMs} ms` };
      await sleep(500);
    }
  }

  // ---- deliveries
  /** Schedules delivery attempt `attempt + 1` of a batch (`attempt` attempts were made). */
  private schedule(id: string, attempt: number, delayMs: number): void {
    if (this.closed) return;
    this.scheduled.set(id, (this.scheduled.get(id) ?? 0) + 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const p = this.claims
        .tryRun('monitor-delivery', id, () => this.deliver(id, attempt))
        .then(() => undefined)
        .catch((e: unknown) => this.d.log(`webhook delivery of ${id} failed`, e))
        .finally(() => {
          this.sending.delete(p);
          const left = (this.scheduled.get(id) ?? 1) - 1;
          if (left > 0) this.scheduled.set(id, left);
          else this.scheduled.delete(id);
        });
      this.sending.add(p);
    }, delayMs);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** The webhook body of a finished batch. */
  static payload(b: MonitorBatch): string {
    return JSON.stringify({ type: 'monitor.batch.completed', batchId: b.id, createdAt: b.createdAt, completedAt: b.endedAt, results: b.results ?? [] });
  }

  /** Makes delivery attempt `attempt + 1`, holding the delivery's claim; nothing when another process made it already. */
  private async deliver(id: string, attempt: number): Promise<void> {
    const b = await this.load(id);
    if (!b || b.delivery.status !== 'pending' || b.delivery.attempts.length !== attempt) return;
    const hook = await this.webhook(b.account);
    const attempts = [...b.delivery.attempts];
    const at = this.now();
    let outcome: DeliveryAttempt;
    if (hook === undefined) outcome = { at, error: 'no webhook is set' };
    else {
      const body = utf8(Monitor.payload(b));
      const t = Math.floor(this.d.clock.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signatureHeader(hook.secret, t, body),
        'X-CL-Event': 'monitor.batch.completed',
        'X-CL-Delivery': `${b.id}.${attempts.length + 1}`,
      };
      try {
        const r = await this.d.sender.send(hook.url, headers, body, this.d.limits.timeoutMs);
        outcome = { at, status: r.status };
      } catch (e) {
        outcome = { at, error: e instanceof Error ? e.message : String(e) };
      }
    }
    attempts.push(outcome);
    const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
    const { limits } = this.d;
    if (ok) {
      await this.save({ ...b, delivery: { status: 'delivered', ...(hook ? { url: hook.url } : {}), attempts } });
    } else if (attempts.length >= limits.attempts) {
      await this.save({ ...b, delivery: { status: 'failed', ...(hook ? { url: hook.url } : {}), attempts } });
      this.d.log(`webhook delivery of monitoring batch ${b.id} failed after ${attempts.length} attempts`);
    } else {
      const delay = Math.min(MAX_DELAY_MS, limits.backoffMs * 2 ** (attempts.length - 1));
      await this.save({ ...b, delivery: { status: 'pending', ...(hook ? { url: hook.url } : {}), attempts, nextAttemptAt: formatTime(this.d.clock.now() + delay) } });
      this.schedule(b.id, attempts.length, delay);
    }
  }

  /** Batches waiting or running, and deliveries in progress (tests, metrics). */
  get busy(): number {
    return this.waiting.length + (this.running ? 1 : 0) + this.sending.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.running;
    await Promise.allSettled([...this.sending]);
  }
}
