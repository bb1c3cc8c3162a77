/**
 * Web captures (网页取证): a form to have the service record a page as evidence, the list of my
 * captures (asked again every few seconds while any is queued or running), and one capture with
 * its times, what the service saw (redirects, addresses, files) and its downloads
 * (capture-detail.ts).
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtTime, tr, type Text } from '../i18n.js';
import { aboutBundle, downloads, pending, poll, statusBadge, type CaptureView } from '../capture-kit.js';
import { ensureCaptureStyles } from '../capture-style.js';
import { clearErrors, errorBox, field, showError } from '../form-kit.js';
import type { PageContext, Route } from '../router.js';
import { alertBox, busy, showError as showAlert } from '../ui.js';
import { renderCapture, T as DETAIL } from './capture-detail.js';

const T = {
  title: { zh: '网页取证', en: 'Web captures' },
  nav: { zh: '取证', en: 'Captures' },
  lead: {
    zh: '输入网址，服务会在全新的浏览器环境中打开该网页并录制：网络存档（WARC）、截图、PDF、录屏和环境报告，打包签名后作为存证写入日志。',
    en: 'Enter an address: the service opens the page in a fresh browser and records it — web archive (WARC), screenshot, PDF, screen recording and an environment report — then signs the bundle and deposits it in the log.',
  },
  formH: { zh: '新建取证', en: 'New capture' },
  url: { zh: '网址', en: 'Address (URL)' },
  urlHint: { zh: '以 http:// 或 https:// 开头的公开网页。内网、本机和其他特殊地址会被拒绝。', en: 'A public page starting with http:// or https://. Internal, loopback and other special-purpose addresses are refused.' },
  note: { zh: '备注（可选）', en: 'Note (optional)' },
  noteHint: { zh: '为什么取证，例如涉嫌侵权的作品。保存在取证包中，不会以明文写入日志。', en: 'Why you capture it, e.g. the work it may infringe. Kept in the bundle, never written to the log in plain text.' },
  viewport: { zh: '浏览器窗口大小', en: 'Browser window size' },
  viewportHint: { zh: '截图始终是整页的。', en: 'The screenshot is of the whole page either way.' },
  vpDefault: { zh: '默认（1280 × 720）', en: 'Default (1280 × 720)' },
  vpWide: { zh: '宽屏（1920 × 1080）', en: 'Wide screen (1920 × 1080)' },
  vpLaptop: { zh: '笔记本（1366 × 768）', en: 'Laptop (1366 × 768)' },
  vpPhone: { zh: '手机（390 × 844）', en: 'Phone (390 × 844)' },
  submit: { zh: '开始取证', en: 'Capture the page' },
  queued: { zh: '已加入队列：{url}', en: 'Queued: {url}' },
  refused: { zh: '服务拒绝取证此网址：{why}', en: 'The service refuses to capture this address: {why}' },
  emptyUrl: { zh: '请输入网址。', en: 'Please enter an address.' },
  listH: { zh: '我的取证', en: 'My captures' },
  none: { zh: '还没有取证。', en: 'No captures yet.' },
  page: { zh: '网页', en: 'Page' },
  status: { zh: '状态', en: 'Status' },
  requested: { zh: '提交时间', en: 'Requested' },
  results: { zh: '结果', en: 'Results' },
  refreshing: { zh: '正在自动刷新状态……', en: 'Refreshing the status automatically…' },
  nowDone: { zh: '取证完成：{url}', en: 'Capture done: {url}' },
  nowFailed: { zh: '取证失败：{url}', en: 'Capture failed: {url}' },
} satisfies Record<string, Text>;

const VIEWPORTS: readonly (readonly [string, Text, { width: number; height: number } | undefined])[] = [
  ['', T.vpDefault, undefined],
  ['1920x1080', T.vpWide, { width: 1920, height: 1080 }],
  ['1366x768', T.vpLaptop, { width: 1366, height: 768 }],
  ['390x844', T.vpPhone, { width: 390, height: 844 }],
];

/** How often a page asks for the status while a capture is queued or running. */
export const POLL_MS = 2000;

