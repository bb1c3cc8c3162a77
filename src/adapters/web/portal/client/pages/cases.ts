/**
 * `/cases`: my infringement cases with their state; `/cases/new?deposit=<id>` (or
 * `registration=<id>`, optionally `url=`): open a case — the infringing page is captured as
 * evidence at once. One case's page is case-detail.ts.
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtTime, tr, type Text } from '../i18n.js';
import { errorBox, field, group, showError } from '../form-kit.js';
import type { PageContext, Route } from '../router.js';
import { busy } from '../ui.js';
import type { CaseView } from '../case-types.js';
import { ensureEnfStyles, enfTabs, stateBadge, workTitle } from '../enf-kit.js';
import { renderCase, T as DETAIL } from './case-detail.js';

export const T = {
  title: { zh: '我的维权案件', en: 'My cases' },
  lead: { zh: '每个案件从侵权网页的抓取取证开始，每次状态变化都记入公开日志（不含个人信息）。', en: 'Each case starts by capturing the infringing page as evidence; every change of state is an entry in the public log (without personal data).' },
  newCase: { zh: '新建案件', en: 'New case' },
  none: { zh: '还没有案件。先在“查找侵权副本”中找到副本，再从匹配结果立案。', en: 'No cases yet. Find a copy on “Find copies” and open a case from the match.' },
  findCopies: { zh: '查找侵权副本', en: 'Find copies' },
  case: { zh: '案件', en: 'Case' },
  work: { zh: '作品', en: 'Work' },
  page: { zh: '侵权网页', en: 'Infringing page' },
  state: { zh: '状态', en: 'State' },
  updated: { zh: '更新时间', en: 'Updated' },
  // the form
  newTitle: { zh: '新建维权案件', en: 'Open a case' },
  newLead: {
    zh: '提交后，服务会立即抓取侵权网页并存证；抓取完成后案件进入“已取证”，即可下载证据包和通知书。',
    en: 'When you submit, the service captures the infringing page and deposits the capture; once it is done the case is “Evidence collected” and the evidence package and notices can be downloaded.',
  },
  workId: { zh: '您的作品（存证编号或登记编号）', en: 'Your work (deposit ID or registration ID)' },
  workHint: { zh: '以 dep_ 或 reg_ 开头。从匹配结果立案时已自动填好。', en: 'Starts with dep_ or reg_. Filled in when you come from a match.' },
  workIs: { zh: '作品：{title}', en: 'Work: {title}' },
  url: { zh: '侵权网页地址', en: 'Address of the infringing page' },
  urlHint: { zh: '以 http:// 或 https:// 开头；这个网页会被抓取作为证据。', en: 'Starts with http:// or https://; this page is captured as evidence.' },
  description: { zh: '侵权情况说明', en: 'What was copied, and how' },
  descriptionHint: { zh: '例如：未经许可转载摄影作品，并去除了署名。', en: 'For example: the photograph was republished without permission and the credit removed.' },
  holder: { zh: '通知书上的权利人信息（可选，不会写入公开日志）', en: 'Rights holder for the notice (optional, never in the public log)' },
  holderName: { zh: '权利人姓名或名称', en: 'Name of the rights holder' },
  holderContact: { zh: '联系方式（电话或电子邮件）', en: 'Contact (telephone or e-mail)' },
  holderAddress: { zh: '地址', en: 'Address' },
  submit: { zh: '立案并抓取取证', en: 'Open the case and capture the page' },
  cancel: { zh: '取消', en: 'Cancel' },
  needWork: { zh: '请填写以 dep_ 或 reg_ 开头的编号。', en: 'Give an ID starting with dep_ or reg_.' },
  needUrl: { zh: '请填写以 http:// 或 https:// 开头的网址。', en: 'Give an address starting with http:// or https://.' },
  needDescription: { zh: '请简要说明侵权情况。', en: 'Say briefly what was copied.' },
} satisfies Record<string, Text>;

/** `/cases`: the list. */
async function renderList(ctx: PageContext): Promise<void> {
  ensureEnfStyles();
  const head = [enfTabs('cases'), h('div', { class: 'title-row' }, h('h1', null, tr(T.title)), h('a', { class: 'button', href: '/cases/new' }, tr(T.newCase))), h('p', { class: 'lead' }, tr(T.lead))];
  replace(ctx.main, head);
  const { cases } = await api<{ cases: CaseView[]; next?: string }>('GET', '/v1/cases?limit=100', undefined, { signal: ctx.signal });
  if (cases.length === 0) {
    ctx.main.append(h('p', { class: 'empty' }, tr(T.none), ' ', h('a', { href: '/matches' }, tr(T.findCopies))));
    return;
  }
  const sorted = [...cases].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const ids = [...new Set(sorted.flatMap((c) => (c.work.depositId !== undefined ? [c.work.depositId] : [])))].slice(0, 30);
  const names = new Map(await Promise.all(ids.map(async (id) => [id, await workTitle(id)] as const)));
  const cell = (label: Text, ...c: (Node | string)[]) => h('td', { 'data-label': tr(label) }, h('div', null, ...c));
  ctx.main.append(
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stacked cases' },
        h('thead', null, h('tr', null, [T.case, T.work, T.page, T.state, T.updated].map((t) => h('th', { scope: 'col' }, tr(t))))),
        h(
          'tbody',
          null,
          sorted.map((c) =>
            h(
              'tr',
              { 'data-case-id': c.id },
              cell(T.case, h('a', { href: `/cases/${encodeURIComponent(c.id)}` }, c.description.length > 60 ? `${c.description.slice(0, 60)}…` : c.description), h('span', { class: 'sub mono' }, c.id)),
              cell(T.work, names.get(c.work.depositId ?? '') ?? h('code', { class: 'mono' }, c.work.depositId ?? c.work.registrationId ?? '')),
              cell(T.page, h('span', { class: 'url-cell' }, c.infringingUrl)),
              cell(T.state, stateBadge(c.state, c.captureError !== undefined)),
              cell(T.updated, h('time', { datetime: c.updatedAt, title: c.updatedAt }, fmtTime(c.updatedAt))),
            ),
          ),
        ),
      ),
    ),
  );
}

