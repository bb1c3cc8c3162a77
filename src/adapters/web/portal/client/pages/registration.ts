/**
 * The applicant's registration pages: `/registrations` (my applications), `/registrations/new`
 * (apply from my deposits; `?deposit=` preselects one) and `/registrations/:id` (status,
 * history, the reviewer's note, edit / amend / submit / withdraw, the certificate when approved).
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { tr, type Text } from '../i18n.js';
import { confirmButton, errorBox, showError } from '../form-kit.js';
import type { PageContext, Route } from '../router.js';
import { ensureStyles } from '../reg-style.js';
import { STATE, type ApplicationDraft, type DepositSummary, type RegistrationView } from '../reg-labels.js';
import { applicationDetails, download, historyTable, stateBadge, time } from '../reg-view.js';
import { applicationForm } from './registration-form.js';

const T = {
  title: { zh: '我的登记申请', en: 'My registrations' },
  nav: { zh: '我的登记', en: 'My registrations' },
  lead: {
    zh: '存证证明作品在某一时间已经存在；登记则由审查员审核您对作品的权利主张，并在公开登记簿中给出登记号。',
    en: 'A deposit proves that a work existed at a time; a registration has a reviewer check your claim to it and gives it a number in the public registry.',
  },
  apply: { zh: '申请登记', en: 'Apply for registration' },
  newTitle: { zh: '新的登记申请', en: 'New registration application' },
  newLead: { zh: '填写申请后可保存为草稿，或直接提交审查。证件号码和地址不会公开。', en: 'Save the application as a draft, or submit it for review at once. Identity numbers and addresses are never published.' },
  saveDraft: { zh: '保存草稿', en: 'Save as draft' },
  submit: { zh: '提交审查', en: 'Submit for review' },
  none: { zh: '您还没有登记申请。', en: 'You have no applications yet.' },
  work: { zh: '作品', en: 'Work' },
  state: { zh: '状态', en: 'Status' },
  number: { zh: '登记号', en: 'Number' },
  updated: { zh: '更新时间', en: 'Updated' },
  untitled: { zh: '（未命名草稿）', en: '(untitled draft)' },
  more: { zh: '加载更多', en: 'Load more' },
  listCaption: { zh: '我的登记申请', en: 'My applications' },
  back: { zh: '← 我的登记申请', en: '← My registrations' },
  appId: { zh: '申请编号', en: 'Application id' },
  created: { zh: '创建于', en: 'Created' },
  submittedAt: { zh: '提交于', en: 'Submitted' },
  registeredAt: { zh: '登记于', en: 'Registered' },
  application: { zh: '申请内容', en: 'The application' },
  history: { zh: '状态历史', en: 'Status history' },
  changesAsked: { zh: '审查员要求修改：', en: 'The reviewer asked for changes:' },
  rejected: { zh: '申请被驳回，理由：', en: 'The application was rejected because:' },
  revoked: { zh: '登记已被撤销，理由：', en: 'The registration was revoked because:' },
  amendTitle: { zh: '修改并重新提交', en: 'Amend and resubmit' },
  amendLead: { zh: '按审查员的意见修改申请，然后重新提交。', en: 'Change the application as the reviewer asked, then resubmit it.' },
  amend: { zh: '保存修改并重新提交', en: 'Save and resubmit' },
  saveOnly: { zh: '仅保存修改', en: 'Save changes only' },
  editTitle: { zh: '编辑草稿', en: 'Edit the draft' },
  saved: { zh: '已保存。', en: 'Saved.' },
  withdraw: { zh: '撤回申请', en: 'Withdraw the application' },
  withdrawConfirm: { zh: '确认撤回（不可恢复）', en: 'Confirm: withdraw for good' },
  waiting: { zh: '申请已提交，正在等待审查员审查。', en: 'The application is submitted and waits for a reviewer.' },
  certificate: { zh: '登记证书', en: 'Registration certificate' },
  certLead: { zh: '证书可离线验证：JSON 供验证工具使用，PDF 已由服务签名并附有 JSON。', en: 'The certificate can be verified offline: the JSON for the verifier, the PDF signed by the service with the JSON attached.' },
  pdf: { zh: '下载 PDF 证书', en: 'Download the PDF certificate' },
  json: { zh: '下载 JSON 证书', en: 'Download the JSON certificate' },
  registry: { zh: '在公开登记簿中查看', en: 'See it in the public registry' },
  depositsFailed: { zh: '无法载入您的存证列表（{detail}）；请在下方输入存证编号。', en: 'Your deposits could not be loaded ({detail}); enter deposit ids below.' },
} satisfies Record<string, Text>;

async function myDeposits(): Promise<{ deposits: DepositSummary[]; error?: string }> {
  try {
    return { deposits: (await api<{ deposits: DepositSummary[] }>('GET', '/v1/accounts/me/deposits?limit=50')).deposits };
  } catch (e) {
    return { deposits: [], error: e instanceof Error ? e.message : String(e) };
  }
}

async function list(ctx: PageContext): Promise<void> {
  const rows = h('tbody');
  const labels = [T.work, T.state, T.number, T.updated].map((t) => tr(t));
  const table = h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'stacked' }, h('caption', { class: 'visually-hidden' }, tr(T.listCaption)), h('thead', null, h('tr', null, labels.map((l) => h('th', { scope: 'col' }, l)))), rows),
  );
  const pager = h('div', { class: 'pager' });
  const empty = h('p', { class: 'empty' }, tr(T.none));
  replace(ctx.main, h('h1', null, tr(T.title)), h('p', { class: 'lead' }, tr(T.lead)), h('div', { class: 'actions' }, h('a', { class: 'button', href: '/registrations/new' }, tr(T.apply))), table, pager);
  const load = async (after?: string) => {
    const page = await api<{ registrations: RegistrationView[]; next?: string }>('GET', `/v1/registrations?limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    for (const r of page.registrations) {
      rows.append(
        h(
          'tr',
          null,
          h('td', { 'data-label': labels[0]! }, h('a', { href: `/registrations/${r.id}` }, r.application.title ?? tr(T.untitled))),
          h('td', { 'data-label': labels[1]! }, stateBadge(r.state)),
          h('td', { 'data-label': labels[2]!, class: 'mono' }, r.number ? h('a', { href: `/registry/${r.number}` }, r.number) : '—'),
          h('td', { 'data-label': labels[3]! }, time(r.updatedAt)),
        ),
      );
    }
    if (rows.childElementCount === 0) table.replaceWith(empty);
    replace(pager, page.next ? h('button', { type: 'button', class: 'secondary', onclick: () => void load(page.next) }, tr(T.more)) : null);
  };
  await load();
}

async function newApplication(ctx: PageContext): Promise<void> {
  const { deposits, error } = await myDeposits();
  const pre = ctx.query.get('deposit');
  const initial: ApplicationDraft = pre ? { deposits: [pre] } : deposits.length === 1 ? { deposits: [deposits[0]!.id] } : {};
  const create = (submit: boolean) => async (draft: ApplicationDraft) => {
    const view = await api<RegistrationView>('POST', '/v1/registrations', { ...draft, submit });
    ctx.navigate(`/registrations/${view.id}`);
  };
  replace(
    ctx.main,
    h('p', null, h('a', { href: '/registrations' }, tr(T.back))),
    h('h1', null, tr(T.newTitle)),
    h('p', { class: 'lead' }, tr(T.newLead)),
    error ? h('p', { class: 'notice' }, tr(T.depositsFailed, { detail: error })) : null,
    applicationForm({
      initial,
      depositChoices: deposits,
      buttons: [
        { label: T.submit, primary: true, act: create(true) },
        { label: T.saveDraft, act: create(false) },
      ],
    }),
  );
}

/** Fields the form does not show but the application may hold are kept; the rest is replaced, cleared ones removed. */
function patchOf(draft: ApplicationDraft): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...draft };
  for (const k of ['description', 'rightsObtainedNote', 'creation', 'deposits', 'title', 'workType', 'authors', 'rightsHolders'] as const) if (!(k in draft)) patch[k] = null;
  return patch;
}