function captureForm(ctx: PageContext, onQueued: (c: CaptureView) => void): HTMLFormElement {
  const url = h('input', { type: 'text', inputmode: 'url', autocomplete: 'url', spellcheck: 'false', maxlength: 2048, required: true, placeholder: 'https://' });
  const note = h('textarea', { maxlength: 1000, rows: 3 });
  const vp = h('select', null, VIEWPORTS.map(([v, label]) => h('option', { value: v }, tr(label))));
  const general = errorBox();
  const ok = h('p', { class: 'success', role: 'status' });
  const submit = h('button', { type: 'submit' }, tr(T.submit));
  const form = h(
    'form',
    { class: 'capture stack', novalidate: true, 'aria-labelledby': 'capture-form-h' },
    h('h2', { id: 'capture-form-h' }, tr(T.formH)),
    field('url', T.url, url, T.urlHint),
    field('note', T.note, note, T.noteHint),
    field('options.viewport', T.viewport, vp, T.viewportHint),
    general,
    h('div', { class: 'actions' }, submit),
    ok,
  );
  url.required = true;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    replace(ok);
    const u = url.value.trim();
    if (u === '') return showError(form, general, new ApiError(400, 'invalid_request', tr(T.emptyUrl), 'url'));
    const size = VIEWPORTS.find(([v]) => v === vp.value)?.[2];
    const body = { url: u, ...(note.value.trim() !== '' ? { note: note.value.trim() } : {}), ...(size ? { options: { viewport: size } } : {}) };
    void busy(submit, async () => {
      try {
        const c = await api<CaptureView>('POST', '/v1/captures', body, { signal: ctx.signal });
        url.value = '';
        note.value = '';
        replace(ok, tr(T.queued, { url: c.url }));
        onQueued(c);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return ctx.refresh();
        showError(form, general, err);
        // A refused address: say so plainly, with the service's reason (its `why`).
        const why = err instanceof ApiError && err.field === 'url' ? /^capture refused: (.+)$/s.exec(err.detail)?.[1] : undefined;
        if (why !== undefined) replace(form.querySelector('#f-url-err')!, tr(T.refused, { why }));
      }
    });
  });
  return form;
}

function table(list: readonly CaptureView[], box: HTMLElement): HTMLElement {
  const cell = (label: Text, ...c: (Node | string | null)[]) => h('td', { 'data-label': tr(label) }, h('div', null, ...c));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stacked captures' },
      h('thead', null, h('tr', null, [T.page, T.status, T.requested, T.results].map((t) => h('th', { scope: 'col' }, tr(t))))),
      h(
        'tbody',
        null,
        list.map((c) =>
          h(
            'tr',
            { 'data-capture-id': c.id, 'data-status': c.status },
            cell(T.page, h('a', { href: `/captures/${encodeURIComponent(c.id)}`, class: 'url' }, c.title || c.url), c.title ? h('span', { class: 'sub' }, c.url) : null, c.note ? h('span', { class: 'sub' }, c.note) : null),
            cell(T.status, statusBadge(c), c.reason ? h('span', { class: 'reason' }, c.reason) : null),
            cell(T.requested, h('time', { datetime: c.createdAt, title: c.createdAt }, fmtTime(c.createdAt))),
            cell(T.results, c.status === 'done' ? h('div', { class: 'actions' }, downloads(c, box)) : '—'),
          ),
        ),
      ),
    ),
  );
}

async function renderList(ctx: PageContext): Promise<void> {
  ensureCaptureStyles();
  const box = alertBox();
  const results = h('div', { id: 'capture-list' });
  const spoken = h('p', { id: 'capture-news', class: 'visually-hidden', 'aria-live': 'polite' });
  const note = h('p', { class: 'loading', hidden: true }, tr(T.refreshing));
  let shown = '';
  let last = new Map<string, CaptureView['status']>();
  let polling = false;

  /** Draws the list when a status changed (so focus and save links survive a poll that changed nothing); true while any is pending. */
  const load = async (): Promise<boolean> => {
    const { captures } = await api<{ captures: CaptureView[] }>('GET', '/v1/captures', undefined, { signal: ctx.signal });
    if (ctx.signal.aborted) return false;
    // Newest first, as the API lists them.
    const list = captures;
    const key = list.map((c) => `${c.id}:${c.status}`).join(',');
    for (const c of list) {
      const before = last.get(c.id);
      if (before !== undefined && pending({ ...c, status: before }) && !pending(c)) spoken.textContent = tr(c.status === 'done' ? T.nowDone : T.nowFailed, { url: c.url });
    }
    last = new Map(list.map((c) => [c.id, c.status]));
    if (key !== shown) {
      shown = key;
      replace(results, list.length === 0 ? h('p', { class: 'empty' }, tr(T.none)) : table(list, box));
    }
    const more = list.some(pending);
    note.hidden = !more;
    return more;
  };
  const watch = () => {
    if (polling) return;
    polling = true;
    poll(ctx.signal, POLL_MS, async () => {
      const more = await load();
      polling = more;
      return more;
    });
  };

  replace(
    ctx.main,
    h('h1', null, tr(T.title)),
    h('p', { class: 'lead' }, tr(T.lead)),
    captureForm(ctx, () => {
      void load().then((more) => more && watch(), (e: unknown) => showAlert(box, e));
    }),
    h('h2', null, tr(T.listH)),
    note,
    box,
    spoken,
    results,
    aboutBundle(),
  );
  try {
    if (await load()) watch();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    showAlert(box, e);
  }
}

export const routes: Route[] = [
  { path: '/captures', title: T.title, auth: true, nav: { order: 25, label: T.nav }, render: renderList },
  { path: '/captures/:id', title: DETAIL.title, auth: true, render: renderCapture },
];
