/**
 * Transfers (转让, docs/OPERATION.md): a holder offers some or all of the rights it holds in a
 * registration to another account; the recipient accepts, and from that entry on the registry
 * shows the recipient as the holder of those rights and the previous holder can no longer license
 * them. While a pledge of any of those rights is in force, acceptance needs the pledgee's consent
 * (`POST /v1/transfers/{id}/consent`, itself an entry); without it acceptance is a conflict
 * `pledge_consent_required`. Either party may cancel an offer.
 */
import { LogError } from '../core/errors.js';
import { RIGHT_NAMES, type EconomicRight, type Money, type PledgeTerms, type TransferTerms } from '../core/operation.js';
import { holderName } from './licences.js';
import { OPERATION_COUNTERS, OperationBook, type OperationView, type OperationsDeps } from './operation-title.js';
import type { OperationRecord, TitleRecord } from './operation-ports.js';
import type { AccountRecord } from './ports.js';

export interface TransferOffer {
  registrationId: string;
  to: { account: string; name?: string };
  rights: EconomicRight[] | 'all';
  consideration?: Money;
  contractSha256?: string;
}

/** The stable `conflict` detail of a transfer of a pledged work without the pledgee's consent. */
export const PLEDGE_CONSENT_REQUIRED = 'pledge_consent_required';

export class Transfers {
  readonly b: OperationBook;

  constructor(d: OperationsDeps | OperationBook) {
    this.b = d instanceof OperationBook ? d : new OperationBook(d);
  }

  async offer(actor: AccountRecord, input: TransferOffer): Promise<OperationView> {
    const w = await this.b.work(actor, input.registrationId);
    const to = await this.b.party(actor, input.to.account, 'to.account');
    return this.b.locks.run(w.id, async () => {
      const { title, stored } = await this.b.title(w);
      const held = OperationBook.held(title, actor.id);
      const rights = input.rights === 'all' ? held : [...new Set(input.rights)];
      OperationBook.requireHolds(title, actor, rights);
      await this.b.requireRoom(w.id, 'transfer');
      const terms: TransferTerms = {
        kind: 'transfer',
        registration: w.id,
        number: w.number,
        from: { account: actor.id, name: holderName(title, actor.id) },
        to: { account: to.id, name: input.to.name ?? to.name },
        rights,
        all: input.rights === 'all',
        ...(input.consideration !== undefined ? { consideration: input.consideration } : {}),
        ...(input.contractSha256 !== undefined ? { contractSha256: input.contractSha256 } : {}),
      };
      const at = this.b.now();
      const rec: OperationRecord = {
        id: this.b.newId('transfer'),
        kind: 'transfer',
        registration: w.id,
        number: w.number,
        state: 'offered',
        seq: 0,
        terms,
        salt: this.b.salt(),
        parties: [actor.id, to.id],
        createdAt: at,
        updatedAt: at,
        consents: [],
        history: [],
      };
      const works = OperationBook.worksOf(w, stored);
      return this.b.view(
        await this.b.commit(undefined, rec, 'offer', actor, at, {
          ...(!stored ? { title } : {}),
          ...(works ? { works } : {}),
          counters: [{ name: OPERATION_COUNTERS.transfersOffered, delta: 1 }],
        }),
      );
    });
  }

  /** The pledgee of a pledge in force consents to an offered transfer of the pledged work. */
  async consent(actor: AccountRecord, id: string): Promise<OperationView> {
    const peek = await this.b.load(id, 'transfer');
    if (peek === undefined) throw new LogError('not_found', `no transfer ${id}`);
    return this.b.locks.run(peek.registration, async () => {
      const rec = (await this.b.load(id, 'transfer'))!;
      const mine = (await this.pledgesInForce(rec.registration)).filter((p) => pledgeeMayAct(p, actor));
      if (mine.length === 0) {
        if (!rec.parties.includes(actor.id) && actor.role !== 'admin') throw new LogError('not_found', `no transfer ${id}`);
        throw new LogError('forbidden', 'only the pledgee of a pledge in force of this work consents to its transfer');
      }
      if (rec.state !== 'offered') throw new LogError('conflict', `transfer ${id} is ${rec.state}, not offered`);
      const consents = [...new Set([...(rec.consents ?? []), ...mine.map((p) => p.id)])];
      const parties = rec.parties.includes(actor.id) ? rec.parties : [...rec.parties, actor.id];
      return this.b.view(await this.b.commit(rec, { ...rec, consents, parties }, 'consent', actor, this.b.now()));
    });
  }

