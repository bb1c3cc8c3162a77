/**
 * `/licences` (signed in): licences offered to or held by me, licences I granted, and the form
 * that offers a licence of one of my registered works (`POST /v1/licences`). The licensee
 * accepts here; whoever holds the rights revokes with a reason; a licence in force has its
 * certificate as JSON and as a signed PDF.
 */
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { clearErrors, errorBox, field, input, showError } from '../form-kit.js';
import { tr, type Text } from '../i18n.js';
import { myAccountId, noWorks, cardList, contractField, dateInput, holdableWorks, listAll, moneyField, moneyText, newestFirst, opCard, periodText, rightsField, rightsText, subNav, workField, flashStatus, takeFlashStatus } from '../op-kit.js';
import type { LicenceView } from '../op-labels.js';
import { ensureOpStyles } from '../op-style.js';
import type { PageContext, Route } from '../router.js';

const T = {
  title: { zh: '许可', en: 'Licences' },
  nav: { zh: '许可转让', en: 'Licensing' },
  lead: {
    zh: '许可、转让和质押都记入公开日志，各方都能拿到可离线核验的证书；平台可在发布前查验某项使用是否已获许可。',
    en: 'Licences, transfers and pledges are entries in the public log; each party gets a certificate that verifies offline, and a platform can check before it publishes whether a use is licensed.',
  },
  toMe: { zh: '授予我的许可', en: 'Licences offered to or held by me' },
  byMe: { zh: '我授予的许可', en: 'Licences I granted' },
  offer: { zh: '发出许可要约', en: 'Offer a licence' },
  offerLead: { zh: '被许可人有账户时，由其在本站接受后生效；只有名称的被许可人没有账户，许可依已签署的合同即时生效，此时须提供合同的 SHA-256。', en: 'A licensee with an account accepts here, and the licence takes effect then. A licensee given by name only has no account: the licence takes effect at once on the signed contract, whose SHA-256 is then required.' },
  licensee: { zh: '被许可人', en: 'Licensee' },
  account: { zh: '被许可人账户 ID', en: 'Licensee’s account id' },
  accountHint: { zh: '以 acc_ 开头，被许可人在其“许可”页可以看到并复制。', en: 'Starts with acc_; the licensee finds it on their Licences page.' },
  name: { zh: '被许可人名称', en: 'Licensee’s name' },
  nameHint: { zh: '在证书和查验中显示的名称；有账户时可不填（默认用账户名称）。', en: 'The name certificates and checks show; with an account it may stay empty (the account’s name is used).' },
  rights: { zh: '许可的权利（著作权法第十条）', en: 'Rights licensed (Copyright Law Art. 10)' },
  exclusive: { zh: '专有许可', en: 'Exclusive licence' },
  exclusiveHint: { zh: '专有许可不得与同一权利、地域和期间的其他有效许可重叠。', en: 'An exclusive licence may not overlap any licence in force of a shared right, territory and time.' },
  territory: { zh: '地域', en: 'Territory' },
  territoryHint: { zh: '“worldwide”表示全世界；或用逗号分隔的国家/地区代码，例如 CN, HK。', en: '“worldwide”, or country codes separated by commas, e.g. CN, HK.' },
  validFrom: { zh: '起始日', en: 'Valid from' },
  validTo: { zh: '截止日（含当日）', en: 'Valid to (inclusive)' },
  periodHint: { zh: '按北京时间计。', en: 'China Standard Time.' },
  fee: { zh: '许可费（可选，仅双方可见）', en: 'Fee (optional, private to the parties)' },
  terms: { zh: '许可条款 URI（可选）', en: 'Licence terms URI (optional)' },
  termsHint: { zh: '例如知识共享许可协议的地址 https://creativecommons.org/licenses/by-nc/4.0/', en: 'E.g. a Creative Commons licence, https://creativecommons.org/licenses/by-nc/4.0/' },
  submit: { zh: '发出要约', en: 'Offer the licence' },
  offered: { zh: '已发出许可要约 {id}。', en: 'Licence {id} offered.' },
  granted: { zh: '许可 {id} 已生效。', en: 'Licence {id} is in force.' },
  from: { zh: '许可人', en: 'Licensor' },
  to: { zh: '被许可人', en: 'Licensee' },
  scope: { zh: '专有 / 地域', en: 'Exclusive / territory' },
  yes: { zh: '专有', en: 'Exclusive' },
  no: { zh: '非专有', en: 'Non-exclusive' },
  worldwide: { zh: '全世界', en: 'Worldwide' },
  feeShort: { zh: '许可费', en: 'Fee' },
  termsShort: { zh: '条款', en: 'Terms' },
  policy: { zh: 'ODRL 策略', en: 'ODRL policy' },
  headingFrom: { zh: '{number} · 来自 {name}', en: '{number} · from {name}' },
  headingTo: { zh: '{number} · 授予 {name}', en: '{number} · to {name}' },
  accept: { zh: '接受许可', en: 'Accept the licence' },
  revoke: { zh: '撤销…', en: 'Revoke…' },
  reason: { zh: '撤销理由', en: 'Reason for revoking' },
  reasonHint: { zh: '理由仅双方可见，日志中只记录其加盐哈希。', en: 'Only the parties see the reason; the log keeps its salted hash.' },
  confirmRevoke: { zh: '撤销许可', en: 'Revoke the licence' },
  cancel: { zh: '取消', en: 'Cancel' },
} satisfies Record<string, Text>;

