/**
 * The shared part of operation (docs/OPERATION.md): who holds which economic right of a
 * registration (its title), the registered work each operation concerns, and the one write path
 * licences.ts, transfers.ts and pledges.ts share.
 *
 * Every action is one log entry appended through the Ledger with the records it changes (the
 * operation, the registration's title, indexes) and the counters it moves, in one atomic, synced
 * batch. Actions on one registration run one at a time (a lock per registration id), so the
 * checks an action makes (who holds a right, which exclusive licences are in force, which pledges
 * consented) still hold when its entry is written: of two conflicting acceptances exactly one
 * succeeds.
 */
import { toHex } from '../core/bytes.js';
import { decodeEntry, encodeEntry, type LogEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import {
  checkOperationTransition,
  OPERATION_RULES,
  RIGHT_NAMES,
  stateAfter,
  termsSha256,
  type EconomicRight,
  type OperationAction,
  type OperationEntry,
  type OperationKind,
  type OperationTerms,
} from '../core/operation.js';
import { buildOperationCertificate, operationRecordSha256, type OperationCertificate, type OperationCertificateRecord } from '../core/operation-certificate.js';
import { formatTime } from '../core/time.js';
import type { Ledger } from './log.js';
import { KeyedMutex } from './mutex.js';
import { MAX_OPERATIONS_PER_REGISTRATION, type OperationRecord, type OperationStore, type TitleRecord } from './operation-ports.js';
import type { AccountRecord, Clock, CounterDelta, RandomBytes } from './ports.js';
import type { RegistrationRecord, RegistrationStore, RegistryEntry } from './registration-ports.js';

/** Counters moved in the batches of operation entries (GET /v1/stats). */
export const OPERATION_COUNTERS = {
  licencesOffered: 'licences/offered',
  licencesGranted: 'licences/granted',
  licencesRevoked: 'licences/revoked',
  transfersOffered: 'transfers/offered',
  transfersCompleted: 'transfers/completed',
  transfersCancelled: 'transfers/cancelled',
  pledgesRegistered: 'pledges/registered',
  pledgesReleased: 'pledges/released',
} as const;

/** An approved registration as operation sees it. */
export interface RegisteredWork {
  id: string;
  number: string;
  applicant: string;
  state: RegistrationRecord['state'];
  title: string;
  /** Display names of the registered rights holders, joined (what the registry shows). */
  holderNames: string;
  registeredAt: string;
  deposits: { id: string; sha256: string }[];
}

/** Reads registrations (owned by the registration use cases) for operation. */
export interface RegistrationLookup {
  byId(id: string): Promise<RegisteredWork | undefined>;
  byNumber(number: string): Promise<RegisteredWork | undefined>;
  registryEntry(number: string): Promise<RegistryEntry | undefined>;
}

/** A RegistrationLookup over the RegistrationStore port. */
export function registrationLookup(store: Pick<RegistrationStore, 'get' | 'idOfNumber' | 'registryEntry'>): RegistrationLookup {
  const registryEntry = (number: string): Promise<RegistryEntry | undefined> => store.registryEntry(number);
  const byId = async (id: string): Promise<RegisteredWork | undefined> => {
    const r = await store.get(id);
    if (r === undefined) return undefined;
    const pub = r.number === undefined ? undefined : await registryEntry(r.number);
    return {
      id: r.id,
      number: r.number ?? '',
      applicant: r.applicant,
      state: r.state,
      title: pub?.title ?? r.application.title ?? '',
      holderNames: (pub?.rightsHolders ?? []).join('、'),
      registeredAt: r.registeredAt ?? '',
      deposits: r.certificate?.record.deposits ?? [],
    };
  };
  return {
    byId,
    registryEntry,
    byNumber: async (number) => {
      const id = await store.idOfNumber(number);
      return id === undefined ? undefined : byId(id);
    },
  };
}

export interface OperationsDeps {
  ledger: Ledger;
  ops: OperationStore;
  registrations: RegistrationLookup;
  accounts: { getAccount(id: string): Promise<AccountRecord | undefined> };
  sha256: Sha256;
  random: RandomBytes;
  clock: Clock;
  /** Most operations of one kind per registration (default MAX_OPERATIONS_PER_REGISTRATION); tests lower it. */
  maxPerRegistration?: number;
}

/** The stable `conflict` detail of a registration that holds as many operations of a kind as it may. */
export const OPERATION_LIMIT_REACHED = 'operation_limit_reached';

/** What a party sees of an operation. */
export interface OperationView {
  id: string;
  kind: OperationKind;
  state: string;
  registrationId: string;
  number: string;
  terms: OperationTerms;
  createdAt: string;
  updatedAt: string;
  consents?: string[];
  reason?: string;
  certificateUrl?: string;
  history: OperationRecord['history'];
  /** The salt of termsSha256: with `terms` it proves every entry of the operation. */
  salt: string;
  termsSha256: string;
}

export interface CommitExtra {
  record?: (effectiveAt: string) => OperationCertificateRecord;
  reason?: string;
  reasonSha256?: string;
  /** The title after the change. */
  title?: TitleRecord;
  /** Where the entry's index goes in `title` (a placeholder number there), if anywhere. */
  titleIndexAt?: (string | number)[];
  works?: { sha256: string; number: string }[];
  counters?: CounterDelta[];
}

/** Actions that need the registration approved at the moment their entry is appended. */
const TAKES_EFFECT: ReadonlySet<OperationAction> = new Set<OperationAction>(['offer', 'grant', 'accept', 'pledge']);

const PATHS: Record<OperationKind, string> = { licence: 'licences', transfer: 'transfers', pledge: 'pledges' };

export class OperationBook {
  /** One lock per registration id: every action on its licences, transfers and pledges runs alone. */
  readonly locks = new KeyedMutex('operations');

  constructor(readonly d: OperationsDeps) {}

  now(): string {
    return formatTime(this.d.clock.now());
  }

  newId(kind: OperationKind): string {
    return `${OPERATION_RULES[kind].prefix}_${toHex(this.d.random(10))}`;
  }

  salt(): string {
    return toHex(this.d.random(16));
  }

  /**
   * The approved registration `id` the actor may operate on. not_found (field `field`) when it
   * does not exist, or is not approved and not the actor's own; conflict when it is the actor's
   * but not approved (or revoked).
   */
  async work(actor: AccountRecord, id: string, field = 'registrationId'): Promise<RegisteredWork> {
    const w = await this.d.registrations.byId(id);
    if (w === undefined || (w.state !== 'approved' && w.applicant !== actor.id)) throw new LogError('not_found', `${field}: no approved registration ${id}`, { details: { field } });
    if (w.state !== 'approved') throw new LogError('conflict', `${field}: registration ${id} is ${w.state}, not approved`, { details: { field } });
    return w;
  }

  /**
   * Refuses a new operation of `kind` once the registration holds the most it may: the lists the
   * conflict and consent checks read stop there, so none may exist beyond it. The caller holds
   * the registration's lock.
   */
  async requireRoom(registration: string, kind: OperationKind): Promise<void> {
    const max = this.d.maxPerRegistration ?? MAX_OPERATIONS_PER_REGISTRATION;
    const n = (await this.d.ops.ofRegistration(registration, kind)).length;
    if (n >= max) {
      throw new LogError('conflict', `registration ${registration} already has ${n} ${kind} operations, the most it may have`, {
        details: { conflict: OPERATION_LIMIT_REACHED, max },
      });
    }
  }

  /** The stored title, or the registration's own: every right held by the applicant. */
  async title(w: RegisteredWork): Promise<{ title: TitleRecord; stored: boolean }> {
    const t = await this.d.ops.title(w.id);
    if (t !== undefined) return { title: t, stored: true };
    const holder = { account: w.applicant, name: w.holderNames || w.applicant };
    return {
      title: {
        registration: w.id,
        number: w.number,
        holders: Object.fromEntries(RIGHT_NAMES.map((r) => [r, holder])) as TitleRecord['holders'],
        chain: [{ kind: 'registration', at: w.registeredAt, to: holder.name, rights: 'all' }],
        pledges: [],
      },
      stored: false,
    };
  }

  /** The rights `account` holds in a title. */
  static held(t: TitleRecord, account: string): EconomicRight[] {
    return RIGHT_NAMES.filter((r) => t.holders[r].account === account);
  }

  /**
   * Requires that `actor` holds each of `rights`: forbidden naming `registrationId` when it holds
   * none at all, else naming the first right (`rights.<n>`) it does not hold.
   */
  static requireHolds(t: TitleRecord, actor: AccountRecord, rights: readonly EconomicRight[]): void {
    const held = OperationBook.held(t, actor.id);
    if (held.length === 0) throw new LogError('forbidden', `registrationId: you hold no rights in registration ${t.number}`, { details: { field: 'registrationId' } });
    const i = rights.findIndex((r) => !held.includes(r));
    if (i >= 0) throw new LogError('forbidden', `rights.${i}: you do not hold the ${rights[i]} right of ${t.number}`, { details: { field: `rights.${i}` } });
  }

  /** A party account named in a request: it must exist and not be the actor. */
  async party(actor: AccountRecord, account: string, field: string): Promise<AccountRecord> {
    const a = await this.d.accounts.getAccount(account);
    if (a === undefined || a.disabledAt !== undefined) throw new LogError('not_found', `${field}: no account ${account}`, { details: { field } });
    if (a.id === actor.id) throw new LogError('invalid_request', `${field}: must be another account than yours`, { details: { field } });
    return a;
  }

  async load(id: string, kind: OperationKind): Promise<OperationRecord | undefined> {
    const r = await this.d.ops.get(id);
    return r !== undefined && r.kind === kind ? r : undefined;
  }

  /** The record if the actor is a party or an admin; not_found otherwise, so ids do not leak. */
  async loadVisible(actor: AccountRecord, id: string, kind: OperationKind): Promise<OperationRecord> {
    const r = await this.load(id, kind);
    if (r === undefined || !(r.parties.includes(actor.id) || actor.role === 'admin')) throw new LogError('not_found', `no ${kind} ${id}`);
    return r;
  }

  /**
   * Appends the entry of one action with every record and counter it moves, atomically. The
   * caller holds the registration's lock and has checked the action is allowed.
   */
  async commit(before: OperationRecord | undefined, after: OperationRecord, action: OperationAction, actor: AccountRecord, at: string, extra: CommitExtra = {}): Promise<OperationRecord> {
    checkOperationTransition(after.kind, before?.state ?? 'none', action);
    // The registration may have been revoked since the caller read it (revocation takes the
    // review lock, not this one): read its state again right before the entry is appended.
    if (TAKES_EFFECT.has(action)) {
      const w = await this.d.registrations.byId(after.registration);
      if (w === undefined || w.state !== 'approved') throw new LogError('conflict', `registration ${after.number} is ${w?.state ?? 'missing'}, not approved`, { details: { field: 'registrationId' } });
    }
    const state = stateAfter(after.kind, action)!;
    const record = extra.record?.(at);
    const next: OperationRecord = { ...after, state, seq: (before?.seq ?? 0) + 1, updatedAt: at };
    const entry: OperationEntry = {
      v: 1,
      type: after.kind,
      id: after.id,
      seq: next.seq,
      action,
      state,
      registration: after.registration,
      number: after.number,
      account: actor.id,
      termsSha256: termsSha256(after.terms, after.salt, this.d.sha256),
      ...(record !== undefined ? { recordSha256: operationRecordSha256(record, this.d.sha256) } : {}),
      ...(extra.reasonSha256 !== undefined ? { reasonSha256: extra.reasonSha256 } : {}),
      receivedAt: at,
    };
    const bytes = encodeEntry(entry);
    const finalize = (index: bigint): OperationRecord => ({
      ...next,
      history: [...next.history, { seq: next.seq, action, state, at, account: actor.id, index: Number(index), ...(extra.reason !== undefined ? { reason: extra.reason } : {}) }],
      ...(record !== undefined ? { certificate: { index: Number(index), record } } : {}),
    });
    const [appended] = await this.d.ledger.append(
      [
        {
          bytes,
          // The operation record comes first, the title second (OperationStore.writes); both may hold the index.
          records: this.d.ops.writes({
            ...(before !== undefined ? { before } : {}),
            after: finalize(0n),
            ...(extra.title !== undefined ? { title: extra.title } : {}),
            ...(extra.works !== undefined ? { works: extra.works } : {}),
          }),
          indexAt: [
            { record: 0, path: ['history', next.history.length, 'index'] },
            ...(record !== undefined ? [{ record: 0, path: ['certificate', 'index'] }] : []),
            ...(extra.title !== undefined && extra.titleIndexAt !== undefined ? [{ record: 1, path: extra.titleIndexAt }] : []),
          ],
          counters: extra.counters ?? [],
        },
      ],
      { owner: actor.id },
    );
    return finalize(appended!.index);
  }

  /** The registration an operation concerns; conflict once it is no longer approved (revoked). */
  async registeredOf(rec: OperationRecord): Promise<RegisteredWork> {
    const w = await this.d.registrations.byId(rec.registration);
    if (w === undefined) throw new LogError('corrupt_store', `registration ${rec.registration} of ${rec.id} is missing`);
    if (w.state !== 'approved') throw new LogError('conflict', `registration ${w.number} is ${w.state}`);
    return w;
  }

  /** The works index written with a title stored for the first time. */
  static worksOf(w: RegisteredWork, stored: boolean): { sha256: string; number: string }[] | undefined {
    return stored ? undefined : [...new Set(w.deposits.map((d) => d.sha256))].map((sha256) => ({ sha256, number: w.number }));
  }

  /** The certificate record of an operation taking effect at `effectiveAt`. */
  static certificateRecord(r: OperationRecord, title: string, effectiveAt: string): OperationCertificateRecord {
    return { kind: r.kind, id: r.id, title, terms: r.terms, salt: r.salt, offeredAt: r.createdAt, effectiveAt };
  }

  view(r: OperationRecord): OperationView {
    return {
      id: r.id,
      kind: r.kind,
      state: r.state,
      registrationId: r.registration,
      number: r.number,
      terms: r.terms,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      ...(r.consents !== undefined ? { consents: r.consents } : {}),
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      ...(r.certificate !== undefined ? { certificateUrl: `/v1/${PATHS[r.kind]}/${r.id}/certificate` } : {}),
      history: r.history,
      salt: r.salt,
      termsSha256: termsSha256(r.terms, r.salt, this.d.sha256),
    };
  }

  async list(actor: AccountRecord, kind: OperationKind, opts: { after?: string; limit: number }): Promise<{ items: OperationView[]; next?: string }> {
    const { records, next } = await this.d.ops.ofParty(actor.id, kind, opts);
    return { items: records.map((r) => this.view(r)), ...(next !== undefined ? { next } : {}) };
  }

  /** The certificate of an operation that took effect (a licence revoked later keeps its certificate; the check route says whether it is in force). */
  async certificate(actor: AccountRecord, id: string, kind: OperationKind): Promise<OperationCertificate> {
    const r = await this.loadVisible(actor, id, kind);
    if (r.certificate === undefined) throw new LogError('conflict', `${kind} ${id} has not taken effect (state ${r.state})`);
    const index = BigInt(r.certificate.index);
    const block = await this.d.ledger.coveringBlock(index);
    const bytes = await this.d.ledger.entry(index);
    if (block === undefined || bytes === undefined) throw new LogError('corrupt_store', `entry ${index} of ${id} is missing`);
    const entry = decodeEntry(bytes) as LogEntry & OperationEntry;
    if (entry.type !== kind || entry.id !== id) throw new LogError('corrupt_store', `entry ${index} is not of ${id}`);
    const proof = await this.d.ledger.inclusionProof(index, block.treeSize);
    return buildOperationCertificate({
      entry,
      record: r.certificate.record,
      index,
      entryBytes: bytes,
      treeSize: block.treeSize,
      proof: proof.hashes,
      checkpoint: block.checkpoint,
      logKey: this.d.ledger.keyAt(block.height),
    });
  }
}
