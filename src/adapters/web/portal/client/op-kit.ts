/**
 * Parts the licence, transfer and pledge pages share: the sub-navigation between them, the
 * choice of one of my registrations, the Art. 10 rights as checkboxes, amounts of money, the
 * contract's SHA-256 (typed, or computed here from the file, which never leaves the computer),
 * and the card that shows one operation with its parties, rights, period, state, history and
 * certificate downloads. Controls are named after the API's fields (form-kit.ts), so an error
 * the service names lands beside its control.
 */
import { api } from './api.js';
import { h, type Child } from './dom.js';
import { field, group, input } from './form-kit.js';
import { tr, type Text } from './i18n.js';
import { ACTION, ARTICLE, RIGHT, RIGHTS, STATE, STATE_TONE, type EconomicRight, type Money, type OperationView, type TransferView } from './op-labels.js';
import type { RegistrationView } from './reg-labels.js';
import { download, time } from './reg-view.js';
import { copyButton } from './ui.js';

const T = {
  sub: { zh: '运营', en: 'Operation' },
  licences: { zh: '许可', en: 'Licences' },
  transfers: { zh: '转让', en: 'Transfers' },
  pledges: { zh: '质押', en: 'Pledges' },
  check: { zh: '许可查验', en: 'Licence check' },
  registration: { zh: '作品（我的登记）', en: 'Work (my registration)' },
  registrationHint: { zh: '只列出已登记、由您持有权利的作品；通过转让取得的作品也在其中。', en: 'Registered works whose rights you hold, including works transferred to you.' },
  noRegistration: { zh: '您还没有已登记的作品。先申请登记，批准后才能许可、转让或质押。', en: 'You have no registered work yet. Apply for registration first: a work can be licensed, transferred or pledged once it is registered.' },
  pick: { zh: '请选择', en: 'Choose…' },
  allRights: { zh: '我持有的全部权利', en: 'All rights I hold' },
  article: { zh: '第十条第（{n}）项', en: 'Art. 10 ({n})' },
  amount: { zh: '金额', en: 'Amount' },
  amountHint: { zh: '例如 50000.00', en: 'E.g. 50000.00' },
  currency: { zh: '币种', en: 'Currency' },
  currencyHint: { zh: 'ISO 4217 代码，例如 CNY', en: 'ISO 4217 code, e.g. CNY' },
  contract: { zh: '合同文件的 SHA-256（可选）', en: 'SHA-256 of the contract document (optional)' },
  contractHint: { zh: '64 位十六进制；或在下面选择合同文件，在本机计算，文件不会上传。', en: '64 hex digits; or pick the contract file below: it is hashed on this computer and never uploaded.' },
  contractFile: { zh: '从合同文件计算', en: 'Compute from the contract file' },
  hashing: { zh: '正在计算……', en: 'Hashing…' },
  work: { zh: '作品', en: 'Work' },
  rights: { zh: '权利', en: 'Rights' },
  period: { zh: '期限', en: 'Period' },
  periodText: { zh: '{from} 至 {to}', en: '{from} to {to}' },
  state: { zh: '状态', en: 'State' },
  history: { zh: '记录', en: 'History' },
  entry: { zh: '日志条目 #{n}', en: 'log entry #{n}' },
  pdf: { zh: '下载证书（PDF）', en: 'Certificate (PDF)' },
  json: { zh: '下载证书（JSON）', en: 'Certificate (JSON)' },
  certHint: { zh: '证书可在“验证证书”页离线核验。', en: 'Certificates verify offline on the Verify page.' },
  noneYet: { zh: '暂无。', en: 'None yet.' },
  myId: { zh: '您的账户 ID（对方向您许可、转让或出质时需要）：', en: 'Your account id (others need it to license, transfer or pledge to you):' },
  myIdShort: { zh: '账户 ID', en: 'account id' },
} satisfies Record<string, Text>;

