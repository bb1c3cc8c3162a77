/**
 * The portal's browser entry: header (navigation, language switch, who is signed in), then the
 * page of the current route in `<main id="app">`. Each part of the portal lists its routes in
 * its own `pages/*.ts`; this file only joins them.
 */
import { ApiError } from './api.js';
import { h, replace } from './dom.js';
import { lang, setLang, tr, type Text } from './i18n.js';
import { allowed, match, type PageContext, type Route } from './router.js';
import { loadSession, session, signOut } from './session.js';
import { busy, errorText } from './ui.js';
import { routes as home } from './pages/home.js';
import { routes as account } from './pages/account.js';
import { routes as deposits } from './pages/deposits.js';
import { routes as registration } from './pages/registration.js';
import { routes as review } from './pages/review.js';
import { routes as registry } from './pages/registry.js';
import { routes as stats } from './pages/stats.js';
import { routes as operation } from './pages/operation-routes.js';
import { routes as captures } from './pages/captures.js';
import { routes as enforcement } from './pages/enforcement-routes.js';

// One line per part of the portal, so parts are added without touching each other's lines.
const ROUTES: readonly Route[] = [
  ...home,
  ...account,
  ...deposits,
  ...registration,
  ...review,
  ...registry,
  ...stats,
  ...operation,
  ...captures,
  ...enforcement,
];

const T = {
  site: { zh: '版权存证链', en: 'copyright-ledger' },
  verify: { zh: '验证证书', en: 'Verify' },
  signIn: { zh: '登录', en: 'Sign in' },
  signOut: { zh: '退出', en: 'Sign out' },
  signOutFailed: { zh: '退出失败，您仍处于登录状态：{detail}', en: 'Signing out failed; you are still signed in: {detail}' },
  switchTo: { zh: 'English', en: '中文' },
  switchLabel: { zh: 'Switch to English', en: '切换到中文' },
  notFound: { zh: '页面不存在', en: 'Page not found' },
  needSignIn: { zh: '请先登录。', en: 'Please sign in first.' },
  forbidden: { zh: '您的账户无权打开此页面。', en: 'Your account may not open this page.' },
  failed: { zh: '页面加载失败：{detail}', en: 'The page failed to load: {detail}' },
  skip: { zh: '跳到正文', en: 'Skip to content' },
  api: { zh: 'API 文档（OpenAPI）', en: 'API description (OpenAPI)' },
  offline: { zh: '离线验证页', en: 'Offline verify page' },
  verifier: { zh: '独立验证工具', en: 'Standalone verifier' },
  footer: { zh: '证书可以离线独立验证，无需信任本服务。', en: 'Certificates can be verified offline, without trusting this service.' },
  userNav: { zh: '账户', en: 'Account' },
  menu: { zh: '菜单', en: 'Menu' },
} satisfies Record<string, Text>;

function navigate(path: string): void {
  history.pushState(null, '', path);
  window.scrollTo(0, 0);
  void draw();
}

function drawHeader(current: Route | undefined): void {
  replace(document.getElementById('top')!, header(current));
  const skip = document.querySelector('a.skip');
  if (skip) skip.textContent = tr(T.skip);
}

function footer(): HTMLElement {
  return h(
    'div',
    null,
    h('p', null, tr(T.footer)),
    h('p', null, h('a', { href: '/downloads/verify.html' }, tr(T.offline)), ' · ', h('a', { href: '/downloads/copyright-ledger-verify.mjs' }, tr(T.verifier)), ' · ', h('a', { href: '/openapi.json' }, tr(T.api))),
  );
}

function drawFooter(): void {
  let f = document.querySelector<HTMLElement>('footer.site');
  if (!f) {
    f = h('footer', { class: 'site' });
    document.body.append(f);
  }
  replace(f, footer());
}

