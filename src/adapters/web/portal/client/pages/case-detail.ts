/**
 * `/cases/:id`: one case — its facts, the capture of the infringing page and its status, the
 * moves the case may make next (as buttons), the evidence package (ZIP) and the takedown notices
 * (Art. 14 通知书 and DMCA; signed PDF or text) to download, and its state history, each change
 * an entry in the public log. While the capture runs the page looks again every few seconds.
 */
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtTime, tr, type Text } from '../i18n.js';
import { errorBox, field, select, showError } from '../form-kit.js';
import type { PageContext } from '../router.js';
import { busy, details } from '../ui.js';
import { CASE_TRANSITIONS, type CaseState } from '../../../../../core/case-entry.js';
import type { CaptureView, CaseView } from '../case-types.js';
import { ensureEnfStyles, enfTabs, fetchBlob, HAPPENED, offerDownload, pause, STATE, stateBadge, workTitle } from '../enf-kit.js';

export const T = {
  title: { zh: '维权案件', en: 'Case' },
  back: { zh: '返回我的案件', en: 'Back to my cases' },
  notFound: { zh: '没有找到这个案件，或者它不属于您的账户。', en: 'This case does not exist or does not belong to your account.' },
  factsH: { zh: '案件信息', en: 'The case' },
  id: { zh: '案件编号', en: 'Case ID' },
  state: { zh: '状态', en: 'State' },
  work: { zh: '被侵权作品', en: 'Work' },
  page: { zh: '侵权网页', en: 'Infringing page' },
  description: { zh: '侵权情况', en: 'What was copied' },
  holder: { zh: '权利人', en: 'Rights holder' },
  opened: { zh: '立案时间', en: 'Opened' },
  updated: { zh: '更新时间', en: 'Updated' },
  captureH: { zh: '侵权网页取证', en: 'Capture of the infringing page' },
  captureStatus: { zh: '抓取状态', en: 'Capture' },
  captureStates: { zh: '排队中|抓取中|已完成|失败', en: 'queued|running|done|failed' },
  captureId: { zh: '抓取编号', en: 'Capture ID' },
  pageTitle: { zh: '网页标题', en: 'Page title' },
  finalUrl: { zh: '最终地址', en: 'Final address' },
  bundle: { zh: '证据包哈希（WACZ）', en: 'Bundle hash (WACZ)' },
  captureCert: { zh: '抓取存证证书', en: 'Capture certificate' },
  captureCertLink: { zh: '查看抓取的存证证书', en: 'View the capture’s deposit certificate' },
  noCapture: { zh: '尚未抓取。', en: 'Not captured.' },
  waiting: { zh: '正在抓取侵权网页，完成后本页会自动更新。', en: 'The infringing page is being captured; this page updates itself when it is done.' },
  captureError: { zh: '抓取失败。', en: 'The capture failed.' },
  recapture: { zh: '重新抓取', en: 'Capture again' },
  nextH: { zh: '下一步', en: 'Next step' },
  noNext: { zh: '案件已结案，不能再变更状态。', en: 'The case is closed: its state cannot change any more.' },
  waitNext: { zh: '取证完成后才能发送通知。', en: 'Notices can be sent once the evidence is collected.' },
  note: { zh: '备注（可选，不会写入公开日志）', en: 'Note (optional, never in the public log)' },
  noteHint: { zh: '例如：通知已通过平台投诉渠道发送。', en: 'For example: the notice was sent through the platform’s complaint form.' },
  moveHint: { zh: '每次变更都会在公开日志中追加一条记录。', en: 'Each change appends an entry to the public log.' },
  docsH: { zh: '证据包与通知书', en: 'Evidence package and notices' },
  packageP: {
    zh: '证据包（ZIP）包含作品与抓取的存证证书、时间戳、证据目录（PDF）、通知书以及离线验证步骤，可交给律师或法院。',
    en: 'The evidence package (ZIP) holds the work’s and the capture’s certificates, the timestamps, an evidence list (PDF), the notices and the steps to verify everything offline — for a lawyer or a court.',
  },
  package: { zh: '下载证据包（ZIP）', en: 'Download the evidence package (ZIP)' },
  packageWait: { zh: '取证完成后即可下载证据包。', en: 'The package can be downloaded once the evidence is collected.' },
  noticeKind: { zh: '通知书类型', en: 'Kind of notice' },
  cn: { zh: '中国平台：通知书', en: 'Platforms in China: 通知书' },
  dmca: { zh: '境外平台：DMCA 通知', en: 'Platforms abroad: DMCA notice' },
  kindHint: {
    zh: '通知书依《信息网络传播权保护条例》第十四条；DMCA 通知依美国 17 U.S.C. 512(c)(3)。',
    en: 'The 通知书 follows Art. 14 of China’s Regulations on the Protection of the Right of Communication through Information Network; the DMCA notice follows 17 U.S.C. 512(c)(3).',
  },
  to: { zh: '收件平台（可选）', en: 'Platform it is addressed to (optional)' },
  toHint: { zh: '例如：某视频平台。通知书由服务填写事实，请您核对、签名后发送。', en: 'For example: ExampleTube. The service fills in the facts; you check, sign and send the notice.' },
  pdf: { zh: '下载通知书（PDF）', en: 'Download the notice (PDF)' },
  text: { zh: '下载通知书（文本）', en: 'Download the notice (text)' },
  save: { zh: '保存 {name}', en: 'Save {name}' },
  historyH: { zh: '状态记录', en: 'History' },
  entry: { zh: '日志条目 #{index}', en: 'Log entry #{index}' },
  record: { zh: '记录哈希 {hash}…', en: 'Record hash {hash}…' },
} satisfies Record<string, Text>;

