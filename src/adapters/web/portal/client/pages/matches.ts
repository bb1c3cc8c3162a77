/**
 * `/matches`: find copies of my deposited works. Three ways in: drop a file (sent to the service,
 * which computes an image's perceptual hash or a text's MinHash; a file over the service's size
 * limit is hashed here and matched by its SHA-256 only), paste a text, or give a web page's URL
 * (captured first) or a capture id. The matching deposits are listed with method and similarity,
 * each with its certificate and a button that opens a case on it.
 */
import { api, ApiError, upload } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtBytes, fmtTime, tr, type Text } from '../i18n.js';
import { fileDrop, hashWithProgress } from '../file-drop.js';
import { clearErrors, errorBox, field, showError } from '../form-kit.js';
import type { PageContext, Route } from '../router.js';
import { busy, details, progressBar } from '../ui.js';
import { ensureEnfStyles, enfTabs, METHOD, pause, workTitle } from '../enf-kit.js';

export const T = {
  title: { zh: '查找侵权副本', en: 'Find copies' },
  lead: {
    zh: '用一个文件、一段文字或一个网页，查找与您存证作品相同或相似的副本：缩放、压缩、轻微裁剪过的图片，改动了部分字词的文字也能找到。只在您自己的存证中查找。',
    en: 'Check a file, a text or a web page against your deposited works: resized, recompressed or slightly cropped images and texts with some words changed are found too. Only your own deposits are searched.',
  },
  fileH: { zh: '文件', en: 'A file' },
  fileHint: { zh: '图片或文本文件。图片由服务器计算感知哈希；过大的文件只在本机计算 SHA-256，只能找到完全相同的副本。', en: 'An image or a text file. The service computes an image’s perceptual hash; a file over its size limit is hashed here and only identical copies are found.' },
  textH: { zh: '文字', en: 'A text' },
  textLabel: { zh: '粘贴要比对的文字', en: 'Paste the text to check' },
  textHint: { zh: '至少 20 个词（中文按字计）。', en: 'At least 20 words (each Chinese character counts as one).' },
  textGo: { zh: '比对文字', en: 'Check the text' },
  urlH: { zh: '网页', en: 'A web page' },
  urlLabel: { zh: '网页地址或抓取编号', en: 'Page URL or capture ID' },
  urlHint: { zh: '网页会先被抓取并存证（可作证据），再比对其中的图片和文字。也可以填已完成的抓取编号（cap_…）。', en: 'The page is captured and deposited first (evidence you can use), then its images and text are checked. A finished capture ID (cap_…) works too.' },
  urlGo: { zh: '抓取并比对', en: 'Capture and check' },
  needText: { zh: '请先粘贴文字。', en: 'Paste a text first.' },
  needUrl: { zh: '请填写以 http:// 或 https:// 开头的网址，或 cap_ 开头的抓取编号。', en: 'Give an address starting with http:// or https://, or a capture ID starting with cap_.' },
  uploading: { zh: '正在上传比对', en: 'Uploading to check' },
  uploadProgress: { zh: '已上传 {done} / {total}', en: '{done} of {total} sent' },
  tooBig: { zh: '文件超过服务器的比对上限，已改为在本机计算 SHA-256，只查找完全相同的副本。', en: 'The file is over the service’s limit for matching: it was hashed here instead, and only identical copies are looked for.' },
  capturing: { zh: '正在抓取网页（{status}）…', en: 'Capturing the page ({status})…' },
  captureFailed: { zh: '网页抓取失败：{reason}', en: 'The page could not be captured: {reason}' },
  matching: { zh: '正在比对…', en: 'Checking…' },
  resultsH: { zh: '比对结果', en: 'Results' },
  queryOf: { zh: '比对对象', en: 'Checked' },
  kind: { zh: '类型', en: 'Kind' },
  kinds: { zh: '图片|文本|其他文件|网页抓取', en: 'image|text|other file|captured page' },
  none: { zh: '没有找到与您的存证相同或相似的作品。', en: 'None of your deposits matches.' },
  found: { zh: '找到 {n} 件匹配的存证：', en: '{n} of your deposits match:' },
  method: { zh: '匹配方式', en: 'Method' },
  similarity: { zh: '相似度', en: 'Similarity' },
  distance: { zh: '汉明距离 {d}', en: 'Hamming distance {d}' },
  deposited: { zh: '存证时间', en: 'Deposited' },
  index: { zh: '日志序号', en: 'Log index' },
  foundAt: { zh: '发现位置', en: 'Found at' },
  depositId: { zh: '存证编号', en: 'Deposit ID' },
  untitled: { zh: '存证 {id}', en: 'Deposit {id}' },
  certificate: { zh: '查看证书', en: 'View certificate' },
  openCase: { zh: '立案维权', en: 'Open a case' },
  openCaseFor: { zh: '立案维权：{what}', en: 'Open a case: {what}' },
  certificateOf: { zh: '查看证书：{what}', en: 'View certificate: {what}' },
  leadNote: { zh: '匹配只是线索：请核对后再立案。立案时会抓取侵权网页作为证据。', en: 'A match is a lead: check it before opening a case. Opening a case captures the infringing page as evidence.' },
} satisfies Record<string, Text>;

