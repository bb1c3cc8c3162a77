/**
 * `/licences/check` (public): "is this use covered?" — the question a platform asks before it
 * publishes (`GET /v1/licences/check`). The work by registration number or a file's SHA-256, the
 * licensee, the right and the day; the answer is a plain yes or no with the covering licence's
 * public facts. The question lives in the address, so an answer can be linked.
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { clearErrors, errorBox, field, input, select, showError } from '../form-kit.js';
import { tr, type Text } from '../i18n.js';
import { boundText, periodText, subNav } from '../op-kit.js';
import { RIGHT, RIGHTS, type EconomicRight, type LicenceCheck } from '../op-labels.js';
import { ensureOpStyles } from '../op-style.js';
import type { PageContext, Route } from '../router.js';

const T = {
  title: { zh: '许可查验', en: 'Licence check' },
  lead: {
    zh: '发布前查一查：某人是否已获许可，在某一天以某项权利使用某件已登记的作品？无需登录。答案只说明是否有有效许可覆盖，以及该许可的期限、地域和是否专有，不透露许可费、条款或其他许可。',
    en: 'Check before you publish: is this licensee licensed to use this registered work under this right on this day? No sign-in needed. The answer says only whether a licence in force covers the use, and that licence’s period, territory and exclusivity — never the fee, the terms or other licences.',
  },
  work: { zh: '登记号或作品文件的 SHA-256', en: 'Registration number or the SHA-256 of the work’s file' },
  workHint: { zh: '例如 CL-2026-F-00000001，或 64 位十六进制哈希。', en: 'E.g. CL-2026-F-00000001, or a 64-digit hex hash.' },
  licensee: { zh: '被许可人', en: 'Licensee' },
  licenseeHint: { zh: '账户 ID（acc_…），或无账户被许可人的完整名称。', en: 'An account id (acc_…), or the exact name of a licensee without an account.' },
  right: { zh: '权利', en: 'Right' },
  at: { zh: '日期（可选）', en: 'Date (optional)' },
  atHint: { zh: '默认为现在；按北京时间当日零时计。', en: 'Default: now; a date means its start, China Standard Time.' },
  territory: { zh: '地域（可选）', en: 'Territory (optional)' },
  territoryHint: { zh: '国家或地区代码，例如 CN；不填则任何地域均可。', en: 'A country code such as CN; empty: any territory counts.' },
  submit: { zh: '查验', en: 'Check' },
  covered: { zh: '已获许可', en: 'Covered' },
  coveredText: { zh: '有效许可 {id} 覆盖此项使用（{right}）。', en: 'Licence {id} in force covers this use ({right}).' },
  notCovered: { zh: '未获许可', en: 'Not covered' },
  notCoveredText: { zh: '没有有效许可覆盖此项使用（{right}）。发布前请先取得许可。', en: 'No licence in force covers this use ({right}). Obtain a licence before publishing.' },
  asOf: { zh: '查验时间', en: 'As of' },
  period: { zh: '许可期限', en: 'Licence period' },
  scope: { zh: '专有 / 地域', en: 'Exclusive / territory' },
  yes: { zh: '专有', en: 'Exclusive' },
  no: { zh: '非专有', en: 'Non-exclusive' },
  worldwide: { zh: '全世界', en: 'Worldwide' },
  registry: { zh: '查看权利链', en: 'See the chain of title' },
  answer: { zh: '查验结果', en: 'Answer' },
} satisfies Record<string, Text>;

const HEX = /^[0-9a-fA-F]{64}$/;

function answer(res: LicenceCheck, number: string | undefined): HTMLElement {
  const right = tr(RIGHT[res.right]);
  const l = res.licence;
  return h(
    'section',
    { class: res.covered ? 'verdict yes' : 'verdict no', 'aria-labelledby': 'verdict-h' },
    h('h2', { id: 'verdict-h' }, h('span', { 'aria-hidden': 'true' }, res.covered ? '✓ ' : '✗ '), tr(res.covered ? T.covered : T.notCovered)),
    h('p', null, res.covered && l ? tr(T.coveredText, { id: l.id, right }) : tr(T.notCoveredText, { right })),
    h(
      'dl',
      { class: 'details' },
      h('dt', null, tr(T.asOf)),
      h('dd', null, boundText(res.at, 'start'), h('span', { class: 'hint-inline' }, tr({ zh: '（北京时间）', en: ' (China Standard Time)' }))),
      l ? [h('dt', null, tr(T.period)), h('dd', null, periodText(l.validFrom, l.validTo)), h('dt', null, tr(T.scope)), h('dd', null, `${tr(l.exclusive ? T.yes : T.no)} · ${l.territory === 'worldwide' ? tr(T.worldwide) : l.territory.join(', ')}`)] : null,
    ),
    (l?.number ?? number) ? h('p', null, h('a', { href: `/registry/${l?.number ?? number}` }, tr(T.registry))) : null,
  );
}

async function render(ctx: PageContext): Promise<void> {
  ensureOpStyles();
  const q = ctx.query;
  const initialWork = q.get('number') ?? q.get('sha256') ?? '';
  const work = input('text', initialWork, { maxlength: 80, spellcheck: 'false', autocomplete: 'off', required: true });
  const licensee = input('text', q.get('licensee') ?? '', { maxlength: 200, spellcheck: 'false', autocomplete: 'off', required: true });
  const right = select(RIGHTS, RIGHT, q.get('right') ?? 'information_network_dissemination');
  const at = input('date', q.get('at') ?? '');
  const territory = input('text', q.get('territory') ?? '', { maxlength: 2, autocapitalize: 'characters', autocomplete: 'off' });
  const general = errorBox();
  const out = h('div', { 'aria-live': 'polite', class: 'verdict-area', 'aria-label': tr(T.answer) });
  const form = h(
    'form',
    { class: 'stack op-form', novalidate: true, role: 'search', 'aria-label': tr(T.title) },
    field('work', T.work, work, T.workHint),
    field('licensee', T.licensee, licensee, T.licenseeHint),
    field('right', T.right, right),
    h('div', { class: 'row2' }, field('at', T.at, at, T.atHint), field('territory', T.territory, territory, T.territoryHint)),
    general,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, tr(T.submit))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const w = work.value.trim();
    const p = new URLSearchParams();
    p.set(HEX.test(w) ? 'sha256' : 'number', HEX.test(w) ? w.toLowerCase() : w.toUpperCase());
    p.set('licensee', licensee.value.trim());
    p.set('right', right.value);
    if (at.value) p.set('at', at.value);
    if (territory.value.trim()) p.set('territory', territory.value.trim().toUpperCase());
    ctx.navigate(`/licences/check?${p}`);
  });
  replace(ctx.main, ctx.session ? subNav('/licences/check') : null, h('h1', null, tr(T.title)), h('p', { class: 'lead' }, tr(T.lead)), h('section', { class: 'panel' }, form), out);
  if (initialWork === '' && !q.has('licensee')) return;
  const p = new URLSearchParams();
  for (const k of ['number', 'sha256', 'licensee', 'right', 'at', 'territory']) {
    const v = q.get(k);
    if (v !== null && v !== '') p.set(k, v);
  }
  if (!p.has('right')) p.set('right', right.value as EconomicRight);
  try {
    clearErrors(form);
    const res = await api<LicenceCheck>('GET', `/v1/licences/check?${p}`, undefined, { signal: ctx.signal });
    replace(out, answer(res, q.get('number') ?? undefined));
  } catch (err) {
    // The work is one box here: number and sha256 errors belong beside it.
    const e = err instanceof ApiError && (err.field === 'number' || err.field === 'sha256') ? new ApiError(err.status, err.code, err.detail, 'work') : err;
    showError(form, general, e);
  }
}

export const routes: Route[] = [{ path: '/licences/check', title: T.title, nav: { order: 65 }, render }];
