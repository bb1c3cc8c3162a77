/**
 * The creator's deposits: depositing (deposit-new.ts), the list of my deposits (searchable,
 * paged), one deposit with its certificate as JSON and PDF, and the prior-art lookup
 * (prior-art.ts).
 */
import { api, ApiError, fetchOk } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtBytes, fmtTime, tr, type Text } from '../i18n.js';
import { authorsText } from '../metadata-form.js';
import type { PageContext, Route } from '../router.js';
import { alertBox, busy, details, field, input, showError } from '../ui.js';
import { PUBLICATION_STATUS_OPTIONS, WORK_TYPE_OPTIONS } from '../work-types.js';
import { renderDeposit, T as NEW } from './deposit-new.js';
import { renderPriorArt, T as PRIOR } from './prior-art.js';

const T = {
  listTitle: { zh: '我的存证', en: 'My deposits' },
  search: { zh: '搜索', en: 'Search' },
  searchLabel: { zh: '按名称、说明、文件名或 SHA-256 开头搜索', en: 'Search by title, description, file name or the start of the SHA-256' },
  clearSearch: { zh: '清除', en: 'Clear' },
  newDeposit: { zh: '新建存证', en: 'New deposit' },
  none: { zh: '还没有存证。', en: 'No deposits yet.' },
  noneFound: { zh: '没有与“{q}”匹配的存证。', en: 'No deposit matches “{q}”.' },
  work: { zh: '作品', en: 'Work' },
  received: { zh: '存证时间', en: 'Deposited' },
  index: { zh: '日志序号', en: 'Log index' },
  size: { zh: '大小', en: 'Size' },
  untitled: { zh: '（无标题）', en: '(untitled)' },
  newer: { zh: '← 较新', en: '← Newer' },
  older: { zh: '较旧 →', en: 'Older →' },
  page: { zh: '第 {n} 页', en: 'Page {n}' },
  pages: { zh: '存证列表分页', en: 'Pages of deposits' },
  // details
  detailTitle: { zh: '存证详情', en: 'Deposit' },
  justDeposited: { zh: '存证成功，证书已可下载。', en: 'Deposited. The certificate is ready to download.' },
  mismatch: { zh: '注意：服务器计算的 {alg} 与浏览器计算的不一致，存证记录的是服务器收到的内容。', en: 'Note: the service’s {alg} differs from the one your browser computed; the deposit records what the service received.' },
  id: { zh: '存证编号', en: 'Deposit ID' },
  receivedAt: { zh: '接收时间', en: 'Received' },
  block: { zh: '区块高度', en: 'Block' },
  timestamp: { zh: '可信时间戳', en: 'Trusted timestamp' },
  tsaBy: { zh: 'RFC 3161，由 {tsa} 签发', en: 'RFC 3161, issued by {tsa}' },
  noTimestamp: { zh: '尚无（稍后下载的证书会包含）', en: 'Not yet (a certificate downloaded later will carry it)' },
  workH: { zh: '作品信息', en: 'The work' },
  evidenceH: { zh: '存证信息', en: 'Evidence' },
  certH: { zh: '证书', en: 'Certificate' },
  certP: {
    zh: 'JSON 证书可用独立验证工具离线验证；PDF 证书附有同一份 JSON，并带有指向公开验证页的二维码。',
    en: 'The JSON certificate can be verified offline with the standalone verifier; the PDF carries the same JSON as an attachment and a QR code to the public verify page.',
  },
  json: { zh: '下载证书（JSON）', en: 'Download certificate (JSON)' },
  pdf: { zh: '下载证书（PDF）', en: 'Download certificate (PDF)' },
  pdfReady: { zh: 'PDF 已生成：', en: 'The PDF is ready:' },
  save: { zh: '保存 {name}', en: 'Save {name}' },
  verify: { zh: '在验证页检查', en: 'Check on the verify page' },
  back: { zh: '返回我的存证', en: 'Back to my deposits' },
  title: { zh: '作品名称', en: 'Title' },
  workType: { zh: '作品类型', en: 'Type of work' },
  authors: { zh: '作者', en: 'Authors' },
  rightsHolder: { zh: '著作权人', en: 'Rights holder' },
  creationDate: { zh: '创作完成日期', en: 'Date of completion' },
  publicationStatus: { zh: '发表状态', en: 'Publication status' },
  publicationDate: { zh: '首次发表日期', en: 'Date of first publication' },
  description: { zh: '作品说明', en: 'Description' },
  fileName: { zh: '文件名', en: 'File name' },
  notFound: { zh: '没有找到这个存证，或者它不属于您的账户。', en: 'This deposit does not exist or does not belong to your account.' },
} satisfies Record<string, Text>;

interface ListItem {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  receivedAt: string;
  title?: string;
  fileName?: string;
}

/**
 * Cursors of the pages seen so far in this search, oldest last: page k+2 starts after
 * cursorStack[k]. Newer goes back through them; a reload (or a shared link) starts it afresh.
 */
let cursorStack: string[] = [];
/** False once the chain of pages began somewhere other than the newest page: page numbers are unknown then. */
let numbered = true;

