/**
 * Pledges (质押, docs/OPERATION.md): a holder of rights in an approved registration pledges some
 * or all of them to a pledgee to secure an amount. As the NCAC's measures have it, the pledge takes effect when
 * it is entered in the register: its entry is its registration, and it is certified at once. It
 * stays in force until the pledgee releases it (a pledge to a name without an account: an admin,
 * on the pledgee's written release). While it is in force the registry shows the work as pledged
 * and a transfer of it needs the pledgee's consent (transfers.ts).
 */
import { LogError } from '../core/errors.js';
import { parsePeriod, type EconomicRight, type Money, type PledgeTerms } from '../core/operation.js';
import { holderName } from './licences.js';
import { OPERATION_COUNTERS, OperationBook, type OperationView, type OperationsDeps } from './operation-title.js';
import type { OperationRecord, TitleRecord } from './operation-ports.js';
import type { AccountRecord } from './ports.js';
import { pledgeeMayAct } from './transfers.js';

export interface PledgeInput {
  registrationId: string;
  pledgee: { account?: string; name?: string };
  /** The rights pledged; default (or `all`): every right the pledgor holds. */
  rights?: EconomicRight[] | 'all';
  securedAmount: Money;
  validFrom: string;
  validTo: string;
  contractSha256?: string;
}

export class Pledges {
  readonly b: OperationBook;

  constructor(d: OperationsDeps | OperationBook) {
    this.b = d instanceof OperationBook ? d : new OperationBook(d);
  }

  async pledge(actor: AccountRecord, input: PledgeInput): Promise<OperationView> {
    const period = parsePeriod(input.validFrom, input.validTo);
    const w = await this.b.work(actor, input.registrationId);
    let pledgee: PledgeTerms['pledgee'];
    if (input.pledgee.account !== undefined) {
      const a = await this.b.party(actor, input.pledgee.account, 'pledgee.account');
      pledgee = { account: a.id, name: input.pledgee.name ?? a.name };
    } else if (input.pledgee.name !== undefined) {
      pledgee = { name: input.pledgee.name };
    } else {
      throw new LogError('invalid_request', 'pledgee: give account or name', { details: { field: 'pledgee' } });
    }
    return this.b.locks.run(w.id, async () => {
      const { title, stored } = await this.b.title(w);
      const rights = input.rights === undefined || input.rights === 'all' ? OperationBook.held(title, actor.id) : [...new Set(input.rights)];
      OperationBook.requireHolds(title, actor, rights);
      await this.b.requireRoom(w.id, 'pledge');
      const terms: PledgeTerms = {
        kind: 'pledge',
        registration: w.id,
        number: w.number,
        pledgor: { account: actor.id, name: holderName(title, actor.id) },
        pledgee,
        rights,
        securedAmount: input.securedAmount,
        ...period,
        ...(input.contractSha256 !== undefined ? { contractSha256: input.contractSha256 } : {}),
      };
      const at = this.b.now();
      const rec: OperationRecord = {
        id: this.b.newId('pledge'),
        kind: 'pledge',
        registration: w.id,
        number: w.number,
        state: 'active',
        seq: 0,
        terms,
        salt: this.b.salt(),
        parties: [actor.id, ...(pledgee.account !== undefined ? [pledgee.account] : [])],
        createdAt: at,
        updatedAt: at,
        history: [],
      };
      const pledged: TitleRecord = { ...title, pledges: [...title.pledges, { id: rec.id, pledgee: pledgee.name, at, index: 0, state: 'active' }] };
      const works = OperationBook.worksOf(w, stored);
      return this.b.view(
        await this.b.commit(undefined, rec, 'pledge', actor, at, {
          record: (eff) => OperationBook.certificateRecord(rec, w.title, eff),
          title: pledged,
          titleIndexAt: ['pledges', title.pledges.length, 'index'],
          ...(works ? { works } : {}),
          counters: [{ name: OPERATION_COUNTERS.pledgesRegistered, delta: 1 }],
        }),
      );
    });
  }

  /** The pledgee releases the pledge; the registry shows the release and transfers need no consent of it. */
  async release(actor: AccountRecord, id: string): Promise<OperationView> {
    const peek = await this.b.loadVisible(actor, id, 'pledge');
    return this.b.locks.run(peek.registration, async () => {
      const rec = await this.b.loadVisible(actor, id, 'pledge');
      if (!pledgeeMayAct(rec, actor)) throw new LogError('forbidden', 'only the pledgee releases a pledge');
      if (rec.state !== 'active') throw new LogError('conflict', `pledge ${id} is ${rec.state}, not active`);
      const w = await this.b.d.registrations.byId(rec.registration);
      if (w === undefined) throw new LogError('corrupt_store', `registration ${rec.registration} of ${id} is missing`);
      const { title } = await this.b.title(w);
      const at = this.b.now();
      const released: TitleRecord = { ...title, pledges: title.pledges.map((p) => (p.id === id ? { ...p, state: 'released', releasedAt: at } : p)) };
      return this.b.view(await this.b.commit(rec, rec, 'release', actor, at, { title: released, counters: [{ name: OPERATION_COUNTERS.pledgesReleased, delta: 1 }] }));
    });
  }

  async get(actor: AccountRecord, id: string): Promise<OperationView> {
    return this.b.view(await this.b.loadVisible(actor, id, 'pledge'));
  }

  list(actor: AccountRecord, opts: { after?: string; limit: number }): Promise<{ items: OperationView[]; next?: string }> {
    return this.b.list(actor, 'pledge', opts);
  }

  certificate(actor: AccountRecord, id: string) {
    return this.b.certificate(actor, id, 'pledge');
  }
}
