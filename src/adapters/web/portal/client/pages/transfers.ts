/**
 * `/transfers` (signed in): transfers made to me and by me, the form that starts one
 * (`POST /v1/transfers`: to an account, some rights or all I hold), acceptance and declining by
 * the recipient, withdrawal by the transferor, and the pledgee's consent to a transfer of a
 * pledged work (by the transfer's id, which the transferor passes on). A completed transfer has
 * its certificate as JSON and PDF.
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { clearErrors, errorBox, field, input, showError } from '../form-kit.js';
import { tr, type Text } from '../i18n.js';
import { myAccountId, noWorks, cardList, contractField, holdableWorks, listAll, moneyField, moneyText, newestFirst, opCard, rightsField, rightsText, subNav, workField, flashStatus, takeFlashStatus } from '../op-kit.js';
import type { TransferView } from '../op-labels.js';
import { ensureOpStyles } from '../op-style.js';
import type { PageContext, Route } from '../router.js';

const T = {
  title: { zh: '转让', en: 'Transfers' },
  lead: {
    zh: '受让人接受后，转让即生效：登记簿从此显示新的权利人，原权利人不能再许可、转让或质押已转让的权利。已出质的权利，须先经质权人同意。',
    en: 'A transfer takes effect when the recipient accepts it: from then on the registry shows the new holder, and the former holder can no longer license, transfer or pledge what it transferred. Pledged rights need the pledgee’s consent first.',
  },
  toMe: { zh: '转让给我的', en: 'Transfers to me' },
  byMe: { zh: '我发起的转让', en: 'Transfers I started' },
  start: { zh: '发起转让', en: 'Start a transfer' },
  to: { zh: '受让人账户 ID', en: 'Recipient’s account id' },
  toHint: { zh: '以 acc_ 开头，受让人在其“转让”页可以看到并复制。', en: 'Starts with acc_; the recipient finds it on their Transfers page.' },
  toName: { zh: '登记簿中显示的受让人名称（可选）', en: 'Recipient’s name shown in the registry (optional)' },
  toNameHint: { zh: '默认用受让人的账户名称。', en: 'Default: the recipient’s account name.' },
  rights: { zh: '转让的权利（著作权法第十条）', en: 'Rights transferred (Copyright Law Art. 10)' },
  consideration: { zh: '转让对价（可选，仅双方可见）', en: 'Consideration (optional, private to the parties)' },
  submit: { zh: '发起转让', en: 'Start the transfer' },
  started: { zh: '已发起转让 {id}。请把此编号告诉受让人；作品已出质的，也告诉质权人。', en: 'Transfer {id} started. Give this id to the recipient, and to the pledgee if the work is pledged.' },
  from: { zh: '转让人', en: 'From' },
  toShort: { zh: '受让人', en: 'To' },
  id: { zh: '转让编号', en: 'Transfer id' },
  rightsShort: { zh: '权利', en: 'Rights' },
  considerationShort: { zh: '对价', en: 'Consideration' },
  consents: { zh: '质权人已同意', en: 'Pledgee consents' },
  headingFrom: { zh: '{number} · 来自 {name}', en: '{number} · from {name}' },
  headingTo: { zh: '{number} · 转让给 {name}', en: '{number} · to {name}' },
  accept: { zh: '接受转让', en: 'Accept the transfer' },
  decline: { zh: '拒绝', en: 'Decline' },
  withdraw: { zh: '撤回', en: 'Withdraw' },
  confirm: { zh: '再按一次确认', en: 'Press again to confirm' },
  needConsent: { zh: '作品已出质：须先由质权人（{pledges}）在其“转让”页同意此转让（编号 {id}），或待质押解除。', en: 'The work is pledged: the pledgee ({pledges}) must first consent to this transfer (id {id}) on their Transfers page, or the pledge be released.' },
  consentH: { zh: '质权人同意转让', en: 'Consent as pledgee' },
  consentLead: { zh: '您是某作品的质权人时，该作品权利的转让须经您同意。请输入转让人告诉您的转让编号。', en: 'When you are the pledgee of a work, a transfer of its pledged rights needs your consent. Enter the transfer id the transferor gave you.' },
  transferId: { zh: '转让编号', en: 'Transfer id' },
  transferIdHint: { zh: '以 trf_ 开头。', en: 'Starts with trf_.' },
  consent: { zh: '同意此转让', en: 'Consent to the transfer' },
  consented: { zh: '已同意转让 {id}。', en: 'You consented to transfer {id}.' },
} satisfies Record<string, Text>;

function confirmThen(label: Text, cls: string, act: () => Promise<void>): HTMLButtonElement {
  let armed = false;
  const b = h('button', { type: 'button', class: cls }, tr(label));
  b.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      b.textContent = tr(T.confirm);
      return;
    }
    b.disabled = true;
    await act();
    b.disabled = false;
  });
  b.addEventListener('blur', () => {
    armed = false;
    b.textContent = tr(label);
  });
  return b;
}

function card(v: TransferView, me: string, ctx: PageContext): HTMLElement {
  const t = v.terms;
  const toMe = t.to.account === me;
  const general = errorBox();
  const act = (path: string) => async () => {
    try {
      await api('POST', `/v1/transfers/${v.id}/${path}`);
      ctx.refresh();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'conflict' && /pledge/.test(err.detail)) {
        replace(general, tr(T.needConsent, { pledges: err.detail.match(/plg_[0-9a-f]+/g)?.join(', ') ?? '', id: v.id }));
        general.focus();
      } else showError(general, general, err);
    }
  };
  const actions: HTMLElement[] = [];
  if (v.state === 'offered' && toMe) {
    const accept = h('button', { type: 'button' }, tr(T.accept));
    accept.addEventListener('click', async () => {
      accept.disabled = true;
      await act('accept')();
      accept.disabled = false;
    });
    actions.push(accept, confirmThen(T.decline, 'secondary', act('cancel')));
  } else if (v.state === 'offered') actions.push(confirmThen(T.withdraw, 'danger', act('cancel')));
  const c = opCard(
    v,
    tr(toMe ? T.headingFrom : T.headingTo, { number: v.number, name: toMe ? t.from.name : t.to.name }),
    [
      [T.id, h('span', { class: 'mono' }, v.id)],
      [T.from, t.from.name],
      [T.toShort, t.to.name],
      [T.rightsShort, t.all ? tr({ zh: '全部权利（{r}）', en: 'All rights ({r})' }, { r: rightsText(t.rights) }) : rightsText(t.rights)],
      [T.considerationShort, moneyText(t.consideration)],
      [T.consents, v.consents && v.consents.length > 0 ? h('span', { class: 'mono' }, v.consents.join(', ')) : undefined],
    ],
    actions,
  );
  c.append(general);
  return c;
}

async function startForm(ctx: PageContext, me: string): Promise<HTMLElement> {
  const works = await holdableWorks(me, ctx.signal);
  if (works.length === 0) return noWorks('start-h', T.start);
  const general = errorBox();
  const to = input('text', '', { maxlength: 40, spellcheck: 'false', autocomplete: 'off', class: 'mono', required: true });
  const toName = input('text', '', { maxlength: 200, autocomplete: 'off' });
  const rights = rightsField(T.rights, { all: true });
  const money = moneyField('consideration', T.consideration);
  const contract = contractField();
  const form = h(
    'form',
    { class: 'stack op-form', novalidate: true, 'aria-labelledby': 'start-h' },
    h('h2', { id: 'start-h' }, tr(T.start)),
    workField(works),
    h('div', { class: 'row2' }, field('to.account', T.to, to, T.toHint), field('to.name', T.toName, toName, T.toNameHint)),
    rights.el,
    money.el,
    contract.el,
    general,
    h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: works.length === 0 }, tr(T.submit))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      registrationId: (form.querySelector('#f-registrationId') as HTMLSelectElement).value,
      to: { account: to.value.trim(), ...(toName.value.trim() ? { name: toName.value.trim() } : {}) },
      rights: rights.value(),
      ...(money.value() ? { consideration: money.value() } : {}),
      ...(contract.value() ? { contractSha256: contract.value() } : {}),
    };
    try {
      const v = await api<TransferView>('POST', '/v1/transfers', body);
      flashStatus(tr(T.started, { id: v.id }));
      ctx.refresh();
    } catch (err) {
      showError(form, general, err);
    }
  });
  return form;
}

function consentForm(ctx: PageContext): HTMLElement {
  const id = input('text', '', { maxlength: 40, spellcheck: 'false', autocomplete: 'off', class: 'mono', required: true });
  const general = errorBox();
  const form = h(
    'form',
    { class: 'stack op-form', novalidate: true, 'aria-labelledby': 'consent-h' },
    h('h2', { id: 'consent-h' }, tr(T.consentH)),
    h('p', { class: 'hint' }, tr(T.consentLead)),
    field('transferId', T.transferId, id, T.transferIdHint),
    general,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, tr(T.consent))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const v = id.value.trim();
    try {
      if (!/^trf_[0-9a-f]{20}$/.test(v)) throw new ApiError(400, 'invalid_request', tr({ zh: '不是转让编号', en: 'not a transfer id' }), 'transferId');
      await api('POST', `/v1/transfers/${encodeURIComponent(v)}/consent`);
      flashStatus(tr(T.consented, { id: v }));
      ctx.refresh();
    } catch (err) {
      showError(form, general, err instanceof ApiError && err.field === undefined && err.status !== 0 ? new ApiError(err.status, err.code, err.detail, 'transferId') : err);
    }
  });
  return form;
}

async function render(ctx: PageContext): Promise<void> {
  ensureOpStyles();
  const me = ctx.session!.account.id;
  const status = takeFlashStatus();
  const items = newestFirst(await listAll<TransferView>('/v1/transfers', ctx.signal));
  const form = await startForm(ctx, me);
  replace(
    ctx.main,
    subNav('/transfers'),
    h('h1', null, tr(T.title)),
    h('p', { class: 'lead' }, tr(T.lead)),
    myAccountId(me),
    status,
    cardList('to-me-h', T.toMe, items.filter((v) => v.terms.to.account === me).map((v) => card(v, me, ctx))),
    cardList('by-me-h', T.byMe, items.filter((v) => v.terms.to.account !== me).map((v) => card(v, me, ctx))),
    h('section', { class: 'panel' }, form),
    h('section', { class: 'panel' }, consentForm(ctx)),
  );
}

export const routes: Route[] = [{ path: '/transfers', title: T.title, auth: true, render }];