function territoryText(t: 'worldwide' | string[]): string {
  return t === 'worldwide' ? tr(T.worldwide) : t.join(', ');
}

/** The revoke form of one card (only one is open at a time, so its control ids stay unique). */
function revokeForm(v: LicenceView, ctx: PageContext, opener: HTMLButtonElement): HTMLFormElement {
  for (const old of document.querySelectorAll('form.revoke-form')) old.remove();
  const reason = h('textarea', { rows: 2, maxlength: 1000, required: true });
  const general = errorBox();
  const form = h(
    'form',
    { class: 'stack revoke-form', novalidate: true },
    field('reason', T.reason, reason, T.reasonHint),
    general,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, tr(T.confirmRevoke)), h('button', { type: 'button', class: 'secondary', onclick: () => { form.remove(); opener.focus(); } }, tr(T.cancel))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await api('POST', `/v1/licences/${v.id}/revoke`, { reason: reason.value });
      ctx.refresh();
    } catch (err) {
      showError(form, general, err);
    }
  });
  return form;
}

function card(v: LicenceView, me: string, ctx: PageContext): HTMLElement {
  const t = v.terms;
  const mineToAccept = t.licensee.account === me;
  const general = errorBox();
  const actions: HTMLElement[] = [];
  if (mineToAccept && v.state === 'offered') {
    const b = h('button', { type: 'button' }, tr(T.accept));
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await api('POST', `/v1/licences/${v.id}/accept`);
        ctx.refresh();
      } catch (err) {
        b.disabled = false;
        showError(general, general, err);
      }
    });
    actions.push(b);
  }
  const c = opCard(
    v,
    tr(mineToAccept ? T.headingFrom : T.headingTo, { number: v.number, name: mineToAccept ? t.licensor.name : t.licensee.name }),
    [
      [T.from, t.licensor.name],
      [T.to, t.licensee.name],
      [{ zh: '权利', en: 'Rights' }, rightsText(t.rights)],
      [T.scope, `${tr(t.exclusive ? T.yes : T.no)} · ${territoryText(t.territory)}`],
      [{ zh: '期限', en: 'Period' }, periodText(t.validFrom, t.validTo)],
      [T.feeShort, moneyText(t.fee)],
      [T.termsShort, t.terms === undefined ? undefined : typeof t.terms === 'string' ? h('a', { href: t.terms, rel: 'noopener noreferrer' }, t.terms) : tr(T.policy)],
    ],
    actions,
  );
  // Whoever holds the rights may revoke; the service decides, the button is shown to the licensor side.
  if (!mineToAccept && (v.state === 'offered' || v.state === 'active')) {
    const open: HTMLButtonElement = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false' }, tr(T.revoke));
    open.addEventListener('click', () => {
      const existing = c.querySelector('form.revoke-form');
      if (existing) {
        existing.remove();
        open.setAttribute('aria-expanded', 'false');
        return;
      }
      const f = revokeForm(v, ctx, open);
      c.append(f);
      open.setAttribute('aria-expanded', 'true');
      f.querySelector('textarea')?.focus();
    });
    let bar = c.querySelector('.op-actions');
    if (!bar) {
      bar = h('div', { class: 'actions op-actions' });
      c.append(bar);
    }
    bar.append(open);
  }
  c.append(general);
  return c;
}

