/**
 * Read-only views of an application shared by the applicant's and the reviewer's pages: its
 * state badge, its fields as a definition list, its history, and downloads that need an
 * `Accept` header (a link cannot ask for the PDF).
 */
import { fetchOk } from './api.js';
import { h, type Child } from './dom.js';
import { fmtTime, lang, tr, type Text } from './i18n.js';
import { ACTION, HOLDER_KIND, ID_TYPE, OWNERSHIP, RIGHTS_OBTAINED, STATE, STATE_TONE, WORK_TYPE, type ApplicationDraft, type HistoryItem, type RegistrationState } from './reg-labels.js';

const T = {
  title: { zh: '作品名称', en: 'Title' },
  workType: { zh: '作品类别', en: 'Category' },
  description: { zh: '创作说明', en: 'Creation notes' },
  authors: { zh: '作者', en: 'Authors' },
  signature: { zh: '署名 {s}', en: 'signed {s}' },
  holders: { zh: '著作权人', en: 'Rights holders' },
  shownAs: { zh: '登记簿显示为 {s}', en: 'shown in the registry as {s}' },
  creation: { zh: '创作完成', en: 'Completed' },
  publication: { zh: '发表状态', en: 'Publication' },
  unpublished: { zh: '未发表', en: 'Unpublished' },
  published: { zh: '{date} 首次发表于 {place}', en: 'First published {date} in {place}' },
  obtained: { zh: '权利取得方式', en: 'Rights obtained' },
  ownership: { zh: '权利归属', en: 'Ownership' },
  deposits: { zh: '存证', en: 'Deposits' },
  truth: { zh: '真实性声明', en: 'Statement of truth' },
  yes: { zh: '已声明', en: 'Made' },
  no: { zh: '未声明', en: 'Not made' },
  missing: { zh: '（未填写）', en: '(not given)' },
  when: { zh: '时间', en: 'When' },
  what: { zh: '变更', en: 'Change' },
  state: { zh: '状态', en: 'State' },
  entry: { zh: '日志条目', en: 'Log entry' },
  reason: { zh: '说明', en: 'Note' },
  historyCaption: { zh: '状态历史', en: 'Status history' },
  downloadFailed: { zh: '下载失败：{detail}', en: 'Download failed: {detail}' },
} satisfies Record<string, Text>;

export function stateBadge(state: RegistrationState): HTMLSpanElement {
  const tone = STATE_TONE[state];
  return h('span', { class: tone ? `badge ${tone}` : 'badge' }, tr(STATE[state]));
}

/** A `<time>` for people, with the exact ISO time in `datetime` and `title`. */
export function time(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso, title: iso }, fmtTime(iso));
}

export function num(n: number): string {
  return n.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB');
}

function dd(...c: Child[]): HTMLElement {
  return h('dd', null, ...c);
}

/**
 * The application's fields as `dl.details`. `privateFields` also shows identity documents and
 * addresses (to the applicant and reviewers; the public registry never has them).
 */
export function applicationDetails(app: ApplicationDraft, opts: { privateFields: boolean; depositLink?: (id: string) => string }): HTMLDListElement {
  const missing = () => h('span', { class: 'loading' }, tr(T.missing));
  const rows: [Text, Child][] = [
    [T.title, app.title ?? missing()],
    [T.workType, app.workType ? tr(WORK_TYPE[app.workType]) : missing()],
    [
      T.authors,
      app.authors?.length
        ? h('ul', null, app.authors.map((a) => h('li', null, a.name, a.signature ? ` (${tr(T.signature, { s: a.signature })})` : '', a.nationality ? ` · ${a.nationality}` : '')))
        : missing(),
    ],
    [
      T.holders,
      app.rightsHolders?.length
        ? h(
            'ul',
            null,
            app.rightsHolders.map((r) =>
              h(
                'li',
                null,
                r.name,
                ` · ${tr(HOLDER_KIND[r.kind])}`,
                r.displayName && r.displayName !== r.name ? ` · ${tr(T.shownAs, { s: r.displayName })}` : '',
                r.nationality ? ` · ${r.nationality}` : '',
                opts.privateFields ? h('div', { class: 'mono' }, `${tr(ID_TYPE[r.idType])}: ${r.idNumber}`) : null,
                opts.privateFields && r.address ? h('div', null, r.address) : null,
              ),
            ),
          )
        : missing(),
    ],
    [T.creation, app.creation ? `${app.creation.completedOn} · ${app.creation.place}` : missing()],
    [
      T.publication,
      app.publication === undefined ? missing() : app.publication.status === 'unpublished' ? tr(T.unpublished) : tr(T.published, { date: app.publication.firstPublishedOn, place: app.publication.place }),
    ],
    [T.obtained, app.rightsObtained ? [tr(RIGHTS_OBTAINED[app.rightsObtained]), app.rightsObtainedNote ? ` — ${app.rightsObtainedNote}` : ''] : missing()],
    [T.ownership, app.ownership ? tr(OWNERSHIP[app.ownership]) : missing()],
    [
      T.deposits,
      app.deposits?.length
        ? h(
            'ul',
            null,
            app.deposits.map((d) => h('li', { class: 'mono' }, opts.depositLink ? h('a', { href: opts.depositLink(d) }, d) : d)),
          )
        : missing(),
    ],
  ];
  if (opts.privateFields && app.description) rows.splice(2, 0, [T.description, app.description]);
  rows.push([T.truth, app.statementOfTruth ? tr(T.yes) : tr(T.no)]);
  return h('dl', { class: 'details' }, rows.map(([k, v]) => [h('dt', null, tr(k)), dd(v)]));
}

/** The application's history, oldest first, each change with its log entry. */
export function historyTable(items: readonly HistoryItem[]): HTMLElement {
  const labels = [T.when, T.what, T.state, T.entry, T.reason].map((t) => tr(t));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stacked' },
      h('caption', { class: 'visually-hidden' }, tr(T.historyCaption)),
      h('thead', null, h('tr', null, labels.map((l, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : null }, l)))),
      h(
        'tbody',
        null,
        items.map((i) =>
          h(
            'tr',
            null,
            h('td', { 'data-label': labels[0]! }, time(i.at)),
            h('td', { 'data-label': labels[1]! }, tr(ACTION[i.action])),
            h('td', { 'data-label': labels[2]! }, stateBadge(i.state)),
            h('td', { 'data-label': labels[3]!, class: 'num' }, `#${i.index}`),
            h('td', { 'data-label': labels[4]! }, i.reason ?? '—'),
          ),
        ),
      ),
    ),
  );
}

/**
 * Fetches `path` with `accept` and saves the answer under the name its Content-Disposition
 * gives (else `fallback`). Errors land in `status`.
 */
export async function download(path: string, accept: string, fallback: string, status: HTMLElement): Promise<void> {
  status.textContent = '';
  try {
    const res = await fetchOk(path, accept);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallback;
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (e) {
    status.textContent = tr(T.downloadFailed, { detail: e instanceof Error ? e.message : String(e) });
  }
}