/** The buttons' words for each state a case may be moved to by hand. */
const MOVE: Partial<Record<CaseState, Text>> = {
  notice_sent: { zh: '已发送通知', en: 'Mark the notice as sent' },
  settled: { zh: '已和解', en: 'Mark as settled' },
  litigation: { zh: '提起诉讼', en: 'Going to court' },
  closed: { zh: '结案', en: 'Close the case' },
};

const CAPTURE_INDEX = { queued: 0, running: 1, done: 2, failed: 3 } as const;
const captureLabel = (s: CaptureView['status']) => tr(T.captureStates).split('|')[CAPTURE_INDEX[s]] ?? s;

function captureSection(c: CaseView, cap: CaptureView | undefined, onRecapture: () => Promise<void>): HTMLElement {
  const box = errorBox();
  const rows = cap
    ? details([
        [T.captureStatus, h('span', { class: cap.status === 'done' ? 'badge ok' : cap.status === 'failed' ? 'badge bad' : 'badge', 'data-capture-status': cap.status }, captureLabel(cap.status))],
        [T.captureId, h('code', { class: 'mono' }, cap.id)],
        cap.title !== undefined && [T.pageTitle, cap.title],
        cap.finalUrl !== undefined && cap.finalUrl !== c.infringingUrl && [T.finalUrl, h('span', { class: 'url-cell' }, cap.finalUrl)],
        cap.bundleSha256 !== undefined && [T.bundle, h('code', { class: 'hash' }, cap.bundleSha256)],
        cap.depositId !== undefined && [T.captureCert, h('a', { href: `/deposits/${encodeURIComponent(cap.depositId)}` }, tr(T.captureCertLink))],
      ])
    : h('p', null, tr(T.noCapture));
  let retry: HTMLButtonElement | null = null;
  if (c.captureError !== undefined && c.state === 'open') {
    const b = h('button', { type: 'button', class: 'secondary', id: 'recapture' }, tr(T.recapture));
    b.addEventListener('click', () => void busy(b, () => onRecapture().catch((e: unknown) => showError(b.parentElement!, box, e))));
    retry = b;
  }
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'capture-h', id: 'capture' },
    h('h2', { id: 'capture-h' }, tr(T.captureH)),
    rows,
    c.captureError !== undefined ? h('p', { class: 'error' }, h('strong', null, tr(T.captureError)), ' ', c.captureError.replace(/^(the capture failed:\s*)+/i, '')) : c.state === 'open' ? h('p', { class: 'notice', role: 'status' }, tr(T.waiting)) : null,
    retry ? h('div', { class: 'actions' }, retry) : null,
    box,
  );
}

