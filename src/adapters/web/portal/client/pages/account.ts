/** Signing up, signing in, and the API keys of the signed-in account. */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtTime, tr, type Text } from '../i18n.js';
import type { PageContext, Route } from '../router.js';
import { signIn } from '../session.js';
import { alertBox, busy, clear, clearFieldErrors, errorText, field, input, safeNext, secretBox, setFieldError, showError } from '../ui.js';

const T = {
  signupTitle: { zh: '注册', en: 'Sign up' },
  signinTitle: { zh: '登录', en: 'Sign in' },
  keysTitle: { zh: 'API 密钥', en: 'API keys' },
  signupLead: { zh: '创建账户后即可存证作品、下载证书。', en: 'Create an account to deposit works and download their certificates.' },
  name: { zh: '姓名或名称', en: 'Name' },
  nameHint: { zh: '个人姓名、笔名或机构名称，会印在证书上。', en: 'Your name, pen name or organisation name; it is printed on certificates.' },
  email: { zh: '电子邮箱', en: 'E-mail' },
  password: { zh: '密码', en: 'Password' },
  passwordHint: { zh: '10 到 200 个字符。', en: '10 to 200 characters.' },
  kind: { zh: '账户类型', en: 'Account type' },
  individual: { zh: '个人', en: 'Individual' },
  organisation: { zh: '机构', en: 'Organisation' },
  create: { zh: '创建账户', en: 'Create account' },
  haveAccount: { zh: '已有账户？', en: 'Already have an account?' },
  noAccount: { zh: '还没有账户？', en: 'No account yet?' },
  signIn: { zh: '登录', en: 'Sign in' },
  signUp: { zh: '注册', en: 'Sign up' },
  created: { zh: '账户已创建，您已登录。', en: 'Your account was created and you are signed in.' },
  keyOnce: { zh: '您的 API 密钥（只显示这一次）', en: 'Your API key (shown only this once)' },
  keyExplain: {
    zh: '程序和脚本可以用这个密钥调用 API（请求头 Authorization: Bearer <密钥>）。使用本网站不需要它。服务器只保存它的哈希，丢失后无法找回，但可以在“API 密钥”页创建新的。',
    en: 'Programs and scripts use this key to call the API (header Authorization: Bearer <key>). You do not need it for this website. The service keeps only its hash: if you lose it, it cannot be shown again, but you can create a new one on the API keys page.',
  },
  continue: { zh: '开始存证', en: 'Deposit a work' },
  toKeys: { zh: '管理 API 密钥', en: 'Manage API keys' },
  signedInAs: { zh: '您已登录为 {name}（{email}）。', en: 'You are signed in as {name} ({email}).' },
  myDeposits: { zh: '我的存证', en: 'My deposits' },
  badPassword: { zh: '密码需要 10 到 200 个字符。', en: 'The password needs 10 to 200 characters.' },
  // keys
  keysLead: { zh: 'API 密钥让程序代表您的账户存证。不再使用的密钥请撤销。', en: 'API keys let programs deposit on behalf of your account. Revoke keys you no longer use.' },
  label: { zh: '名称', en: 'Label' },
  labelHint: { zh: '用来辨认密钥，例如“笔记本”或“CI”。', en: 'To recognise the key by, e.g. "laptop" or "CI".' },
  newKey: { zh: '创建密钥', en: 'Create key' },
  newKeyH: { zh: '新建密钥', en: 'New key' },
  yourKeys: { zh: '我的密钥', en: 'Your keys' },
  newSecret: { zh: '新密钥（只显示这一次，请立即复制保存）', en: 'New key (shown only this once: copy it now)' },
  prefix: { zh: '前缀', en: 'Prefix' },
  createdAt: { zh: '创建时间', en: 'Created' },
  lastUsed: { zh: '最近使用', en: 'Last used' },
  status: { zh: '状态', en: 'Status' },
  actions: { zh: '操作', en: 'Actions' },
  active: { zh: '有效', en: 'Active' },
  revoked: { zh: '已撤销 {time}', en: 'Revoked {time}' },
  never: { zh: '从未', en: 'Never' },
  unnamed: { zh: '（未命名）', en: '(no label)' },
  revoke: { zh: '撤销', en: 'Revoke' },
  revokeLabel: { zh: '撤销密钥 {name}', en: 'Revoke key {name}' },
  confirmRevoke: { zh: '确认撤销', en: 'Yes, revoke' },
  cancel: { zh: '取消', en: 'Cancel' },
  confirmText: { zh: '撤销后，使用此密钥的程序将立即无法访问。确定吗？', en: 'Programs using this key will stop working at once. Are you sure?' },
  revokedNow: { zh: '密钥 {name} 已撤销。', en: 'Key {name} was revoked.' },
  noKeys: { zh: '还没有密钥。', en: 'No keys yet.' },
} satisfies Record<string, Text>;

