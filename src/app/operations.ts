/**
 * Operation (运营) behind one facade (docs/OPERATION.md): licences.ts, transfers.ts and
 * pledges.ts over one OperationBook (operation-title.ts), and the public chain of title of a
 * registration: who holds its rights now, the transfers and pledges in order (display names only)
 * and how many licences are in force.
 */
import { RIGHT_NAMES, type EconomicRight } from '../core/operation.js';
import { inForceAt, Licences } from './licences.js';
import type { ChainLink, PledgeLink } from './operation-ports.js';
import { OperationBook, type OperationsDeps } from './operation-title.js';
import { Pledges } from './pledges.js';
import type { RegistryEntry } from './registration-book.js';
import { Transfers } from './transfers.js';

export { OPERATION_COUNTERS, registrationLookup, type OperationsDeps, type OperationView, type RegistrationLookup } from './operation-title.js';

/** A registry entry with its chain of title. */
export interface TitleView extends RegistryEntry {
  holders: { name: string; rights: EconomicRight[] | 'all' }[];
  chain: ChainLink[];
  pledges: Omit<PledgeLink, 'id'>[];
  pledged: boolean;
  licences: { active: number; exclusive: number };
}

export class Operations {
  readonly book: OperationBook;
  readonly licences: Licences;
  readonly transfers: Transfers;
  readonly pledges: Pledges;

  constructor(d: OperationsDeps) {
    this.book = new OperationBook(d);
    this.licences = new Licences(this.book);
    this.transfers = new Transfers(this.book);
    this.pledges = new Pledges(this.book);
  }

  /** The public registry entry of `number` with its chain of title; undefined when there is none. */
  async title(number: string): Promise<TitleView | undefined> {
    const d = this.book.d;
    const entry = await d.registrations.registryEntry(number);
    const w = await d.registrations.byNumber(number);
    if (entry === undefined || w === undefined) return undefined;
    const { title } = await this.book.title(w);
    const groups = new Map<string, { name: string; rights: EconomicRight[] }>();
    for (const r of RIGHT_NAMES) {
      const h = title.holders[r];
      const g = groups.get(h.account) ?? { name: h.name, rights: [] };
      g.rights.push(r);
      groups.set(h.account, g);
    }
    const active = inForceAt(await d.ops.ofRegistration(w.id, 'licence'), this.book.now());
    return {
      ...entry,
      holders: [...groups.values()].map((g) => ({ name: g.name, rights: g.rights.length === RIGHT_NAMES.length ? 'all' : g.rights })),
      chain: title.chain,
      pledges: title.pledges.map(({ id: _id, ...p }) => p),
      pledged: title.pledges.some((p) => p.state === 'active'),
      licences: { active: active.length, exclusive: active.filter((l) => (l.terms as { exclusive?: boolean }).exclusive === true).length },
    };
  }
}