/** Links between the operation pages; the current one is marked. */
export function subNav(current: string): HTMLElement {
  const links: [string, Text][] = [
    ['/licences', T.licences],
    ['/transfers', T.transfers],
    ['/pledges', T.pledges],
    ['/licences/check', T.check],
  ];
  return h('nav', { class: 'subnav', 'aria-label': tr(T.sub) }, h('ul', null, links.map(([href, label]) => h('li', null, h('a', { href, 'aria-current': href === current ? 'page' : null }, tr(label))))));
}

export interface Holdable {
  id: string;
  number: string;
  title: string;
}

/**
 * Works whose rights I may hold: my approved registrations and the works of transfers made to
 * me. The service decides whether I hold the rights named; this only offers the choices.
 */
export async function holdableWorks(me: string, signal?: AbortSignal): Promise<Holdable[]> {
  const init = signal ? { signal } : undefined;
  const [regs, trf] = await Promise.all([
    api<{ registrations: RegistrationView[] }>('GET', '/v1/registrations?limit=100', undefined, init).catch(() => ({ registrations: [] as RegistrationView[] })),
    api<{ items: TransferView[] }>('GET', '/v1/transfers?limit=100', undefined, init).catch(() => ({ items: [] as TransferView[] })),
  ]);
  const out = new Map<string, Holdable>();
  for (const r of regs.registrations) if (r.state === 'approved' && r.number) out.set(r.id, { id: r.id, number: r.number, title: r.application.title ?? r.number });
  for (const t of trf.items) if (t.state === 'completed' && t.terms.to.account === me && !out.has(t.registrationId)) out.set(t.registrationId, { id: t.registrationId, number: t.number, title: t.number });
  return [...out.values()];
}

/** Instead of a form when I hold no registered work: the form's heading and what to do first. */
export function noWorks(headingId: string, heading: Text): HTMLElement {
  return h('div', { class: 'op-form' }, h('h2', { id: headingId }, tr(heading)), h('p', { class: 'hint' }, tr(T.noRegistration), ' ', h('a', { href: '/registrations' }, tr({ zh: '我的登记', en: 'My registrations' }))));
}

/** The `registrationId` select over `works`, or a note that there is none. */
export function workField(works: Holdable[], selected?: string): HTMLElement {
  const sel = h('select', { required: true }, h('option', { value: '' }, tr(T.pick)), works.map((w) => h('option', { value: w.id, selected: w.id === selected }, w.title === w.number ? w.number : `${w.title} · ${w.number}`)));
  const f = field('registrationId', T.registration, sel, works.length > 0 ? T.registrationHint : T.noRegistration);
  return f;
}

/** The rights as checkboxes named by Art. 10; with `all`, a first box "all rights I hold" that stands for every one. */
export function rightsField(label: Text, opts: { all?: boolean; hint?: Text } = {}): { el: HTMLFieldSetElement; value(): EconomicRight[] | 'all' } {
  const boxes = RIGHTS.map((r) => h('input', { type: 'checkbox', name: 'rights', value: r }));
  const all = opts.all ? h('input', { type: 'checkbox', name: 'rights-all', value: 'all', checked: true }) : null;
  const sync = () => {
    for (const b of boxes) b.disabled = all?.checked === true;
  };
  all?.addEventListener('change', sync);
  sync();
  const el = group(
    'rights',
    label,
    opts.hint ? h('p', { class: 'hint' }, tr(opts.hint)) : null,
    all ? h('label', { class: 'choice all-rights' }, all, h('span', null, tr(T.allRights))) : null,
    h(
      'div',
      { class: 'rights-grid' },
      RIGHTS.map((r, i) => h('label', { class: 'choice' }, boxes[i]!, h('span', null, tr(RIGHT[r]), h('span', { class: 'hint' }, tr(T.article, { n: ARTICLE[r] }))))),
    ),
  );
  el.classList.add('rights');
  return { el, value: () => (all?.checked ? 'all' : boxes.filter((b) => b.checked).map((b) => b.value as EconomicRight)) };
}