interface KeyView {
  id: string;
  prefix?: string;
  label?: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/** Shows the server's complaint next to the field it names (`field` "email" etc.), else in `box`. */
function showProblem(box: HTMLElement, e: unknown, idPrefix: string, fields: readonly string[]): void {
  const name = e instanceof ApiError ? e.field?.split('.')[0] : undefined;
  if (name !== undefined && fields.includes(name)) {
    setFieldError(`${idPrefix}-${name}`, errorText(e));
    document.getElementById(`${idPrefix}-${name}`)?.focus();
  }
  showError(box, e);
}

function alreadySignedIn(ctx: PageContext, title: Text): void {
  const s = ctx.session!;
  replace(
    ctx.main,
    h('h1', null, tr(title)),
    h('p', null, tr(T.signedInAs, { name: s.account.name, email: s.account.email })),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '/deposit' }, tr(T.continue)), h('a', { class: 'button secondary', href: '/deposits' }, tr(T.myDeposits))),
  );
}

function renderSignup(ctx: PageContext): void {
  if (ctx.session) return alreadySignedIn(ctx, T.signupTitle);
  const name = input({ autocomplete: 'name', maxlength: 200 });
  const email = input({ type: 'email', autocomplete: 'email', spellcheck: 'false' });
  const password = input({ type: 'password', autocomplete: 'new-password', minlength: 10, maxlength: 200 });
  const kindName = 'signup-kind';
  const radio = (value: string, label: Text, checked: boolean) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: kindName, value, checked }), h('span', null, tr(label)));
  const kind = h('fieldset', { class: 'field' }, h('legend', null, tr(T.kind)), radio('individual', T.individual, true), radio('organisation', T.organisation, false));
  const submit = h('button', { type: 'submit' }, tr(T.create));
  const box = alertBox();
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    field({ id: 'signup-name', label: T.name, control: name, hint: T.nameHint, required: true }),
    field({ id: 'signup-email', label: T.email, control: email, required: true }),
    field({ id: 'signup-password', label: T.password, control: password, hint: T.passwordHint, required: true }),
    kind,
    box,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clear(box);
    clearFieldErrors(form);
    if (password.value.length < 10 || password.value.length > 200) {
      setFieldError('signup-password', tr(T.badPassword));
      password.focus();
      return;
    }
    const kindValue = (form.querySelector<HTMLInputElement>(`input[name=${kindName}]:checked`)?.value ?? 'individual') as 'individual' | 'organisation';
    void busy(submit, async () => {
      try {
        const created = await api<{ apiKey: string }>('POST', '/v1/accounts', { name: name.value.trim(), email: email.value.trim(), password: password.value, kind: kindValue });
        await signIn(email.value.trim(), password.value);
        ctx.refreshHeader();
        showCreated(ctx, created.apiKey);
      } catch (err) {
        showProblem(box, err, 'signup', ['name', 'email', 'password', 'kind']);
      }
    });
  });
  replace(
    ctx.main,
    h('h1', null, tr(T.signupTitle)),
    h('p', { class: 'lead' }, tr(T.signupLead)),
    form,
    h('p', null, tr(T.haveAccount), ' ', h('a', { href: `/signin${ctx.query.get('next') ? `?next=${encodeURIComponent(ctx.query.get('next')!)}` : ''}` }, tr(T.signIn))),
  );
}

function showCreated(ctx: PageContext, apiKey: string): void {
  const next = safeNext(ctx.query.get('next'));
  const heading = h('h1', { tabindex: -1 }, tr(T.signupTitle));
  replace(
    ctx.main,
    heading,
    h('p', { class: 'success', role: 'status' }, tr(T.created)),
    h('section', { class: 'panel' }, h('h2', null, tr(T.keyOnce)), secretBox(apiKey, tr(T.keyOnce)), h('p', null, tr(T.keyExplain))),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: next ?? '/deposit' }, tr(T.continue)), h('a', { class: 'button secondary', href: '/keys' }, tr(T.toKeys))),
  );
  heading.focus();
}

function renderSignin(ctx: PageContext): void {
  const next = safeNext(ctx.query.get('next'));
  if (ctx.session) {
    if (next) return ctx.navigate(next);
    return alreadySignedIn(ctx, T.signinTitle);
  }
  const email = input({ type: 'email', autocomplete: 'username', spellcheck: 'false' });
  const password = input({ type: 'password', autocomplete: 'current-password' });
  const submit = h('button', { type: 'submit' }, tr(T.signIn));
  const box = alertBox();
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    field({ id: 'signin-email', label: T.email, control: email, required: true }),
    field({ id: 'signin-password', label: T.password, control: password, required: true }),
    box,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clear(box);
    void busy(submit, async () => {
      try {
        await signIn(email.value.trim(), password.value);
        ctx.navigate(next ?? '/deposits');
      } catch (err) {
        showError(box, err);
        password.select();
      }
    });
  });
  replace(
    ctx.main,
    h('h1', null, tr(T.signinTitle)),
    form,
    h('p', null, tr(T.noAccount), ' ', h('a', { href: `/signup${next ? `?next=${encodeURIComponent(next)}` : ''}` }, tr(T.signUp))),
  );
}