async function detail(ctx: PageContext): Promise<void> {
  const id = ctx.params.id!;
  let r: RegistrationView;
  try {
    r = await api<RegistrationView>('GET', `/v1/registrations/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
      replace(ctx.main, h('p', null, h('a', { href: '/registrations' }, tr(T.back))), h('h1', null, tr(T.title)), h('p', { class: 'error', role: 'alert' }, e.detail));
      return;
    }
    throw e;
  }
  const general = errorBox();
  const status = h('p', { class: 'success', role: 'status' });
  const act = async (path: string, body?: unknown) => {
    try {
      await api('POST', `/v1/registrations/${r.id}/${path}`, body);
      ctx.refresh();
    } catch (e) {
      showError(ctx.main, general, e);
    }
  };

  const facts = h(
    'dl',
    { class: 'details' },
    h('dt', null, tr(T.state)),
    h('dd', null, stateBadge(r.state)),
    r.number ? [h('dt', null, tr(T.number)), h('dd', { class: 'mono' }, h('a', { href: `/registry/${r.number}` }, r.number))] : null,
    h('dt', null, tr(T.appId)),
    h('dd', { class: 'mono' }, r.id),
    h('dt', null, tr(T.created)),
    h('dd', null, time(r.createdAt)),
    r.submittedAt ? [h('dt', null, tr(T.submittedAt)), h('dd', null, time(r.submittedAt))] : null,
    r.registeredAt ? [h('dt', null, tr(T.registeredAt)), h('dd', null, time(r.registeredAt))] : null,
  );

  const note =
    r.state === 'changes_requested' && r.reason
      ? h('div', { class: 'warning', role: 'note' }, h('strong', null, tr(T.changesAsked)), ' ', r.reason)
      : r.state === 'rejected' && r.reason
        ? h('div', { class: 'error' }, h('strong', null, tr(T.rejected)), ' ', r.reason)
        : r.state === 'revoked' && r.reason
          ? h('div', { class: 'error' }, h('strong', null, tr(T.revoked)), ' ', r.reason)
          : r.state === 'submitted'
            ? h('p', { class: 'notice' }, tr(T.waiting))
            : null;

  let certificate: HTMLElement | null = null;
  if (r.state === 'approved' && r.number) {
    const dlStatus = h('p', { class: 'error', role: 'alert' });
    const number = r.number;
    certificate = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'cert-h' },
      h('h2', { id: 'cert-h' }, tr(T.certificate)),
      h('p', null, tr(T.certLead)),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => void download(`/v1/registrations/${r.id}/certificate`, 'application/pdf', `${number}.pdf`, dlStatus) }, tr(T.pdf)),
        h('button', { type: 'button', class: 'secondary', onclick: () => void download(`/v1/registrations/${r.id}/certificate`, 'application/json', `${number}.registration.json`, dlStatus) }, tr(T.json)),
        h('a', { href: `/registry/${number}` }, tr(T.registry)),
      ),
      dlStatus,
    );
  }

  let editor: HTMLElement | null = null;
  const mine = ctx.session?.account.id === r.applicant;
  if (mine && (r.state === 'draft' || r.state === 'changes_requested')) {
    const { deposits } = await myDeposits();
    const amending = r.state === 'changes_requested';
    editor = h(
      'section',
      { 'aria-labelledby': 'edit-h' },
      h('h2', { id: 'edit-h' }, tr(amending ? T.amendTitle : T.editTitle)),
      amending ? h('p', null, tr(T.amendLead)) : null,
      applicationForm({
        initial: r.application,
        depositChoices: deposits,
        buttons: amending
          ? [
              { label: T.amend, primary: true, act: async (d) => void (await api('POST', `/v1/registrations/${r.id}/amend`, patchOf(d)), ctx.refresh()) },
              { label: T.saveOnly, act: async (d) => void (await api('PATCH', `/v1/registrations/${r.id}`, patchOf(d)), replace(status, tr(T.saved))) },
            ]
          : [
              {
                label: T.submit,
                primary: true,
                act: async (d) => {
                  await api('PATCH', `/v1/registrations/${r.id}`, patchOf(d));
                  await api('POST', `/v1/registrations/${r.id}/submit`);
                  ctx.refresh();
                },
              },
              { label: T.saveDraft, act: async (d) => void (await api('PATCH', `/v1/registrations/${r.id}`, patchOf(d)), replace(status, tr(T.saved))) },
            ],
      }),
    );
  }

  const canWithdraw = mine && (r.state === 'draft' || r.state === 'submitted' || r.state === 'changes_requested');
  document.title = `${r.application.title ?? tr(T.untitled)} · ${tr(STATE[r.state])}`;
  replace(
    ctx.main,
    h('p', null, h('a', { href: '/registrations' }, tr(T.back))),
    h('h1', null, r.application.title ?? tr(T.untitled)),
    general,
    status,
    note,
    facts,
    certificate,
    editor,
    h('section', { 'aria-labelledby': 'app-h' }, h('h2', { id: 'app-h' }, tr(T.application)), applicationDetails(r.application, { privateFields: true, depositLink: (d) => `/deposits/${d}` })),
    h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, tr(T.history)), historyTable(r.history)),
    canWithdraw ? h('div', { class: 'actions' }, confirmButton(T.withdraw, T.withdrawConfirm, () => act('withdraw'))) : null,
  );
}

/** Reviewers do not apply (the API refuses them); they see applications on the review pages. */
const APPLICANTS = ['creator', 'platform', 'admin'] as const;

ensureStyles();

export const routes: Route[] = [
  { path: '/registrations', title: T.title, auth: APPLICANTS, nav: { order: 40, label: T.nav }, render: list },
  { path: '/registrations/new', title: T.newTitle, auth: APPLICANTS, render: newApplication },
  { path: '/registrations/:id', title: T.title, auth: true, render: detail },
];
