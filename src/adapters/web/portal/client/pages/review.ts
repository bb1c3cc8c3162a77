/**
 * The reviewer's pages: `/review`, the queue of submitted applications (oldest first; those a
 * conflict of interest bars are left out by the server), and `/review/:id`, the decision screen:
 * the application, the deposits' hashes, the applicant, the conflict-of-interest rule, and
 * approve / request changes / reject. When the rule bars this reviewer the buttons are disabled
 * with the reason (the server refuses such a decision anyway).
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtBytes, tr, type Text } from '../i18n.js';
import { clearErrors, errorBox, field, showError } from '../form-kit.js';
import type { PageContext, Route } from '../router.js';
import { ensureStyles } from '../reg-style.js';
import { CONFLICT_RULE, HOLDER_KIND, WORK_TYPE, type RegistrationView, type ReviewItem } from '../reg-labels.js';
import { applicationDetails, historyTable, stateBadge, time } from '../reg-view.js';

const T = {
  title: { zh: '审查队列', en: 'Review queue' },
  nav: { zh: '审查', en: 'Review' },
  lead: { zh: '已提交的登记申请，按提交时间从早到晚排列。', en: 'Submitted applications, the longest waiting first.' },
  empty: { zh: '队列中没有待您审查的申请。', en: 'Nothing in the queue for you to review.' },
  work: { zh: '作品', en: 'Work' },
  category: { zh: '类别', en: 'Category' },
  submitted: { zh: '提交时间', en: 'Submitted' },
  deposits: { zh: '存证', en: 'Deposits' },
  queueCaption: { zh: '待审查的申请', en: 'Applications awaiting review' },
  more: { zh: '加载更多', en: 'Load more' },
  untitled: { zh: '（无标题）', en: '(untitled)' },
  back: { zh: '← 审查队列', en: '← Review queue' },
  decide: { zh: '审查申请', en: 'Review an application' },
  applicant: { zh: '申请人', en: 'Applicant' },
  appId: { zh: '申请编号', en: 'Application id' },
  rule: { zh: '利益冲突规则', en: 'Conflict of interest' },
  queueRule: {
    zh: '您不得决定的申请（您本人的，或申请存续期间与您同属一个组织的申请人的）不在此列出。',
    en: 'Applications you may not decide (your own, or from an applicant you shared an organisation with during the application’s life) are not listed.',
  },
  ruleLabel: { zh: '利益冲突规则：', en: 'Conflict-of-interest rule:' },
  conflict: {
    zh: '此规则适用于您：该申请是您本人的，或您在其存续期间与申请人同属一个组织。您不能决定此申请，请交由其他审查员处理。',
    en: 'This rule applies to you: the application is your own, or you shared an organisation with the applicant during its life. You cannot decide it; leave it to another reviewer.',
  },
  noConflict: { zh: '根据服务器记录，此规则不妨碍您决定此申请。', en: 'By the server’s records, the rule does not bar you from deciding this application.' },
  application: { zh: '申请内容', en: 'The application' },
  depositHashes: { zh: '存证及其哈希', en: 'Deposits and their hashes' },
  depId: { zh: '存证编号', en: 'Deposit' },
  size: { zh: '大小', en: 'Size' },
  received: { zh: '存证时间', en: 'Deposited' },
  entry: { zh: '日志条目', en: 'Log entry' },
  history: { zh: '状态历史', en: 'Status history' },
  decision: { zh: '决定', en: 'Decision' },
  reason: { zh: '给申请人的说明', en: 'Note to the applicant' },
  reasonHint: { zh: '“要求修改”和“驳回”时必填；申请人会看到此说明。', en: 'Required to request changes or to reject; the applicant sees it.' },
  reasonNeeded: { zh: '请填写说明。', en: 'Please write a note.' },
  approve: { zh: '批准并登记', en: 'Approve and register' },
  requestChanges: { zh: '要求修改', en: 'Request changes' },
  reject: { zh: '驳回', en: 'Reject' },
  disabledWhy: { zh: '按钮已停用：利益冲突。', en: 'Buttons disabled: conflict of interest.' },
  notPending: { zh: '此申请当前状态为“{state}”，没有待作出的决定。', en: 'This application is “{state}”: there is nothing to decide.' },
  approved: { zh: '已批准。登记号：{number}', en: 'Approved. Registration number: {number}' },
  changesSent: { zh: '已要求申请人修改。', en: 'The applicant has been asked for changes.' },
  rejectedDone: { zh: '已驳回。', en: 'Rejected.' },
  notFound: { zh: '没有此申请，或您无权查看。', en: 'No such application, or not yours to see.' },
} satisfies Record<string, Text>;

interface Queue {
  items: { registration: RegistrationView; deposits: unknown[] }[];
  next?: string;
}

async function queue(ctx: PageContext): Promise<void> {
  const labels = [T.work, T.category, T.submitted, T.deposits].map((t) => tr(t));
  const rows = h('tbody');
  const table = h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'stacked' }, h('caption', { class: 'visually-hidden' }, tr(T.queueCaption)), h('thead', null, h('tr', null, labels.map((l) => h('th', { scope: 'col' }, l)))), rows),
  );
  const pager = h('div', { class: 'pager' });
  replace(ctx.main, h('h1', null, tr(T.title)), h('p', { class: 'lead' }, tr(T.lead)), h('p', { class: 'notice' }, h('strong', null, tr(T.ruleLabel)), ' ', tr(T.queueRule)), table, pager);
  const load = async (after?: string) => {
    const page = await api<Queue>('GET', `/v1/review/queue?limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    for (const { registration: r, deposits } of page.items) {
      rows.append(
        h(
          'tr',
          null,
          h('td', { 'data-label': labels[0]! }, h('a', { href: `/review/${r.id}` }, r.application.title ?? tr(T.untitled))),
          h('td', { 'data-label': labels[1]! }, r.application.workType ? tr(WORK_TYPE[r.application.workType]) : '—'),
          h('td', { 'data-label': labels[2]! }, r.submittedAt ? time(r.submittedAt) : '—'),
          h('td', { 'data-label': labels[3]!, class: 'num' }, String(deposits.length)),
        ),
      );
    }
    if (rows.childElementCount === 0) table.replaceWith(h('p', { class: 'empty' }, tr(T.empty)));
    replace(pager, page.next && page.items.length > 0 ? h('button', { type: 'button', class: 'secondary', onclick: () => void load(page.next) }, tr(T.more)) : null);
  };
  await load();
}

function depositTable(item: ReviewItem): HTMLElement {
  const labels = [T.depId, 'SHA-256', 'SM3', T.size, T.received, T.entry].map((t) => (typeof t === 'string' ? t : tr(t)));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stacked' },
      h('caption', { class: 'visually-hidden' }, tr(T.depositHashes)),
      h('thead', null, h('tr', null, labels.map((l, i) => h('th', { scope: 'col', class: i === 3 || i === 5 ? 'num' : null }, l)))),
      h(
        'tbody',
        null,
        item.deposits.map(({ deposit: d }) =>
          h(
            'tr',
            null,
            h('td', { 'data-label': labels[0]!, class: 'mono' }, d.id),
            h('td', { 'data-label': labels[1]!, class: 'hash mono' }, d.sha256),
            h('td', { 'data-label': labels[2]!, class: 'hash mono' }, d.sm3 ?? '—'),
            h('td', { 'data-label': labels[3]!, class: 'num' }, d.size !== undefined ? fmtBytes(d.size) : '—'),
            h('td', { 'data-label': labels[4]! }, time(d.receivedAt)),
            h('td', { 'data-label': labels[5]!, class: 'num' }, `#${d.index}`),
          ),
        ),
      ),
    ),
  );
}

async function decide(ctx: PageContext): Promise<void> {
  let item: ReviewItem;
  try {
    item = await api<ReviewItem>('GET', `/v1/review/${encodeURIComponent(ctx.params.id!)}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
      replace(ctx.main, h('p', null, h('a', { href: '/review' }, tr(T.back))), h('h1', null, tr(T.decide)), h('p', { class: 'error', role: 'alert' }, tr(T.notFound)));
      return;
    }
    throw e;
  }
  const r = item.registration;
  const general = errorBox();
  const done = h('p', { class: 'success', role: 'status', tabindex: -1 });
  const pending = r.state === 'submitted';

  const ruleBox = h(
    'section',
    { class: item.conflict ? 'warning' : 'notice', 'aria-labelledby': 'rule-h', id: 'conflict-rule' },
    h('h2', { id: 'rule-h' }, tr(T.rule)),
    h('p', null, tr(CONFLICT_RULE)),
    h('p', null, h('strong', null, tr(item.conflict ? T.conflict : T.noConflict))),
  );

  let decision: HTMLElement | null = null;
  if (pending) {
    const reason = h('textarea', { rows: 4, maxlength: 2000 });
    const barred = item.conflict;
    const why = barred ? h('p', { id: 'decision-why', class: 'decision-why' }, tr(T.disabledWhy)) : null;
    const form = h('form', { class: 'stack', novalidate: true }, field('reason', T.reason, reason, T.reasonHint));
    const run = async (action: 'approve' | 'request-changes' | 'reject') => {
      clearErrors(form);
      replace(general);
      const note = reason.value.trim();
      if (action !== 'approve' && note === '') {
        showError(form, general, new ApiError(400, 'invalid_request', tr(T.reasonNeeded), 'reason'));
        return;
      }
      for (const b of buttons) b.disabled = true;
      try {
        const v = await api<RegistrationView>('POST', `/v1/registrations/${r.id}/${action}`, action === 'approve' ? undefined : { reason: note });
        replace(done, action === 'approve' ? tr(T.approved, { number: v.number ?? '' }) : tr(action === 'reject' ? T.rejectedDone : T.changesSent));
        await render(v);
        done.focus();
      } catch (e) {
        for (const b of buttons) b.disabled = barred;
        showError(form, general, e);
      }
    };
    const attrs = (cls: string | null) => ({ type: 'button', class: cls, disabled: barred, 'aria-describedby': barred ? 'decision-why' : null });
    const buttons = [
      h('button', { ...attrs(null), onclick: () => void run('approve') }, tr(T.approve)),
      h('button', { ...attrs('secondary'), onclick: () => void run('request-changes') }, tr(T.requestChanges)),
      h('button', { ...attrs('danger'), onclick: () => void run('reject') }, tr(T.reject)),
    ];
    if (barred) reason.disabled = true;
    form.append(h('div', { class: 'actions' }, buttons), why ?? '');
    decision = h('section', { class: 'panel', 'aria-labelledby': 'decision-h' }, h('h2', { id: 'decision-h' }, tr(T.decision)), form);
  }

  const applicant = h(
    'dl',
    { class: 'details' },
    h('dt', null, tr(T.applicant)),
    h('dd', null, item.applicant.name ?? '—', item.applicant.kind ? ` · ${tr(HOLDER_KIND[item.applicant.kind])}` : '', h('div', { class: 'mono' }, item.applicant.id)),
    h('dt', null, tr(T.appId)),
    h('dd', { class: 'mono' }, r.id),
    h('dt', null, tr(T.submitted)),
    h('dd', null, r.submittedAt ? time(r.submittedAt) : '—'),
  );

  const render = async (v: RegistrationView) => {
    replace(
      ctx.main,
      h('p', null, h('a', { href: '/review' }, tr(T.back))),
      h('h1', null, v.application.title ?? tr(T.untitled), ' ', stateBadge(v.state)),
      done,
      general,
      v.state === 'submitted' ? null : h('p', { class: 'notice' }, tr(T.notPending, { state: stateBadge(v.state).textContent ?? v.state })),
      ruleBox,
      applicant,
      h('section', { 'aria-labelledby': 'app-h' }, h('h2', { id: 'app-h' }, tr(T.application)), applicationDetails(v.application, { privateFields: true })),
      h('section', { 'aria-labelledby': 'dep-h' }, h('h2', { id: 'dep-h' }, tr(T.depositHashes)), depositTable(item)),
      h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, tr(T.history)), historyTable(v.history)),
      v.state === 'submitted' ? decision : null,
    );
  };
  await render(r);
}

ensureStyles();

export const routes: Route[] = [
  { path: '/review', title: T.title, auth: ['reviewer', 'admin'], nav: { order: 50, label: T.nav }, render: queue },
  { path: '/review/:id', title: T.decide, auth: ['reviewer', 'admin'], render: decide },
];
