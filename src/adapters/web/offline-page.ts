/**
 * The one-file offline verify page (`/downloads/verify.html`): HTML, CSS and the bundled script
 * of offline-verify.ts inline, nothing fetched. Its Content-Security-Policy (a meta tag, so it
 * holds when the saved file is opened from disk, and the same policy as a header when served)
 * allows only that one script, by hash, and no connections, images, fonts or forms.
 */

/** The policy for a page whose only script has SHA-256 `scriptSha256` (base64). */
export function offlinePageCsp(scriptSha256: string): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${scriptSha256}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'none'",
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * The page around `script` (the bundled browser code, already free of `</script`). `scriptSha256`
 * MUST be the base64 SHA-256 of `script` exactly as inlined.
 */
export function renderOfflinePage(p: { script: string; scriptSha256: string; version: string }): string {
  if (/<\/script/i.test(p.script)) throw new Error('the page script contains </script');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${offlinePageCsp(p.scriptSha256)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>离线验证证书 Verify a certificate offline · copyright-ledger ${p.version}</title>
<style>
  body { font: 15px/1.55 system-ui, -apple-system, "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1b2433; background: #f3f6fa; margin: 0; }
  main { max-width: 52rem; margin: 1.5rem auto; background: #fff; padding: 1.5rem 2rem 2rem; border-top: 4px solid #17365d; box-shadow: 0 1px 3px #0002; }
  h1 { color: #17365d; font-size: 1.45rem; margin: 0 0 .2rem; } h1 small { display: block; color: #5b6677; font-size: .8rem; letter-spacing: .12em; font-weight: 400; }
  h2 { color: #17365d; font-size: 1.02rem; margin: 1.3rem 0 .4rem; border-bottom: 1px solid #c9d1dc; padding-bottom: .2rem; }
  .zone { border: 2px dashed #9aa7b8; border-radius: 6px; padding: .8rem; background: #fafbfd; }
  .zone.over { border-color: #17365d; background: #e8eef6; }
  textarea { width: 100%; box-sizing: border-box; font: .8rem/1.4 ui-monospace, Menlo, Consolas, monospace; }
  .status { color: #5b6677; font-size: .8rem; word-break: break-all; }
  button { font: inherit; padding: .45rem 1.4rem; background: #17365d; color: #fff; border: 0; border-radius: 4px; cursor: pointer; margin-top: 1rem; }
  button[disabled] { background: #9aa7b8; } button.small { padding: .1rem .6rem; margin: 0 0 0 .5rem; background: #5b6677; font-size: .8rem; }
  table { border-collapse: collapse; width: 100%; margin-top: .8rem; } td { padding: .3rem .45rem; border-bottom: 1px solid #e4e9f0; vertical-align: top; font-size: .85rem; word-break: break-word; }
  td:nth-child(2) { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
  .ok { color: #1d6b38; } .bad { color: #a4262c; font-weight: 700; } .warn { color: #8a5a00; font-weight: 700; }
  .verdict { margin-top: 1rem; padding: .8rem 1rem; border-radius: 6px; }
  .verdict.valid { background: #e3f3e8; border: 1px solid #1d6b38; } .verdict.invalid { background: #fbe6e7; border: 1px solid #a4262c; }
  .verdict.unpinned { background: #fff3d6; border: 1px solid #8a5a00; }
  .verdict strong { font-size: 1.15rem; } .key code { word-break: break-all; font-size: .8rem; } .key code.fp { word-break: normal; }
  #error { color: #a4262c; font-weight: 600; }
  footer { color: #5b6677; font-size: .78rem; margin-top: 1.5rem; }
</style>
</head>
<body><main>
<h1>离线验证存证证书<small>VERIFY A CERTIFICATE OFFLINE · copyright-ledger ${p.version}</small></h1>
<p>本页面不联网：证书与作品文件只在您的浏览器中核验，任何内容都不会上传。可将本页另存为文件（Ctrl+S）后断网使用。<br>
<span lang="en">This page uses no network: the certificate and the work file are checked in your browser only and nothing is uploaded. Save it (Ctrl+S) and use it offline.</span></p>

<h2>1. 证书 Certificate (JSON)</h2>
<div class="zone" id="cert-zone">
  <label>拖放或选择证书 JSON 文件 Drop or pick the certificate JSON: <input type="file" id="cert-file" accept=".json,application/json"></label>
  <div class="status" id="cert-status"></div>
  <textarea id="cert-text" rows="5" placeholder="或粘贴证书 JSON … or paste the certificate JSON …"></textarea>
</div>

<h2>2. 作品文件（可选）Work file (optional)</h2>
<div class="zone" id="work-zone">
  <label>拖放或选择作品文件，在本地计算 SHA-256 与 SM3 Drop or pick the work's file, hashed locally (SHA-256, SM3): <input type="file" id="work-file"></label>
  <button type="button" class="small" id="clear-file">清除 Clear</button>
  <div class="status" id="file-status"></div>
</div>

<h2>3. 信任的日志公钥 Pinned log key</h2>
<p class="status">请粘贴您从日志运营方处以独立渠道（官网、函件、电话核对指纹）获得的验证公钥，每行一个。未固定公钥时，结果不会显示"有效"。<br>
Paste the verifier key you got from the log operator out of band (their website, a letter, the fingerprint read over the phone), one per line. Without a pinned key the verdict is never VALID.<br>
已停用的公钥请加上限：<code>&lt;公钥&gt; until=&lt;区块高度&gt;</code>。 Bound a retired key: <code>&lt;key&gt; until=&lt;block height&gt;</code>.</p>
<textarea id="keys" rows="3" placeholder="localhost/copyright-ledger+1a2b3c4d+AQ…"></textarea>
<label class="status">或选择公钥文件 or pick a key file: <input type="file" id="key-file"></label><br>
<label class="status">可选：固定时间戳机构证书（PEM/DER）Optional: pin the TSA certificate: <input type="file" id="tsa-file"></label>
<div class="status" id="tsa-status"></div>

<button type="button" id="verify">验证 Verify</button>
<div id="error"></div>
<div class="verdict" id="verdict"></div>
<table id="checks"></table>

<footer>退出码与命令行一致 Same checks and verdict as <code>node copyright-ledger-verify.mjs</code>: 有效 valid · 无效 invalid · 公钥未固定 unpinned.</footer>
</main>
<script>${p.script}</script>
</body>
</html>
`;
}