async function renderKeys(ctx: PageContext): Promise<void> {
  const box = alertBox();
  const listArea = h('div');
  const created = h('div');
  const label = input({ maxlength: 100, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, tr(T.newKey));
  const form = h('form', { class: 'stack' }, field({ id: 'key-label', label: T.label, control: label, hint: T.labelHint }), h('div', { class: 'actions' }, submit));
  const status = h('p', { class: 'success', role: 'status' });

  const load = async () => {
    const { keys } = await api<{ keys: KeyView[] }>('GET', '/v1/accounts/me/keys');
    drawList(keys);
  };
  const drawList = (keys: KeyView[]) => {
    if (keys.length === 0) return replace(listArea, h('p', { class: 'empty' }, tr(T.noKeys)));
    const rows = keys.map((k) => {
      const name = k.label ?? k.prefix ?? k.id;
      const cell = (labelText: Text, ...c: (Node | string)[]) => h('td', { 'data-label': tr(labelText) }, h('div', null, ...c));
      const actionBox = h('div', { class: 'row-actions' });
      const actions = h('td', { 'data-label': tr(T.actions) }, actionBox);
      const showRevoke = () => {
        const b = h('button', { type: 'button', class: 'danger', 'aria-label': tr(T.revokeLabel, { name }) }, tr(T.revoke));
        b.addEventListener('click', () => confirm());
        replace(actionBox, b);
        return b;
      };
      const confirm = () => {
        const yes = h('button', { type: 'button', class: 'danger confirm' }, tr(T.confirmRevoke));
        const no = h('button', { type: 'button', class: 'secondary' }, tr(T.cancel));
        no.addEventListener('click', () => showRevoke().focus());
        yes.addEventListener('click', () =>
          void busy(yes, async () => {
            try {
              await api('DELETE', `/v1/accounts/me/keys/${encodeURIComponent(k.id)}`);
              replace(status, tr(T.revokedNow, { name }));
              clear(box);
              await load();
            } catch (err) {
              showError(box, err);
            }
          }),
        );
        replace(actionBox, h('p', { class: 'hint' }, tr(T.confirmText)), h('div', { class: 'actions' }, yes, no));
        yes.focus();
      };
      if (k.revokedAt === undefined) showRevoke();
      return h(
        'tr',
        { 'data-key-id': k.id },
        cell(T.label, k.label ?? tr(T.unnamed)),
        cell(T.prefix, h('code', null, k.prefix ?? '—')),
        cell(T.createdAt, h('time', { datetime: k.createdAt }, fmtTime(k.createdAt))),
        cell(T.lastUsed, k.lastUsedAt ? h('time', { datetime: k.lastUsedAt }, fmtTime(k.lastUsedAt)) : tr(T.never)),
        cell(T.status, k.revokedAt ? h('span', { class: 'badge bad' }, tr(T.revoked, { time: fmtTime(k.revokedAt) })) : h('span', { class: 'badge ok' }, tr(T.active))),
        actions,
      );
    });
    replace(
      listArea,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'stacked' },
          h('thead', null, h('tr', null, [T.label, T.prefix, T.createdAt, T.lastUsed, T.status, T.actions].map((t) => h('th', { scope: 'col' }, tr(t))))),
          h('tbody', null, rows),
        ),
      ),
    );
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clear(box);
    clear(status);
    void busy(submit, async () => {
      try {
        const l = label.value.trim();
        const r = await api<{ apiKey: string; key: KeyView }>('POST', '/v1/accounts/me/keys', l === '' ? {} : { label: l });
        const heading = h('h3', { tabindex: -1 }, tr(T.newSecret));
        replace(created, h('section', { class: 'panel', 'aria-live': 'polite' }, heading, secretBox(r.apiKey, tr(T.newSecret)), h('p', null, tr(T.keyExplain))));
        label.value = '';
        await load();
        heading.focus();
      } catch (err) {
        showError(box, err);
        if (err instanceof ApiError && err.field?.startsWith('label')) setFieldError('key-label', errorText(err));
      }
    });
  });

  replace(ctx.main, h('h1', null, tr(T.keysTitle)), h('p', { class: 'lead' }, tr(T.keysLead)), box, status, h('h2', null, tr(T.newKeyH)), form, created, h('h2', null, tr(T.yourKeys)), listArea);
  await load();
}

export const routes: Route[] = [
  { path: '/signup', title: T.signupTitle, render: renderSignup },
  { path: '/signin', title: T.signinTitle, render: renderSignin },
  { path: '/keys', title: T.keysTitle, auth: true, nav: { order: 90 }, render: renderKeys },
];
