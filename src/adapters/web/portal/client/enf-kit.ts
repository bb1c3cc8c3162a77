/**
 * What the matching and case pages share: the words for case states and match methods, the
 * tabs between "find copies" and "my cases", downloads fetched as blobs (so a header such as
 * `Accept: application/pdf` can be sent) and offered as a save link, and the pages' few styles.
 */
import { api, fetchOk } from './api.js';
import { h, replace } from './dom.js';
import { tr, type Text } from './i18n.js';
import type { CaseState } from '../../../../core/case-entry.js';

export const STATE: Record<CaseState, Text> = {
  open: { zh: '已立案，取证中', en: 'Open, capturing' },
  evidence_collected: { zh: '已取证', en: 'Evidence collected' },
  notice_sent: { zh: '已发送通知', en: 'Notice sent' },
  settled: { zh: '已和解', en: 'Settled' },
  litigation: { zh: '诉讼中', en: 'In litigation' },
  closed: { zh: '已结案', en: 'Closed' },
};

export const METHOD: Record<string, Text> = {
  exact: { zh: '完全相同（SHA-256）', en: 'Identical file (SHA-256)' },
  'image-phash': { zh: '图像相似（感知哈希）', en: 'Similar image (perceptual hash)' },
  'text-minhash': { zh: '文本相似（MinHash）', en: 'Similar text (MinHash)' },
};

const T = {
  tabs: { zh: '维权', en: 'Enforcement' },
  matches: { zh: '查找侵权副本', en: 'Find copies' },
  cases: { zh: '我的维权案件', en: 'My cases' },
} satisfies Record<string, Text>;

/** What a history entry says happened, for each state it led to. */
export const HAPPENED: Record<CaseState, Text> = {
  open: { zh: '立案', en: 'Case opened' },
  evidence_collected: { zh: '取证完成', en: 'Evidence collected' },
  notice_sent: { zh: '已发送通知', en: 'Notice sent' },
  settled: { zh: '已和解', en: 'Settled' },
  litigation: { zh: '提起诉讼', en: 'Taken to court' },
  closed: { zh: '结案', en: 'Closed' },
};

const titles = new Map<string, Promise<string | undefined>>();

/** A deposit's title (or file name) from its certificate's metadata; undefined when it has none or cannot be read. */
export function workTitle(depositId: string): Promise<string | undefined> {
  let t = titles.get(depositId);
  if (t === undefined) {
    t = api<{ work?: { metadata?: { title?: unknown; fileName?: unknown } } }>('GET', `/v1/deposits/${encodeURIComponent(depositId)}/certificate`).then(
      (c) => {
        const v = c.work?.metadata?.title ?? c.work?.metadata?.fileName;
        return typeof v === 'string' && v !== '' ? v : undefined;
      },
      () => {
        titles.delete(depositId);
        return undefined;
      },
    );
    titles.set(depositId, t);
  }
  return t;
}

const CAPTURE_FAILED: Text = { zh: '已立案，抓取失败', en: 'Open, capture failed' };

/** A badge for a case state (closed and settled look done, litigation and a failed capture stand out). */
export function stateBadge(state: CaseState, captureFailed = false): HTMLSpanElement {
  const failed = state === 'open' && captureFailed;
  const cls = state === 'settled' || state === 'closed' ? 'badge ok' : state === 'litigation' || failed ? 'badge bad' : state === 'open' ? 'badge' : 'badge info';
  return h('span', { class: cls, 'data-state': state }, tr(failed ? CAPTURE_FAILED : STATE[state]));
}

/** Tabs between the two enforcement pages; `current` is marked for assistive technology. */
export function enfTabs(current: 'matches' | 'cases'): HTMLElement {
  const item = (key: 'matches' | 'cases', href: string) => h('li', null, h('a', { href, 'aria-current': key === current ? 'page' : null }, tr(T[key])));
  return h('nav', { class: 'subnav', 'aria-label': tr(T.tabs) }, h('ul', null, item('matches', '/matches'), item('cases', '/cases')));
}

/** GETs `path` as a blob (with `accept`), throwing ApiError with the problem's detail on failure. */
export async function fetchBlob(path: string, accept: string, signal?: AbortSignal): Promise<Blob> {
  return (await fetchOk(path, accept, signal)).blob();
}

