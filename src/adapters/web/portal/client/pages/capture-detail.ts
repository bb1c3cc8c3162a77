/**
 * One capture: its status (asked again while queued or running), times, what the service saw
 * (from the capture record: redirect chain, addresses connected to, the bundle's files) and the
 * downloads of a finished capture.
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtBytes, fmtTime, tr, type Text } from '../i18n.js';
import { aboutBundle, downloads, pending, poll, statusBadge, type CaptureView } from '../capture-kit.js';
import { ensureCaptureStyles } from '../capture-style.js';
import type { PageContext } from '../router.js';
import { alertBox, details, showError } from '../ui.js';

export const T = {
  title: { zh: '取证详情', en: 'Capture' },
  back: { zh: '返回我的取证', en: 'Back to my captures' },
  notFound: { zh: '没有找到这个取证，或者它不属于您的账户。', en: 'This capture does not exist or does not belong to your account.' },
  reason: { zh: '失败原因：', en: 'Why it failed: ' },
  id: { zh: '取证编号', en: 'Capture ID' },
  url: { zh: '请求的网址', en: 'Requested address' },
  finalUrl: { zh: '最终网址', en: 'Final address' },
  pageTitle: { zh: '网页标题', en: 'Page title' },
  note: { zh: '备注', en: 'Note' },
  createdAt: { zh: '提交时间', en: 'Requested' },
  startedAt: { zh: '开始时间', en: 'Started' },
  endedAt: { zh: '结束时间', en: 'Ended' },
  duration: { zh: '{s} 秒', en: '{s} s' },
  deposit: { zh: '存证编号', en: 'Deposit ID' },
  bundleSha: { zh: '取证包 SHA-256', en: 'Bundle SHA-256' },
  bundleSize: { zh: '取证包大小', en: 'Bundle size' },
  entry: { zh: '取证日志条目', en: 'Capture log entry' },
  downloadsH: { zh: '下载', en: 'Downloads' },
  envH: { zh: '取证环境摘要', en: 'What the service saw' },
  envP: {
    zh: '以下来自取证记录（其加盐哈希写入日志）。完整的环境报告——浏览器、操作系统和工具的版本与哈希、全新配置文件的证明、时钟偏差和每一步操作——在取证包的 capture/environment.json 与 environment.html 中。',
    en: 'From the capture record (its salted hash is in the log). The full environment report — browser, OS and tool versions with their hashes, proof of a fresh profile, clock offset and every step — is in the bundle as capture/environment.json and environment.html.',
  },
  redirects: { zh: '重定向链', en: 'Redirect chain' },
  addresses: { zh: '连接的地址', en: 'Addresses connected to' },
  files: { zh: '取证包中的文件', en: 'Files in the bundle' },
  waiting: { zh: '取证进行中，本页会自动刷新。', en: 'The capture is on its way; this page refreshes by itself.' },
} satisfies Record<string, Text>;

interface CaptureRecord {
  redirects?: { url: string; status?: number }[];
  addresses?: { host: string; port?: number; ip?: string }[];
  resources?: { path: string; hash?: string }[];
}

const time = (iso: string | undefined) => (iso === undefined ? undefined : h('time', { datetime: iso, title: iso }, fmtTime(iso)));

function summary(rec: CaptureRecord): HTMLElement[] {
  const seen = new Set<string>();
  const addrs = (rec.addresses ?? []).filter((a) => {
    const k = `${a.host} ${a.port ?? ''} ${a.ip ?? ''}`;
    return !seen.has(k) && (seen.add(k), true);
  });
  return [
    h('h2', null, tr(T.envH)),
    h('p', null, tr(T.envP)),
    details([
      rec.redirects !== undefined && rec.redirects.length > 0 && [T.redirects, h('ol', { class: 'chain' }, rec.redirects.map((r) => h('li', null, r.status !== undefined ? `${r.status} ` : '', h('span', { class: 'mono' }, r.url))))],
      addrs.length > 0 && [T.addresses, h('ul', { class: 'plain' }, addrs.map((a) => h('li', { class: 'mono' }, `${a.host}${a.port !== undefined ? `:${a.port}` : ''} → ${a.ip ?? '—'}`)))],
      rec.resources !== undefined && [T.files, h('ul', { class: 'plain' }, rec.resources.map((r) => h('li', { class: 'mono', title: r.hash ?? '' }, r.path)))],
    ]),
  ];
}

export async function renderCapture(ctx: PageContext): Promise<void> {
  ensureCaptureStyles();
  const id = ctx.params.id!;
  const path = `/v1/captures/${encodeURIComponent(id)}`;
  let shown = '';
  const draw = async (c: CaptureView): Promise<void> => {
    const box = alertBox();
    let rec: CaptureRecord | undefined;
    if (c.status === 'done') rec = await api<CaptureRecord>('GET', `${path}/record`, undefined, { signal: ctx.signal }).catch(() => undefined);
    if (ctx.signal.aborted) return;
    const secs = c.startedAt && c.endedAt ? (Date.parse(c.endedAt) - Date.parse(c.startedAt)) / 1000 : undefined;
    replace(
      ctx.main,
      h('p', null, h('a', { href: '/captures' }, tr(T.back))),
      h('h1', null, c.title || tr(T.title), ' ', statusBadge(c)),
      pending(c) ? h('p', { class: 'notice', role: 'status' }, tr(T.waiting)) : null,
      c.status === 'failed' ? h('p', { class: 'error', role: 'alert' }, tr(T.reason), c.reason ?? '—') : null,
      c.status === 'done' ? h('section', { class: 'panel downloads', 'aria-labelledby': 'dl-h' }, h('h2', { id: 'dl-h' }, tr(T.downloadsH)), h('div', { class: 'actions' }, downloads(c, box)), box) : null,
      details([
        [T.id, h('code', { class: 'mono' }, c.id)],
        [T.url, h('span', { class: 'mono' }, c.url)],
        c.finalUrl !== undefined && c.finalUrl !== c.url && [T.finalUrl, h('span', { class: 'mono' }, c.finalUrl)],
        !!c.title && [T.pageTitle, c.title],
        c.note !== undefined && [T.note, h('span', { class: 'prewrap' }, c.note)],
        [T.createdAt, time(c.createdAt)],
        c.startedAt !== undefined && [T.startedAt, time(c.startedAt)],
        c.endedAt !== undefined && [T.endedAt, h('span', null, time(c.endedAt), secs !== undefined ? ` (${tr(T.duration, { s: secs.toFixed(1) })})` : '')],
        c.depositId !== undefined && [T.deposit, h('a', { href: `/deposits/${encodeURIComponent(c.depositId)}`, class: 'mono' }, c.depositId)],
        c.bundleSha256 !== undefined && [T.bundleSha, h('code', { class: 'hash' }, c.bundleSha256)],
        c.bundleBytes !== undefined && [T.bundleSize, `${fmtBytes(c.bundleBytes)} (${c.bundleBytes.toLocaleString()} B)`],
        c.entryIndex !== undefined && [T.entry, h('a', { href: `/v1/log/entries/${c.entryIndex}` }, `#${c.entryIndex}`)],
      ]),
      rec ? summary(rec) : null,
      c.status === 'done' ? aboutBundle() : null,
    );
  };
  let c: CaptureView;
  try {
    c = await api<CaptureView>('GET', path, undefined, { signal: ctx.signal });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
      replace(ctx.main, h('h1', null, tr(T.title)), h('p', { class: 'error', role: 'alert' }, tr(T.notFound)), h('p', null, h('a', { href: '/captures' }, tr(T.back))));
      return;
    }
    throw e;
  }
  shown = c.status;
  await draw(c);
  if (!pending(c)) return;
  poll(ctx.signal, 2000, async () => {
    const now = await api<CaptureView>('GET', path, undefined, { signal: ctx.signal });
    if (now.status !== shown) {
      shown = now.status;
      try {
        await draw(now);
      } catch (e) {
        showError(ctx.main.querySelector('.error') ?? ctx.main, e);
      }
    }
    return pending(now);
  });
}
