/**
 * The registration application form (docs/REGISTRATION.md, "The application"): every field the
 * API takes, authors and rights holders as lists that grow and shrink, the deposits picked from
 * the applicant's own or typed in. Used to apply, to edit a draft and to amend after a reviewer
 * asked for changes. The server checks everything; its error is shown next to the field it names.
 */
import { h, replace } from '../dom.js';
import { fmtTime, tr, type Text } from '../i18n.js';
import { errorBox, field, fieldId, group, input, select, showError } from '../form-kit.js';
import { HOLDER_KIND, ID_TYPE, RIGHTS_OBTAINED, WORK_TYPE, type ApplicationDraft, type DepositSummary } from '../reg-labels.js';
import type { Author, RightsHolder } from '../../../../../core/registration.js';

const T = {
  deposits: { zh: '作品的存证', en: 'Deposits of the work' },
  depositsHint: { zh: '选择一项或多项您的存证（作品文件的哈希已在日志中）。', en: 'Pick one or more of your deposits (the work’s hashes already in the log).' },
  noDeposits: { zh: '您还没有存证。请先存证作品，或在下方输入存证编号。', en: 'You have no deposits yet. Deposit the work first, or enter a deposit id below.' },
  otherIds: { zh: '其他存证编号', en: 'Other deposit ids' },
  otherIdsHint: { zh: '以空格或逗号分隔，例如 dep_0123456789abcdef0123', en: 'Separated by spaces or commas, e.g. dep_0123456789abcdef0123' },
  work: { zh: '作品', en: 'The work' },
  title: { zh: '作品名称', en: 'Title of the work' },
  workType: { zh: '作品类别', en: 'Category' },
  choose: { zh: '请选择', en: 'Choose' },
  description: { zh: '创作说明（可选，不公开）', en: 'Creation notes (optional, private)' },
  authors: { zh: '作者', en: 'Authors' },
  author: { zh: '作者 {n}', en: 'Author {n}' },
  name: { zh: '姓名或名称', en: 'Name' },
  signature: { zh: '署名（可选）', en: 'Signed as (optional)' },
  nationality: { zh: '国籍或地区代码（可选）', en: 'Nationality code (optional)' },
  nationalityHint: { zh: '两个字母，例如 CN', en: 'Two letters, e.g. CN' },
  addAuthor: { zh: '添加作者', en: 'Add an author' },
  holders: { zh: '著作权人', en: 'Rights holders' },
  holder: { zh: '著作权人 {n}', en: 'Rights holder {n}' },
  legalName: { zh: '法定姓名或名称', en: 'Legal name' },
  displayName: { zh: '登记簿中显示的名称（可选）', en: 'Name shown in the public registry (optional)' },
  kind: { zh: '类型', en: 'Kind' },
  idType: { zh: '证件类型（不公开）', en: 'Identity document (private)' },
  idNumber: { zh: '证件号码（不公开）', en: 'Document number (private)' },
  address: { zh: '地址（可选，不公开）', en: 'Address (optional, private)' },
  addHolder: { zh: '添加著作权人', en: 'Add a rights holder' },
  remove: { zh: '删除{what}', en: 'Remove {what}' },
  creation: { zh: '创作', en: 'Creation' },
  completedOn: { zh: '创作完成日期', en: 'Date completed' },
  place: { zh: '创作完成地点', en: 'Place of creation' },
  publication: { zh: '发表状态', en: 'Publication' },
  unpublished: { zh: '未发表', en: 'Not published' },
  published: { zh: '已发表', en: 'Published' },
  firstPublishedOn: { zh: '首次发表日期', en: 'Date first published' },
  publishedPlace: { zh: '首次发表地点', en: 'Place first published' },
  rights: { zh: '权利', en: 'Rights' },
  obtained: { zh: '权利取得方式', en: 'How the rights were obtained' },
  obtainedNote: { zh: '请说明取得方式', en: 'Explain how they were obtained' },
  ownership: { zh: '权利归属：一位著作权人为“单独所有”，两位及以上为“共同所有”（自动填写）。', en: 'Ownership: one rights holder is “sole”, two or more “joint” (filled in for you).' },
  truth: { zh: '我声明：本申请所填内容真实、准确，我有权提出此申请。', en: 'I declare that this application is true and accurate and that I may file it.' },
  truthHint: { zh: '提交时必须勾选。', en: 'Required to submit.' },
} satisfies Record<string, Text>;

export interface FormButton {
  label: Text;
  /** The form's submit button (Enter in a field presses it). */
  primary?: boolean;
  act(draft: ApplicationDraft): Promise<void>;
}

