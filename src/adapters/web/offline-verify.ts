/**
 * The script of the offline verify page (`/downloads/verify.html`, offline-page.ts): runs
 * src/core's verification in the browser with no network at all. The certificate JSON is dropped,
 * picked or pasted; the work file is hashed locally (SHA-256 and SM3 in pure JS, so it works from
 * file:// and plain http alike); the pinned key is pasted or picked as a trust list. The verdict
 * is the CLI's: valid / invalid / unpinned (core/trust.ts).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../core/bytes.js';
import { certificatesFromPem, parseCertificate } from '../../core/pkix.js';
import { Sm3 } from '../../core/sm3.js';
import { parseTrustEntries, verifyTrusted, type TrustedKey, type TrustedResult } from '../../core/trust.js';

/** The little of the DOM this page uses (the project compiles without lib.dom: its globals would clash with Node's). */
interface FileLike {
  name: string;
  size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}
interface DomEvent {
  preventDefault(): void;
  dataTransfer?: { files: ArrayLike<FileLike> } | null;
}
interface HTMLElement {
  textContent: string | null;
  className: string;
  value: string;
  files: ArrayLike<FileLike> | null;
  dataset: Record<string, string | undefined>;
  classList: { add(c: string): void; remove(c: string): void };
  append(...nodes: (HTMLElement | string)[]): void;
  replaceChildren(...nodes: HTMLElement[]): void;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  addEventListener(type: string, listener: (e: DomEvent) => void): void;
}
type HTMLInputElement = HTMLElement;
type HTMLTextAreaElement = HTMLElement;
type File = FileLike;
const document = (globalThis as unknown as { document: { getElementById(id: string): HTMLElement | null; createElement(tag: string): HTMLElement; body: HTMLElement } }).document;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const state: {
  certText?: string;
  file?: { name: string; sha256: string; sm3: string; size: number };
  tsa: Uint8Array[];
} = { tsa: [] };

const CHUNK = 4 << 20;

async function hashWorkFile(f: File): Promise<{ name: string; sha256: string; sm3: string; size: number }> {
  const sha = nobleSha256.create();
  const sm3 = new Sm3();
  const status = $('file-status');
  for (let off = 0; off < f.size; off += CHUNK) {
    const chunk = new Uint8Array(await f.slice(off, off + CHUNK).arrayBuffer());
    sha.update(chunk);
    sm3.update(chunk);
    status.textContent = `正在计算哈希 Hashing… ${Math.floor(((off + chunk.length) / f.size) * 100)}%`;
  }
  return { name: f.name, sha256: toHex(sha.digest()), sm3: toHex(sm3.digest()), size: f.size };
}

function el(tag: string, text: string, cls?: string): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function show(result: TrustedResult): void {
  const table = $('checks');
  table.replaceChildren();
  for (const c of result.checks) {
    const tr = document.createElement('tr');
    const warn = c.ok && c.name === 'logKey' && result.logKey?.pinned !== true;
    tr.append(el('td', c.ok ? (warn ? '⚠' : '✔') : '✘', c.ok ? (warn ? 'warn' : 'ok') : 'bad'), el('td', c.name), el('td', c.detail));
    tr.dataset.check = c.name;
    tr.dataset.ok = String(c.ok);
    table.append(tr);
  }
  const v = $('verdict');
  v.dataset.verdict = result.verdict;
  v.className = `verdict ${result.verdict}`;
  v.replaceChildren();
  if (result.verdict === 'valid') {
    v.append(el('strong', '✔ 有效 VALID'), el('span', ' 全部核验通过，且日志公钥已固定。Every check passed against the pinned log key.'));
  } else if (result.verdict === 'invalid') {
    const failed = result.checks.filter((c) => !c.ok).map((c) => c.name).join(', ');
    v.append(el('strong', '✘ 无效 INVALID'), el('span', ` 未通过 Failed: ${failed}`));
  } else {
    v.append(
      el('strong', '⚠ 公钥未固定 NOT PINNED'),
      el('span', ' 各项核验均通过，但所用的是证书自带的日志公钥，它不在您信任的公钥中；这不能证明证书来自您信任的日志。 Every check passed against the key the certificate carries, but that key is not one you pinned: nothing shows the certificate comes from the log you trust.'),
    );
  }
  if (result.logKey) {
    const k = result.logKey;
    const p = el('p', '', 'key');
    p.append(
      el('span', '证书中的日志公钥 Log key in the certificate: '),
      el('code', k.key),
      el('br', ''),
      el('span', '指纹 Fingerprint (SHA-256): '),
      el('code', k.fingerprint, 'fp'),
      el('br', ''),
      el('span', k.pinned ? '已固定 pinned ✔' : '未固定：请与日志运营方公布的指纹核对后，将公钥粘贴到上方。 Not pinned: compare the fingerprint with the one the operator publishes, then paste the key above.'),
    );
    v.append(p);
  }
}