async function offerForm(ctx: PageContext, me: string): Promise<HTMLElement> {
  const works = await holdableWorks(me, ctx.signal);
  if (works.length === 0) return noWorks('offer-h', T.offer);
  const general = errorBox();
  const account = input('text', '', { maxlength: 40, spellcheck: 'false', autocomplete: 'off', class: 'mono' });
  const name = input('text', '', { maxlength: 200, autocomplete: 'off' });
  const rights = rightsField(T.rights);
  const exclusive = h('input', { type: 'checkbox', id: 'f-exclusive', name: 'exclusive' });
  const territory = input('text', 'worldwide', { maxlength: 800, autocomplete: 'off' });
  const from = dateInput(new Date().toISOString().slice(0, 10));
  const to = dateInput();
  const fee = moneyField('fee', T.fee);
  const terms = input('text', '', { maxlength: 500, autocomplete: 'off' });
  const contract = contractField();
  const form = h(
    'form',
    { class: 'stack op-form', novalidate: true, 'aria-labelledby': 'offer-h' },
    h('h2', { id: 'offer-h' }, tr(T.offer)),
    h('p', { class: 'hint' }, tr(T.offerLead)),
    workField(works),
    h('fieldset', { id: 'f-licensee', 'aria-describedby': 'f-licensee-err' }, h('legend', null, tr(T.licensee)), h('div', { class: 'row2' }, field('licensee.account', T.account, account, T.accountHint), field('licensee.name', T.name, name, T.nameHint)), h('p', { class: 'field-error', id: 'f-licensee-err' })),
    rights.el,
    h('div', { class: 'field', 'data-field': 'exclusive' }, h('label', { class: 'choice', for: 'f-exclusive' }, exclusive, h('span', null, tr(T.exclusive), h('span', { class: 'hint', id: 'f-exclusive-hint' }, tr(T.exclusiveHint)))), h('p', { class: 'field-error', id: 'f-exclusive-err' })),
    field('territory', T.territory, territory, T.territoryHint),
    h('div', { class: 'row2' }, field('validFrom', T.validFrom, from, T.periodHint), field('validTo', T.validTo, to, T.periodHint)),
    fee.el,
    field('terms', T.terms, terms, T.termsHint),
    contract.el,
    general,
    h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: works.length === 0 }, tr(T.submit))),
  );
  exclusive.setAttribute('aria-describedby', 'f-exclusive-hint f-exclusive-err');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const tv = territory.value.trim();
    const body = {
      registrationId: (form.querySelector('#f-registrationId') as HTMLSelectElement).value,
      licensee: { ...(account.value.trim() ? { account: account.value.trim() } : {}), ...(name.value.trim() ? { name: name.value.trim() } : {}) },
      rights: rights.value(),
      exclusive: exclusive.checked,
      territory: tv === '' || tv.toLowerCase() === 'worldwide' ? 'worldwide' : tv.split(/[\s,，、]+/).filter(Boolean).map((c) => c.toUpperCase()),
      validFrom: from.value,
      validTo: to.value,
      ...(fee.value() ? { fee: fee.value() } : {}),
      ...(terms.value.trim() ? { terms: terms.value.trim() } : {}),
      ...(contract.value() ? { contractSha256: contract.value() } : {}),
    };
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    button.disabled = true;
    try {
      const v = await api<LicenceView>('POST', '/v1/licences', body);
      flashStatus(tr(v.state === 'active' ? T.granted : T.offered, { id: v.id }));
      ctx.refresh();
    } catch (err) {
      showError(form, general, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

async function render(ctx: PageContext): Promise<void> {
  ensureOpStyles();
  const me = ctx.session!.account.id;
  const status = takeFlashStatus();
  const items = newestFirst(await listAll<LicenceView>('/v1/licences', ctx.signal));
  const toMe = items.filter((v) => v.terms.licensee.account === me);
  const byMe = items.filter((v) => v.terms.licensee.account !== me);
  const form = await offerForm(ctx, me);
  replace(
    ctx.main,
    subNav('/licences'),
    h('h1', null, tr(T.title)),
    h('p', { class: 'lead' }, tr(T.lead)),
    myAccountId(me),
    status,
    cardList('to-me-h', T.toMe, toMe.map((v) => card(v, me, ctx))),
    cardList('by-me-h', T.byMe, byMe.map((v) => card(v, me, ctx))),
    h('section', { class: 'panel' }, form),
  );
}

export const routes: Route[] = [{ path: '/licences', title: T.title, auth: true, nav: { order: 45, label: T.nav }, render }];