interface Match {
  depositId: string;
  method: string;
  similarity: number;
  distance?: number;
  account: string;
  index: number;
  receivedAt: string;
  foundAt?: string;
}
interface MatchResult {
  query: { sha256?: string; kind: 'image' | 'text' | 'other' | 'capture' };
  matches: Match[];
}
interface CaptureView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  url?: string;
  finalUrl?: string;
  reason?: string;
}

const KIND_INDEX = { image: 0, text: 1, other: 2, capture: 3 } as const;
const kindLabel = (k: MatchResult['query']['kind']) => tr(T.kinds).split('|')[KIND_INDEX[k]] ?? k;

/** Titles of my own matched deposits, from their certificates' metadata (best effort). */
async function titles(ms: readonly Match[], me: string | undefined): Promise<Map<string, string>> {
  const own = ms.filter((m) => m.account === me).slice(0, 30);
  const names = await Promise.all(own.map((m) => workTitle(m.depositId)));
  return new Map(own.flatMap((m, i) => (names[i] !== undefined ? [[m.depositId, names[i]!] as const] : [])));
}

/** The result list: each match with its certificate link and an "open a case" button. */
async function drawResults(ctx: PageContext, out: HTMLElement, r: MatchResult, what: string, pageUrl: string | undefined): Promise<void> {
  const me = ctx.session?.account.id;
  const names = await titles(r.matches, me);
  const items = r.matches.map((m) => {
    const name = names.get(m.depositId) ?? tr(T.untitled, { id: m.depositId });
    const own = m.account === me;
    const q = new URLSearchParams({ deposit: m.depositId });
    const url = pageUrl ?? (m.foundAt !== undefined && /^https?:/.test(m.foundAt) ? m.foundAt : undefined);
    if (url !== undefined) q.set('url', url);
    const pct = `${Math.round(m.similarity * 100)}%`;
    return h(
      'li',
      { 'data-deposit-id': m.depositId, 'data-method': m.method },
      h('div', null,
        h('h3', null, name),
        details([
          [T.method, tr(METHOD[m.method] ?? { zh: m.method, en: m.method })],
          [T.similarity, h('span', null, h('span', { class: 'similarity' }, pct), m.distance !== undefined ? h('span', { class: 'sub' }, tr(T.distance, { d: m.distance })) : null)],
          [T.depositId, h('code', { class: 'mono' }, m.depositId)],
          [T.deposited, h('time', { datetime: m.receivedAt, title: m.receivedAt }, fmtTime(m.receivedAt))],
          [T.index, String(m.index)],
          m.foundAt !== undefined && [T.foundAt, h('span', { class: 'url-cell' }, m.foundAt)],
        ]),
      ),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button secondary', href: own ? `/deposits/${encodeURIComponent(m.depositId)}` : `/verify/${encodeURIComponent(m.depositId)}`, 'aria-label': tr(T.certificateOf, { what: name }) }, tr(T.certificate)),
        own ? h('a', { class: 'button open-case', href: `/cases/new?${q}`, 'aria-label': tr(T.openCaseFor, { what: name }) }, tr(T.openCase)) : null,
      ),
    );
  });
  replace(
    out,
    h('h2', { id: 'results-h', tabindex: -1 }, tr(T.resultsH)),
    details([
      [T.queryOf, what],
      [T.kind, kindLabel(r.query.kind)],
      r.query.sha256 !== undefined && ['SHA-256', h('code', { class: 'hash' }, r.query.sha256)],
    ]),
    r.matches.length === 0
      ? h('p', { class: 'notice', 'data-matches': '0' }, tr(T.none))
      : [h('p', { class: 'success', 'data-matches': String(r.matches.length) }, tr(T.found, { n: r.matches.length })), h('ol', { class: 'match-list', 'aria-labelledby': 'results-h' }, items), h('p', { class: 'hint' }, tr(T.leadNote))],
  );
  // Bring the answer into view (on a phone it is below the three forms) and to the reader.
  document.getElementById('results-h')?.focus({ preventScroll: true });
  out.scrollIntoView({ block: 'start' });
}

