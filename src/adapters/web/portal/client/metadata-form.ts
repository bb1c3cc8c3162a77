/**
 * The work-metadata form of the deposit page: the fields of docs/UPLOADS.md (title, work type,
 * authors with roles, rights holder, creation and publication dates, publication status,
 * description), checked as the server checks them, and the server's complaints shown beside the
 * field they name (`metadata.authors.0.name` → the first author's name).
 */
import { h } from './dom.js';
import { tr, type Text } from './i18n.js';
import { field, input, setFieldError } from './ui.js';
import { isPartialDate, PUBLICATION_STATUS_OPTIONS, WORK_TYPE_OPTIONS } from './work-types.js';

const T = {
  legend: { zh: '作品信息', en: 'About the work' },
  intro: {
    zh: '所有字段均为选填。它们会写入证书；日志中只记录加盐后的摘要。',
    en: 'Every field is optional. They go into the certificate; the log records only a salted digest of them.',
  },
  title: { zh: '作品名称', en: 'Title' },
  workType: { zh: '作品类型', en: 'Type of work' },
  choose: { zh: '— 请选择 —', en: '— choose —' },
  authors: { zh: '作者', en: 'Authors' },
  authorName: { zh: '作者 {n} 姓名', en: 'Author {n}: name' },
  authorRole: { zh: '作者 {n} 身份', en: 'Author {n}: role' },
  roleHint: { zh: '身份例如：作者、合著者、作曲、摄影。', en: 'Roles are e.g. author, co-author, composer, photographer.' },
  addAuthor: { zh: '添加作者', en: 'Add an author' },
  removeAuthor: { zh: '删除作者 {n}', en: 'Remove author {n}' },
  remove: { zh: '删除', en: 'Remove' },
  rightsHolder: { zh: '著作权人', en: 'Rights holder' },
  creationDate: { zh: '创作完成日期', en: 'Date of completion' },
  dateHint: { zh: '格式 YYYY、YYYY-MM 或 YYYY-MM-DD', en: 'YYYY, YYYY-MM or YYYY-MM-DD' },
  publicationStatus: { zh: '发表状态', en: 'Publication status' },
  publicationDate: { zh: '首次发表日期', en: 'Date of first publication' },
  description: { zh: '作品说明', en: 'Description' },
  fileName: { zh: '文件名', en: 'File name' },
  fileNameHint: { zh: '记录在证书中，便于日后查找；不想公开可清空。', en: 'Recorded in the certificate to help you find it later; clear it to leave it out.' },
  badDate: { zh: '请按 YYYY、YYYY-MM 或 YYYY-MM-DD 填写真实日期。', en: 'Enter a real date as YYYY, YYYY-MM or YYYY-MM-DD.' },
  unpublishedDate: { zh: '未发表的作品没有发表日期。', en: 'An unpublished work has no publication date.' },
  beforeCreation: { zh: '发表日期早于创作完成日期。', en: 'The publication date is before the date of completion.' },
  authorNeedsName: { zh: '请填写作者姓名，或删除这一行。', en: 'Enter the author’s name, or remove this row.' },
} satisfies Record<string, Text>;

export interface MetadataForm {
  el: HTMLFieldSetElement;
  /** The metadata object (empty fields left out), or undefined after marking the bad fields. */
  value(): Record<string, unknown> | undefined;
  /** Fills the file-name field with `name` unless the person typed their own. */
  setFileName(name: string): void;
  /** Shows a server complaint about `metadata.<path>` beside its field; false when no field matches. */
  showServerError(fieldPath: string, message: string): boolean;
}

