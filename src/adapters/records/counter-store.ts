/**
 * The CounterStore port (src/app/counter-ports.ts) over a store's counters. Counter names:
 *
 * - `deposits`                 deposits in all (the Ledger, per batch)
 * - `deposits/day/<YYYY-MM-DD>` deposits received on that UTC day (the Ledger, the index backfill)
 * - `accounts`                 accounts created (Accounts; the seeded admin is not counted)
 * - `organisations`            organisation accounts among them
 *
 * Other concerns' counters (registrations, operations) are read by the names their modules give.
 */
import type { CounterStore } from '../../app/counter-ports.js';
import type { AccountRecord, CounterDelta, RecordStore } from '../../app/ports.js';

export const COUNTER_NAMES = {
  deposits: 'deposits',
  depositsOnDay: (day: string) => `deposits/day/${day}`,
  accounts: 'accounts',
  organisations: 'organisations',
} as const;

export class RecordCounterStore implements CounterStore {
  constructor(private readonly store: Pick<RecordStore, 'getCounter'>) {}

  depositDeltas(n: number): CounterDelta[] {
    return n === 0 ? [] : [{ name: COUNTER_NAMES.deposits, delta: n }];
  }

  depositDayDeltas(day: string, n: number): CounterDelta[] {
    return n === 0 ? [] : [{ name: COUNTER_NAMES.depositsOnDay(day), delta: n }];
  }

  accountDeltas(kind: AccountRecord['kind']): CounterDelta[] {
    return [{ name: COUNTER_NAMES.accounts, delta: 1 }, ...(kind === 'organisation' ? [{ name: COUNTER_NAMES.organisations, delta: 1 }] : [])];
  }

  async deposits(): Promise<number> {
    return this.value(COUNTER_NAMES.deposits);
  }

  depositsOnDays(days: readonly string[]): Promise<number[]> {
    return Promise.all(days.map((d) => this.value(COUNTER_NAMES.depositsOnDay(d))));
  }

  async accounts(): Promise<{ accounts: number; organisations: number }> {
    const [accounts, organisations] = await Promise.all([this.value(COUNTER_NAMES.accounts), this.value(COUNTER_NAMES.organisations)]);
    return { accounts, organisations };
  }

  named(names: readonly string[]): Promise<number[]> {
    return Promise.all(names.map((n) => this.value(n)));
  }

  private async value(name: string): Promise<number> {
    return (await this.store.getCounter(name)) ?? 0;
  }
}
