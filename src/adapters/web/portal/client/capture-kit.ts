/**
 * What the capture pages share: the API's view of a capture, its status as a badge, the
 * authenticated downloads (WACZ bundle, PDF certificate: fetch → blob → a save link the page
 * clicks), the explanation of the bundle, and polling that stops when the page is left.
 */
import { fetchOk } from './api.js';
import { h, replace } from './dom.js';
import { tr, type Text } from './i18n.js';
import { busy, showError } from './ui.js';

export interface CaptureView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  url: string;
  note?: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  finalUrl?: string;
  title?: string;
  depositId?: string;
  certificateUrl?: string;
  bundleUrl?: string;
  bundleSha256?: string;
  bundleBytes?: number;
  entryIndex?: number;
}

export const T = {
  queued: { zh: '排队中', en: 'Queued' },
  running: { zh: '取证中', en: 'Running' },
  done: { zh: '已完成', en: 'Done' },
  failed: { zh: '失败', en: 'Failed' },
  bundle: { zh: '下载取证包（WACZ）', en: 'Download bundle (WACZ)' },
  pdf: { zh: '下载证书（PDF）', en: 'Download certificate (PDF)' },
  certificate: { zh: '查看存证证书', en: 'View certificate' },
  save: { zh: '保存 {name}', en: 'Save {name}' },
  aboutH: { zh: '取证包里有什么，如何离线验证', en: 'What the bundle holds and how to verify it offline' },
  about1: {
    zh: '取证包是一个 WACZ 文件（webrecorder 的开放网页存档格式，可用 ReplayWeb.page 打开）：WARC 格式的全部请求与响应、整页截图（PNG）、页面打印的 PDF、操作过程录屏（WebM）、页面 DOM、重定向链与解析到的 IP 地址、HTTPS 证书链，以及环境报告（浏览器、操作系统和工具的版本与哈希、全新配置文件的证明、时钟偏差、操作账户和每一步操作）。',
    en: 'The bundle is a WACZ file (the open web-archive format of webrecorder, opened by ReplayWeb.page): every request and response as WARC, a full-page screenshot (PNG), the page printed to PDF, a screen recording (WebM), the page’s DOM, the redirect chain and resolved IP addresses, HTTPS certificate chains, and an environment report (browser, OS and tool versions with their hashes, proof of a fresh profile, clock offset, the operator account and every step taken).',
  },
  about2: {
    zh: '离线验证：datapackage.json 列出每个文件的 SHA-256 和 SM3，datapackage-digest.json 用服务的签名密钥对其签名；取证包本身作为作品存证，其证书可在验证页离线核验。包内的 README.md 逐步说明验证方法。',
    en: 'To verify offline: datapackage.json lists the SHA-256 and SM3 of every file, and datapackage-digest.json signs it with the service’s signing key; the bundle itself is deposited, and its certificate checks offline on the verify page. The README.md inside the bundle gives the steps.',
  },
  verifyLink: { zh: '验证证书', en: 'Verify a certificate' },
  keyLink: { zh: '取证包签名公钥（PEM）', en: 'The bundle signing key (PEM)' },
  verifierLink: { zh: '独立验证工具', en: 'Standalone verifier' },
  replayLink: { zh: '在 ReplayWeb.page 中回放', en: 'Replay in ReplayWeb.page' },
  stepsH: { zh: '逐步离线验证（命令行）', en: 'Step by step, offline (command line)' },
  steps1: { zh: '1. 解压，并用 datapackage.json 检查每个文件的 SHA-256：', en: '1. Unzip it and check every file’s SHA-256 against datapackage.json:' },
  steps2: { zh: '2. 检查 datapackage.json 的哈希与 datapackage-digest.json 中的签名（ECDSA P-256，公钥与本服务公布的签名公钥一致）：', en: '2. Check datapackage.json’s hash and the signature in datapackage-digest.json (ECDSA P-256; the public key equals the signing key this service publishes):' },
  steps3: {
    zh: '3. 在存证证书页下载 JSON 证书（cert.json），用独立验证工具检查取证包本身（对照固定的日志公钥）：',
    en: '3. Download the JSON certificate (cert.json) from the certificate view and check the bundle itself with the standalone verifier (against the pinned log key):',
  },
} satisfies Record<string, Text>;

/** The status as a badge (with the failure reason beside it when there is one). */
export function statusBadge(c: CaptureView): HTMLElement {
  const cls = c.status === 'done' ? 'badge ok' : c.status === 'failed' ? 'badge bad' : 'badge';
  return h('span', { class: cls, 'data-status': c.status }, tr(T[c.status]));
}

