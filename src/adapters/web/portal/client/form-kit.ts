/**
 * Labelled form fields whose error line sits under the control, and the placing of an API
 * problem's `detail` next to the field its `field` names (`rightsHolders.0.idNumber` → the
 * control with id `f-rightsHolders-0-idNumber`; when no control has that exact name, its
 * nearest named parent: `deposits.1` → `deposits`).
 */
import { ApiError } from './api.js';
import { h, replace, type Child } from './dom.js';
import { tr, type Text } from './i18n.js';

/** The element id of the control for an API field path. */
export function fieldId(path: string): string {
  return 'f-' + path.replace(/\./g, '-');
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** A `.field`: label, control (given the field's id), optional hint, and an empty error line. */
export function field(path: string, label: Text, control: Control, hint?: Text): HTMLDivElement {
  const id = fieldId(path);
  control.id = id;
  if (control.name === '') control.name = path;
  const described = [`${id}-err`];
  if (hint) described.unshift(`${id}-hint`);
  control.setAttribute('aria-describedby', described.join(' '));
  return h(
    'div',
    { class: 'field', 'data-field': path },
    h('label', { for: id }, tr(label)),
    control,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, tr(hint)) : null,
    h('p', { class: 'field-error', id: `${id}-err` }),
  );
}

/** A `<fieldset>` that can carry an error of its own (for list fields such as `deposits`). */
export function group(path: string, legend: Text, ...children: Child[]): HTMLFieldSetElement {
  const id = fieldId(path);
  return h('fieldset', { id, 'data-field': path, 'aria-describedby': `${id}-err` }, h('legend', null, tr(legend)), children, h('p', { class: 'field-error', id: `${id}-err` }));
}

/** A `<select>` of `values`, labelled by `labels`, with an optional empty first choice. */
export function select<V extends string>(values: readonly V[], labels: Record<V, Text>, selected: string | undefined, empty?: Text): HTMLSelectElement {
  return h(
    'select',
    null,
    empty ? h('option', { value: '', selected: selected === undefined }, tr(empty)) : null,
    values.map((v) => h('option', { value: v, selected: v === selected }, tr(labels[v]))),
  );
}

export function input(type: string, value: string | undefined, attrs: Record<string, string | number | boolean> = {}): HTMLInputElement {
  return h('input', { type, value: value ?? '', ...attrs });
}

/** Removes every error shown in `root`. */
export function clearErrors(root: HTMLElement): void {
  for (const el of root.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

const T = {
  field: { zh: '请检查此项：{detail}', en: 'Please check this: {detail}' },
  failed: { zh: '操作失败：{detail}', en: 'That did not work: {detail}' },
} satisfies Record<string, Text>;

/**
 * Shows `e` next to the field it names inside `root` (focusing that control), or in `general`
 * when it names none that `root` shows.
 */
export function showError(root: HTMLElement, general: HTMLElement, e: unknown): void {
  clearErrors(root);
  replace(general);
  const detail = e instanceof ApiError ? e.detail : e instanceof Error ? e.message : String(e);
  const path = e instanceof ApiError ? e.field : undefined;
  if (path !== undefined) {
    const parts = path.split('.');
    for (let n = parts.length; n > 0; n--) {
      const id = fieldId(parts.slice(0, n).join('.'));
      const err = root.querySelector<HTMLElement>(`#${CSS.escape(id)}-err`);
      if (err === null) continue;
      err.textContent = tr(T.field, { detail });
      const control = root.querySelector<HTMLElement>(`#${CSS.escape(id)}`);
      control?.setAttribute('aria-invalid', 'true');
      const focusable = control?.matches('input, select, textarea') ? control : control?.querySelector<HTMLElement>('input, select, textarea');
      focusable?.focus();
      return;
    }
  }
  replace(general, tr(T.failed, { detail }));
  general.focus();
}

/** An error box that `showError` fills and focuses (announced by screen readers). */
export function errorBox(): HTMLDivElement {
  return h('div', { class: 'error', role: 'alert', tabindex: -1 });
}

/** A two-step destructive button: the first press asks, the second acts. */
export function confirmButton(label: Text, confirm: Text, act: () => void | Promise<void>): HTMLButtonElement {
  let armed = false;
  const b = h('button', { type: 'button', class: 'danger' }, tr(label));
  b.addEventListener('click', () => {
    if (!armed) {
      armed = true;
      b.textContent = tr(confirm);
      b.classList.add('confirm');
      return;
    }
    b.disabled = true;
    void Promise.resolve(act()).finally(() => {
      b.disabled = false;
    });
  });
  b.addEventListener('blur', () => {
    armed = false;
    b.textContent = tr(label);
    b.classList.remove('confirm');
  });
  return b;
}