export interface FormOptions {
  initial: ApplicationDraft;
  /** Offer these deposits as choices; undefined hides the picker (amending keeps the deposits field editable as ids). */
  depositChoices: DepositSummary[];
  buttons: FormButton[];
}

const byId = <T extends HTMLElement>(root: HTMLElement, path: string) => root.querySelector<T>(`#${CSS.escape(fieldId(path))}`);

function value(root: HTMLElement, path: string): string | undefined {
  const v = byId<HTMLInputElement>(root, path)?.value.trim();
  return v === undefined || v === '' ? undefined : v;
}

function authorRow(a: Partial<Author>, i: number, count: number, onRemove: () => void): HTMLFieldSetElement {
  const p = `authors.${i}`;
  const what = tr(T.author, { n: i + 1 });
  return h(
    'fieldset',
    { class: 'stack', id: fieldId(p) },
    h('legend', null, what),
    field(`${p}.name`, T.name, input('text', a.name, { autocomplete: 'name', maxlength: 100 })),
    h('div', { class: 'row2' }, field(`${p}.signature`, T.signature, input('text', a.signature, { maxlength: 100 })), field(`${p}.nationality`, T.nationality, input('text', a.nationality, { maxlength: 2, autocapitalize: 'characters', placeholder: 'CN' }), T.nationalityHint)),
    h('p', { class: 'field-error', id: `${fieldId(p)}-err` }),
    count > 1 ? h('div', null, h('button', { type: 'button', class: 'secondary', onclick: onRemove }, tr(T.remove, { what }))) : null,
  );
}

function holderRow(r: Partial<RightsHolder>, i: number, count: number, onRemove: () => void): HTMLFieldSetElement {
  const p = `rightsHolders.${i}`;
  const what = tr(T.holder, { n: i + 1 });
  const kinds = ['individual', 'organisation'] as const;
  const ids = Object.keys(ID_TYPE) as (keyof typeof ID_TYPE)[];
  return h(
    'fieldset',
    { class: 'stack', id: fieldId(p) },
    h('legend', null, what),
    field(`${p}.name`, T.legalName, input('text', r.name, { maxlength: 200 })),
    field(`${p}.displayName`, T.displayName, input('text', r.displayName, { maxlength: 200 })),
    h('div', { class: 'row2' }, field(`${p}.kind`, T.kind, select(kinds, HOLDER_KIND, r.kind ?? 'individual')), field(`${p}.nationality`, T.nationality, input('text', r.nationality, { maxlength: 2, autocapitalize: 'characters', placeholder: 'CN' }), T.nationalityHint)),
    h('div', { class: 'row2' }, field(`${p}.idType`, T.idType, select(ids, ID_TYPE, r.idType ?? 'resident_id')), field(`${p}.idNumber`, T.idNumber, input('text', r.idNumber, { maxlength: 40, autocomplete: 'off', spellcheck: 'false' }))),
    field(`${p}.address`, T.address, input('text', r.address, { maxlength: 500 })),
    h('p', { class: 'field-error', id: `${fieldId(p)}-err` }),
    count > 1 ? h('div', null, h('button', { type: 'button', class: 'secondary', onclick: onRemove }, tr(T.remove, { what }))) : null,
  );
}

function readAuthors(root: HTMLElement, n: number): Partial<Author>[] {
  return Array.from({ length: n }, (_, i) => {
    const p = `authors.${i}`;
    const a: Partial<Author> = {};
    const name = value(root, `${p}.name`);
    const signature = value(root, `${p}.signature`);
    const nationality = value(root, `${p}.nationality`)?.toUpperCase();
    if (name !== undefined) a.name = name;
    if (signature !== undefined) a.signature = signature;
    if (nationality !== undefined) a.nationality = nationality;
    return a;
  });
}

function readHolders(root: HTMLElement, n: number): Partial<RightsHolder>[] {
  return Array.from({ length: n }, (_, i) => {
    const p = `rightsHolders.${i}`;
    const r: Partial<RightsHolder> = {
      kind: byId<HTMLSelectElement>(root, `${p}.kind`)!.value as RightsHolder['kind'],
      idType: byId<HTMLSelectElement>(root, `${p}.idType`)!.value as RightsHolder['idType'],
    };
    for (const k of ['name', 'displayName', 'idNumber', 'nationality', 'address'] as const) {
      const v = value(root, `${p}.${k}`);
      if (v !== undefined) r[k] = k === 'nationality' ? v.toUpperCase() : v;
    }
    return r;
  });
}