/** Amount and currency of `path` (`fee`, `securedAmount`, `consideration`); `value()` is undefined while the amount is empty. */
export function moneyField(path: string, label: Text, required = false): { el: HTMLFieldSetElement; value(): Money | undefined } {
  const amount = input('text', '', { inputmode: 'decimal', autocomplete: 'off', maxlength: 20, required });
  const currency = input('text', 'CNY', { maxlength: 3, autocapitalize: 'characters', autocomplete: 'off' });
  const el = group(path, label, h('div', { class: 'row2' }, field(`${path}.amount`, T.amount, amount, T.amountHint), field(`${path}.currency`, T.currency, currency, T.currencyHint)));
  return {
    el,
    value: () => (amount.value.trim() === '' ? undefined : { amount: amount.value.trim(), currency: currency.value.trim().toUpperCase() }),
  };
}

/** `contractSha256`: typed, or computed in the browser from a picked file. */
export function contractField(): { el: HTMLElement; value(): string | undefined } {
  const hex = input('text', '', { maxlength: 64, spellcheck: 'false', autocomplete: 'off', class: 'mono' });
  const file = h('input', { type: 'file', id: 'contract-file' });
  const status = h('span', { class: 'hint', 'aria-live': 'polite' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    status.textContent = tr(T.hashing);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await f.arrayBuffer()));
    hex.value = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    status.textContent = f.name;
  });
  const el = h('div', null, field('contractSha256', T.contract, hex, T.contractHint), h('div', { class: 'field' }, h('label', { for: 'contract-file' }, tr(T.contractFile)), file, status));
  return { el, value: () => (hex.value.trim() === '' ? undefined : hex.value.trim().toLowerCase()) };
}

/** A date bound as the API takes it (YYYY-MM-DD, China Standard Time). */
export function dateInput(value?: string): HTMLInputElement {
  return input('date', value, { required: true });
}

/** Rights as text: names joined, or "all". */
export function rightsText(rights: readonly EconomicRight[] | 'all', all: Text = T.allRights): string {
  return rights === 'all' ? tr(all) : rights.map((r) => tr(RIGHT[r])).join(tr({ zh: '、', en: ', ' }));
}

export function moneyText(m: Money | undefined): string | undefined {
  return m === undefined ? undefined : `${m.amount} ${m.currency}`;
}

/**
 * A contract bound for people, in China Standard Time as contracts state them: a bound at
 * midnight is a date (an end bound shows the day before it, since periods are half-open and
 * `validTo` 2027-12-31 is stored as 2028-01-01T00:00+08:00); any other time with its minutes.
 */
export function boundText(iso: string, edge: 'start' | 'end'): HTMLTimeElement {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return h('time', null, iso);
  const cst = new Date(ms + 8 * 3600_000).toISOString();
  const midnight = cst.slice(11, 23) === '00:00:00.000';
  const text = midnight ? new Date(ms + 8 * 3600_000 - (edge === 'end' ? 86_400_000 : 0)).toISOString().slice(0, 10) : `${cst.slice(0, 10)} ${cst.slice(11, 16)}`;
  return h('time', { datetime: iso, title: iso }, text);
}

/** A contract period (half-open) for people, in China Standard Time, last day inclusive. */
export function periodText(from: string, to: string): HTMLElement {
  return h('span', null, boundText(from, 'start'), ' – ', boundText(to, 'end'), h('span', { class: 'hint-inline' }, tr({ zh: '（北京时间）', en: ' (China Standard Time)' })));
}

/** My account id with a copy button: what others need to license, transfer or pledge to me. */
const FLASH = 'op-status';

/** Remembers a success message for the page drawn next (a form that navigates after it worked). */
export function flashStatus(message: string): void {
  sessionStorage.setItem(FLASH, message);
}