/** Is the capture still on its way (so the page keeps asking)? */
export const pending = (c: CaptureView) => c.status === 'queued' || c.status === 'running';

/** Saves `blob` as `name`: a link the page clicks (and leaves, for saving again). */
function saveLink(blob: Blob, name: string, label: string): HTMLAnchorElement {
  return h('a', { href: URL.createObjectURL(blob), download: name, class: 'button secondary' }, label);
}

/**
 * A button that fetches `url` with the session (and `accept`), then offers the answer as `name`
 * in a save link beside it and clicks that link; a failure goes into `box`.
 */
export function downloadButton(label: Text, url: string, accept: string, name: string, box: HTMLElement, cls: string): HTMLElement {
  const area = h('span', { class: 'save-area' });
  const button = h('button', { type: 'button', class: cls }, tr(label));
  button.addEventListener('click', () =>
    void busy(button, async () => {
      try {
        const res = await fetchOk(url, accept);
        const a = saveLink(await res.blob(), name, tr(T.save, { name }));
        a.dataset.save = name;
        replace(area, a);
        a.click();
      } catch (e) {
        showError(box, e);
      }
    }),
  );
  return h('span', { class: 'download' }, button, area);
}

/** The downloads of a finished capture: certificate view, bundle, PDF certificate. */
export function downloads(c: CaptureView, box: HTMLElement): HTMLElement[] {
  if (c.status !== 'done' || c.depositId === undefined) return [];
  const dep = encodeURIComponent(c.depositId);
  return [
    h('a', { href: `/deposits/${dep}`, class: 'cert-link' }, tr(T.certificate)),
    downloadButton(T.bundle, `/v1/captures/${encodeURIComponent(c.id)}/bundle`, 'application/wacz', `${c.id}.wacz`, box, 'secondary bundle'),
    downloadButton(T.pdf, `/v1/deposits/${dep}/certificate`, 'application/pdf', `${c.depositId}.certificate.pdf`, box, 'secondary pdf'),
  ];
}

const STEP1 = `unzip -d bundle cap_….wacz && cd bundle
node -e 'for (const r of require("./datapackage.json").resources) console.log(r.hash.slice(7) + "  " + r.path)' | sha256sum -c`;
const STEP2 = `sha256sum datapackage.json; grep '"hash"' datapackage-digest.json
node -e 'const s=require("./datapackage-digest.json").signedData, fs=require("fs");
  fs.writeFileSync("hash.txt", s.hash); fs.writeFileSync("sig.der", Buffer.from(s.signature, "base64"));
  fs.writeFileSync("pub.der", Buffer.from(s.publicKey, "base64"))'
openssl pkey -pubin -inform DER -in pub.der -out pub.pem
openssl dgst -sha256 -verify pub.pem -signature sig.der hash.txt      # Verified OK`;
const STEP3 = `node copyright-ledger-verify.mjs cert.json --file cap_….wacz --key-file log.key`;

/** The panel that says what a bundle holds and how to check it without this service. */
export function aboutBundle(): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'about-bundle' },
    h('h2', { id: 'about-bundle' }, tr(T.aboutH)),
    h('p', null, tr(T.about1)),
    h('p', null, tr(T.about2)),
    h(
      'p',
      { class: 'links' },
      h('a', { href: '/verify' }, tr(T.verifyLink)),
      ' · ',
      h('a', { href: '/downloads/copyright-ledger-verify.mjs' }, tr(T.verifierLink)),
      ' · ',
      h('a', { href: '/v1/captures/signing-key' }, tr(T.keyLink)),
      ' · ',
      h('a', { href: 'https://replayweb.page/', rel: 'noopener' }, tr(T.replayLink)),
    ),
    h(
      'details',
      null,
      h('summary', null, tr(T.stepsH)),
      h('p', null, tr(T.steps1)),
      h('pre', { class: 'commands', tabindex: 0 }, h('code', null, STEP1)),
      h('p', null, tr(T.steps2)),
      h('pre', { class: 'commands', tabindex: 0 }, h('code', null, STEP2)),
      h('p', null, tr(T.steps3)),
      h('pre', { class: 'commands', tabindex: 0 }, h('code', null, STEP3)),
    ),
  );
}

/**
 * Calls `tick` every `ms` while it answers true, until `signal` aborts (the page was left or
 * drawn again). A failed tick is retried at the next interval.
 */
export function poll(signal: AbortSignal, ms: number, tick: () => Promise<boolean>): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = () => {
    if (signal.aborted) return;
    timer = setTimeout(() => {
      tick().then(
        (again) => {
          if (again) next();
        },
        () => next(),
      );
    }, ms);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  next();
}
