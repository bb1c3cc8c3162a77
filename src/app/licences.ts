/**
 * Licences (许可, docs/OPERATION.md): the holder of rights in an approved registration offers a
 * licence of some of them; the licensee accepts; the holder may revoke it. A licence to someone
 * without an account (a name) is granted at once on the strength of the signed contract, whose
 * SHA-256 it must give. An exclusive licence may not overlap any licence in force of the same
 * right, territory and time (conflict `exclusive_licence_overlap`), checked when it is offered and
 * again, under the registration's lock, when it is accepted.
 */
import { LogError } from '../core/errors.js';
import { licenceCovers, licencesConflict, operationReasonSha256, parsePeriod, type EconomicRight, type LicenceTerms, type Money, type Territory } from '../core/operation.js';
import { OPERATION_COUNTERS, OperationBook, type OperationView, type OperationsDeps } from './operation-title.js';
import type { OperationRecord, TitleRecord } from './operation-ports.js';
import type { AccountRecord } from './ports.js';

export interface LicenceOffer {
  registrationId: string;
  licensee: { account?: string; name?: string };
  rights: EconomicRight[];
  exclusive: boolean;
  territory: Territory;
  validFrom: string;
  validTo: string;
  fee?: Money;
  terms?: string | Record<string, unknown>;
  contractSha256?: string;
}

export interface LicenceCheck {
  covered: boolean;
  right: EconomicRight;
  at: string;
  /** The covering licence (public facts only). */
  licence?: { id: string; number: string; exclusive: boolean; validFrom: string; validTo: string; territory: Territory };
}

/** The stable `conflict` detail of an exclusive overlap (problem+json `conflict`). */
export const EXCLUSIVE_OVERLAP = 'exclusive_licence_overlap';

export class Licences {
  readonly b: OperationBook;

  constructor(d: OperationsDeps | OperationBook) {
    this.b = d instanceof OperationBook ? d : new OperationBook(d);
  }

  async offer(actor: AccountRecord, input: LicenceOffer): Promise<OperationView> {
    const period = parsePeriod(input.validFrom, input.validTo);
    const rights = [...new Set(input.rights)];
    const w = await this.b.work(actor, input.registrationId);
    let licensee: LicenceTerms['licensee'];
    if (input.licensee.account !== undefined) {
      const a = await this.b.party(actor, input.licensee.account, 'licensee.account');
      licensee = { account: a.id, name: input.licensee.name ?? a.name };
    } else {
      if (input.licensee.name === undefined) throw new LogError('invalid_request', 'licensee: give account or name', { details: { field: 'licensee' } });
      if (input.contractSha256 === undefined) throw new LogError('invalid_request', 'contractSha256: required for a licensee without an account (the licence is granted on the signed contract)', { details: { field: 'contractSha256' } });
      licensee = { name: input.licensee.name };
    }
    return this.b.locks.run(w.id, async () => {
      const { title, stored } = await this.b.title(w);
      OperationBook.requireHolds(title, actor, rights);
      const licensor = { account: actor.id, name: holderName(title, actor.id) };
      const terms: LicenceTerms = {
        kind: 'licence',
        registration: w.id,
        number: w.number,
        licensor,
        licensee,
        rights,
        exclusive: input.exclusive,
        territory: input.territory,
        ...period,
        ...(input.fee !== undefined ? { fee: input.fee } : {}),
        ...(input.terms !== undefined ? { terms: input.terms } : {}),
        ...(input.contractSha256 !== undefined ? { contractSha256: input.contractSha256 } : {}),
      };
      await this.b.requireRoom(w.id, 'licence');
      await this.requireNoConflict(w.id, terms);
      const at = this.b.now();
      const rec: OperationRecord = {
        id: this.b.newId('licence'),
        kind: 'licence',
        registration: w.id,
        number: w.number,
        state: 'offered',
        seq: 0,
        terms,
        salt: this.b.salt(),
        parties: [actor.id, ...(licensee.account !== undefined ? [licensee.account] : [])],
        createdAt: at,
        updatedAt: at,
        history: [],
      };
      const grant = licensee.account === undefined;
      const works = OperationBook.worksOf(w, stored);
      const done = await this.b.commit(undefined, rec, grant ? 'grant' : 'offer', actor, at, {
        ...(grant ? { record: (eff: string) => OperationBook.certificateRecord(rec, w.title, eff) } : {}),
        ...(!stored ? { title } : {}),
        ...(works ? { works } : {}),
        counters: [{ name: OPERATION_COUNTERS.licencesOffered, delta: 1 }, ...(grant ? [{ name: OPERATION_COUNTERS.licencesGranted, delta: 1 }] : [])],
      });
      return this.b.view(done);
    });
  }

