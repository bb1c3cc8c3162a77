/**
 * `GET /verify/{depositId}`: the minimal public page a certificate's QR code opens. It shows only
 * the public prior-art facts of the deposit (id, entry index, block, time received), links to
 * the public log endpoints that back them, this log's verifier keys with their fingerprints (the
 * keys to pin: the page is the operator's, so it pins the operator's own key history), and how to
 * verify offline with the standalone verifier or the offline page (/downloads/, docs/VERIFY.md).
 * No script, no external resources.
 */
import type { PriorArt } from '../../app/deposits.js';
import { trustLine } from '../../core/trust.js';

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

export interface VerifyPageInput {
  /** The deposit, or undefined when there is no such deposit. */
  deposit: PriorArt | undefined;
  depositId: string;
  origin: string;
  /** The log's current verifier key. */
  verifierKey: string;
  /** Every key of the log's history, oldest first (one after each rotation); the current key last. */
  keys: readonly VerifyPageKey[];
}

export const VERIFY_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderVerifyPage(p: VerifyPageInput): string {
  const d = p.deposit;
  const rows = d
    ? `
      <tr><th>存证编号<small>Deposit id</small></th><td><code>${esc(d.id)}</code></td></tr>
      <tr><th>条目序号<small>Entry index</small></th><td><a href="../v1/log/entries/${d.index}"><code>${d.index}</code></a></td></tr>
      <tr><th>区块高度<small>Block height</small></th><td><a href="../v1/blocks/${d.block}"><code>${d.block}</code></a></td></tr>
      <tr><th>存证时间<small>Received at</small></th><td><code>${esc(d.receivedAt)}</code></td></tr>`
    : '';
  const status = d
    ? `<p class="ok">✔ 该存证已记录在透明日志中。<br><span>This deposit is recorded in the transparency log.</span></p>`
    : `<p class="bad">✘ 未找到存证 <code>${esc(p.depositId)}</code>。<br><span>No deposit with this id is in the log.</span></p>`;
  // A retired key is listed with until=<its last block>: it is never trusted for a later checkpoint.
  const trustList = [
    `# ${p.origin}: verifier keys (docs/VERIFY.md)`,
    ...p.keys.flatMap((k) => [
      `# blocks ${k.firstHeight}…${k.lastHeight ?? ''}, SHA-256 ${k.fingerprint}`,
      k.lastHeight !== undefined ? trustLine({ key: k.key, until: BigInt(k.lastHeight) }) : k.key,
    ]),
  ].join('\n');
  const cmd = `node copyright-ledger-verify.mjs ${p.depositId}.certificate.json --file &lt;work file&gt; --key-file log.keys`;
  const keyRows = p.keys
    .map(
      (k) => `<tr><th>${k.key === p.verifierKey ? '当前公钥<small>Current key</small>' : '历史公钥<small>Earlier key</small>'}<small>block ${k.firstHeight}…${k.lastHeight ?? ''}</small></th>
      <td><code>${esc(k.key)}</code><br><span class="fp">SHA-256 <code>${esc(k.fingerprint)}</code></span></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>存证验证 Verify deposit ${esc(p.depositId)}</title>
<style>
  body { font: 15px/1.55 system-ui, -apple-system, "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1b2433; background: #f3f6fa; margin: 0; }
  main { max-width: 46rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem 2rem; border-top: 4px solid #17365d; box-shadow: 0 1px 3px #0002; }
  h1 { color: #17365d; font-size: 1.5rem; margin: 0 0 .2rem; } h1 small { display: block; color: #5b6677; font-size: .85rem; letter-spacing: .15em; font-weight: 400; }
  h2 { color: #17365d; font-size: 1.05rem; margin-top: 1.6rem; border-bottom: 1px solid #c9d1dc; padding-bottom: .2rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e9f0; vertical-align: top; }
  th { width: 9.5rem; font-weight: 600; } th small { display: block; font-weight: 400; color: #5b6677; font-size: .75rem; }
  code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85rem; word-break: break-all; }
  pre { background: #f3f6fa; padding: .7rem; white-space: pre-wrap; }
  .ok { color: #1d6b38; font-weight: 600; } .bad { color: #a4262c; font-weight: 600; } .ok span, .bad span { font-weight: 400; color: #5b6677; }
  .fp { color: #5b6677; font-size: .8rem; } .fp code { word-break: normal; } ul { padding-left: 1.2rem; }
  a { color: #17365d; } footer { color: #5b6677; font-size: .8rem; margin-top: 1.5rem; }
</style>
</head>
<body><main>
<h1>存证验证<small>VERIFY A DEPOSIT</small></h1>
${status}
${d ? `<table>${rows}\n</table>` : ''}
<h2>如何验证 · How to verify</h2>
<p>证书中的一切都可以离线核对，无需本服务。下载独立验证程序（只需 Node.js 18 或更高版本，无其他依赖）或离线验证网页：<br>
<span lang="en">Everything on the certificate can be checked offline, without this service. Download the standalone verifier (needs only Node.js 18 or later) or the offline verify page:</span></p>
<ul>
<li><a href="../downloads/copyright-ledger-verify.mjs" download><code>copyright-ledger-verify.mjs</code></a> · 独立验证程序 standalone verifier</li>
<li><a href="../downloads/verify.html"><code>verify.html</code></a> · 离线验证网页（浏览器中断网使用）offline page, works in a browser with the network cut</li>
<li><a href="../downloads/SHA256SUMS"><code>SHA256SUMS</code></a> · 下载文件的 SHA-256 the downloads' SHA-256</li>
</ul>
<p>将下方公钥清单保存为 <code>log.keys</code>，用证书 JSON（附在 PDF 证书中）和作品文件运行：<br>
<span lang="en">Save the key list below as <code>log.keys</code>, then run, with the JSON certificate (attached to the PDF) and the work's file:</span></p>
<pre>${cmd}</pre>
<p>该命令核对区块签名、RFC 9162 默克尔包含证明、条目与文件的 SHA-256 / SM3 及 RFC 3161 时间戳。退出码 0 表示有效；1 无效；3 表示各项核验通过但未固定公钥（不视为有效）。<br>
<span lang="en">It checks the block signature, the RFC 9162 Merkle inclusion proof, the entry, the file's SHA-256 and SM3, and the RFC 3161 timestamp. Exit 0 valid; 1 invalid; 3 every check passed but no key was pinned (never valid).</span></p>
<h2>日志公钥 · The log's keys to pin</h2>
<p>只有对照您信任的公钥，验证结果才为"有效"。请通过独立渠道（运营方官网、函件、电话）核对下列指纹。<br>
<span lang="en">A certificate is VALID only against a key you trust. Compare these fingerprints with the ones the operator publishes through another channel (its web site, a letter, by phone).</span></p>
<table>
<tr><th>日志<small>Log</small></th><td><code>${esc(p.origin)}</code></td></tr>
${keyRows}
<tr><th>最新区块<small>Latest block</small></th><td><a href="../v1/log/checkpoint">checkpoint</a> · <a href="../v1/blocks/latest">block</a> · <a href="../v1/log/keys">keys</a></td></tr>
</table>
<p>公钥清单 <code>log.keys</code> · <span lang="en">key list</span>:</p>
<pre>${esc(trustList)}</pre>
<footer>本页只显示公开的存证事实；作品名称等元数据不公开。This page shows only the public facts of a deposit; the work's metadata stays private.</footer>
</main></body>
</html>
`;
}
