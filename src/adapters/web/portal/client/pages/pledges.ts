/**
 * `/pledges` (signed in): pledges of my works and pledges to me, the form that registers one
 * (`POST /v1/pledges`: it takes effect when entered, and its certificate is issued at once), and
 * the release by the pledgee. While a pledge is in force the registry shows the work as pledged
 * and a transfer of a pledged right needs the pledgee's consent (on /transfers).
 */
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { clearErrors, confirmButton, errorBox, field, input, showError } from '../form-kit.js';
import { tr, type Text } from '../i18n.js';
import { myAccountId, noWorks, cardList, contractField, dateInput, holdableWorks, listAll, moneyField, moneyText, newestFirst, opCard, periodText, rightsField, rightsText, subNav, workField, flashStatus, takeFlashStatus } from '../op-kit.js';
import type { PledgeView } from '../op-labels.js';
import { ensureOpStyles } from '../op-style.js';
import type { PageContext, Route } from '../router.js';

const T = {
  title: { zh: '质押', en: 'Pledges' },
  lead: {
    zh: '依《著作权质权登记办法》，质权自登记时设立：质押一经记入日志即生效，并立即出具质押登记证明。质押在质权人解除前一直有效；其间登记簿显示作品已出质，转让须经质权人同意。',
    en: 'As the Measures for the Registration of Copyright Pledges have it, a pledge takes effect when it is registered: its log entry is the registration, and its certificate is issued at once. It stays in force until the pledgee releases it; meanwhile the registry shows the work as pledged and a transfer needs the pledgee’s consent.',
  },
  mine: { zh: '我的作品上的质押', en: 'Pledges of my works' },
  toMe: { zh: '以我为质权人的质押', en: 'Pledges to me' },
  register: { zh: '登记质押', en: 'Register a pledge' },
  pledgee: { zh: '质权人', en: 'Pledgee' },
  account: { zh: '质权人账户 ID', en: 'Pledgee’s account id' },
  accountHint: { zh: '以 acc_ 开头，质权人在其“质押”页可以看到；质权人凭此账户解除质押、同意转让。', en: 'Starts with acc_ (the pledgee finds it on their Pledges page); with it the pledgee releases the pledge and consents to transfers.' },
  name: { zh: '质权人名称', en: 'Pledgee’s name' },
  nameHint: { zh: '登记簿显示的名称；有账户时可不填。无账户的质权人由管理员代为解除。', en: 'The name the registry shows; may stay empty with an account. A pledgee without an account is released by an administrator.' },
  rights: { zh: '出质的权利（著作权法第十条）', en: 'Rights pledged (Copyright Law Art. 10)' },
  secured: { zh: '担保的债权数额', en: 'Secured amount' },
  validFrom: { zh: '债务履行期起始日', en: 'Debt term from' },
  validTo: { zh: '债务履行期截止日（含当日）', en: 'Debt term to (inclusive)' },
  periodHint: { zh: '按北京时间计；期满不自动解除质押。', en: 'China Standard Time; the pledge does not end by itself when the term ends.' },
  submit: { zh: '登记质押', en: 'Register the pledge' },
  done: { zh: '质押 {id} 已登记并生效。', en: 'Pledge {id} is registered and in force.' },
  pledgor: { zh: '出质人', en: 'Pledgor' },
  rightsShort: { zh: '权利', en: 'Rights' },
  securedShort: { zh: '担保数额', en: 'Secured amount' },
  term: { zh: '债务履行期', en: 'Debt term' },
  headingTo: { zh: '{number} · 质权人 {name}', en: '{number} · pledged to {name}' },
  headingFrom: { zh: '{number} · 出质人 {name}', en: '{number} · pledged by {name}' },
  release: { zh: '解除质押', en: 'Release the pledge' },
  confirm: { zh: '确认解除', en: 'Confirm the release' },
} satisfies Record<string, Text>;

