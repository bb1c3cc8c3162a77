/**
 * Prometheus metrics of one service (docs/OBSERVABILITY.md), on prom-client with a Registry of
 * its own: several services in one process (tests) never share or collide on series.
 *
 * The ledger reports through its observer hook (LedgerObserver), the timestamp worker through
 * onStamped, HTTP through `observeRequest` (called by the access-log middleware). Gauges that
 * mirror live state (queue depth, TSA lag) are read when /metrics is scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BlockRecord } from '../app/ports.js';
import type { LedgerObserver } from '../app/log.js';

export interface MetricsSources {
  ledger: { readonly backlog: number; readonly latestBlock: BlockRecord; block(height: bigint): Promise<BlockRecord | undefined> };
  /** The timestamp worker: the height of each block it stamps. */
  timestamper?: { onStamped(listener: (height: bigint) => void): () => void };
  /** Whether the block at `height` has a token (to start the TSA lag from the store). */
  hasTimestamp?: (height: bigint) => Promise<boolean>;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly deposits: Counter;
  private readonly batchSize: Histogram;
  private readonly commitSeconds: Histogram;
  private readonly proofSeconds: Histogram<'kind'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpSeconds: Histogram<'method' | 'route'>;
  private readonly rateLimited: Counter<'route'>;
  private readonly refused: Counter;
  private sources: MetricsSources | undefined;
  /** Time (ms since epoch) of the newest block at bind: the TSA lag counts from it until a stamp is seen. */
  private startTime: number | undefined;
  /** Time (ms since epoch) of the newest block known to have a token. */
  private stampedTime: number | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.deposits = new Counter({ name: 'ledger_deposits_total', help: 'Deposits committed to the log', registers });
    this.batchSize = new Histogram({
      name: 'ledger_batch_entries',
      help: 'Entries per committed batch (block)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000],
      registers,
    });
    this.commitSeconds = new Histogram({ name: 'ledger_commit_seconds', help: 'Time to build, sign and durably write one batch', buckets: LATENCY_BUCKETS, registers });
    this.proofSeconds = new Histogram({ name: 'ledger_proof_seconds', help: 'Time to compute an inclusion or consistency proof', labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers });
    const self = this;
    new Gauge({
      name: 'ledger_queue_entries',
      help: 'Entries waiting for a batch (sequencer queue depth)',
      registers,
      collect() {
        if (self.sources) this.set(self.sources.ledger.backlog);
      },
    });
    new Gauge({
      name: 'ledger_tree_size',
      help: 'Entries in the log',
      registers,
      collect() {
        if (self.sources) this.set(Number(self.sources.ledger.latestBlock.treeSize));
      },
    });
    new Gauge({
      name: 'ledger_tsa_lag_seconds',
      help: 'Seconds between the newest block and the newest block with an RFC 3161 timestamp (0: the newest block has one)',
      registers,
      collect() {
        const lag = self.tsaLagSeconds();
        if (lag !== undefined) this.set(lag);
      },
    });
    this.httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpSeconds = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.rateLimited = new Counter({ name: 'http_rate_limited_total', help: 'Requests answered 429 rate_limited, by route pattern', labelNames: ['route'], registers });
    this.refused = new Counter({ name: 'http_connections_refused_total', help: 'Connections closed at once because MAX_CONNECTIONS were open', registers });
    // Series with labels appear once observed; these start at zero so dashboards see them at once.
    this.rateLimited.inc({ route: 'unmatched' }, 0);
  }

  /** What the ledger reports (pass as LedgerOptions.observer). */
  readonly ledgerObserver: LedgerObserver = {
    onCommit: ({ entries, deposits, ms }) => {
      if (deposits > 0) this.deposits.inc(deposits);
      this.batchSize.observe(entries);
      this.commitSeconds.observe(ms / 1000);
    },
    onProof: ({ kind, ms }) => this.proofSeconds.observe({ kind }, ms / 1000),
  };

  /** Starts reading live state from the running service. */
  bind(sources: MetricsSources): void {
    this.sources = sources;
    this.unsubscribe?.();
    this.unsubscribe = sources.timestamper?.onStamped((height) => {
      const latest = sources.ledger.latestBlock;
      if (latest.height === height) {
        this.stampedTime = Math.max(this.stampedTime ?? 0, Date.parse(latest.time));
        return;
      }
      void sources.ledger.block(height).then(
        (b) => {
          if (b !== undefined) this.stampedTime = Math.max(this.stampedTime ?? 0, Date.parse(b.time));
        },
        () => undefined,
      );
    });
    const start = sources.ledger.latestBlock;
    void sources.hasTimestamp?.(start.height).then(
      (has) => {
        if (has) this.stampedTime = Math.max(this.stampedTime ?? 0, Date.parse(start.time));
      },
      () => undefined,
    );
    // Until a stamp is seen, the lag counts from the newest block at start: a lower bound.
    this.startTime = Date.parse(start.time);
  }

  private tsaLagSeconds(): number | undefined {
    if (this.sources === undefined) return undefined;
    const latest = Date.parse(this.sources.ledger.latestBlock.time);
    const since = this.stampedTime ?? this.startTime;
    if (since === undefined || Number.isNaN(latest)) return undefined;
    return Math.max(0, (latest - since) / 1000);
  }

  /** One answered HTTP request (the access-log middleware calls this). */
  observeRequest(r: { method: string; route: string; status: number; seconds: number }): void {
    this.httpRequests.inc({ method: r.method, route: r.route, status: String(r.status) });
    this.httpSeconds.observe({ method: r.method, route: r.route }, r.seconds);
    if (r.status === 429) this.rateLimited.inc({ route: r.route });
  }

  /** A connection refused by the connection cap. */
  connectionRefused(): void {
    this.refused.inc();
  }

  /** The Prometheus text exposition and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** Stops listening to the service (the registry keeps its values). */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
