/**
 * `/deposit`: choose a work, hash it in the browser (SHA-256 and SM3, in a worker), fill in the
 * work's details, then deposit either the hashes only (the file never leaves the computer) or
 * the file itself (a multipart upload with progress). On success the deposit's page opens.
 */
import { api, ApiError, upload } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtBytes, tr, type Text } from '../i18n.js';
import { hashWithProgress } from '../file-drop.js';
import { fileDrop } from '../file-drop.js';
import type { FileHashes } from '../hashing.js';
import { metadataForm } from '../metadata-form.js';
import type { PageContext } from '../router.js';
import { alertBox, busy, clear, details, errorText, progressBar, showError } from '../ui.js';

export const T = {
  title: { zh: '存证作品', en: 'Deposit a work' },
  lead: {
    zh: '您的浏览器会计算文件的 SHA-256 和 SM3 哈希。您可以只提交哈希，也可以上传文件由本服务保存一份。',
    en: 'Your browser computes the file’s SHA-256 and SM3 hashes. You can send only the hashes, or upload the file so the service keeps a copy.',
  },
  step1: { zh: '1. 选择作品文件', en: '1. Choose the work' },
  step2: { zh: '2. 填写作品信息', en: '2. Describe the work' },
  step3: { zh: '3. 提交方式', en: '3. How to deposit' },
  dropHint: { zh: '任何格式，任意大小。哈希在您的电脑上计算。', en: 'Any format, any size. The hashes are computed on your computer.' },
  hashes: { zh: '文件指纹', en: 'Fingerprint of the file' },
  fileName: { zh: '文件名', en: 'File name' },
  size: { zh: '大小', en: 'Size' },
  modeLegend: { zh: '提交方式', en: 'What to send' },
  hashOnly: { zh: '只提交哈希——文件不会离开我的电脑', en: 'Hash only — the file never leaves my computer' },
  hashOnlyHint: { zh: '请自行妥善保存原文件：验证时需要用它与证书比对。', en: 'Keep the original file safe yourself: verifying needs it to match the certificate.' },
  uploadMode: { zh: '上传文件，由本服务保存一份', en: 'Upload the file and let the service keep a copy' },
  uploadHint: { zh: '服务器会重新计算哈希，并与浏览器的结果核对。', en: 'The service hashes it again; the result is checked against your browser’s.' },
  submit: { zh: '存证', en: 'Deposit' },
  needFile: { zh: '请先选择文件。', en: 'Choose a file first.' },
  waitHash: { zh: '请等待哈希计算完成。', en: 'Wait until the hashes are computed.' },
  uploading: { zh: '正在上传', en: 'Uploading' },
  uploaded: { zh: '已上传 {done} / {total}（{pct}%）', en: '{done} of {total} sent ({pct}%)' },
  waiting: { zh: '正在写入日志…', en: 'Writing to the log…' },
  cancelUpload: { zh: '取消上传', en: 'Cancel the upload' },
  cancelled: { zh: '上传已取消，没有存证。', en: 'The upload was cancelled; nothing was deposited.' },
  mismatch: { zh: '服务器计算的哈希与浏览器不一致（{alg}）：文件在读取时可能被修改。存证 {id} 记录的是服务器收到的内容。', en: 'The service’s hash differs from your browser’s ({alg}): the file may have changed while it was read. Deposit {id} records what the service received.' },
  metaInvalid: { zh: '请修正作品信息中标出的字段。', en: 'Correct the marked fields in the work’s details.' },
  hashFailed: { zh: '无法读取文件：{detail}', en: 'The file could not be read: {detail}' },
} satisfies Record<string, Text>;