/** The success message a form left for this page (shown once), as a status paragraph. */
export function takeFlashStatus(): HTMLElement {
  const status = h('p', { class: 'success', role: 'status' }, sessionStorage.getItem(FLASH) ?? '');
  sessionStorage.removeItem(FLASH);
  return status;
}

export function myAccountId(id: string): HTMLElement {
  return h('div', { class: 'notice my-id' }, h('span', null, tr(T.myId)), ' ', h('code', { class: 'mono' }, id), ' ', copyButton(id, tr(T.myIdShort)));
}

export function stateBadge(state: string): HTMLSpanElement {
  const tone = STATE_TONE[state] ?? '';
  return h('span', { class: tone ? `badge ${tone}` : 'badge' }, tr(STATE[state] ?? { zh: state, en: state }));
}

/** JSON and PDF downloads of an operation's certificate (when it took effect). */
export function certificateButtons(v: OperationView): HTMLElement | null {
  if (v.certificateUrl === undefined) return null;
  const status = h('p', { class: 'error', role: 'alert' });
  const url = v.certificateUrl;
  return h(
    'div',
    { class: 'cert' },
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => void download(url, 'application/pdf', `${v.id}.pdf`, status) }, tr(T.pdf)),
      h('button', { type: 'button', class: 'secondary', onclick: () => void download(url, 'application/json', `${v.id}.${v.kind}.json`, status) }, tr(T.json)),
    ),
    h('p', { class: 'hint' }, tr(T.certHint), ' ', h('a', { href: '/verify' }, tr({ zh: '验证证书', en: 'Verify' }))),
    status,
  );
}

/** An operation as a card: heading (work and counterparty), facts, history, then `actions`. */
export function opCard(v: OperationView, heading: string, facts: [Text, Child][], actions: Child[]): HTMLElement {
  const headId = `h-${v.id}`;
  return h(
    'article',
    { class: 'panel op-card', 'data-op': v.id, 'aria-labelledby': headId },
    h('h3', { id: headId }, heading, ' ', stateBadge(v.state)),
    h(
      'dl',
      { class: 'details' },
      h('dt', null, tr(T.work)),
      h('dd', null, h('a', { href: `/registry/${v.number}`, class: 'mono' }, v.number)),
      facts.filter(([, c]) => c !== undefined && c !== null).map(([k, c]) => [h('dt', null, tr(k)), h('dd', null, c)]),
      h('dt', null, tr(T.history)),
      h(
        'dd',
        null,
        h(
          'ol',
          { class: 'op-history' },
          v.history.map((i) => h('li', null, time(i.at), ' ', tr(ACTION[i.action] ?? { zh: i.action, en: i.action }), h('span', { class: 'muted' }, ` · ${tr(T.entry, { n: i.index })}`), i.reason ? ` · ${i.reason}` : '')),
        ),
      ),
    ),
    certificateButtons(v),
    actions.length > 0 ? h('div', { class: 'actions op-actions' }, actions) : null,
  );
}

/** A titled list of cards, or "none yet". */
export function cardList(headingId: string, heading: Text, cards: HTMLElement[]): HTMLElement {
  return h('section', { 'aria-labelledby': headingId, class: 'op-list' }, h('h2', { id: headingId }, tr(heading)), cards.length > 0 ? cards : h('p', { class: 'empty' }, tr(T.noneYet)));
}

/** Every item of a `GET /v1/{licences,transfers,pledges}` list (a few pages at most). */
export async function listAll<V>(path: string, signal?: AbortSignal): Promise<V[]> {
  const out: V[] = [];
  let after: string | undefined;
  for (let i = 0; i < 10; i++) {
    const res = await api<{ items: V[]; next?: string }>('GET', `${path}?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`, undefined, signal ? { signal } : undefined);
    out.push(...res.items);
    if (res.next === undefined) break;
    after = res.next;
  }
  return out;
}

/** Newest first. */
export function newestFirst<V extends { createdAt: string }>(items: V[]): V[] {
  return [...items].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}
