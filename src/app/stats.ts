/**
 * Platform statistics (docs/REGISTRATION.md). Every figure is a counter kept in the same atomic
 * batch as the change it counts (deposits by the Ledger, accounts by Accounts, applications and
 * registrations by Registrations), so a request reads a handful of keys and never scans.
 */
import type { CounterStore } from './counter-ports.js';
import type { Ledger } from './log.js';
import { OPERATION_COUNTERS } from './operation-title.js';
import { COUNTERS, STATES } from './registrations.js';

export interface Targets {
  deposits: number;
  applications: number;
  entities: number;
}

export const DEFAULT_TARGETS: Targets = { deposits: 2_000_000, applications: 100_000, entities: 4_000 };

export interface Progress {
  value: number;
  target: number;
  /** value / target, rounded to 4 decimals (may exceed 1). */
  ratio: number;
}

export interface StatsView {
  deposits: number;
  applications: { total: number; byState: Record<(typeof STATES)[number], number> };
  registrations: { issued: number; revoked: number; active: number; corrections: number };
  accounts: number;
  /** Organisation accounts: the entities served. */
  organisations: number;
  /** Licences offered (granted ones included), in force at some time (accepted or granted), revoked. */
  licences: { offered: number; granted: number; revoked: number };
  transfers: { offered: number; completed: number; cancelled: number };
  pledges: { registered: number; released: number; active: number };
  log: { treeSize: number; blocks: number };
  progress: { deposits: Progress; applications: Progress; entities: Progress };
}

/** The public figures (GET /v1/stats/public): no per-state or per-account detail. */
export interface PublicStatsView {
  deposits: { total: number; perDay: { date: string; count: number }[] };
  registrations: { applications: number; approved: number };
  organisations: { total: number };
  targets: { deposits: number; applications: number; organisations: number };
}

/** Days the public per-day series covers, today (UTC) included. */
export const PUBLIC_DAYS = 90;

const DAY_MS = 86_400_000;

export class Stats {
  constructor(
    private readonly counters: CounterStore,
    private readonly ledger: Ledger,
    private readonly targets: Targets = DEFAULT_TARGETS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Totals and deposits per UTC day over the last `PUBLIC_DAYS` days, oldest first, days without
   * deposits as 0: one counter read per day (per-day counters are kept with the deposits).
   */
  async publicView(): Promise<PublicStatsView> {
    const today = Math.floor(this.now() / DAY_MS) * DAY_MS;
    const dates = Array.from({ length: PUBLIC_DAYS }, (_, i) => new Date(today - (PUBLIC_DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10));
    const [total, [applications, approved], { organisations }, perDay] = await Promise.all([
      this.counters.deposits(),
      this.counters.named([COUNTERS.submitted, COUNTERS.issued]),
      this.counters.accounts(),
      this.counters.depositsOnDays(dates),
    ]);
    return {
      deposits: { total: total!, perDay: dates.map((date, i) => ({ date, count: perDay[i]! })) },
      registrations: { applications: applications!, approved: approved! },
      organisations: { total: organisations! },
      targets: { deposits: this.targets.deposits, applications: this.targets.applications, organisations: this.targets.entities },
    };
  }

  async get(): Promise<StatsView> {
    const o = OPERATION_COUNTERS;
    const [deposits, { accounts, organisations }, [total, issued, revoked, corrections, ...states], [lo, lg, lr, to, tc, tx, pr, pl]] = await Promise.all([
      this.counters.deposits(),
      this.counters.accounts(),
      this.counters.named([COUNTERS.submitted, COUNTERS.issued, COUNTERS.revoked, COUNTERS.corrections, ...STATES.map((s) => COUNTERS.state(s))]),
      this.counters.named([o.licencesOffered, o.licencesGranted, o.licencesRevoked, o.transfersOffered, o.transfersCompleted, o.transfersCancelled, o.pledgesRegistered, o.pledgesReleased]),
    ]);
    const byState = Object.fromEntries(STATES.map((s, i) => [s, states[i]!])) as StatsView['applications']['byState'];
    const progress = (value: number, target: number): Progress => ({ value, target, ratio: Math.round((value / target) * 10_000) / 10_000 });
    const latest = this.ledger.latestBlock;
    return {
      deposits: deposits!,
      applications: { total: total!, byState },
      registrations: { issued: issued!, revoked: revoked!, active: issued! - revoked!, corrections: corrections! },
      accounts: accounts!,
      organisations: organisations!,
      licences: { offered: lo!, granted: lg!, revoked: lr! },
      transfers: { offered: to!, completed: tc!, cancelled: tx! },
      pledges: { registered: pr!, released: pl!, active: pr! - pl! },
      log: { treeSize: Number(latest.treeSize), blocks: Number(latest.height) + 1 },
      progress: {
        deposits: progress(deposits!, this.targets.deposits),
        applications: progress(total!, this.targets.applications),
        entities: progress(organisations!, this.targets.entities),
      },
    };
  }
}