  /** The licensee accepts an offered licence; it is in force from then on. */
  async accept(actor: AccountRecord, id: string): Promise<OperationView> {
    const peek = await this.b.loadVisible(actor, id, 'licence');
    return this.b.locks.run(peek.registration, async () => {
      const rec = await this.b.loadVisible(actor, id, 'licence');
      const terms = rec.terms as LicenceTerms;
      if (terms.licensee.account !== actor.id) throw new LogError('forbidden', 'only the licensee accepts a licence');
      if (rec.state !== 'offered') throw new LogError('conflict', `licence ${id} is ${rec.state}, not offered`);
      const at = this.b.now();
      if (terms.validTo <= at) throw new LogError('conflict', `licence ${id} expired at ${terms.validTo}`);
      const w = await this.b.registeredOf(rec);
      const { title, stored } = await this.b.title(w);
      const lost = terms.rights.filter((r) => title.holders[r].account !== terms.licensor.account);
      if (lost.length > 0) throw new LogError('conflict', `the licensor no longer holds ${lost.join(', ')}`, { details: { conflict: 'licensor_no_longer_holds' } });
      await this.requireNoConflict(rec.registration, terms, id);
      const works = OperationBook.worksOf(w, stored);
      const done = await this.b.commit(rec, rec, 'accept', actor, at, {
        record: (eff) => OperationBook.certificateRecord(rec, w.title, eff),
        ...(!stored ? { title } : {}),
        ...(works ? { works } : {}),
        counters: [{ name: OPERATION_COUNTERS.licencesGranted, delta: 1 }],
      });
      return this.b.view(done);
    });
  }

  /** A holder of every right of the licence revokes it (offered or in force), with a reason. */
  async revoke(actor: AccountRecord, id: string, reason: string): Promise<OperationView> {
    const notFound = () => new LogError('not_found', `no licence ${id}`);
    const peek = await this.b.load(id, 'licence');
    if (peek === undefined) throw notFound();
    return this.b.locks.run(peek.registration, async () => {
      const rec = (await this.b.load(id, 'licence'))!;
      const terms = rec.terms as LicenceTerms;
      // Parties see it; so does whoever holds one of its rights now (a holder after a transfer).
      // Checked before the registration's state, so a stranger learns nothing of it.
      const current = await this.b.d.ops.title(rec.registration);
      const holdsSome = current !== undefined ? terms.rights.some((r) => current.holders[r].account === actor.id) : false;
      if (!rec.parties.includes(actor.id) && actor.role !== 'admin' && !holdsSome) throw notFound();
      const w = await this.b.registeredOf(rec);
      const { title } = await this.b.title(w);
      if (!terms.rights.every((r) => title.holders[r].account === actor.id)) throw new LogError('forbidden', 'only the holder of every right of the licence revokes it');
      if (rec.state !== 'offered' && rec.state !== 'active') throw new LogError('conflict', `licence ${id} is ${rec.state}`);
      const at = this.b.now();
      const done = await this.b.commit(rec, { ...rec, reason }, 'revoke', actor, at, {
        reason,
        reasonSha256: operationReasonSha256(reason, rec.salt, this.b.d.sha256),
        counters: [{ name: OPERATION_COUNTERS.licencesRevoked, delta: 1 }],
      });
      return this.b.view(done);
    });
  }

  async get(actor: AccountRecord, id: string): Promise<OperationView> {
    return this.b.view(await this.b.loadVisible(actor, id, 'licence'));
  }

  list(actor: AccountRecord, opts: { after?: string; limit: number }): Promise<{ items: OperationView[]; next?: string }> {
    return this.b.list(actor, 'licence', opts);
  }

  certificate(actor: AccountRecord, id: string) {
    return this.b.certificate(actor, id, 'licence');
  }

  /** Licences in force of a registration (accepted or granted, not revoked). */
  async inForce(registration: string): Promise<OperationRecord[]> {
    return (await this.b.d.ops.ofRegistration(registration, 'licence')).filter((r) => r.state === 'active');
  }

  /**
   * Public check: does a licence in force cover `right` at `at` for `licensee` (an account id, or
   * the name of a licensee without an account) in the work of registration `number`, or in any
   * registered work whose deposits include `sha256`?
   */
  async check(q: { number?: string; sha256?: string; licensee: string; right: EconomicRight; at?: string; territory?: string }): Promise<LicenceCheck> {
    const at = q.at ?? this.b.now();
    const numbers = q.number !== undefined ? [q.number] : await this.b.d.ops.numbersOfWork(q.sha256!);
    for (const number of numbers) {
      const w = await this.b.d.registrations.byNumber(number);
      if (w === undefined || w.state !== 'approved') continue;
      for (const l of await this.inForce(w.id)) {
        const t = l.terms as LicenceTerms;
        const who = t.licensee.account !== undefined ? t.licensee.account === q.licensee : t.licensee.name === q.licensee;
        if (!who || !licenceCovers(t, { right: q.right, at, ...(q.territory !== undefined ? { territory: q.territory } : {}) })) continue;
        return { covered: true, right: q.right, at, licence: { id: l.id, number, exclusive: t.exclusive, validFrom: t.validFrom, validTo: t.validTo, territory: t.territory } };
      }
    }
    return { covered: false, right: q.right, at };
  }

  private async requireNoConflict(registration: string, terms: LicenceTerms, self?: string): Promise<void> {
    for (const other of await this.inForce(registration)) {
      if (other.id === self) continue;
      if (licencesConflict(terms, other.terms as LicenceTerms)) {
        throw new LogError('conflict', `rights: an exclusive licence may not overlap licence ${other.id} in force (same right, territory and time)`, {
          details: { field: 'rights', conflict: EXCLUSIVE_OVERLAP, licence: other.id },
        });
      }
    }
  }
}

/** The name the title shows for an account's holding. */
export function holderName(t: TitleRecord, account: string): string {
  for (const h of Object.values(t.holders)) if (h.account === account) return h.name;
  return account;
}

/** Licences in force at `at` (period includes it). */
export function inForceAt(records: readonly OperationRecord[], at: string): OperationRecord[] {
  return records.filter((r) => {
    const t = r.terms as LicenceTerms;
    return r.state === 'active' && t.validFrom <= at && at < t.validTo;
  });
}
