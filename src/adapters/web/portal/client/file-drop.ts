/**
 * Choosing a file: a drop zone that also holds a labelled file picker (keyboard and screen
 * reader users pick; others may drop), and hashing the chosen file in the worker with a
 * progress bar and a cancel button.
 */
import { h, replace } from './dom.js';
import { fmtBytes, tr, type Text } from './i18n.js';
import { HashCancelled, hashInWorker, type FileHashes } from './hashing.js';
import { progressBar } from './ui.js';

const T = {
  drop: { zh: '把文件拖到这里', en: 'Drop a file here' },
  or: { zh: '或者', en: 'or' },
  pick: { zh: '选择文件', en: 'Choose a file' },
  chosen: { zh: '已选择：{name}（{size}）', en: 'Chosen: {name} ({size})' },
  hashing: { zh: '正在计算哈希', en: 'Computing the hashes' },
  progress: { zh: '已处理 {done} / {total}（{pct}%）', en: '{done} of {total} hashed ({pct}%)' },
  cancel: { zh: '取消', en: 'Cancel' },
  cancelled: { zh: '已取消。', en: 'Cancelled.' },
  oneFile: { zh: '一次只能拖入一个文件。', en: 'Drop one file at a time.' },
} satisfies Record<string, Text>;

export interface FileDrop {
  el: HTMLElement;
  /** The file input (tests pick files with it). */
  input: HTMLInputElement;
}

/** A drop zone with a file picker; `onFile` runs for each chosen file. */
export function fileDrop(id: string, hint: Text | undefined, onFile: (file: File) => void, onError: (message: string) => void): FileDrop {
  // The native input stays in the page (keyboard, screen readers, tests) but out of sight; its label is the visible button.
  const fileInput = h('input', { type: 'file', id, class: 'file-input visually-hidden', 'aria-describedby': hint ? `${id}-hint` : null });
  const chosen = h('p', { class: 'file-chosen', 'aria-live': 'polite' });
  const zone = h(
    'div',
    { class: 'dropzone' },
    h('p', { class: 'big drop-only', 'aria-hidden': 'true' }, tr(T.drop)),
    h('p', { class: 'drop-only', 'aria-hidden': 'true' }, tr(T.or)),
    fileInput,
    h('label', { for: id, class: 'button pick' }, tr(T.pick)),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, tr(hint)) : null,
    chosen,
  );
  const take = (f: File) => {
    replace(chosen, tr(T.chosen, { name: f.name, size: fmtBytes(f.size) }));
    onFile(f);
  };
  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    if (f) take(f);
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = e.dataTransfer?.files;
    if (!files || files.length === 0) return;
    if (files.length > 1) return onError(tr(T.oneFile));
    take(files[0]!);
  });
  return { el: zone, input: fileInput };
}

/**
 * Hashes `file` in the worker, drawing a progress bar and a cancel button into `area`.
 * Resolves to the hashes, or undefined when cancelled (by the button or by `signal`).
 */
export async function hashWithProgress(file: File, area: HTMLElement, signal?: AbortSignal): Promise<FileHashes | undefined> {
  const ctl = new AbortController();
  signal?.addEventListener('abort', () => ctl.abort(), { once: true });
  const bar = progressBar(`${area.id || 'hash'}-progress`, tr(T.hashing));
  const cancel = h('button', { type: 'button', class: 'secondary' }, tr(T.cancel));
  cancel.addEventListener('click', () => ctl.abort());
  replace(area, bar.el, h('div', { class: 'actions' }, cancel));
  const show = (done: number, total: number) =>
    bar.set(done, total, tr(T.progress, { done: fmtBytes(done), total: fmtBytes(total), pct: total === 0 ? 100 : Math.floor((done / total) * 100) }));
  show(0, file.size);
  try {
    const r = await hashInWorker(file, show, ctl.signal);
    area.replaceChildren();
    return r;
  } catch (e) {
    if (e instanceof HashCancelled) {
      replace(area, h('p', { class: 'notice', role: 'status' }, tr(T.cancelled)));
      return undefined;
    }
    area.replaceChildren();
    throw e;
  }
}