/** `/cases/new`: the form. */
async function renderNew(ctx: PageContext): Promise<void> {
  ensureEnfStyles();
  const work = h('input', { type: 'text', value: ctx.query.get('deposit') ?? ctx.query.get('registration') ?? '', autocomplete: 'off', spellcheck: 'false' });
  const titleLine = h('p', { class: 'work-title', 'aria-live': 'polite' });
  const url = h('input', { type: 'text', inputmode: 'url', value: ctx.query.get('url') ?? '', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://' });
  const description = h('textarea', { rows: 4 });
  const name = h('input', { type: 'text', autocomplete: 'name', value: ctx.session?.account.name ?? '' });
  const contact = h('input', { type: 'text', autocomplete: 'email', value: ctx.session?.account.email ?? '' });
  const address = h('input', { type: 'text', autocomplete: 'street-address' });
  const general = errorBox();
  const submit = h('button', { type: 'submit' }, tr(T.submit));
  const form = h(
    'form',
    { class: 'case-form', novalidate: true },
    h('div', null, field('depositId', T.workId, work, T.workHint), titleLine),
    field('infringingUrl', T.url, url, T.urlHint),
    field('description', T.description, description, T.descriptionHint),
    group('rightsHolder', T.holder, h('div', { class: 'stack' }, field('rightsHolder.name', T.holderName, name), field('rightsHolder.contact', T.holderContact, contact), field('rightsHolder.address', T.holderAddress, address))),
    general,
    h('div', { class: 'actions' }, submit, h('a', { class: 'button secondary', href: '/cases' }, tr(T.cancel))),
  );
  const showTitle = async () => {
    const id = work.value.trim();
    titleLine.replaceChildren();
    if (!/^dep_[0-9a-f]{20}$/.test(id)) return;
    const t = await workTitle(id);
    if (t !== undefined && work.value.trim() === id) replace(titleLine, tr(T.workIs, { title: t }));
  };
  work.addEventListener('change', () => void showTitle());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = work.value.trim();
    const problem = (detail: Text, f: string) => showError(form, general, new ApiError(400, 'invalid_request', tr(detail), f));
    if (!/^(dep|reg)_[0-9a-f]{20}$/.test(id)) return problem(T.needWork, 'depositId');
    if (!/^https?:\/\/\S+$/i.test(url.value.trim())) return problem(T.needUrl, 'infringingUrl');
    if (description.value.trim() === '') return problem(T.needDescription, 'description');
    const holder: Record<string, string> = {};
    for (const [k, el] of [['name', name], ['contact', contact], ['address', address]] as const) if (el.value.trim() !== '') holder[k] = el.value.trim();
    const body = {
      ...(id.startsWith('reg_') ? { registrationId: id } : { depositId: id }),
      infringingUrl: url.value.trim(),
      description: description.value.trim(),
      ...(Object.keys(holder).length > 0 ? { rightsHolder: holder } : {}),
    };
    void busy(submit, async () => {
      try {
        const c = await api<CaseView>('POST', '/v1/cases', body);
        ctx.navigate(`/cases/${encodeURIComponent(c.id)}`);
      } catch (err) {
        // The capture refuses its `url`; the work's id may be named as either id field.
        const f = err instanceof ApiError ? ({ url: 'infringingUrl', registrationId: 'depositId' } as Record<string, string>)[err.field ?? ''] : undefined;
        showError(form, general, f !== undefined && err instanceof ApiError ? new ApiError(err.status, err.code, err.detail, f) : err);
      }
    });
  });
  replace(ctx.main, enfTabs('cases'), h('h1', null, tr(T.newTitle)), h('p', { class: 'lead' }, tr(T.newLead)), form);
  await showTitle();
}

export const routes: Route[] = [
  { path: '/cases', title: T.title, auth: true, render: renderList },
  { path: '/cases/new', title: T.newTitle, auth: true, render: renderNew },
  { path: '/cases/:id', title: DETAIL.title, auth: true, render: renderCase },
];
