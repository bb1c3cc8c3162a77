/**
 * Small building blocks the portal's pages share: labelled form fields with hints and error
 * messages wired to `aria-describedby`, an alert area for a failed request, a copy button, a
 * progress bar, and a definition list of details. Everything is built with `h()`.
 */
import { ApiError } from './api.js';
import { h, replace, type Child } from './dom.js';
import { tr, type Text } from './i18n.js';

const T = {
  copy: { zh: '复制', en: 'Copy' },
  copied: { zh: '已复制', en: 'Copied' },
  copyWhat: { zh: '复制：{what}', en: 'Copy: {what}' },
  copyFailed: { zh: '无法自动复制，请手动选中复制。', en: 'Could not copy: select the text and copy it yourself.' },
  network: { zh: '无法连接到服务，请检查网络后重试。', en: 'Could not reach the service. Check your connection and try again.' },
  tooMany: { zh: '请求过于频繁，请稍后再试。', en: 'Too many requests: please wait a moment and try again.' },
  busy: { zh: '服务繁忙，请稍后再试。', en: 'The service is busy: please try again in a moment.' },
  required: { zh: '（必填）', en: '(required)' },
} satisfies Record<string, Text>;

/** A person-readable sentence for a failed call: the service's problem detail, or what went wrong. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0 && e.code === 'network') return tr(T.network);
    if (e.status === 429) return `${tr(T.tooMany)} (${e.detail})`;
    if (e.status === 503) return `${tr(T.busy)} (${e.detail})`;
    return e.detail || e.code;
  }
  if (e instanceof TypeError) return tr(T.network);
  return e instanceof Error ? e.message : String(e);
}

/** An empty alert region; `showError(box, e)` fills it, `clear(box)` empties it. */
export function alertBox(): HTMLParagraphElement {
  return h('p', { class: 'error', role: 'alert' });
}

export function showError(box: HTMLElement, e: unknown): void {
  box.className = 'error';
  replace(box, errorText(e));
}

export function clear(box: HTMLElement): void {
  box.replaceChildren();
}

export interface FieldOptions {
  id: string;
  label: Text | string;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  hint?: Text | string;
  required?: boolean;
}

const text = (t: Text | string) => (typeof t === 'string' ? t : tr(t));

/** `<div class="field">` with a `<label for>`, the control, an optional hint and an error line. */
export function field(o: FieldOptions): HTMLDivElement {
  o.control.id = o.id;
  const described: string[] = [];
  const hint = o.hint === undefined ? null : h('p', { class: 'hint', id: `${o.id}-hint` }, text(o.hint));
  if (hint) described.push(hint.id);
  const err = h('p', { class: 'field-error', id: `${o.id}-error`, hidden: true });
  described.push(err.id);
  o.control.setAttribute('aria-describedby', described.join(' '));
  if (o.required) o.control.required = true;
  return h('div', { class: 'field', 'data-field': o.id }, h('label', { for: o.id }, text(o.label), o.required ? h('span', { class: 'visually-hidden' }, tr(T.required)) : null), hint, o.control, err);
}

/** Marks the field whose control has `id` as invalid with `message` (or valid when undefined). */
export function setFieldError(id: string, message: string | undefined): void {
  const control = document.getElementById(id);
  const err = document.getElementById(`${id}-error`);
  if (!control || !err) return;
  if (message === undefined) {
    control.removeAttribute('aria-invalid');
    err.hidden = true;
    err.replaceChildren();
  } else {
    control.setAttribute('aria-invalid', 'true');
    err.hidden = false;
    replace(err, message);
  }
}

/** Clears every field error inside `root`. */
export function clearFieldErrors(root: ParentNode): void {
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('[aria-invalid]'))) setFieldError(el.id, undefined);
}

export function input(attrs: Record<string, string | number | boolean | undefined> = {}): HTMLInputElement {
  return h('input', { type: 'text', ...attrs });
}

/** A button that copies `value` to the clipboard and says so. */
export function copyButton(value: string, label?: string): HTMLButtonElement {
  // The accessible name starts with the visible word, then says what is copied.
  const b: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', 'aria-label': label === undefined ? null : tr(T.copyWhat, { what: label }) }, tr(T.copy));
  const status = h('span', { class: 'visually-hidden', 'aria-live': 'polite' });
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      b.firstChild!.textContent = tr(T.copied);
      replace(status, tr(T.copied));
    } catch {
      replace(status, tr(T.copyFailed));
    }
    setTimeout(() => {
      b.firstChild!.textContent = tr(T.copy);
    }, 2000);
  });
  b.append(status);
  return b;
}

/** A secret in a selectable box beside a copy button. */
export function secretBox(value: string, label: string): HTMLDivElement {
  const code = h('code', { class: 'mono', tabindex: 0, 'aria-label': label, 'data-secret': '' }, value);
  return h('div', { class: 'secret' }, code, copyButton(value, label));
}

/** `<dl class="details">` from [label, value] pairs (undefined values are skipped). */
export function details(rows: readonly (readonly [Text | string, Child] | null | false)[]): HTMLDListElement {
  return h(
    'dl',
    { class: 'details' },
    rows.filter((r): r is readonly [Text | string, Child] => !!r && r[1] !== undefined && r[1] !== null).map(([k, v]) => [h('dt', null, text(k)), h('dd', null, v)]),
  );
}

/** A labelled progress bar; `set(done,total,status)` updates it (screen readers hear every 10 %). */
export function progressBar(id: string, label: string): { el: HTMLDivElement; set(done: number, total: number, status: string): void } {
  const bar = h('progress', { id, max: 1, value: 0 });
  const status = h('p', { class: 'status', id: `${id}-status` });
  const spoken = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const el = h('div', { class: 'progress' }, h('label', { for: id }, label), bar, status, spoken);
  let lastTenth = -1;
  return {
    el,
    set(done, total, s) {
      bar.max = Math.max(1, total);
      bar.value = done;
      status.textContent = s;
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        spoken.textContent = s;
      }
    },
  };
}

/** Runs `fn` with `button` disabled (and aria-busy), re-enabling it afterwards. */
export async function busy<T>(button: HTMLButtonElement, fn: () => Promise<T>): Promise<T> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * A same-origin path to go to after signing in, or undefined for anything else. The URL parser
 * decides (browsers drop tab, CR and LF inside URLs, so "/\t/evil.example" would be "//evil.example");
 * control characters and backslashes are refused outright.
 */
export function safeNext(next: string | null): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (next === null || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return undefined;
  let u: URL;
  try {
    u = new URL(next, location.origin);
  } catch {
    return undefined;
  }
  return u.origin === location.origin ? u.pathname + u.search + u.hash : undefined;
}