/** Captures `url` through POST /v1/matches {url}, waits for the capture, and returns it. */
async function captureThenWait(url: string, status: HTMLElement, signal: AbortSignal): Promise<CaptureView> {
  const started = await api<{ capture: CaptureView }>('POST', '/v1/matches', { url }, { signal });
  let cap: CaptureView = started.capture;
  for (;;) {
    replace(status, tr(T.capturing, { status: cap.status }));
    if (cap.status === 'done' || cap.status === 'failed' || signal.aborted) return cap;
    await pause(1000, signal);
    cap = await api<CaptureView>('GET', `/v1/captures/${encodeURIComponent(cap.id)}`, undefined, { signal });
  }
}

export function renderMatches(ctx: PageContext): void {
  ensureEnfStyles();
  const out = h('section', { class: 'match-result', 'aria-live': 'polite' });
  const status = h('p', { class: 'loading', role: 'status' });
  let run: AbortController | undefined;
  ctx.signal.addEventListener('abort', () => run?.abort(), { once: true });
  const begin = () => {
    run?.abort();
    const mine = new AbortController();
    run = mine;
    out.replaceChildren();
    status.replaceChildren();
    return mine;
  };

  // A file.
  const fileGeneral = errorBox();
  const fileArea = h('div', { id: 'match-file-area' });
  const fileErr = h('p', { class: 'field-error', id: 'f-file-err' });
  const drop = fileDrop('f-file', T.fileHint, (file) => {
    const mine = begin();
    replace(fileErr);
    replace(fileGeneral);
    drop.input.removeAttribute('aria-invalid');
    void (async () => {
      const bar = progressBar('match-upload', tr(T.uploading));
      replace(fileArea, bar.el);
      const form = new FormData();
      form.append('file', file, file.name);
      let r: MatchResult;
      try {
        r = await upload<MatchResult>('/v1/matches', form, (done, total) => bar.set(done, total, tr(T.uploadProgress, { done: fmtBytes(done), total: fmtBytes(total) })), mine.signal);
      } catch (e) {
        fileArea.replaceChildren();
        if (run !== mine) return;
        if (!(e instanceof ApiError && e.status === 413)) return void showFileError(e);
        // Over MATCH_MAX_BYTES: hash here and look for identical copies only.
        let hashes;
        try {
          hashes = await hashWithProgress(file, fileArea, mine.signal);
          if (hashes === undefined || run !== mine) return;
          replace(fileArea, h('p', { class: 'notice' }, tr(T.tooBig)));
          r = await api<MatchResult>('POST', '/v1/matches', { sha256: hashes.sha256 }, { signal: mine.signal });
        } catch (e2) {
          if (run === mine) showFileError(e2);
          return;
        }
      }
      if (run !== mine) return;
      if (!fileArea.querySelector('.notice')) fileArea.replaceChildren();
      await drawResults(ctx, out, r, `${file.name} (${fmtBytes(file.size)})`, undefined);
    })();
  }, (msg) => replace(fileErr, msg));
  drop.input.setAttribute('aria-describedby', `${drop.input.getAttribute('aria-describedby') ?? ''} f-file-err`.trim());
  const showFileError = (e: unknown) => {
    const msg = e instanceof ApiError ? e.detail : e instanceof Error ? e.message : String(e);
    if (e instanceof ApiError && e.field !== undefined && e.field !== 'file') return showError(filePanel, fileGeneral, e);
    replace(fileErr, msg);
    drop.input.setAttribute('aria-invalid', 'true');
  };

  // A text.
  const textarea = h('textarea', { rows: 6, spellcheck: 'false' });
  const textGeneral = errorBox();
  const textButton = h('button', { type: 'submit' }, tr(T.textGo));
  const textForm = h('form', { class: 'stack', novalidate: true }, field('text', T.textLabel, textarea, T.textHint), h('div', { class: 'actions' }, textButton), textGeneral);
  textForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = textarea.value.trim();
    if (text === '') return showError(textForm, textGeneral, new ApiError(400, 'invalid_request', tr(T.needText), 'text'));
    const mine = begin();
    void busy(textButton, async () => {
      try {
        replace(status, tr(T.matching));
        const r = await api<MatchResult>('POST', '/v1/matches', { text }, { signal: mine.signal });
        if (run !== mine) return;
        status.replaceChildren();
        clearErrors(textForm);
        replace(textGeneral);
        await drawResults(ctx, out, r, `${text.slice(0, 40)}${text.length > 40 ? '…' : ''}`, undefined);
      } catch (err) {
        if (run !== mine) return;
        status.replaceChildren();
        showError(textForm, textGeneral, err);
      }
    });
  });

  // A web page or a capture.
  const urlInput = h('input', { type: 'text', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://' });
  const urlGeneral = errorBox();
  const urlButton = h('button', { type: 'submit' }, tr(T.urlGo));
  const urlForm = h('form', { class: 'stack', novalidate: true }, field('url', T.urlLabel, urlInput, T.urlHint), h('div', { class: 'actions' }, urlButton), urlGeneral);
  urlForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = urlInput.value.trim();
    const isCapture = /^cap_[0-9a-f]{20}$/.test(v);
    if (!isCapture && !/^https?:\/\/\S+$/i.test(v)) return showError(urlForm, urlGeneral, new ApiError(400, 'invalid_request', tr(T.needUrl), 'url'));
    const mine = begin();
    void busy(urlButton, async () => {
      try {
        let captureId = v;
        let pageUrl: string | undefined;
        if (isCapture) {
          const cap = await api<CaptureView>('GET', `/v1/captures/${encodeURIComponent(v)}`, undefined, { signal: mine.signal });
          pageUrl = cap.finalUrl ?? cap.url;
        } else {
          const cap = await captureThenWait(v, status, mine.signal);
          if (run !== mine) return;
          if (cap.status === 'failed') throw new ApiError(422, 'capture_failed', tr(T.captureFailed, { reason: cap.reason ?? '?' }), 'url');
          captureId = cap.id;
          pageUrl = v;
        }
        replace(status, tr(T.matching));
        const r = await api<MatchResult>('POST', '/v1/matches', { captureId }, { signal: mine.signal });
        if (run !== mine) return;
        status.replaceChildren();
        clearErrors(urlForm);
        replace(urlGeneral);
        await drawResults(ctx, out, r, pageUrl ?? v, pageUrl);
      } catch (err) {
        if (run !== mine) return;
        status.replaceChildren();
        // The capture's own field is `url`; a capture id is typed into the same box.
        const mapped = err instanceof ApiError && err.field === 'captureId' ? new ApiError(err.status, err.code, err.detail, 'url') : err;
        showError(urlForm, urlGeneral, mapped);
      }
    });
  });

  const filePanel = h('section', { class: 'panel', 'aria-labelledby': 'match-file-h' }, h('h2', { id: 'match-file-h' }, tr(T.fileH)), drop.el, fileErr, fileArea, fileGeneral);
  replace(
    ctx.main,
    enfTabs('matches'),
    h('h1', null, tr(T.title)),
    h('p', { class: 'lead' }, tr(T.lead)),
    h(
      'div',
      { class: 'match-ways' },
      filePanel,
      h('section', { class: 'panel', 'aria-labelledby': 'match-text-h' }, h('h2', { id: 'match-text-h' }, tr(T.textH)), textForm),
      h('section', { class: 'panel', 'aria-labelledby': 'match-url-h' }, h('h2', { id: 'match-url-h' }, tr(T.urlH)), urlForm),
    ),
    status,
    out,
  );
}

export const routes: Route[] = [{ path: '/matches', title: T.title, auth: true, nav: { order: 35, label: { zh: '维权', en: 'Enforcement' } }, render: renderMatches }];
