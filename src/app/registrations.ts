/**
 * Copyright registration (登记), one facade over the use cases of each actor (docs/REGISTRATION.md):
 * applicants (registration-applicant.ts), reviewers (registration-review.ts), and the registry and
 * certificates (registration-registry.ts), all over one RegistrationBook (registration-book.ts):
 * its records, locks and the single write path that appends each state change to the log.
 */
import type { RegistrationCertificate, ApplicationDraft, RegistrationState } from '../core/registration.js';
import { Applicants } from './registration-applicant.js';
import {
  RegistrationBook,
  type ApplicationPatch,
  type Correction,
  type QueueItem,
  type RegistrationsDeps,
  type RegistrationView,
  type RegistryEntry,
  type ReviewItem,
} from './registration-book.js';
import { Registry } from './registration-registry.js';
import { Review } from './registration-review.js';
import type { AccountRecord } from './ports.js';

export {
  COUNTERS,
  MAX_REGISTRY_RESULTS,
  STATES,
  type ApplicationPatch,
  type Correction,
  type HistoryItem,
  type QueueItem,
  type RegistrationRecord,
  type RegistrationsDeps,
  type RegistrationView,
  type RegistryEntry,
  type ReviewItem,
} from './registration-book.js';

export class Registrations {
  readonly applicants: Applicants;
  readonly review: Review;
  readonly registry: Registry;

  constructor(d: RegistrationsDeps) {
    const book = new RegistrationBook(d);
    this.applicants = new Applicants(book);
    this.review = new Review(book);
    this.registry = new Registry(book);
  }

  // ---- applicant
  create(actor: AccountRecord, draft: ApplicationDraft, submit: boolean): Promise<RegistrationView> {
    return this.applicants.create(actor, draft, submit);
  }
  update(actor: AccountRecord, id: string, patch: ApplicationPatch): Promise<RegistrationView> {
    return this.applicants.update(actor, id, patch);
  }
  submit(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.applicants.submit(actor, id);
  }
  amend(actor: AccountRecord, id: string, patch: ApplicationPatch | undefined): Promise<RegistrationView> {
    return this.applicants.amend(actor, id, patch);
  }
  withdraw(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.applicants.withdraw(actor, id);
  }
  list(actor: AccountRecord, opts: { state?: RegistrationState; after?: string; limit: number }): Promise<{ registrations: RegistrationView[]; next?: string }> {
    return this.applicants.list(actor, opts);
  }
  get(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.applicants.get(actor, id);
  }

  // ---- review
  queue(actor: AccountRecord, opts: { after?: string; limit: number }): Promise<{ items: QueueItem[]; next?: string }> {
    return this.review.queue(actor, opts);
  }
  reviewItem(actor: AccountRecord, id: string): Promise<ReviewItem> {
    return this.review.item(actor, id);
  }
  requestChanges(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    return this.review.requestChanges(actor, id, reason);
  }
  reject(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    return this.review.reject(actor, id, reason);
  }
  approve(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.review.approve(actor, id);
  }

  // ---- registry and certificates
  revoke(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    return this.registry.revoke(actor, id, reason);
  }
  correct(actor: AccountRecord, id: string, changes: Correction, reason: string): Promise<RegistrationView> {
    return this.registry.correct(actor, id, changes, reason);
  }
  certificate(actor: AccountRecord, id: string): Promise<RegistrationCertificate> {
    return this.registry.certificate(actor, id);
  }
  registryByNumber(number: string): Promise<RegistryEntry[]> {
    return this.registry.registryByNumber(number);
  }
  registrySearch(q: string): Promise<{ results: RegistryEntry[]; truncated: boolean }> {
    return this.registry.registrySearch(q);
  }
}
