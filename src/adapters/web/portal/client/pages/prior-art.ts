/**
 * `/prior-art`: drop a file, hash it in the browser, and look its SHA-256 up in the public
 * prior-art index (`GET /v1/deposits?sha256=`). Only the hash leaves the browser.
 */
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtBytes, fmtTime, tr, type Text } from '../i18n.js';
import { fileDrop, hashWithProgress } from '../file-drop.js';
import type { PageContext } from '../router.js';
import { alertBox, details, errorText, showError } from '../ui.js';

export const T = {
  title: { zh: '在先存证查询', en: 'Prior-art lookup' },
  lead: {
    zh: '查看某个文件是否已经被存证过。文件在您的浏览器中计算哈希，只有 SHA-256 哈希会发送到服务器。',
    en: 'See whether a file was deposited before. The file is hashed in your browser; only its SHA-256 hash is sent to the service.',
  },
  dropHint: { zh: '文件不会上传。', en: 'The file is not uploaded.' },
  looking: { zh: '正在查询…', en: 'Looking it up…' },
  found: { zh: '找到 {n} 条存证，最早的在前：', en: 'Found {n} deposit(s), earliest first:' },
  none: { zh: '没有找到这个文件的存证。', en: 'This file has not been deposited.' },
  fingerprint: { zh: '文件指纹', en: 'Fingerprint' },
  fileName: { zh: '文件名', en: 'File name' },
  size: { zh: '大小', en: 'Size' },
  id: { zh: '存证编号', en: 'Deposit ID' },
  received: { zh: '存证时间', en: 'Deposited' },
  index: { zh: '日志序号', en: 'Log index' },
  block: { zh: '区块高度', en: 'Block' },
  verify: { zh: '查看验证页', en: 'Open the verify page' },
  results: { zh: '查询结果', en: 'Result' },
  hashFailed: { zh: '无法读取文件：{detail}', en: 'The file could not be read: {detail}' },
} satisfies Record<string, Text>;

interface PriorArt {
  id: string;
  index: number;
  receivedAt: string;
  block: number;
}

export function renderPriorArt(ctx: PageContext): void {
  const box = alertBox();
  const hashArea = h('div', { id: 'prior-hash' });
  const out = h('section', { 'aria-live': 'polite', class: 'prior-result' });
  let run: AbortController | undefined;
  ctx.signal.addEventListener('abort', () => run?.abort(), { once: true });
  const drop = fileDrop('prior-file', T.dropHint, (file) => {
    run?.abort();
    const mine = new AbortController();
    run = mine;
    box.replaceChildren();
    out.replaceChildren();
    void (async () => {
      let hashes;
      try {
        hashes = await hashWithProgress(file, hashArea, mine.signal);
      } catch (e) {
        if (run === mine) replace(box, tr(T.hashFailed, { detail: errorText(e) }));
        return;
      }
      if (hashes === undefined || run !== mine) return;
      replace(out, h('p', null, tr(T.looking)));
      try {
        const r = await api<{ deposits: PriorArt[] }>('GET', `/v1/deposits?sha256=${hashes.sha256}`);
        if (run !== mine) return;
        replace(
          out,
          h('h2', null, tr(T.results)),
          details([
            [T.fileName, file.name],
            [T.size, fmtBytes(hashes.size)],
            ['SHA-256', h('code', { class: 'hash', 'data-hash': 'sha256' }, hashes.sha256)],
          ]),
          r.deposits.length === 0
            ? h('p', { class: 'notice', 'data-matches': '0' }, tr(T.none))
            : [
                h('p', { class: 'success', 'data-matches': String(r.deposits.length) }, tr(T.found, { n: r.deposits.length })),
                h(
                  'ol',
                  { class: 'matches' },
                  r.deposits.map((d) =>
                    h(
                      'li',
                      { 'data-deposit-id': d.id },
                      details([
                        [T.id, h('code', { class: 'mono' }, d.id)],
                        [T.received, h('time', { datetime: d.receivedAt, title: d.receivedAt }, fmtTime(d.receivedAt))],
                        [T.index, String(d.index)],
                        [T.block, String(d.block)],
                      ]),
                      h('a', { href: `/verify/${encodeURIComponent(d.id)}` }, tr(T.verify)),
                    ),
                  ),
                ),
              ],
        );
      } catch (e) {
        out.replaceChildren();
        showError(box, e);
      }
    })();
  }, (msg) => replace(box, msg));
  replace(ctx.main, h('h1', null, tr(T.title)), h('p', { class: 'lead' }, tr(T.lead)), drop.el, hashArea, box, out);
}