function nextSection(c: CaseView, move: (state: CaseState, note: string | undefined) => Promise<void>): HTMLElement {
  const targets = CASE_TRANSITIONS[c.state].filter((s) => MOVE[s] !== undefined);
  const head = h('h2', { id: 'next-h' }, tr(T.nextH));
  if (targets.length === 0) return h('section', { class: 'panel transition', 'aria-labelledby': 'next-h' }, head, h('p', null, tr(T.noNext)));
  const note = h('textarea', { rows: 2 });
  const general = errorBox();
  const form = h('form', { novalidate: true }, field('note', T.note, note, T.noteHint));
  const buttons = targets.map((s) => {
    const b = h('button', { type: 'button', class: s === 'closed' ? 'secondary' : '', 'data-move': s }, tr(MOVE[s]!));
    b.addEventListener('click', () =>
      void busy(b, async () => {
        try {
          await move(s, note.value.trim() === '' ? undefined : note.value.trim());
        } catch (e) {
          showError(form, general, e);
        }
      }),
    );
    return b;
  });
  form.append(h('div', { class: 'actions', role: 'group', 'aria-labelledby': 'next-h' }, buttons), h('p', { class: 'hint' }, tr(T.moveHint)), general);
  return h('section', { class: 'panel transition', 'aria-labelledby': 'next-h' }, head, c.state === 'open' ? h('p', { class: 'hint' }, tr(T.waitNext)) : null, form);
}

function documentsSection(c: CaseView): HTMLElement {
  const box = errorBox();
  const packageArea = h('span', { class: 'download-area', id: 'package-area' });
  const pkg = h('button', { type: 'button', id: 'download-package', disabled: c.state === 'open', 'aria-describedby': c.state === 'open' ? 'package-wait' : null }, tr(T.package));
  pkg.addEventListener('click', () =>
    void busy(pkg, async () => {
      try {
        const name = `${c.id}.evidence.zip`;
        offerDownload(packageArea, await fetchBlob(c.packageUrl, 'application/zip'), name, tr(T.save, { name }), 'save-package');
        replace(box);
      } catch (e) {
        showError(form, box, e);
      }
    }),
  );
  const kind = select(['cn', 'dmca'] as const, { cn: T.cn, dmca: T.dmca }, 'cn');
  const to = h('input', { type: 'text', autocomplete: 'organization' });
  const noticeArea = h('span', { class: 'download-area', id: 'notice-area' });
  const notice = (format: 'pdf' | 'txt') => {
    const b = h('button', { type: 'button', class: format === 'pdf' ? '' : 'secondary', id: `notice-${format}` }, tr(format === 'pdf' ? T.pdf : T.text));
    b.addEventListener('click', () =>
      void busy(b, async () => {
        try {
          const q = new URLSearchParams({ kind: kind.value });
          if (to.value.trim() !== '') q.set('to', to.value.trim());
          const blob = await fetchBlob(`/v1/cases/${encodeURIComponent(c.id)}/notice?${q}`, format === 'pdf' ? 'application/pdf' : 'text/plain');
          const name = `${c.id}.notice-${kind.value}.${format}`;
          offerDownload(noticeArea, blob, name, tr(T.save, { name }), `save-notice-${format}`);
          replace(box);
        } catch (e) {
          showError(form, box, e);
        }
      }),
    );
    return b;
  };
  const form = h(
    'form',
    { class: 'notice-form', novalidate: true },
    field('kind', T.noticeKind, kind, T.kindHint),
    field('to', T.to, to, T.toHint),
    h('div', { class: 'actions' }, notice('pdf'), notice('txt')),
    noticeArea,
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'docs-h', id: 'documents' },
    h('h2', { id: 'docs-h' }, tr(T.docsH)),
    h('p', null, tr(T.packageP)),
    h('div', { class: 'actions' }, pkg, packageArea),
    c.state === 'open' ? h('p', { class: 'hint', id: 'package-wait' }, tr(T.packageWait)) : null,
    h('hr', { class: 'quiet' }),
    form,
    box,
  );
}

function historySection(c: CaseView): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'history-h', id: 'history' },
    h('h2', { id: 'history-h' }, tr(T.historyH)),
    h(
      'ol',
      { class: 'case-history' },
      c.history.map((e) =>
        h(
          'li',
          { 'data-state': e.state, 'data-index': String(e.index) },
          h('strong', null, tr(HAPPENED[e.state])),
          h('span', { class: 'when' }, h('time', { datetime: e.at, title: e.at }, fmtTime(e.at)), ' · ', h('a', { href: `/v1/log/entries/${e.index}` }, tr(T.entry, { index: e.index }))),
          h('span', { class: 'record', title: `caseSha256 ${e.caseSha256}` }, tr(T.record, { hash: e.caseSha256.slice(0, 16) })),
        ),
      ),
    ),
  );
}

