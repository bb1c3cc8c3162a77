/**
 * The one verify page, in two forms from one template:
 *
 * - the download `/downloads/verify.html` (built by downloads/build.ts): no trusted keys, no
 *   network at all (`connect-src 'none'`);
 * - the served `/verify` and `/verify/{depositId}` (http/verify-page.ts): the same page and
 *   script with the operator's verifier keys filled in as the trusted list (and shown with their
 *   fingerprints and as a `log.keys` list for the CLI), and, for a deposit, its public facts and
 *   the address of its certificate, which the script tries to fetch (`connect-src 'self'`).
 *
 * HTML, CSS and the bundled script of verify/client/ are inline, nothing else is loaded. The
 * Content-Security-Policy (a meta tag, so it holds when the page is saved and opened from disk;
 * the server sends the same as a header) allows only that one script, by hash, and workers from
 * Blob URLs (the hashing worker). Static text is written in both languages (`.zh` / `.en`, shown
 * by `<html lang>`); the script writes the rest in the chosen one.
 */

/** Where the script sits: the server finds it by this opening tag to hash it. */
export const SCRIPT_OPEN = '<script id="verify-script">';

/** The policy for the page whose only script has SHA-256 `scriptSha256` (base64); `connect` lets the served page fetch a certificate from its own origin. */
export function verifyPageCsp(scriptSha256: string, opts: { connect?: boolean; header?: boolean } = {}): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${scriptSha256}'`,
    'worker-src blob:',
    "style-src 'unsafe-inline'",
    `connect-src ${opts.connect === true ? "'self'" : "'none'"}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(opts.header === true ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

/** The page's script between `SCRIPT_OPEN` and `</script>`, as inlined ('' when absent). */
export function pageScript(html: string): string {
  const start = html.indexOf(SCRIPT_OPEN);
  const end = start < 0 ? -1 : html.indexOf('</script>', start);
  return end < 0 ? '' : html.slice(start + SCRIPT_OPEN.length, end);
}

export interface VerifyPageKey {
  /** The verifier key line. */
  key: string;
  /** SHA-256 of the key line, grouped hex (core/trust.ts keyFingerprint). */
  fingerprint: string;
  /** The first block it signs. */
  firstHeight: number;
  /** The hand-over block where it was retired (its last block); absent for the key in force. */
  lastHeight?: number;
}

/** What the served page adds to the download. */
export interface ServedPage {
  origin: string;
  /** The operator's keys, oldest first, the current key last. */
  keys: readonly VerifyPageKey[];
  /** The trust list of `keys` (`until=` on retired keys), filled in as the trusted keys. */
  trustList: string;
  /** On `/verify/{id}`: the id asked for, and the deposit's public facts when it exists. */
  deposit?: { id: string; found?: { index: number; block: number; receivedAt: string } };
  /** On `/verify/{id}` with something that is no deposit id. */
  badId?: boolean;
  /** The TSA certificates this log trusts (the built-in TSA's, a configured TSA's CA), pinned for the timestamp check. */
  tsa?: readonly { subject: string; sha256: string; pem: string }[];
}

export interface VerifyPageInput {
  script: string;
  scriptSha256: string;
  version: string;
  served?: ServedPage;
  /** The language to open in (the script then follows `?lang=` and the `cl_lang` cookie); Chinese by default. */
  lang?: 'zh' | 'en';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A file input shown as a button in the page's language (the browser's own button speaks the browser's). */
function picker(id: string, zh: string, en: string, opts: { accept?: string; quiet?: boolean } = {}): string {
  return `<input type="file" id="${id}" class="file"${opts.accept !== undefined ? ` accept="${opts.accept}"` : ''}><label for="${id}" class="button pick${opts.quiet === true ? ' quiet' : ''}">${bi(zh, en)}</label>`;
}

/** Both languages of a static text (already HTML); CSS shows the one `<html lang>` names. */
function bi(zh: string, en: string): string {
  return `<span class="zh">${zh}</span><span class="en" lang="en">${en}</span>`;
}

const CSS = `
  :root { --ink: #1b2433; --muted: #4f5b6d; --brand: #17365d; --line: #c9d1dc; --ok: #1d6b38; --bad: #a4262c; --warn: #7a4f00; }
  html[lang="en"] .zh, html:not([lang="en"]) .en { display: none; }
  body { font: 15px/1.6 system-ui, -apple-system, "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: #f3f6fa; margin: 0; }
  main { max-width: 54rem; margin: 1.5rem auto; background: #fff; padding: 1.4rem 2rem 2rem; border-top: 4px solid var(--brand); box-shadow: 0 1px 3px #0002; }
  header { display: flex; gap: 1rem; align-items: flex-start; justify-content: space-between; }
  #lang { flex: none; white-space: nowrap; }
  h1 { color: var(--brand); font-size: 1.5rem; margin: 0; line-height: 1.3; }
  h2 { color: var(--brand); font-size: 1.08rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
  a { color: var(--brand); }
  code, pre, textarea { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
  code { font-size: .85em; overflow-wrap: anywhere; }
  pre { background: #f3f6fa; padding: .7rem; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .8rem; }
  .lead { color: var(--muted); margin: .4rem 0 0; }
  button, .button { font: inherit; padding: .45rem 1.2rem; background: var(--brand); color: #fff; border: 0; border-radius: 4px; cursor: pointer; text-decoration: none; display: inline-block; }
  button[disabled] { background: #8a96a8; cursor: wait; }
  button.quiet, .button.quiet { background: #fff; color: var(--brand); border: 1px solid var(--brand); padding: .25rem .8rem; }
  button:focus-visible, a:focus-visible, input:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
  .deposit { background: #f3f6fa; border-left: 4px solid var(--brand); padding: .6rem 1rem; margin-top: 1rem; }
  .deposit dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0 0; }
  .deposit dt { color: var(--muted); } .deposit dd { margin: 0; }
  .steps { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin-top: 1rem; }
  .zone { border: 2px dashed #8a96a8; border-radius: 6px; padding: .8rem 1rem; background: #fafbfd; }
  .zone.over { border-color: var(--brand); background: #e8eef6; }
  .zone.attention { border-color: var(--warn); }
  .zone h2 { margin-top: 0; border: 0; }
  .row { display: flex; gap: .6rem; flex-wrap: wrap; align-items: center; margin: .4rem 0; }
  input.file { position: absolute; width: 1px; height: 1px; opacity: 0; }
  input.file:focus-visible + label { outline: 3px solid #f0b400; outline-offset: 2px; }
  .pick { padding: .4rem 1rem; }
  details.tsa { margin: .5rem 0; font-size: .85rem; } details.tsa pre { max-height: 8rem; overflow: auto; }
  .hint { color: var(--muted); font-size: .85rem; margin: .3rem 0; }
  .status { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; margin: .3rem 0 0; }
  .status:empty { display: none; }
  .status.ok { color: var(--ok); } .status.bad, #error { color: var(--bad); font-weight: 600; } .status.warn { color: var(--warn); }
  progress { width: 100%; height: .8rem; }
  details.paste textarea, #keys { width: 100%; box-sizing: border-box; font-size: .8rem; }
  .actions { margin-top: 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
  .verdict:empty { display: none; }
  .verdict { margin-top: 1.2rem; padding: .8rem 1rem; border-radius: 6px; }
  .verdict p { margin: .3rem 0 0; }
  .verdict strong { font-size: 1.25rem; }
  .verdict.valid { background: #e3f3e8; border: 1px solid var(--ok); } .verdict.valid strong { color: var(--ok); }
  .verdict.invalid { background: #fbe6e7; border: 1px solid var(--bad); } .verdict.invalid strong { color: var(--bad); }
  .verdict.unpinned { background: #fff3d6; border: 1px solid var(--warn); } .verdict.unpinned strong { color: var(--warn); }
  .summary h3 { font-size: .95rem; margin: .7rem 0 .3rem; }
  .summary dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; font-size: .9rem; }
  .summary dt { color: var(--muted); } .summary dd { margin: 0; overflow-wrap: anywhere; }
  .key { font-size: .85rem; } .key code.fp { overflow-wrap: normal; word-break: normal; }
  table { border-collapse: collapse; width: 100%; margin-top: .8rem; }
  #checks th, #checks td { padding: .5rem .5rem; border-bottom: 1px solid #e4e9f0; vertical-align: top; text-align: left; }
  #checks th { width: 10rem; font-weight: 600; } #checks th code { display: block; font-weight: 400; color: var(--muted); font-size: .75rem; }
  #checks td.mark { width: 1.6rem; font-size: 1.1rem; text-align: center; }
  tr.ok .mark, tr.ok .label { color: var(--ok); } tr.bad .mark, tr.bad .label { color: var(--bad); } tr.warn .mark, tr.warn .label { color: var(--warn); } tr.skip { color: var(--muted); }
  tr.bad { background: #fdf3f3; }
  .label { font-weight: 600; }
  .caution { display: block; color: var(--warn); margin-top: .2rem; }
  details summary { cursor: pointer; color: var(--muted); font-size: .8rem; }
  details code { display: block; font-size: .75rem; color: var(--muted); }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .keys th, .keys td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e9f0; vertical-align: top; font-size: .85rem; }
  .keys th { width: 9rem; font-weight: 600; } .keys small { display: block; font-weight: 400; color: var(--muted); }
  ul { padding-left: 1.2rem; }
  footer { color: var(--muted); font-size: .8rem; margin-top: 1.5rem; }
  @media (max-width: 40rem) {
    main { margin: 0; padding: 1rem; box-shadow: none; }
    header { flex-direction: column-reverse; gap: .5rem; } header button { align-self: flex-end; }
    h1 { font-size: 1.3rem; }
    .steps { grid-template-columns: 1fr; }
    #checks tr { display: grid; grid-template-columns: 1.6rem 1fr; border-bottom: 1px solid #e4e9f0; }
    #checks th, #checks td { border: 0; width: auto; padding: .3rem .4rem; }
    #checks td:last-child { grid-column: 1 / -1; padding-top: 0; }
    .summary dl { grid-template-columns: 1fr; } .summary dd { margin-bottom: .3rem; }
    .deposit dl { gap: .1rem .6rem; }
  }`;

function depositSection(s: ServedPage): string {
  if (s.badId === true) {
    return `<section class="deposit" aria-labelledby="dep-h"><h2 id="dep-h" class="status bad">${bi('✘ 这不是存证编号。', '✘ This is not a deposit id.')}</h2></section>`;
  }
  const d = s.deposit;
  if (d === undefined) return '';
  if (d.found === undefined) {
    return `<section class="deposit" aria-labelledby="dep-h"><h2 id="dep-h" class="status bad">${bi(`✘ 日志中没有存证 <code>${esc(d.id)}</code>。`, `✘ No deposit <code>${esc(d.id)}</code> is in the log.`)}</h2>
<p class="hint">${bi('您仍可以在下方核验手中的证书。', 'You can still check a certificate you hold below.')}</p></section>`;
  }
  const f = d.found;
  return `<section class="deposit" aria-labelledby="dep-h">
<h2 id="dep-h">${bi('该存证已记录在透明日志中', 'This deposit is recorded in the transparency log')}</h2>
<dl>
<dt>${bi('存证编号', 'Deposit id')}</dt><dd><code>${esc(d.id)}</code></dd>
<dt>${bi('条目序号', 'Entry index')}</dt><dd><a href="../v1/log/entries/${f.index}"><code>${f.index}</code></a></dd>
<dt>${bi('区块高度', 'Block height')}</dt><dd><a href="../v1/blocks/${f.block}"><code>${f.block}</code></a></dd>
<dt>${bi('存证时间', 'Received at')}</dt><dd><code>${esc(f.receivedAt)}</code></dd>
</dl>
<p class="status" id="fetch-status" role="status"></p>
</section>`;
}

function tsaSection(certs: NonNullable<ServedPage['tsa']>): string {
  const list = certs.map((c) => `<li>${esc(c.subject)}<br><small>SHA-256 <code class="fp">${esc(c.sha256)}</code></small></li>`).join('\n');
  return `<details class="tsa"><summary>${bi(`已固定本日志信任的 ${certs.length} 个时间戳机构证书`, `${certs.length} TSA certificate(s) this log trusts are pinned`)}</summary>
<ul>${list}</ul>
<pre id="tsa-pinned">${esc(certs.map((c) => c.pem).join(''))}</pre></details>`;
}

function operatorSection(s: ServedPage, depositId: string | undefined): string {
  const keyRows = s.keys
    .map(
      (k, i) => `<tr><th>${i === s.keys.length - 1 ? bi('当前公钥', 'Current key') : bi('历史公钥', 'Earlier key')}<small>block ${k.firstHeight}…${k.lastHeight ?? ''}</small></th>
<td><code>${esc(k.key)}</code><br><small>SHA-256 <code class="fp">${esc(k.fingerprint)}</code></small></td></tr>`,
    )
    .join('\n');
  const cmd = `node copyright-ledger-verify.mjs ${depositId !== undefined ? esc(depositId) : '&lt;id&gt;'}.certificate.json --file &lt;work file&gt; --key-file log.keys`;
  return `<h2>${bi('本日志的公钥', 'This log’s keys')}</h2>
<p class="hint">${bi(
    '上方“信任的日志公钥”已填入下列公钥。只有对照您信任的公钥，结果才为“有效”：请通过独立渠道（运营方官网、函件、电话）核对指纹。',
    'The trusted keys above are filled in with these. A certificate is VALID only against a key you trust: compare these fingerprints with the ones the operator publishes through another channel (its web site, a letter, by phone).',
  )}</p>
<table class="keys">
<tr><th>${bi('日志', 'Log')}</th><td><code>${esc(s.origin)}</code></td></tr>
${keyRows}
<tr><th>${bi('最新区块', 'Latest block')}</th><td><a href="../v1/log/checkpoint">checkpoint</a> · <a href="../v1/blocks/latest">block</a> · <a href="../v1/log/keys">keys</a></td></tr>
</table>
<h2>${bi('不用浏览器验证', 'Verify without a browser')}</h2>
<p class="hint">${bi(
    '将下方公钥清单保存为 <code>log.keys</code>，用证书 JSON（附在 PDF 证书中）和作品文件运行独立验证程序（只需 Node.js 18 或更高版本）：',
    'Save the key list below as <code>log.keys</code>, then run the standalone verifier (needs only Node.js 18 or later) with the JSON certificate (attached to the PDF) and the work’s file:',
  )}</p>
<pre>${cmd}</pre>
<p class="hint">${bi('公钥清单', 'Key list')} <code>log.keys</code>:</p>
<pre>${esc(s.trustList)}</pre>`;
}

/**
 * The page around `script` (the bundled browser code, already free of `</script`). `scriptSha256`
 * MUST be the base64 SHA-256 of `script` exactly as inlined.
 */
export function renderVerifyPage(p: VerifyPageInput): string {
  if (/<\/script/i.test(p.script)) throw new Error('the page script contains </script');
  const s = p.served;
  const depositId = s?.deposit?.found !== undefined ? s.deposit.id : undefined;
  const titleZh = `验证证书${depositId ? ` ${depositId}` : ''} · copyright-ledger`;
  const titleEn = `Verify a certificate${depositId ? ` ${depositId}` : ''} · copyright-ledger`;
  const csp = verifyPageCsp(p.scriptSha256, { connect: s !== undefined });
  return `<!doctype html>
<html lang="${p.lang === 'en' ? 'en' : 'zh-CN'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${s !== undefined ? '<meta name="robots" content="noindex">\n' : ''}<title>${esc(p.lang === 'en' ? titleEn : titleZh)}</title>
<style>${CSS}
</style>
</head>
<body data-title-zh="${esc(titleZh)}" data-title-en="${esc(titleEn)}"${depositId ? ` data-deposit="${esc(depositId)}"` : ''}>
<main>
<header>
<div>
<h1>${bi('验证证书', 'Verify a certificate')}</h1>
<p class="lead">${bi(
    '全部核验都在您的浏览器中完成：证书与作品文件不会上传，结果不取决于任何服务器。页面加载后断网也能使用，也可以保存为一个文件离线使用。',
    'Every check runs in your browser: the certificate and the work file are not uploaded, and no server decides the outcome. Once loaded it works with the network cut, and it can be saved as one file to use offline.',
  )}</p>
</div>
<button type="button" id="lang" class="quiet" lang="en">English</button>
</header>
${s !== undefined ? depositSection(s) : ''}
<div class="steps">
<section class="zone" id="cert-zone" aria-labelledby="cert-h">
<h2 id="cert-h">${bi('1. 证书', '1. Certificate')}</h2>
<p class="hint">${bi('把 PDF 证书或 JSON 证书拖放到此处，或：', 'Drop the PDF or JSON certificate here, or:')}</p>
<div class="row">${picker('cert-file', '选择证书文件', 'Pick the certificate', { accept: '.pdf,.json,application/pdf,application/json' })}</div>
<p class="status" id="cert-status" role="status"></p>
<details class="paste"><summary>${bi('或粘贴证书 JSON', 'or paste the certificate JSON')}</summary>
<label for="cert-text" class="sr">${bi('证书 JSON', 'Certificate JSON')}</label>
<textarea id="cert-text" rows="5" spellcheck="false"></textarea></details>
</section>
<section class="zone" id="work-zone" aria-labelledby="work-h">
<h2 id="work-h">${bi('2. 作品文件（可选）', '2. Work file (optional)')}</h2>
<p class="hint">${bi('把作品文件拖放到此处，或选择文件；它只在本机计算 SHA-256 与 SM3，不会上传：', 'Drop the work’s file here, or pick it; it is hashed here (SHA-256, SM3) and never uploaded:')}</p>
<div class="row">${picker('work-file', '选择作品文件', 'Pick the work file')}
<button type="button" class="quiet" id="clear-file">${bi('清除', 'Clear')}</button></div>
<progress id="hash-progress" max="1" value="0" hidden aria-label="SHA-256 / SM3"></progress>
<p class="status" id="file-status" role="status"></p>
</section>
</div>
<div class="actions"><button type="button" id="verify">${bi('验证', 'Verify')}</button>
${s !== undefined ? `<a id="save-page" href="../verify" download="copyright-ledger-verify.html">${bi('下载本页（含本日志公钥），离线使用', 'Download this page (with this log’s keys) to use offline')}</a>` : ''}</div>
<p id="error" class="status" role="alert"></p>
<section aria-label="Result" id="result" aria-live="polite">
<div class="verdict" id="verdict"></div>
<table id="checks"></table>
</section>

<h2>${bi('3. 信任设置', '3. Trust settings')}</h2>
<p class="hint">${bi(
    '信任的日志公钥，每行一个；已停用的公钥写作 <code>&lt;公钥&gt; until=&lt;区块高度&gt;</code>。请以独立渠道（官网、函件、电话核对指纹）获得。没有信任的公钥时，结果不会显示“有效”。',
    'Trusted log keys, one per line; a retired key as <code>&lt;key&gt; until=&lt;block height&gt;</code>. Get them out of band (the operator’s web site, a letter, the fingerprint read over the phone). Without a trusted key the verdict is never VALID.',
  )}</p>
<label for="keys" class="sr">${bi('信任的日志公钥', 'Trusted log keys')}</label>
<textarea id="keys" rows="${s !== undefined ? 4 : 3}" spellcheck="false" placeholder="localhost/copyright-ledger+1a2b3c4d+AQ…">${s !== undefined ? esc(s.trustList) : ''}</textarea>
<div class="row">${picker('key-file', '从文件读取公钥', 'Read keys from a file', { quiet: true })}
${picker('tsa-file', '固定时间戳机构证书（PEM/DER）', 'Pin a TSA certificate (PEM/DER)', { quiet: true })}</div>
<p class="status" id="tsa-status" role="status"></p>
${s?.tsa !== undefined && s.tsa.length > 0 ? tsaSection(s.tsa) : ''}
${s !== undefined ? operatorSection(s, depositId) : ''}
<h2>${bi('其他验证方式', 'Other ways to verify')}</h2>
<ul>
<li><a href="../downloads/copyright-ledger-verify.mjs" download><code>copyright-ledger-verify.mjs</code></a> · ${bi('独立验证程序（Node.js 18+，不联网）', 'standalone verifier (Node.js 18+, no network)')}</li>
<li><a href="../downloads/verify.html"><code>verify.html</code></a> · ${bi('本页的离线版（不含任何公钥）', 'this page for offline use (no keys filled in)')}</li>
<li><a href="../downloads/SHA256SUMS"><code>SHA256SUMS</code></a> · ${bi('下载文件的 SHA-256', 'the downloads’ SHA-256')}</li>
</ul>
<footer>copyright-ledger ${esc(p.version)} · ${bi('结论与命令行验证程序一致：有效 · 无效 · 公钥未固定。', 'Same checks and verdict as <code>node copyright-ledger-verify.mjs</code>: valid · invalid · not pinned.')}
${s !== undefined ? bi(' 本页只显示公开的存证事实；作品名称等元数据不公开。', ' This page shows only the public facts of a deposit; the work’s metadata stays private.') : ''}</footer>
</main>
${SCRIPT_OPEN}${p.script}</script>
</body>
</html>
`;
}
