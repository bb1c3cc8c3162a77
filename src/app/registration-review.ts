/**
 * Registration use cases of reviewers: the queue, requests for changes, rejection and approval
 * (docs/REGISTRATION.md). A reviewer never decides an application they have a conflict of
 * interest in (RegistrationBook.conflicted).
 *
 * Numbers: one approval per (year, category) at a time reads the counter, writes number n+1 into
 * the approval entry and advances the counter in that entry's batch. A failed or interrupted
 * commit advances nothing, so numbers are gap-free and never reused.
 */
import { toHex } from '../core/bytes.js';
import { applicationSha256, certificateRecord, checkTransition, chinaDate, formatRegistrationNumber, numberCounterName, reasonSha256, recordSha256, WORK_TYPES, type Application } from '../core/registration.js';
import { formatTime } from '../core/time.js';
import type { AccountRecord } from './ports.js';
import { RegistrationBook, COUNTERS, REVIEWER_ROLES, SERVICE_VIEWER, requireRole, type QueueItem, type RegistrationRecord, type ReviewItem, type RegistrationView, type RegistryEntry } from './registration-book.js';

export class Review {
  constructor(private readonly b: RegistrationBook) {}

  /**
   * Submitted applications, oldest submission first, with their deposits and evidence
   * certificates. Applications the reviewer may not decide (own organisation) are left out.
   */
  async queue(actor: AccountRecord, opts: { after?: string; limit: number }): Promise<{ items: QueueItem[]; next?: string }> {
    requireRole(actor, REVIEWER_ROLES, 'only reviewers see the review queue');
    const items: QueueItem[] = [];
    let after = opts.after;
    let scanned = 0;
    while (items.length < opts.limit && scanned < opts.limit * 20) {
      const rows = await this.b.d.records.inState('submitted', { ...(after !== undefined ? { after } : {}), limit: opts.limit });
      if (rows.length === 0) return { items };
      for (const { cursor, record: rec } of rows) {
        after = cursor;
        scanned++;
        if (!rec || rec.state !== 'submitted' || (await this.b.conflicted(actor, rec))) continue;
        const deposits = [];
        for (const depId of rec.application.deposits ?? []) {
          deposits.push({ deposit: await this.b.d.deposits.get(depId, SERVICE_VIEWER), certificate: await this.b.d.deposits.certificate(depId, SERVICE_VIEWER) });
        }
        items.push({ registration: this.b.view(actor, rec), deposits });
        if (items.length === opts.limit) break;
      }
    }
    return { items, ...(after !== undefined ? { next: after } : {}) };
  }

  /**
   * One application as the decision screen shows it: the application, its deposits with their
   * evidence certificates, who applied, and whether a conflict of interest bars `actor` from
   * deciding it (the decision routes refuse it then, whatever a client shows).
   */
  async item(actor: AccountRecord, id: string): Promise<ReviewItem> {
    requireRole(actor, REVIEWER_ROLES, 'only reviewers review applications');
    const rec = await this.b.loadVisible(actor, id);
    const deposits = [];
    for (const depId of rec.application.deposits ?? []) {
      deposits.push({ deposit: await this.b.d.deposits.get(depId, SERVICE_VIEWER), certificate: await this.b.d.deposits.certificate(depId, SERVICE_VIEWER) });
    }
    const applicant = await this.b.d.store.getAccount(rec.applicant);
    return {
      registration: this.b.view(actor, rec),
      deposits,
      applicant: { id: rec.applicant, ...(applicant !== undefined ? { name: applicant.name, kind: applicant.kind } : {}) },
      conflict: await this.b.conflicted(actor, rec),
    };
  }

  async requestChanges(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    return this.decide(actor, id, 'request_changes', reason);
  }

  async reject(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    return this.decide(actor, id, 'reject', reason);
  }

  private async decide(actor: AccountRecord, id: string, action: 'request_changes' | 'reject', reason: string): Promise<RegistrationView> {
    requireRole(actor, REVIEWER_ROLES, 'only reviewers decide applications');
    return this.b.locks.run(id, async () => {
      const rec = await this.b.loadVisible(actor, id);
      await this.b.requireUnconflicted(actor, rec);
      checkTransition(rec.state, action);
      const at = formatTime(this.b.d.clock.now());
      const after: RegistrationRecord = { ...rec, reason };
      return this.b.view(actor, await this.b.commitChange(rec, after, action, actor, at, { entry: { reasonSha256: reasonSha256(reason, rec.salt, this.b.d.sha256) }, reason }));
    });
  }

  /**
   * Approves a submitted application: allocates the next number of its (year, category) and
   * issues the certificate record, in one entry. Years are China Standard Time.
   */
  async approve(actor: AccountRecord, id: string): Promise<RegistrationView> {
    requireRole(actor, REVIEWER_ROLES, 'only reviewers decide applications');
    return this.b.locks.run(id, async () => {
      const rec = await this.b.loadVisible(actor, id);
      await this.b.requireUnconflicted(actor, rec);
      checkTransition(rec.state, 'approve');
      const app = rec.application as Application;
      const deposits = await this.b.depositsOf(rec.applicant, app.deposits);
      for (;;) {
        const year = Number(chinaDate(this.b.d.clock.now()).slice(0, 4));
        const counter = numberCounterName(year, app.workType);
        const done = await this.b.numberLocks.run(counter, async () => {
          const now = this.b.d.clock.now();
          if (Number(chinaDate(now).slice(0, 4)) !== year) return undefined; // the year turned while waiting
          const last = await this.b.d.records.lastNumber(counter);
          const number = formatRegistrationNumber(year, app.workType, last + 1);
          const at = formatTime(now);
          const appSha = applicationSha256(app, rec.salt, this.b.d.sha256);
          const record = certificateRecord({ id, number, application: app, applicationSha256: appSha, deposits, registeredAt: at, salt: toHex(this.b.d.random(16)) });
          const entry: RegistryEntry = {
            number,
            title: app.title,
            workType: app.workType,
            workTypeCode: WORK_TYPES[app.workType].code,
            rightsHolders: app.rightsHolders.map((h) => h.displayName ?? h.name),
            registeredAt: at,
            status: 'registered',
            corrections: [],
          };
          const after: RegistrationRecord = { ...rec, number, registeredAt: at, certificate: { index: -1, record } };
          delete after.reason;
          return this.b.commitChange(rec, after, 'approve', actor, at, {
            entry: { deposits: app.deposits, number, recordSha256: recordSha256(record, this.b.d.sha256) },
            registry: { after: entry },
            counters: [
              { name: counter, delta: 1 },
              { name: COUNTERS.issued, delta: 1 },
            ],
          });
        });
        if (done !== undefined) return this.b.view(actor, done);
      }
    });
  }
}