/** Puts a save link for `blob` into `area` (replacing an older one) and clicks it once. */
export function offerDownload(area: HTMLElement, blob: Blob, name: string, label: string, id: string): HTMLAnchorElement {
  const old = area.querySelector<HTMLAnchorElement>('a[href^="blob:"]');
  if (old) URL.revokeObjectURL(old.href);
  const a = h('a', { href: URL.createObjectURL(blob), download: name, class: 'button secondary', id }, label);
  replace(area, a);
  a.click();
  return a;
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

const CSS = `
[hidden] { display: none !important; }
.field-error:empty { display: none; }
nav.subnav ul { list-style: none; margin: 0 0 1rem; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 0.5rem; border-bottom: 1px solid #c9ced6; }
nav.subnav a { display: inline-block; padding: 0.4rem 0.75rem; text-decoration: none; border-radius: 6px 6px 0 0; }
nav.subnav a:hover { text-decoration: underline; }
nav.subnav a[aria-current='page'] { font-weight: 700; border: 1px solid #c9ced6; border-bottom-color: var(--bg, #fff); background: var(--bg, #fff); margin-bottom: -1px; }
.badge.info { background: #e3effc; color: #084a8c; border-color: #a8c8ee; }
h1 .badge { font-size: 0.9rem; vertical-align: middle; margin-left: 0.4rem; font-weight: 400; }
.match-ways { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(19rem, 1fr)); align-items: stretch; }
.match-ways .panel { align-content: start; }
.match-ways .panel { margin: 0; display: grid; gap: 0.75rem; }
.match-ways .panel h2 { margin: 0; font-size: 1.15rem; }
.match-ways .panel p.hint { margin: 0; color: var(--muted, #4a5260); font-size: 0.9rem; }
.match-ways .dropzone { padding: 1.25rem 0.75rem; background: #fff; }
.match-ways textarea { min-height: 8rem; }
.match-ways .actions { margin: 0; }
ol.match-list { list-style: none; padding: 0; margin: 1rem 0; display: grid; gap: 0.75rem; }
ol.match-list > li { border: 1px solid var(--line, #cfd5de); border-radius: 6px; padding: 0.75rem 1rem; display: grid; gap: 0.25rem 1rem; grid-template-columns: 1fr auto; align-items: start; }
ol.match-list h3 { margin: 0; font-size: 1.05rem; overflow-wrap: anywhere; }
ol.match-list dl.details { margin: 0.4rem 0 0; grid-column: 1; }
ol.match-list .actions { grid-column: 2; grid-row: 1 / span 2; margin: 0; flex-direction: column; align-items: stretch; }
.similarity { font-size: 1.4rem; font-weight: 700; color: var(--fg, #1a1d23); }
@media (max-width: 640px) {
  ol.match-list > li { grid-template-columns: 1fr; }
  ol.match-list .actions { grid-column: 1; grid-row: auto; flex-direction: row; }
}
.case-grid { display: grid; gap: 1rem; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); align-items: start; }
.case-grid > section { margin: 0; }
@media (max-width: 860px) {
  .case-grid { grid-template-columns: 1fr; }
  .case-grid > div { display: contents; }
  #facts { order: 1; } .case-grid .transition { order: 2; } #capture { order: 3; } #documents { order: 4; } #history { order: 5; }
}
.case-grid h2 { margin-top: 0.2em; }
ol.case-history { list-style: none; margin: 0; padding: 0; border-left: 3px solid var(--line, #cfd5de); }
ol.case-history li { position: relative; padding: 0 0 0.9rem 1.1rem; }
ol.case-history li::before { content: ''; position: absolute; left: -0.5rem; top: 0.45rem; width: 0.7rem; height: 0.7rem; border-radius: 50%; background: var(--accent, #0b5cad); }
ol.case-history .when { color: var(--muted, #4a5260); font-size: 0.9rem; display: block; }
ol.case-history code { font-size: 0.85rem; }
form.case-form { max-width: 44rem; display: grid; gap: 1rem; }
form.case-form fieldset .stack { max-width: none; }
.transition form { display: grid; gap: 0.75rem; }
.transition .actions { margin: 0; }
.transition > .hint { margin: 0 0 0.5rem; }
.panel .hint, .case-form .work-title { color: var(--muted, #4a5260); font-size: 0.9rem; margin: 0; }
.case-form .work-title { color: var(--fg, #1a1d23); font-weight: 600; margin-top: 0.3rem; }
.case-form .work-title:empty { display: none; }
#results-h:focus { outline: none; }
ol.case-history .record { color: var(--muted, #4a5260); font-size: 0.85rem; }
.notice-form { display: grid; gap: 0.75rem; }
hr.quiet { border: 0; border-top: 1px solid var(--line, #cfd5de); margin: 1rem 0; }
.download-area:empty { display: none; }
.download-area { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.url-cell { overflow-wrap: anywhere; word-break: break-all; }
`;

let styled = false;

/** Adopts the pages' stylesheet once (CSSOM, which the portal's CSP allows). */
export function ensureEnfStyles(): void {
  if (styled || typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in document)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  styled = true;
}