export function renderDeposit(ctx: PageContext): void {
  const box = alertBox();
  const hashArea = h('div', { id: 'hash-area' });
  const result = h('div', { class: 'hash-result' });
  const sendArea = h('div', { id: 'send-area' });
  const meta = metadataForm();
  let file: File | undefined;
  let hashes: FileHashes | undefined;
  let hashRun: AbortController | undefined;
  ctx.signal.addEventListener('abort', () => hashRun?.abort(), { once: true });

  const drop = fileDrop('deposit-file', T.dropHint, (f) => {
    file = f;
    hashes = undefined;
    meta.setFileName(f.name);
    clear(box);
    result.replaceChildren();
    hashRun?.abort();
    const run = new AbortController();
    hashRun = run;
    hashWithProgress(f, hashArea, run.signal)
      .then((r) => {
        if (hashRun !== run || r === undefined) return;
        hashes = r;
        replace(
          result,
          h('h3', null, tr(T.hashes)),
          details([
            [T.fileName, f.name],
            [T.size, `${fmtBytes(r.size)} (${r.size.toLocaleString()} B)`],
            ['SHA-256', h('code', { class: 'hash', 'data-hash': 'sha256' }, r.sha256)],
            ['SM3', h('code', { class: 'hash', 'data-hash': 'sm3' }, r.sm3)],
          ]),
        );
      })
      .catch((e: unknown) => {
        if (hashRun === run) replace(box, tr(T.hashFailed, { detail: errorText(e) }));
      });
  }, (msg) => replace(box, msg));

  const radio = (value: string, label: Text, hint: Text, checked: boolean) =>
    h(
      'label',
      { class: 'choice' },
      h('input', { type: 'radio', name: 'deposit-mode', value, checked, 'aria-describedby': `mode-${value}-hint` }),
      h('span', null, tr(label), h('span', { class: 'hint', id: `mode-${value}-hint` }, tr(hint))),
    );
  const mode = h('fieldset', { class: 'bare' }, h('legend', { class: 'visually-hidden' }, tr(T.modeLegend)), radio('hash', T.hashOnly, T.hashOnlyHint, true), radio('upload', T.uploadMode, T.uploadHint, false));
  const submit = h('button', { type: 'submit' }, tr(T.submit));
  const form = h('form', { class: 'deposit-form', novalidate: true }, h('h2', null, tr(T.step2)), meta.el, h('h2', null, tr(T.step3)), mode, box, sendArea, h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clear(box);
    if (file === undefined) {
      replace(box, tr(T.needFile));
      drop.input.focus();
      return;
    }
    if (hashes === undefined) {
      replace(box, tr(T.waitHash));
      return;
    }
    const metadata = meta.value();
    if (metadata === undefined) {
      replace(box, tr(T.metaInvalid));
      return;
    }
    const chosen = (form.querySelector<HTMLInputElement>('input[name=deposit-mode]:checked')?.value ?? 'hash') as 'hash' | 'upload';
    const local = hashes;
    const f = file;
    void busy(submit, async () => {
      try {
        const dep = chosen === 'hash' ? await depositHash(local, metadata) : await depositUpload(f, metadata, sendArea);
        if (dep === undefined || ctx.signal.aborted) return;
        const mismatch = dep.sha256 !== local.sha256 ? 'SHA-256' : dep.sm3 !== undefined && dep.sm3 !== local.sm3 ? 'SM3' : undefined;
        ctx.navigate(`/deposits/${encodeURIComponent(dep.id)}?new=1${mismatch ? `&mismatch=${encodeURIComponent(mismatch)}` : ''}`);
      } catch (err) {
        if (err instanceof ApiError && err.field?.startsWith('metadata') && meta.showServerError(err.field, errorText(err))) {
          showError(box, err);
          return;
        }
        showError(box, err);
      }
    });
  });

  replace(ctx.main, h('h1', null, tr(T.title)), h('p', { class: 'lead' }, tr(T.lead)), h('h2', null, tr(T.step1)), drop.el, hashArea, result, form);
}

interface DepositAnswer {
  id: string;
  sha256: string;
  sm3?: string;
}

function depositHash(hashes: FileHashes, metadata: Record<string, unknown>): Promise<DepositAnswer> {
  return api<DepositAnswer>('POST', '/v1/deposits', { sha256: hashes.sha256, sm3: hashes.sm3, size: hashes.size, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) });
}

async function depositUpload(file: File, metadata: Record<string, unknown>, area: HTMLElement): Promise<DepositAnswer | undefined> {
  const form = new FormData();
  if (Object.keys(metadata).length > 0) form.append('metadata', JSON.stringify(metadata));
  form.append('file', file, file.name);
  const ctl = new AbortController();
  const bar = progressBar('upload-progress', tr(T.uploading));
  const cancel = h('button', { type: 'button', class: 'secondary' }, tr(T.cancelUpload));
  cancel.addEventListener('click', () => ctl.abort());
  replace(area, bar.el, h('div', { class: 'actions' }, cancel));
  bar.set(0, file.size, tr(T.uploaded, { done: fmtBytes(0), total: fmtBytes(file.size), pct: 0 }));
  try {
    return await upload<DepositAnswer>(
      '/v1/deposits',
      form,
      (sent, total) => bar.set(sent, total, sent >= total ? tr(T.waiting) : tr(T.uploaded, { done: fmtBytes(sent), total: fmtBytes(total), pct: Math.floor((sent / Math.max(1, total)) * 100) })),
      ctl.signal,
    );
  } catch (e) {
    if (e instanceof ApiError && e.code === 'aborted') {
      replace(area, h('p', { class: 'notice', role: 'status' }, tr(T.cancelled)));
      return undefined;
    }
    area.replaceChildren();
    throw e;
  } finally {
    if (area.contains(cancel)) area.replaceChildren();
  }
}