export async function renderCase(ctx: PageContext): Promise<void> {
  ensureEnfStyles();
  const id = ctx.params.id!;
  const load = async (): Promise<[CaseView, CaptureView | undefined]> => {
    const c = await api<CaseView>('GET', `/v1/cases/${encodeURIComponent(id)}`, undefined, { signal: ctx.signal });
    const cap = c.captureId === undefined ? undefined : await api<CaptureView>('GET', `/v1/captures/${encodeURIComponent(c.captureId)}`, undefined, { signal: ctx.signal }).catch(() => undefined);
    return [c, cap];
  };
  let c: CaseView;
  let cap: CaptureView | undefined;
  let title: string | undefined;
  try {
    [c, cap] = await load();
    if (c.work.depositId !== undefined) title = await workTitle(c.work.depositId);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
      replace(ctx.main, enfTabs('cases'), h('h1', null, tr(T.title)), h('p', { class: 'error', role: 'alert' }, tr(T.notFound)), h('p', null, h('a', { href: '/cases' }, tr(T.back))));
      return;
    }
    throw e;
  }
  const draw = (focus?: string) => {
    const move = async (state: CaseState, note: string | undefined) => {
      c = await api<CaseView>('POST', `/v1/cases/${encodeURIComponent(c.id)}/state`, { state, ...(note !== undefined ? { note } : {}) });
      draw('state-line');
    };
    const recapture = async () => {
      c = await api<CaseView>('POST', `/v1/cases/${encodeURIComponent(c.id)}/recapture`);
      [c, cap] = await load();
      draw();
      void watch();
    };
    const work = c.work.depositId !== undefined ? [h('a', { href: `/deposits/${encodeURIComponent(c.work.depositId)}` }, title ?? h('code', { class: 'mono' }, c.work.depositId)), title !== undefined ? h('span', { class: 'sub mono' }, c.work.depositId) : null] : h('a', { href: `/registrations/${encodeURIComponent(c.work.registrationId ?? '')}` }, h('code', { class: 'mono' }, c.work.registrationId ?? ''));
    const rh = c.rightsHolder;
    replace(
      ctx.main,
      enfTabs('cases'),
      h('p', null, h('a', { href: '/cases' }, tr(T.back))),
      h('h1', null, tr(T.title), ' ', stateBadge(c.state, c.captureError !== undefined)),
      h('p', { id: 'state-line', class: 'visually-hidden', tabindex: -1, role: 'status' }, `${tr(T.state)}: ${tr(STATE[c.state])}`),
      h(
        'div',
        { class: 'case-grid' },
        h(
          'div',
          null,
          h('section', { 'aria-labelledby': 'facts-h', id: 'facts' }, h('h2', { id: 'facts-h' }, tr(T.factsH)),
            details([
              [T.id, h('code', { class: 'mono' }, c.id)],
              [T.state, stateBadge(c.state, c.captureError !== undefined)],
              [T.work, work],
              [T.page, h('span', { class: 'url-cell' }, c.infringingUrl)],
              [T.description, h('span', { class: 'prewrap' }, c.description)],
              rh !== undefined && [T.holder, [rh.name, rh.contact, rh.address].filter((x) => x !== undefined).join(' · ')],
              [T.opened, h('time', { datetime: c.createdAt, title: c.createdAt }, fmtTime(c.createdAt))],
              [T.updated, h('time', { datetime: c.updatedAt, title: c.updatedAt }, fmtTime(c.updatedAt))],
            ]),
          ),
          captureSection(c, cap, recapture),
          documentsSection(c),
        ),
        h('div', null, nextSection(c, move), historySection(c)),
      ),
    );
    if (focus) document.getElementById(focus)?.focus();
  };
  /** While the capture runs, looks again every 2 s (stops when the page is left). */
  const watch = async () => {
    while (!ctx.signal.aborted && c.state === 'open' && c.captureError === undefined) {
      await pause(2000, ctx.signal);
      if (ctx.signal.aborted) return;
      try {
        const before = `${c.state}/${c.captureError}/${cap?.status}`;
        [c, cap] = await load();
        if (`${c.state}/${c.captureError}/${cap?.status}` !== before) draw();
      } catch {
        return;
      }
    }
  };
  draw();
  void watch();
}