/** The sign-out button; a failed sign-out is shown beside it (the page stays signed in). */
function signOutButton(): HTMLElement {
  const box = h('span', { class: 'error signout-error', role: 'alert' });
  const button = h('button', { type: 'button' }, tr(T.signOut)) as HTMLButtonElement;
  button.addEventListener('click', () => {
    box.replaceChildren();
    busy(button, signOut).then(
      () => navigate('/'),
      (e: unknown) => replace(box, tr(T.signOutFailed, { detail: errorText(e) })),
    );
  });
  return h('span', { class: 'signout' }, button, box);
}

function header(current: Route | undefined): HTMLElement {
  const s = session();
  const items = ROUTES.filter((r) => r.nav !== undefined && (r.auth === undefined || allowed(r, s?.account)))
    .sort((a, b) => a.nav!.order - b.nav!.order)
    .map((r) => h('li', null, h('a', { href: r.path, 'aria-current': r === current ? 'page' : null }, tr(r.nav!.label ?? r.title))));
  items.push(h('li', null, h('a', { href: '/verify' }, tr(T.verify))));
  const other = lang() === 'zh' ? 'en' : 'zh';
  const langButton = h('button', { type: 'button', class: 'lang', lang: other === 'en' ? 'en' : 'zh-CN', 'aria-label': tr(T.switchLabel), onclick: () => { setLang(other); void draw(); } }, tr(T.switchTo));
  const who = s
    ? [h('span', { class: 'who', title: s.account.email }, s.account.name), signOutButton()]
    : [h('a', { href: '/signin', class: 'button' }, tr(T.signIn))];
  // On narrow screens the links fold behind a menu button (CSS shows the button only there).
  const nav = h('nav', { id: 'site-nav', 'aria-label': tr(T.site) }, h('ul', null, items));
  const menu = h('button', { type: 'button', class: 'menu-toggle', 'aria-controls': 'site-nav', 'aria-expanded': 'false' }, tr(T.menu));
  menu.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    menu.setAttribute('aria-expanded', String(open));
  });
  return h('div', { class: 'bar' }, h('a', { href: '/', class: 'brand' }, tr(T.site)), menu, nav, h('div', { class: 'tools' }, who, langButton));
}

/** Aborts the work of the page drawn last. */
let pageLife = new AbortController();

async function draw(): Promise<void> {
  pageLife.abort();
  pageLife = new AbortController();
  const signal = pageLife.signal;
  const found = match(ROUTES, location.pathname);
  const s = session();
  drawHeader(found?.route);
  drawFooter();
  const main = document.getElementById('app')!;
  main.replaceChildren();
  if (found === undefined) {
    document.title = `${tr(T.notFound)} · ${tr(T.site)}`;
    replace(main, h('h1', null, tr(T.notFound)));
    return;
  }
  document.title = `${tr(found.route.title)} · ${tr(T.site)}`;
  if (!allowed(found.route, s?.account)) {
    if (s === undefined) {
      navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    replace(main, h('h1', null, tr(found.route.title)), h('p', { role: 'alert' }, tr(T.forbidden)));
    return;
  }
  const ctx: PageContext = { params: found.params, query: new URLSearchParams(location.search), session: s, main, navigate, refresh: () => void draw(), refreshHeader: () => drawHeader(found.route), signal };
  try {
    await found.route.render(ctx);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && found.route.auth !== undefined) {
      // The session ended (expired, or signed out elsewhere): sign in again and come back.
      await loadSession().catch(() => undefined);
      if (session() === undefined) return navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    replace(main, h('h1', null, tr(found.route.title)), h('p', { role: 'alert', class: 'error' }, tr(T.failed, { detail: e instanceof Error ? e.message : String(e) })));
  }
  main.focus({ preventScroll: true });
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || match(ROUTES, url.pathname) === undefined) return;
  // A link within this page (the skip link to #app) is left to the browser.
  if (url.hash !== '' && url.pathname === location.pathname && url.search === location.search) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => void draw());

lang();
void loadSession().then(draw, draw);
