/** Registration use cases of the applicant: drafts, submission, amendment, withdrawal, their own list (docs/REGISTRATION.md). */
import { toHex } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import { checkApplication, checkTransition, chinaDate, type ApplicationDraft, type RegistrationState } from '../core/registration.js';
import { formatTime } from '../core/time.js';
import type { AccountRecord } from './ports.js';
import { RegistrationBook, APPLICANT_ROLES, COUNTERS, applyPatch, requireApplicant, requireRole, type ApplicationPatch, type RegistrationRecord, type RegistrationView } from './registration-book.js';

export class Applicants {
  constructor(private readonly b: RegistrationBook) {}

  /** Creates an application: a draft, or with `submit` a submitted application (one entry either way). */
  async create(actor: AccountRecord, draft: ApplicationDraft, submit: boolean): Promise<RegistrationView> {
    requireRole(actor, APPLICANT_ROLES, 'reviewers do not file applications');
    const now = this.b.d.clock.now();
    checkApplication(draft, { today: chinaDate(now), complete: submit });
    await this.b.depositsOf(actor.id, draft.deposits ?? []);
    const id = 'reg_' + toHex(this.b.d.random(10));
    const at = formatTime(now);
    const rec: RegistrationRecord = {
      id,
      applicant: actor.id,
      state: 'draft',
      seq: 0,
      application: draft,
      salt: toHex(this.b.d.random(16)),
      createdAt: at,
      updatedAt: at,
      stateKey: '',
      everSubmitted: submit,
      ...(submit ? { submittedAt: at } : {}),
      history: [],
      versions: {},
    };
    const saved = await this.b.locks.run(id, () =>
      this.b.commitChange(undefined, rec, submit ? 'submit' : 'create', actor, at, {
        ...(submit ? { entry: { deposits: draft.deposits! }, counters: [{ name: COUNTERS.submitted, delta: 1 }] } : {}),
      }),
    );
    return this.b.view(actor, saved);
  }

  /** Edits a draft or an application sent back for changes. No entry: the next submission logs it. */
  async update(actor: AccountRecord, id: string, patch: ApplicationPatch): Promise<RegistrationView> {
    return this.b.locks.run(id, async () => {
      const rec = await this.b.loadVisible(actor, id);
      requireApplicant(actor, rec);
      if (rec.state !== 'draft' && rec.state !== 'changes_requested') throw new LogError('conflict', `an application in state ${rec.state} cannot be edited`);
      const application = applyPatch(rec.application, patch);
      checkApplication(application, { today: chinaDate(this.b.d.clock.now()), complete: false });
      if (patch.deposits) await this.b.depositsOf(rec.applicant, application.deposits ?? []);
      const updated: RegistrationRecord = { ...rec, application, updatedAt: formatTime(this.b.d.clock.now()) };
      await this.b.d.records.saveDraft(updated);
      return this.b.view(actor, updated);
    });
  }

  /** Submits a draft. */
  async submit(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.applicantChange(actor, id, 'submit', undefined);
  }

  /** Resubmits an application sent back for changes, applying `patch` first. */
  async amend(actor: AccountRecord, id: string, patch: ApplicationPatch | undefined): Promise<RegistrationView> {
    return this.applicantChange(actor, id, 'amend', patch);
  }

  async withdraw(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.b.locks.run(id, async () => {
      const rec = await this.b.loadVisible(actor, id);
      requireApplicant(actor, rec);
      const at = formatTime(this.b.d.clock.now());
      return this.b.view(actor, await this.b.commitChange(rec, { ...rec }, 'withdraw', actor, at, {}));
    });
  }

  private async applicantChange(actor: AccountRecord, id: string, action: 'submit' | 'amend', patch: ApplicationPatch | undefined): Promise<RegistrationView> {
    return this.b.locks.run(id, async () => {
      const rec = await this.b.loadVisible(actor, id);
      requireApplicant(actor, rec);
      checkTransition(rec.state, action);
      const now = this.b.d.clock.now();
      const application = patch ? applyPatch(rec.application, patch) : rec.application;
      checkApplication(application, { today: chinaDate(now), complete: true });
      await this.b.depositsOf(rec.applicant, application.deposits!);
      const at = formatTime(now);
      const after: RegistrationRecord = { ...rec, application, everSubmitted: true, submittedAt: at };
      delete after.reason; // the reviewer's request is answered; it stays in the history
      const counters = rec.everSubmitted ? [] : [{ name: COUNTERS.submitted, delta: 1 }];
      return this.b.view(actor, await this.b.commitChange(rec, after, action, actor, at, { entry: { deposits: application.deposits! }, counters }));
    });
  }

  /** The caller's own applications, oldest first; `after` is the previous page's `next`. */
  async list(actor: AccountRecord, opts: { state?: RegistrationState; after?: string; limit: number }): Promise<{ registrations: RegistrationView[]; next?: string }> {
    const out: RegistrationView[] = [];
    let after = opts.after;
    let scanned = 0;
    while (out.length < opts.limit && scanned < opts.limit * 20) {
      const rows = await this.b.d.records.ofApplicant(actor.id, { ...(after !== undefined ? { after } : {}), limit: opts.limit });
      if (rows.length === 0) return { registrations: out };
      for (const { cursor, record: rec } of rows) {
        after = cursor;
        scanned++;
        if (rec && (opts.state === undefined || rec.state === opts.state)) out.push(this.b.view(actor, rec));
        if (out.length === opts.limit) break;
      }
    }
    return { registrations: out, ...(after !== undefined ? { next: after } : {}) };
  }

  async get(actor: AccountRecord, id: string): Promise<RegistrationView> {
    return this.b.view(actor, await this.b.loadVisible(actor, id));
  }
}