async function renderList(ctx: PageContext): Promise<void> {
  const q = ctx.query.get('q') ?? '';
  const after = ctx.query.get('after') ?? undefined;
  // Where the current page sits in the stack (the back button may have moved us).
  const at = after === undefined ? -1 : cursorStack.indexOf(after);
  cursorStack = at < 0 ? [] : cursorStack.slice(0, at + 1);
  const known = after === undefined || at >= 0;
  if (after === undefined) numbered = true;
  else if (!known) numbered = false;
  const search = input({ type: 'search', value: q, autocomplete: 'off', spellcheck: 'false' });
  const box = alertBox();
  const form = h(
    'form',
    { role: 'search', class: 'searchbar' },
    field({ id: 'deposit-search', label: T.searchLabel, control: search }),
    h('button', { type: 'submit' }, tr(T.search)),
    q !== '' ? h('a', { class: 'button secondary', href: '/deposits' }, tr(T.clearSearch)) : null,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = search.value.trim();
    ctx.navigate(v === '' ? '/deposits' : `/deposits?q=${encodeURIComponent(v)}`);
  });
  const results = h('div', { 'aria-live': 'polite' });
  replace(
    ctx.main,
    h('div', { class: 'title-row' }, h('h1', null, tr(T.listTitle)), h('a', { class: 'button', href: '/deposit' }, tr(T.newDeposit))),
    form,
    box,
    results,
  );
  const params = new URLSearchParams({ limit: '20' });
  if (q !== '') params.set('q', q);
  if (after !== undefined) params.set('after', after);
  let page: { deposits: ListItem[]; next?: string };
  try {
    page = await api<{ deposits: ListItem[]; next?: string }>('GET', `/v1/accounts/me/deposits?${params}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    showError(box, e);
    return;
  }
  if (page.deposits.length === 0) {
    replace(results, h('p', { class: 'empty' }, q === '' ? tr(T.none) : tr(T.noneFound, { q })));
  } else {
    const cell = (label: Text, ...c: (Node | string)[]) => h('td', { 'data-label': tr(label) }, h('div', null, ...c));
    replace(
      results,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'stacked deposits' },
          h('thead', null, h('tr', null, [T.work, T.received, T.index, T.size].map((t) => h('th', { scope: 'col' }, tr(t))), h('th', { scope: 'col' }, 'SHA-256'))),
          h(
            'tbody',
            null,
            page.deposits.map((d) =>
              h(
                'tr',
                { 'data-deposit-id': d.id },
                cell(T.work, h('a', { href: `/deposits/${encodeURIComponent(d.id)}` }, d.title ?? d.fileName ?? tr(T.untitled)), d.title && d.fileName ? h('span', { class: 'sub' }, d.fileName) : ''),
                cell(T.received, h('time', { datetime: d.receivedAt }, fmtTime(d.receivedAt))),
                cell(T.index, String(d.index)),
                cell(T.size, d.size !== undefined ? fmtBytes(d.size) : '—'),
                h('td', { 'data-label': 'SHA-256' }, h('div', null, h('code', { class: 'hash', title: d.sha256 }, `${d.sha256.slice(0, 16)}…`))),
              ),
            ),
          ),
        ),
      ),
    );
  }
  const n = after === undefined ? 1 : cursorStack.length + 1;
  const base = q === '' ? '' : `q=${encodeURIComponent(q)}`;
  const link = (cursor: string | undefined) => `/deposits${cursor === undefined ? (base ? `?${base}` : '') : `?${base ? `${base}&` : ''}after=${encodeURIComponent(cursor)}`}`;
  const newer = h('button', { type: 'button', class: 'secondary', disabled: after === undefined }, tr(T.newer));
  newer.addEventListener('click', () => {
    // Back one page when the way here is known, else to the newest.
    ctx.navigate(link(known && cursorStack.length >= 2 ? cursorStack[cursorStack.length - 2] : undefined));
  });
  const older = h('button', { type: 'button', class: 'secondary', disabled: page.next === undefined }, tr(T.older));
  older.addEventListener('click', () => {
    if (page.next === undefined) return;
    if (after === undefined) cursorStack = [];
    else if (!known) cursorStack = [after];
    cursorStack = [...cursorStack, page.next];
    ctx.navigate(link(page.next));
  });
  if (after !== undefined || page.next !== undefined) results.append(h('nav', { class: 'pager', 'aria-label': tr(T.pages) }, newer, numbered ? h('span', null, tr(T.page, { n })) : h('span'), older));
}

interface DepositView {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  receivedAt: string;
  block: number;
}
interface Certificate {
  work: { metadata?: Record<string, unknown> };
  timestamp?: { tsa: string };
}

const optionLabel = (options: readonly (readonly [string, Text])[], v: unknown) => {
  const o = options.find(([k]) => k === v);
  return o ? tr(o[1]) : typeof v === 'string' ? v : undefined;
};

/** Saves `blob` as `name`: a link the page clicks (and leaves, for saving again). */
function saveLink(blob: Blob, name: string, label: string, cls = 'button secondary'): HTMLAnchorElement {
  return h('a', { href: URL.createObjectURL(blob), download: name, class: cls }, label);
}

async function renderDetail(ctx: PageContext): Promise<void> {
  const id = ctx.params.id!;
  let dep: DepositView;
  let cert: Certificate & Record<string, unknown>;
  try {
    [dep, cert] = await Promise.all([
      api<DepositView>('GET', `/v1/deposits/${encodeURIComponent(id)}`),
      api<Certificate & Record<string, unknown>>('GET', `/v1/deposits/${encodeURIComponent(id)}/certificate`),
    ]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      replace(ctx.main, h('h1', null, tr(T.detailTitle)), h('p', { class: 'error', role: 'alert' }, tr(T.notFound)), h('p', null, h('a', { href: '/deposits' }, tr(T.back))));
      return;
    }
    throw e;
  }
  const m = cert.work.metadata ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const title = str(m.title);
  const box = alertBox();
  const jsonName = `${dep.id}.certificate.json`;
  const pdfName = `${dep.id}.certificate.pdf`;
  const jsonLink = saveLink(new Blob([JSON.stringify(cert, null, 2) + '\n'], { type: 'application/json' }), jsonName, tr(T.json), 'button');
  jsonLink.id = 'download-json';
  const pdfArea = h('span', { class: 'pdf-area' });
  const pdfButton = h('button', { type: 'button', id: 'download-pdf' }, tr(T.pdf));
  pdfButton.addEventListener('click', () =>
    void busy(pdfButton, async () => {
      try {
        const res = await fetchOk(`/v1/deposits/${encodeURIComponent(dep.id)}/certificate`, 'application/pdf');
        const blob = await res.blob();
        const a = saveLink(blob, pdfName, tr(T.save, { name: pdfName }));
        a.id = 'save-pdf';
        replace(pdfArea, a);
        a.click();
      } catch (e) {
        showError(box, e);
      }
    }),
  );
  replace(
    ctx.main,
    h('p', null, h('a', { href: '/deposits' }, tr(T.back))),
    h('h1', null, title ?? tr(T.detailTitle)),
    ctx.query.get('new') === '1' ? h('p', { class: 'success', role: 'status' }, tr(T.justDeposited)) : null,
    ctx.query.get('mismatch') ? h('p', { class: 'warning', role: 'alert' }, tr(T.mismatch, { alg: ctx.query.get('mismatch')! })) : null,
    h('section', { class: 'panel' }, h('h2', null, tr(T.certH)), h('p', null, tr(T.certP)), h('div', { class: 'actions' }, jsonLink, pdfButton, pdfArea, h('a', { href: `/verify/${encodeURIComponent(dep.id)}` }, tr(T.verify))), box),
    h('h2', null, tr(T.evidenceH)),
    details([
      [T.id, h('code', { class: 'mono' }, dep.id)],
      [T.receivedAt, h('time', { datetime: dep.receivedAt, title: dep.receivedAt }, fmtTime(dep.receivedAt))],
      [T.index, String(dep.index)],
      [T.block, String(dep.block)],
      ['SHA-256', h('code', { class: 'hash', 'data-hash': 'sha256' }, dep.sha256)],
      dep.sm3 !== undefined && ['SM3', h('code', { class: 'hash', 'data-hash': 'sm3' }, dep.sm3)],
      dep.size !== undefined && [T.size, `${fmtBytes(dep.size)} (${dep.size.toLocaleString()} B)`],
      [T.timestamp, cert.timestamp ? tr(T.tsaBy, { tsa: cert.timestamp.tsa }) : tr(T.noTimestamp)],
    ]),
    Object.keys(m).some((k) => k !== 'salt')
      ? [
          h('h2', null, tr(T.workH)),
          details([
            title !== undefined && [T.title, title],
            m.workType !== undefined && [T.workType, optionLabel(WORK_TYPE_OPTIONS, m.workType)],
            authorsText(m.authors) !== undefined && [T.authors, authorsText(m.authors)],
            str(m.rightsHolder) !== undefined && [T.rightsHolder, str(m.rightsHolder)],
            str(m.creationDate) !== undefined && [T.creationDate, str(m.creationDate)],
            m.publicationStatus !== undefined && [T.publicationStatus, optionLabel(PUBLICATION_STATUS_OPTIONS, m.publicationStatus)],
            str(m.publicationDate) !== undefined && [T.publicationDate, str(m.publicationDate)],
            str(m.description) !== undefined && [T.description, h('span', { class: 'prewrap' }, str(m.description)!)],
            str(m.fileName) !== undefined && [T.fileName, str(m.fileName)],
          ]),
        ]
      : null,
  );
}

export const routes: Route[] = [
  { path: '/deposit', title: NEW.title, auth: true, nav: { order: 10 }, render: renderDeposit },
  { path: '/deposits', title: T.listTitle, auth: true, nav: { order: 20 }, render: renderList },
  { path: '/deposits/:id', title: T.detailTitle, auth: true, render: renderDetail },
  { path: '/prior-art', title: PRIOR.title, nav: { order: 30 }, render: renderPriorArt },
];