function run(): void {
  const err = $('error');
  err.textContent = '';
  if (state.certText === undefined || state.certText.trim() === '') {
    err.textContent = '请先选择或粘贴证书 JSON。 Pick, drop or paste the certificate JSON first.';
    return;
  }
  let pinned: TrustedKey[] = [];
  const keys = ($('keys') as HTMLTextAreaElement).value;
  if (keys.trim() !== '') {
    try {
      pinned = parseTrustEntries(keys);
    } catch (e) {
      err.textContent = `公钥格式错误 The pinned key is not a verifier key: ${(e as Error).message}`;
      return;
    }
  }
  let cert: unknown;
  try {
    cert = JSON.parse(state.certText);
  } catch {
    cert = state.certText; // the format check reports it
  }
  const result = verifyTrusted(cert, {
    pinned,
    ...(state.file ? { file: { sha256: state.file.sha256, sm3: state.file.sm3, size: state.file.size } } : {}),
    tsaCertificates: state.tsa,
  });
  show(result);
}

async function readCert(f: File): Promise<void> {
  state.certText = await f.text();
  ($('cert-text') as HTMLTextAreaElement).value = state.certText;
  $('cert-status').textContent = `${f.name} (${f.size} B)`;
}

async function readWork(f: File): Promise<void> {
  $('verify').setAttribute('disabled', '');
  try {
    state.file = await hashWorkFile(f);
    $('file-status').textContent = `${f.name} · ${f.size} B · SHA-256 ${state.file.sha256} · SM3 ${state.file.sm3}`;
  } finally {
    $('verify').removeAttribute('disabled');
  }
}

function dropZone(zone: HTMLElement, onFile: (f: File) => Promise<void>): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void onFile(f).then(run, report);
  });
}

function report(e: unknown): void {
  $('error').textContent = e instanceof Error ? e.message : String(e);
}

function fileInput(id: string, onFile: (f: File) => Promise<void>): void {
  const input = $(id) as HTMLInputElement;
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void onFile(f).then(() => (state.certText !== undefined ? run() : undefined), report);
  });
}

function init(): void {
  fileInput('cert-file', readCert);
  fileInput('work-file', readWork);
  fileInput('key-file', async (f) => {
    ($('keys') as HTMLTextAreaElement).value = await f.text();
  });
  fileInput('tsa-file', async (f) => {
    const bytes = new Uint8Array(await f.arrayBuffer());
    const ders = bytes[0] === 0x30 ? [bytes] : certificatesFromPem(new TextDecoder().decode(bytes));
    for (const der of ders) parseCertificate(der);
    state.tsa = ders;
    $('tsa-status').textContent = `${f.name}: ${ders.length} 个证书 certificate(s)`;
  });
  dropZone($('cert-zone'), readCert);
  dropZone($('work-zone'), readWork);
  $('cert-text').addEventListener('input', () => {
    state.certText = ($('cert-text') as HTMLTextAreaElement).value;
  });
  $('clear-file').addEventListener('click', () => {
    delete state.file;
    ($('work-file') as HTMLInputElement).value = '';
    $('file-status').textContent = '';
  });
  $('verify').addEventListener('click', run);
  document.body.dataset.ready = 'true';
}

init();