export function metadataForm(): MetadataForm {
  const title = input({ maxlength: 500 });
  const workType = h('select', null, h('option', { value: '' }, tr(T.choose)), WORK_TYPE_OPTIONS.map(([v, t]) => h('option', { value: v }, tr(t))));
  const rightsHolder = input({ maxlength: 200 });
  const creationDate = input({ inputmode: 'numeric', placeholder: 'YYYY-MM-DD', maxlength: 10, autocomplete: 'off' });
  const status = h('select', null, h('option', { value: '' }, tr(T.choose)), PUBLICATION_STATUS_OPTIONS.map(([v, t]) => h('option', { value: v }, tr(t))));
  const publicationDate = input({ inputmode: 'numeric', placeholder: 'YYYY-MM-DD', maxlength: 10, autocomplete: 'off' });
  const description = h('textarea', { maxlength: 5000, rows: 4 });
  const fileName = input({ maxlength: 255, autocomplete: 'off' });
  let fileNameTyped = false;
  fileName.addEventListener('input', () => {
    fileNameTyped = true;
  });
  const pubDateField = field({ id: 'meta-publicationDate', label: T.publicationDate, control: publicationDate, hint: T.dateHint });
  const syncStatus = () => {
    pubDateField.hidden = status.value !== 'published';
  };
  status.addEventListener('change', syncStatus);
  syncStatus();

  const authorRows = h('div', { class: 'stack' });
  const authors: { name: HTMLInputElement; role: HTMLInputElement; row: HTMLElement }[] = [];
  const renumber = () => {
    authors.forEach((a, i) => {
      const n = i + 1;
      a.row.querySelector(`label[for="${a.name.id}"]`)!.textContent = tr(T.authorName, { n });
      a.row.querySelector(`label[for="${a.role.id}"]`)!.textContent = tr(T.authorRole, { n });
      const rm = a.row.querySelector<HTMLButtonElement>('button');
      if (rm) {
        rm.setAttribute('aria-label', tr(T.removeAuthor, { n }));
        rm.hidden = authors.length === 1;
      }
    });
  };
  let serial = 0;
  const addAuthor = () => {
    const k = serial++;
    const name = input({ maxlength: 200, autocomplete: 'off' });
    const role = input({ maxlength: 100, autocomplete: 'off' });
    const rm = h('button', { type: 'button', class: 'secondary' }, tr(T.remove));
    const row = h(
      'div',
      { class: 'author-row' },
      h('div', { class: 'row2' }, field({ id: `meta-author-${k}-name`, label: '', control: name }), field({ id: `meta-author-${k}-role`, label: '', control: role })),
      rm,
    );
    const entry = { name, role, row };
    rm.addEventListener('click', () => {
      authors.splice(authors.indexOf(entry), 1);
      row.remove();
      renumber();
      authors[0]?.name.focus();
    });
    authors.push(entry);
    authorRows.append(row);
    renumber();
    return entry;
  };
  addAuthor();
  const add = h('button', { type: 'button', class: 'secondary' }, tr(T.addAuthor));
  add.addEventListener('click', () => addAuthor().name.focus());

  const el = h(
    'fieldset',
    { class: 'stack metadata bare' },
    h('legend', { class: 'visually-hidden' }, tr(T.legend)),
    h('p', { class: 'hint' }, tr(T.intro)),
    field({ id: 'meta-title', label: T.title, control: title }),
    h('div', { class: 'row2' }, field({ id: 'meta-workType', label: T.workType, control: workType }), field({ id: 'meta-rightsHolder', label: T.rightsHolder, control: rightsHolder })),
    h('fieldset', { class: 'authors', 'aria-describedby': 'meta-authors-hint' }, h('legend', null, tr(T.authors)), h('p', { class: 'hint', id: 'meta-authors-hint' }, tr(T.roleHint)), authorRows, h('div', { class: 'actions' }, add)),
    h(
      'div',
      { class: 'row2' },
      field({ id: 'meta-creationDate', label: T.creationDate, control: creationDate, hint: T.dateHint }),
      field({ id: 'meta-publicationStatus', label: T.publicationStatus, control: status }),
    ),
    pubDateField,
    field({ id: 'meta-description', label: T.description, control: description }),
    field({ id: 'meta-fileName', label: T.fileName, control: fileName, hint: T.fileNameHint }),
  );

  const controls: Record<string, HTMLElement> = { title, workType, rightsHolder, creationDate, publicationStatus: status, publicationDate, description, fileName };

  return {
    el,
    setFileName(name) {
      if (!fileNameTyped) fileName.value = name.slice(0, 255);
    },
    value() {
      let firstBad: HTMLElement | undefined;
      const bad = (id: string, msg: Text, control: HTMLElement) => {
        setFieldError(id, tr(msg));
        firstBad ??= control;
      };
      for (const id of Object.keys(controls)) setFieldError(`meta-${id}`, undefined);
      for (const a of authors) setFieldError(a.name.id, undefined);
      const m: Record<string, unknown> = {};
      const put = (k: string, v: string) => {
        const t = v.trim();
        if (t !== '') m[k] = t;
      };
      put('title', title.value);
      put('workType', workType.value);
      const list = authors
        .map((a) => ({ a, name: a.name.value.trim(), role: a.role.value.trim() }))
        .filter((x) => x.name !== '' || x.role !== '');
      for (const x of list) if (x.name === '') bad(x.a.name.id, T.authorNeedsName, x.a.name);
      if (list.length > 0) m.authors = list.map((x) => ({ name: x.name, ...(x.role !== '' ? { role: x.role } : {}) }));
      put('rightsHolder', rightsHolder.value);
      put('creationDate', creationDate.value);
      put('publicationStatus', status.value);
      if (status.value === 'published') put('publicationDate', publicationDate.value);
      if (description.value.trim() !== '') m.description = description.value;
      put('fileName', fileName.value);
      if (typeof m.creationDate === 'string' && !isPartialDate(m.creationDate)) bad('meta-creationDate', T.badDate, creationDate);
      if (typeof m.publicationDate === 'string') {
        if (!isPartialDate(m.publicationDate)) bad('meta-publicationDate', T.badDate, publicationDate);
        else if (typeof m.creationDate === 'string' && m.publicationDate < m.creationDate.slice(0, m.publicationDate.length)) bad('meta-publicationDate', T.beforeCreation, publicationDate);
      }
      if (firstBad) {
        firstBad.focus();
        return undefined;
      }
      return m;
    },
    showServerError(path, message) {
      const parts = path.replace(/^metadata\.?/, '').split('.');
      let id: string | undefined;
      if (parts[0] === 'authors' && parts[1] !== undefined && authors[Number(parts[1])]) {
        const a = authors[Number(parts[1])]!;
        id = parts[2] === 'role' ? a.role.id : a.name.id;
      } else if (parts[0] !== undefined && parts[0] in controls) id = `meta-${parts[0]}`;
      if (id === undefined) return false;
      if (id === 'meta-publicationDate') pubDateField.hidden = false;
      setFieldError(id, message);
      document.getElementById(id)?.focus();
      return true;
    },
  };
}

/** Authors as one line for people: `Name (role), Name`. */
export function authorsText(authors: unknown): string | undefined {
  if (!Array.isArray(authors)) return undefined;
  return authors
    .map((a: { name?: unknown; role?: unknown }) => (typeof a?.role === 'string' ? `${String(a.name)} (${a.role})` : String(a?.name)))
    .join(', ');
}
