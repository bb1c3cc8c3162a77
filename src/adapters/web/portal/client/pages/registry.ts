/**
 * The public registry (no sign-in): `/registry` searches by registration number, or by words of
 * titles and rights holders' names (`GET /v1/registry?number=` / `?q=`), and `/registry/:number`
 * shows one entry with every correction and a revocation, if any. The query lives in the address
 * (`/registry?q=…`), so a search can be linked and the back button works.
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { tr, type Text } from '../i18n.js';
import { errorBox, fieldId, input, showError } from '../form-kit.js';
import type { PageContext, Route } from '../router.js';
import { ensureStyles } from '../reg-style.js';
import { REGISTRATION_NUMBER, WORK_TYPE, type RegistryEntry } from '../reg-labels.js';
import { time } from '../reg-view.js';
import { chainOfTitle } from '../chain-view.js';

const T = {
  title: { zh: '公开登记簿', en: 'Public registry' },
  nav: { zh: '登记簿', en: 'Registry' },
  lead: {
    zh: '任何人都可以查询已登记的作品。登记簿只显示登记号、作品名称、类别、著作权人选择公开的名称和登记时间，不含证件号码或地址。',
    en: 'Anyone may look up registered works. The registry shows only the number, title, category, the names the rights holders chose to show, and the date: no identity numbers or addresses.',
  },
  query: { zh: '登记号、作品名称或著作权人', en: 'Number, title or rights holder' },
  queryHint: { zh: '例如 CL-2026-F-00000001，或作品名称、著作权人名称中的词语（中文可输入任意部分）。', en: 'E.g. CL-2026-F-00000001, or words from a title or a rights holder’s name (Chinese text matches any part).' },
  search: { zh: '查询', en: 'Search' },
  results: { zh: '“{q}”的查询结果：{n} 项', en: 'Results for “{q}”: {n}' },
  none: { zh: '没有找到匹配的登记。', en: 'No registration matches.' },
  truncated: { zh: '结果较多，仅显示前 {n} 项；请输入更具体的词语。', en: 'Only the first {n} results are shown; try more specific words.' },
  number: { zh: '登记号', en: 'Number' },
  work: { zh: '作品名称', en: 'Title' },
  category: { zh: '类别', en: 'Category' },
  holders: { zh: '著作权人', en: 'Rights holders' },
  registered: { zh: '登记时间', en: 'Registered' },
  status: { zh: '状态', en: 'Status' },
  active: { zh: '有效', en: 'Registered' },
  revokedBadge: { zh: '已撤销', en: 'Revoked' },
  caption: { zh: '查询结果', en: 'Search results' },
  back: { zh: '← 公开登记簿', en: '← Public registry' },
  notFound: { zh: '没有登记号为 {n} 的登记。', en: 'There is no registration numbered {n}.' },
  badNumber: { zh: '登记号格式应为 CL-年份-类别字母-8位序号，例如 CL-2026-F-00000001。', en: 'A registration number looks like CL-<year>-<letter>-<8 digits>, e.g. CL-2026-F-00000001.' },
  corrections: { zh: '更正记录', en: 'Corrections' },
  correctedAt: { zh: '更正于', en: 'Corrected' },
  from: { zh: '由“{from}”改为“{to}”', en: 'from “{from}” to “{to}”' },
  fieldTitle: { zh: '作品名称', en: 'Title' },
  fieldHolders: { zh: '著作权人', en: 'Rights holders' },
  why: { zh: '理由', en: 'Reason' },
  revocation: { zh: '此登记已于 {at} 撤销。理由：{reason}', en: 'This registration was revoked on {at}. Reason: {reason}' },
  verifyHint: { zh: '持有登记证书的人可以离线核验其真实性：', en: 'Whoever holds the registration certificate can check it offline:' },
  verifyLink: { zh: '验证证书', en: 'verify a certificate' },
} satisfies Record<string, Text>;

function statusBadge(e: RegistryEntry): HTMLSpanElement {
  return e.status === 'revoked' ? h('span', { class: 'badge bad' }, tr(T.revokedBadge)) : h('span', { class: 'badge ok' }, tr(T.active));
}

function resultsTable(results: RegistryEntry[]): HTMLElement {
  const labels = [T.number, T.work, T.category, T.holders, T.registered, T.status].map((t) => tr(t));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stacked' },
      h('caption', { class: 'visually-hidden' }, tr(T.caption)),
      h('thead', null, h('tr', null, labels.map((l) => h('th', { scope: 'col' }, l)))),
      h(
        'tbody',
        null,
        results.map((e) =>
          h(
            'tr',
            null,
            h('td', { 'data-label': labels[0]!, class: 'mono' }, h('a', { href: `/registry/${e.number}` }, e.number)),
            h('td', { 'data-label': labels[1]! }, e.title),
            h('td', { 'data-label': labels[2]! }, tr(WORK_TYPE[e.workType])),
            h('td', { 'data-label': labels[3]! }, e.rightsHolders.join('、')),
            h('td', { 'data-label': labels[4]! }, time(e.registeredAt)),
            h('td', { 'data-label': labels[5]! }, statusBadge(e)),
          ),
        ),
      ),
    ),
  );
}

async function search(ctx: PageContext): Promise<void> {
  const q = (ctx.query.get('q') ?? '').trim();
  const box = input('search', q, { maxlength: 200, autocomplete: 'off', enterkeyhint: 'search' });
  const general = errorBox();
  const out = h('div', { 'aria-live': 'polite' });
  box.id = fieldId('q');
  box.setAttribute('aria-describedby', `${box.id}-hint ${box.id}-err`);
  const form = h(
    'form',
    { class: 'field', role: 'search', 'aria-label': tr(T.title) },
    h('label', { for: box.id }, tr(T.query)),
    h('div', { class: 'search-row' }, box, h('button', { type: 'submit' }, tr(T.search))),
    h('p', { class: 'hint', id: `${box.id}-hint` }, tr(T.queryHint)),
    h('p', { class: 'field-error', id: `${box.id}-err` }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = box.value.trim();
    ctx.navigate(v === '' ? '/registry' : `/registry?q=${encodeURIComponent(v)}`);
  });
  replace(ctx.main, h('h1', null, tr(T.title)), h('p', { class: 'lead' }, tr(T.lead)), form, general, out);
  if (q === '') return;
  const number = q.toUpperCase();
  const path = REGISTRATION_NUMBER.test(number) ? `/v1/registry?number=${encodeURIComponent(number)}` : `/v1/registry?q=${encodeURIComponent(q)}`;
  try {
    const res = await api<{ results: RegistryEntry[]; truncated: boolean }>('GET', path);
    replace(
      out,
      h('h2', null, tr(T.results, { q, n: res.results.length })),
      res.results.length === 0 ? h('p', { class: 'empty' }, tr(T.none)) : resultsTable(res.results),
      res.truncated ? h('p', { class: 'notice' }, tr(T.truncated, { n: res.results.length })) : null,
    );
  } catch (e) {
    showError(form, general, e instanceof ApiError && e.field === 'number' ? new ApiError(e.status, e.code, e.detail, 'q') : e);
  }
}

function changeText(changes: RegistryEntry['corrections'][number]['changes']): string[] {
  const show = (v: unknown) => (Array.isArray(v) ? v.join('、') : String(v));
  return Object.entries(changes).map(([k, c]) => `${tr(k === 'title' ? T.fieldTitle : k === 'rightsHolders' ? T.fieldHolders : { zh: k, en: k })}: ${tr(T.from, { from: show(c.from), to: show(c.to) })}`);
}

async function entry(ctx: PageContext): Promise<void> {
  const number = ctx.params.number!.toUpperCase();
  const back = h('p', null, h('a', { href: '/registry' }, tr(T.back)));
  if (!REGISTRATION_NUMBER.test(number)) {
    replace(ctx.main, back, h('h1', null, number), h('p', { class: 'error', role: 'alert' }, tr(T.badNumber)));
    return;
  }
  const res = await api<{ results: RegistryEntry[] }>('GET', `/v1/registry?number=${encodeURIComponent(number)}`);
  const e = res.results[0];
  if (e === undefined) {
    replace(ctx.main, back, h('h1', null, number), h('p', { class: 'error', role: 'alert' }, tr(T.notFound, { n: number })));
    return;
  }
  document.title = `${e.number} · ${e.title}`;
  replace(
    ctx.main,
    back,
    h('h1', null, e.title),
    e.revocation ? h('div', { class: 'error', role: 'note' }, tr(T.revocation, { at: time(e.revocation.revokedAt).textContent ?? e.revocation.revokedAt, reason: e.revocation.reason })) : null,
    h(
      'dl',
      { class: 'details' },
      h('dt', null, tr(T.number)),
      h('dd', { class: 'mono' }, e.number),
      h('dt', null, tr(T.status)),
      h('dd', null, statusBadge(e)),
      h('dt', null, tr(T.category)),
      h('dd', null, `${tr(WORK_TYPE[e.workType])} (${e.workTypeCode})`),
      h('dt', null, tr(T.holders)),
      h('dd', null, h('ul', null, e.rightsHolders.map((n) => h('li', null, n)))),
      h('dt', null, tr(T.registered)),
      h('dd', null, time(e.registeredAt)),
    ),
    e.corrections.length > 0
      ? h(
          'section',
          { 'aria-labelledby': 'corr-h' },
          h('h2', { id: 'corr-h' }, tr(T.corrections)),
          h(
            'ol',
            null,
            e.corrections.map((c) => h('li', null, h('p', null, tr(T.correctedAt), ' ', time(c.correctedAt)), h('ul', null, changeText(c.changes).map((t) => h('li', null, t))), h('p', null, `${tr(T.why)}: ${c.reason}`))),
          ),
        )
      : null,
    h('p', { class: 'notice' }, tr(T.verifyHint), ' ', h('a', { href: '/verify' }, tr(T.verifyLink))),
  );
  const chain = await chainOfTitle(e.number, ctx.signal);
  if (chain) ctx.main.querySelector('p.notice')?.before(chain);
}

ensureStyles();

export const routes: Route[] = [
  { path: '/registry', title: T.title, nav: { order: 60, label: T.nav }, render: search },
  { path: '/registry/:number', title: T.title, render: entry },
];