  /** The recipient accepts: the title moves to it in the same batch as the entry. */
  async accept(actor: AccountRecord, id: string): Promise<OperationView> {
    const peek = await this.b.loadVisible(actor, id, 'transfer');
    return this.b.locks.run(peek.registration, async () => {
      const rec = await this.b.loadVisible(actor, id, 'transfer');
      const terms = rec.terms as TransferTerms;
      if (terms.to.account !== actor.id) throw new LogError('forbidden', 'only the recipient accepts a transfer');
      if (rec.state !== 'offered') throw new LogError('conflict', `transfer ${id} is ${rec.state}, not offered`);
      const w = await this.b.registeredOf(rec);
      const { title, stored } = await this.b.title(w);
      const lost = terms.rights.filter((r) => title.holders[r].account !== terms.from.account);
      if (lost.length > 0) throw new LogError('conflict', `the transferor no longer holds ${lost.join(', ')}`, { details: { conflict: 'transferor_no_longer_holds' } });
      const missing = (await this.pledgesInForce(rec.registration)).filter(
        (p) => (p.terms as PledgeTerms).rights.some((r) => terms.rights.includes(r)) && !(rec.consents ?? []).includes(p.id),
      );
      if (missing.length > 0) {
        throw new LogError('conflict', `the work is pledged (${missing.map((p) => p.id).join(', ')}): the pledgee must consent to the transfer first`, {
          details: { conflict: PLEDGE_CONSENT_REQUIRED, pledges: missing.map((p) => p.id) },
        });
      }
      const at = this.b.now();
      const holders = { ...title.holders };
      for (const r of terms.rights) holders[r] = { account: terms.to.account, name: terms.to.name };
      const everything = RIGHT_NAMES.every((r) => terms.rights.includes(r));
      const moved: TitleRecord = {
        ...title,
        holders,
        chain: [...title.chain, { kind: 'transfer', at, from: terms.from.name, to: terms.to.name, rights: everything ? 'all' : terms.rights, transfer: rec.id, index: 0 }],
      };
      const works = OperationBook.worksOf(w, stored);
      return this.b.view(
        await this.b.commit(rec, rec, 'accept', actor, at, {
          record: (eff) => OperationBook.certificateRecord(rec, w.title, eff),
          title: moved,
          titleIndexAt: ['chain', title.chain.length, 'index'],
          ...(works ? { works } : {}),
          counters: [{ name: OPERATION_COUNTERS.transfersCompleted, delta: 1 }],
        }),
      );
    });
  }

  /** Either party cancels (the recipient: declines) an offered transfer. */
  async cancel(actor: AccountRecord, id: string): Promise<OperationView> {
    const peek = await this.b.loadVisible(actor, id, 'transfer');
    return this.b.locks.run(peek.registration, async () => {
      const rec = await this.b.loadVisible(actor, id, 'transfer');
      const terms = rec.terms as TransferTerms;
      if (actor.id !== terms.from.account && actor.id !== terms.to.account) throw new LogError('forbidden', 'only the transferor or the recipient cancels a transfer');
      if (rec.state !== 'offered') throw new LogError('conflict', `transfer ${id} is ${rec.state}, not offered`);
      return this.b.view(await this.b.commit(rec, rec, 'cancel', actor, this.b.now(), { counters: [{ name: OPERATION_COUNTERS.transfersCancelled, delta: 1 }] }));
    });
  }

  async get(actor: AccountRecord, id: string): Promise<OperationView> {
    return this.b.view(await this.b.loadVisible(actor, id, 'transfer'));
  }

  list(actor: AccountRecord, opts: { after?: string; limit: number }): Promise<{ items: OperationView[]; next?: string }> {
    return this.b.list(actor, 'transfer', opts);
  }

  certificate(actor: AccountRecord, id: string) {
    return this.b.certificate(actor, id, 'transfer');
  }

  private async pledgesInForce(registration: string): Promise<OperationRecord[]> {
    return (await this.b.d.ops.ofRegistration(registration, 'pledge')).filter((p) => p.state === 'active');
  }
}

/** The pledgee account of a pledge acts for it; a pledge to a name only is acted on by an admin. */
export function pledgeeMayAct(p: OperationRecord, actor: AccountRecord): boolean {
  const t = p.terms as PledgeTerms;
  return t.pledgee.account !== undefined ? t.pledgee.account === actor.id : actor.role === 'admin';
}