/** A list of rows that grows with "add" and shrinks with each row's "remove", keeping what was typed. */
function rowList<R>(opts: { name: string; legend: Text; add: Text; initial: R[]; empty: R; row: (r: R, i: number, count: number, onRemove: () => void) => HTMLElement; read: (n: number) => R[] }) {
  let rows = opts.initial.length > 0 ? opts.initial : [opts.empty];
  const list = h('div', { class: 'stack' });
  const draw = () => replace(list, rows.map((r, i) => opts.row(r, i, rows.length, () => {
    rows = opts.read(rows.length).filter((_, j) => j !== i);
    draw();
    list.querySelector<HTMLElement>('input')?.focus();
  })));
  draw();
  const add = h('button', { type: 'button', class: 'secondary', onclick: () => {
    rows = [...opts.read(rows.length), opts.empty];
    draw();
    list.lastElementChild?.querySelector<HTMLElement>('input')?.focus();
  } }, tr(opts.add));
  return { el: group(opts.name, opts.legend, list, h('div', { class: 'actions' }, add)), count: () => rows.length };
}

/** The form; each button collects the application and calls its `act`, errors shown in place. */
export function applicationForm(opts: FormOptions): HTMLFormElement {
  const app = opts.initial;
  const general = errorBox();
  const form = h('form', { class: 'stack application', novalidate: true });

  // Deposits: the applicant's own as checkboxes, anything else typed as ids.
  const chosen = new Set(app.deposits ?? []);
  const offered = new Set(opts.depositChoices.map((d) => d.id));
  const typed = [...chosen].filter((id) => !offered.has(id));
  const choices = opts.depositChoices.map((d) =>
    h(
      'label',
      { class: 'choice' },
      h('input', { type: 'checkbox', name: 'deposit', value: d.id, checked: chosen.has(d.id) }),
      h(
        'span',
        null,
        d.title ?? d.fileName ?? h('span', { class: 'mono' }, d.id),
        h('span', { class: 'hint' }, d.title ?? d.fileName ? `${d.id} · ` : '', `SHA-256 ${d.sha256.slice(0, 16)}… · ${fmtTime(d.receivedAt)}`),
      ),
    ),
  );
  const deposits = group(
    'deposits',
    T.deposits,
    h('p', { class: 'hint' }, tr(opts.depositChoices.length > 0 ? T.depositsHint : T.noDeposits)),
    choices,
    field('depositIds', T.otherIds, input('text', typed.join(' '), { spellcheck: 'false', autocomplete: 'off' }), T.otherIdsHint),
  );

  const workTypes = Object.keys(WORK_TYPE) as (keyof typeof WORK_TYPE)[];
  const description = h('textarea', { maxlength: 2000, rows: 4 }, app.description ?? '');
  const work = h(
    'fieldset',
    { class: 'stack' },
    h('legend', null, tr(T.work)),
    field('title', T.title, input('text', app.title, { maxlength: 200 })),
    field('workType', T.workType, select(workTypes, WORK_TYPE, app.workType, T.choose)),
    field('description', T.description, description),
  );

  const authors = rowList<Partial<Author>>({ name: 'authors', legend: T.authors, add: T.addAuthor, initial: app.authors ?? [], empty: {}, row: authorRow, read: (n) => readAuthors(form, n) });
  const holders = rowList<Partial<RightsHolder>>({ name: 'rightsHolders', legend: T.holders, add: T.addHolder, initial: app.rightsHolders ?? [], empty: {}, row: holderRow, read: (n) => readHolders(form, n) });

  const creation = h(
    'fieldset',
    { class: 'stack', id: fieldId('creation') },
    h('legend', null, tr(T.creation)),
    h('div', { class: 'row2' }, field('creation.completedOn', T.completedOn, input('date', app.creation?.completedOn)), field('creation.place', T.place, input('text', app.creation?.place, { maxlength: 200 }))),
    h('p', { class: 'field-error', id: `${fieldId('creation')}-err` }),
  );

  const pub = app.publication;
  const published = pub?.status === 'published';
  const pubFields = h(
    'div',
    { class: 'row2', hidden: !published },
    field('publication.firstPublishedOn', T.firstPublishedOn, input('date', pub?.status === 'published' ? pub.firstPublishedOn : undefined)),
    field('publication.place', T.publishedPlace, input('text', pub?.status === 'published' ? pub.place : undefined, { maxlength: 200 })),
  );
  const radio = (v: 'unpublished' | 'published', label: Text) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'publication-status', value: v, checked: (pub?.status ?? 'unpublished') === v, onchange: () => (pubFields.hidden = v !== 'published') }), tr(label));
  const publication = group('publication', T.publication, radio('unpublished', T.unpublished), radio('published', T.published), pubFields);

  const obtainedKeys = Object.keys(RIGHTS_OBTAINED) as (keyof typeof RIGHTS_OBTAINED)[];
  const obtained = select(obtainedKeys, RIGHTS_OBTAINED, app.rightsObtained ?? 'original');
  const note = field('rightsObtainedNote', T.obtainedNote, input('text', app.rightsObtainedNote, { maxlength: 500 }));
  note.hidden = obtained.value !== 'other';
  obtained.addEventListener('change', () => (note.hidden = obtained.value !== 'other'));
  const truth = h('input', { type: 'checkbox', id: fieldId('statementOfTruth'), checked: app.statementOfTruth === true, 'aria-describedby': `${fieldId('statementOfTruth')}-hint ${fieldId('statementOfTruth')}-err` });
  const rights = h(
    'fieldset',
    { class: 'stack' },
    h('legend', null, tr(T.rights)),
    field('rightsObtained', T.obtained, obtained),
    note,
    h('p', { class: 'hint', id: fieldId('ownership') }, tr(T.ownership)),
    h(
      'div',
      { class: 'field', 'data-field': 'statementOfTruth' },
      h('label', { class: 'choice', for: fieldId('statementOfTruth') }, truth, h('span', null, tr(T.truth), h('span', { class: 'hint', id: `${fieldId('statementOfTruth')}-hint` }, tr(T.truthHint)))),
      h('p', { class: 'field-error', id: `${fieldId('statementOfTruth')}-err` }),
    ),
  );

  const collect = (): ApplicationDraft => {
    const d: ApplicationDraft = {};
    const ids = [...form.querySelectorAll<HTMLInputElement>('input[name=deposit]:checked')].map((c) => c.value);
    for (const id of (value(form, 'depositIds') ?? '').split(/[\s,，]+/)) if (id !== '' && !ids.includes(id)) ids.push(id);
    if (ids.length > 0) d.deposits = ids;
    const title = value(form, 'title');
    if (title !== undefined) d.title = title;
    const wt = value(form, 'workType');
    if (wt !== undefined) d.workType = wt as NonNullable<ApplicationDraft['workType']>;
    const desc = description.value.trim();
    if (desc !== '') d.description = desc;
    // Rows left wholly empty are not part of the application.
    const as = readAuthors(form, authors.count()).filter((a) => Object.keys(a).length > 0) as Author[];
    if (as.length > 0) d.authors = as;
    const rs = readHolders(form, holders.count()).filter((r) => Object.keys(r).length > 2) as RightsHolder[];
    if (rs.length > 0) d.rightsHolders = rs;
    d.ownership = rs.length > 1 ? 'joint' : 'sole';
    const completedOn = value(form, 'creation.completedOn');
    const place = value(form, 'creation.place');
    if (completedOn !== undefined || place !== undefined) d.creation = { completedOn: completedOn ?? '', place: place ?? '' };
    const status = form.querySelector<HTMLInputElement>('input[name=publication-status]:checked')?.value;
    d.publication =
      status === 'published' ? { status: 'published', firstPublishedOn: value(form, 'publication.firstPublishedOn') ?? '', place: value(form, 'publication.place') ?? '' } : { status: 'unpublished' };
    d.rightsObtained = obtained.value as NonNullable<ApplicationDraft['rightsObtained']>;
    const n = value(form, 'rightsObtainedNote');
    if (d.rightsObtained === 'other' && n !== undefined) d.rightsObtainedNote = n;
    d.statementOfTruth = truth.checked;
    return d;
  };

  const run = async (b: FormButton) => {
    for (const x of form.querySelectorAll('button')) x.disabled = true;
    try {
      await b.act(collect());
    } catch (e) {
      for (const x of form.querySelectorAll('button')) x.disabled = false;
      showError(form, general, e);
      return;
    }
    for (const x of form.querySelectorAll('button')) x.disabled = false;
  };
  const buttons = opts.buttons.map((b) => {
    const el = h('button', { type: b.primary ? 'submit' : 'button', class: b.primary ? null : 'secondary' }, tr(b.label));
    if (!b.primary) el.addEventListener('click', () => void run(b));
    return el;
  });
  const primary = opts.buttons.findIndex((b) => b.primary);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (primary >= 0) void run(opts.buttons[primary]!);
  });

  replace(form, general, deposits, work, authors.el, holders.el, creation, publication, rights, h('div', { class: 'actions' }, buttons));
  return form;
}