function card(v: PledgeView, me: string, ctx: PageContext): HTMLElement {
  const t = v.terms;
  const toMe = t.pledgee.account === me;
  const general = errorBox();
  const actions: HTMLElement[] = [];
  if (toMe && v.state === 'active') {
    actions.push(
      confirmButton(T.release, T.confirm, async () => {
        try {
          await api('POST', `/v1/pledges/${v.id}/release`);
          ctx.refresh();
        } catch (err) {
          showError(general, general, err);
        }
      }),
    );
  }
  const c = opCard(
    v,
    tr(toMe ? T.headingFrom : T.headingTo, { number: v.number, name: toMe ? t.pledgor.name : t.pledgee.name }),
    [
      [T.pledgor, t.pledgor.name],
      [T.pledgee, t.pledgee.name],
      [T.rightsShort, rightsText(t.rights)],
      [T.securedShort, moneyText(t.securedAmount)],
      [T.term, periodText(t.validFrom, t.validTo)],
    ],
    actions,
  );
  c.append(general);
  return c;
}

async function registerForm(ctx: PageContext, me: string): Promise<HTMLElement> {
  const works = await holdableWorks(me, ctx.signal);
  if (works.length === 0) return noWorks('pledge-h', T.register);
  const general = errorBox();
  const account = input('text', '', { maxlength: 40, spellcheck: 'false', autocomplete: 'off', class: 'mono' });
  const name = input('text', '', { maxlength: 200, autocomplete: 'off' });
  const rights = rightsField(T.rights, { all: true });
  const secured = moneyField('securedAmount', T.secured, true);
  const from = dateInput(new Date().toISOString().slice(0, 10));
  const to = dateInput();
  const contract = contractField();
  const form = h(
    'form',
    { class: 'stack op-form', novalidate: true, 'aria-labelledby': 'pledge-h' },
    h('h2', { id: 'pledge-h' }, tr(T.register)),
    workField(works),
    h('fieldset', { id: 'f-pledgee', 'aria-describedby': 'f-pledgee-err' }, h('legend', null, tr(T.pledgee)), h('div', { class: 'row2' }, field('pledgee.account', T.account, account, T.accountHint), field('pledgee.name', T.name, name, T.nameHint)), h('p', { class: 'field-error', id: 'f-pledgee-err' })),
    rights.el,
    secured.el,
    h('div', { class: 'row2' }, field('validFrom', T.validFrom, from, T.periodHint), field('validTo', T.validTo, to, T.periodHint)),
    contract.el,
    general,
    h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: works.length === 0 }, tr(T.submit))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      registrationId: (form.querySelector('#f-registrationId') as HTMLSelectElement).value,
      pledgee: { ...(account.value.trim() ? { account: account.value.trim() } : {}), ...(name.value.trim() ? { name: name.value.trim() } : {}) },
      rights: rights.value(),
      securedAmount: secured.value() ?? { amount: '', currency: 'CNY' },
      validFrom: from.value,
      validTo: to.value,
      ...(contract.value() ? { contractSha256: contract.value() } : {}),
    };
    try {
      const v = await api<PledgeView>('POST', '/v1/pledges', body);
      flashStatus(tr(T.done, { id: v.id }));
      ctx.refresh();
    } catch (err) {
      showError(form, general, err);
    }
  });
  return form;
}

async function render(ctx: PageContext): Promise<void> {
  ensureOpStyles();
  const me = ctx.session!.account.id;
  const status = takeFlashStatus();
  const items = newestFirst(await listAll<PledgeView>('/v1/pledges', ctx.signal));
  const form = await registerForm(ctx, me);
  replace(
    ctx.main,
    subNav('/pledges'),
    h('h1', null, tr(T.title)),
    h('p', { class: 'lead' }, tr(T.lead)),
    myAccountId(me),
    status,
    cardList('mine-h', T.mine, items.filter((v) => v.terms.pledgee.account !== me).map((v) => card(v, me, ctx))),
    cardList('to-me-h', T.toMe, items.filter((v) => v.terms.pledgee.account === me).map((v) => card(v, me, ctx))),
    h('section', { class: 'panel' }, form),
  );
}

export const routes: Route[] = [{ path: '/pledges', title: T.title, auth: true, render }];
