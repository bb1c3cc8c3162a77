/**
 * The verify page's script (`/verify`, `/verify/{depositId}` and the download `verify.html`,
 * page.ts): every check runs here, in the browser, through src/core's verifyTrusted; no server
 * answer decides anything. The certificate is dropped, picked or pasted (JSON, or the PDF whose
 * attached JSON is read here), or on `/verify/{id}` fetched from the service for convenience;
 * the work file is hashed locally (hash.ts); the trusted keys come from the list on the page
 * (the served page fills in the operator's keys). Each check is listed by name with a sentence
 * for people (text.ts), in Chinese or English.
 */
import { fromUtf8 } from '../../../../core/bytes.js';
import { certificatesFromPem, parseCertificate } from '../../../../core/pkix.js';
import { parseTrustEntries, verifyTrusted, type TrustedKey, type TrustedResult } from '../../../../core/trust.js';
import { byId, h, replace } from '../../portal/client/dom.js';
import { fmtBytes, lang, setLang, tr, type Text } from '../../portal/client/i18n.js';
import type { Digests } from './hash-core.js';
import { hashedBy, hashWork } from './hash.js';
import { certificateFromPdf } from './pdf.js';
import { certificateSummary } from './summary.js';
import { CAUTIONS, CHECKS, T } from './text.js';

interface Message {
  text: Text;
  vars?: Record<string, string | number>;
  cls?: string;
}

const state: {
  certText?: string;
  file?: Digests & { name: string };
  tsa: Uint8Array[];
  result?: TrustedResult;
  /** The certificate JSON the result is for. */
  checked?: unknown;
  messages: Record<string, Message | undefined>;
} = { tsa: [], messages: {} };

/** Shows `m` in the status element `id` (re-shown in the other language on a switch). */
function say(id: string, m: Message | undefined): void {
  state.messages[id] = m;
  const el = document.getElementById(id);
  if (el === null) return;
  el.textContent = m ? tr(m.text, m.vars) : '';
  el.className = `status${m?.cls ? ` ${m.cls}` : ''}`;
}

function isPdf(bytes: Uint8Array): boolean {
  return bytes.length > 4 && bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46;
}

/** A certificate (or its PDF) is far smaller: anything larger is not read. */
const MAX_CERT_FILE = 64 << 20;

async function readCert(f: File): Promise<void> {
  if (state.messages['fetch-status'] !== undefined) say('fetch-status', { text: T.certDropped, vars: { name: f.name } });
  if (f.size > MAX_CERT_FILE) {
    clearCert();
    say('cert-status', { text: T.tooLarge, vars: { name: f.name, size: fmtBytes(f.size) }, cls: 'bad' });
    return;
  }
  const bytes = new Uint8Array(await f.arrayBuffer());
  if (isPdf(bytes)) {
    const found = certificateFromPdf(bytes);
    if (found === undefined) {
      clearCert();
      say('cert-status', { text: T.noAttachment, vars: { name: f.name }, cls: 'bad' });
      return;
    }
    setCert(found.text);
    say('cert-status', { text: T.readPdf, vars: { name: f.name, attachment: found.name ?? '' }, cls: 'ok' });
    return;
  }
  setCert(fromUtf8(bytes));
  say('cert-status', { text: T.readJson, vars: { name: f.name, size: fmtBytes(f.size) } });
}

/** Forgets the certificate and its outcome (a drop that held no certificate must not leave the previous verdict standing). */
function clearCert(): void {
  delete state.certText;
  delete state.result;
  byId('verdict').replaceChildren();
  byId('verdict').className = 'verdict';
  delete byId('verdict').dataset.verdict;
  byId('checks').replaceChildren();
}

function setCert(text: string): void {
  state.certText = text;
  byId<HTMLTextAreaElement>('cert-text').value = text;
}

async function readWork(f: File): Promise<void> {
  const progress = byId<HTMLProgressElement>('hash-progress');
  const button = byId<HTMLButtonElement>('verify');
  button.disabled = true;
  progress.hidden = false;
  progress.value = 0;
  delete state.file;
  try {
    const d = await hashWork(f, (done, total) => {
      progress.value = total === 0 ? 1 : done / total;
      say('file-status', { text: T.hashing, vars: { pct: total === 0 ? 100 : Math.floor((done / total) * 100) } });
    });
    state.file = { ...d, name: f.name };
    document.body.dataset.hashedBy = hashedBy ?? '';
    say('file-status', { text: T.hashed, vars: { name: f.name, size: fmtBytes(f.size), sha256: d.sha256, sm3: d.sm3 } });
  } finally {
    progress.hidden = true;
    button.disabled = false;
  }
}

function trusted(): TrustedKey[] | undefined {
  const keys = byId<HTMLTextAreaElement>('keys').value;
  if (keys.replace(/#.*$/gm, '').trim() === '') return [];
  try {
    return parseTrustEntries(keys);
  } catch (e) {
    say('error', { text: T.badKeys, vars: { detail: (e as Error).message } });
    return undefined;
  }
}

/** Runs every check on the current certificate, file and trust; shows the outcome. */
function run(): void {
  say('error', undefined);
  if (state.certText === undefined || state.certText.trim() === '') {
    say('error', { text: T.needCert });
    return;
  }
  const pinned = trusted();
  if (pinned === undefined) return;
  let cert: unknown;
  try {
    cert = JSON.parse(state.certText);
  } catch {
    cert = state.certText; // the format check reports it
  }
  state.checked = cert;
  state.result = verifyTrusted(cert, {
    pinned,
    ...(state.file ? { file: { sha256: state.file.sha256, sm3: state.file.sm3, size: state.file.size } } : {}),
    tsaCertificates: state.tsa,
  });
  show();
  document.body.dataset.runs = String(Number(document.body.dataset.runs ?? '0') + 1);
}

function checkRow(name: string, ok: boolean | undefined, detail: string, caution?: Text[]): HTMLTableRowElement {
  const text = CHECKS[name];
  const warn = ok === true && caution !== undefined && caution.length > 0;
  const mark = ok === undefined ? '–' : ok ? (warn ? '⚠' : '✔') : '✘';
  const cls = ok === undefined ? 'skip' : ok ? (warn ? 'warn' : 'ok') : 'bad';
  const label = ok === undefined ? T.notRun : ok ? (warn ? T.caution : T.pass) : T.fail;
  const sentence = text === undefined ? detail : tr(ok === false ? text.fail : text.pass);
  const row = h(
    'tr',
    { class: cls, 'data-check': name, ...(ok !== undefined ? { 'data-ok': String(ok) } : {}) },
    h('td', { class: 'mark' }, h('span', { 'aria-hidden': 'true' }, mark), h('span', { class: 'sr' }, tr(label))),
    h('th', { scope: 'row' }, text ? tr(text.title) : name, h('code', null, name)),
    h(
      'td',
      null,
      h('span', { class: 'label' }, tr(label), ' · '),
      ok === undefined ? tr(T.fileNotGiven) : sentence,
      warn ? caution.map((c) => h('span', { class: 'caution' }, tr(c))) : null,
      ok !== undefined ? h('details', null, h('summary', null, tr(T.details)), h('code', null, detail)) : null,
    ),
  );
  return row;
}

function show(): void {
  const result = state.result;
  if (result === undefined) return;
  const rows = result.checks.map((c) => {
    const cautions = CAUTIONS.filter((x) => x.test(c.name, c.detail)).map((x) => x.say);
    return checkRow(c.name, c.ok, c.detail, cautions);
  });
  if (state.file === undefined && result.checks.some((c) => c.name === 'entry')) rows.push(checkRow('file', undefined, ''));
  replace(byId('checks'), h('tbody', null, rows));

  const v = byId('verdict');
  v.dataset.verdict = result.verdict;
  v.className = `verdict ${result.verdict}`;
  const failed = result.checks.filter((c) => !c.ok).map((c) => (CHECKS[c.name] ? tr(CHECKS[c.name]!.title) : c.name));
  const head =
    result.verdict === 'valid'
      ? h('strong', null, '✔ 有效 VALID')
      : result.verdict === 'invalid'
        ? h('strong', null, '✘ 无效 INVALID')
        : h('strong', null, '⚠ 公钥未固定 NOT PINNED');
  const sentence = result.verdict === 'valid' ? tr(T.validSay) : result.verdict === 'invalid' ? tr(T.invalidSay, { failed: failed.join(lang() === 'zh' ? '、' : ', ') }) : tr(T.unpinnedSay);
  const k = result.logKey;
  replace(
    v,
    head,
    h('p', null, sentence),
    k
      ? h(
          'p',
          { class: 'key' },
          tr(T.keyInCert),
          h('code', null, k.key),
          h('br'),
          tr(T.fingerprint),
          h('code', { class: 'fp' }, k.fingerprint),
          h('br'),
          tr(k.pinned ? T.keyPinned : T.keyNotPinned),
        )
      : null,
    result.verdict !== 'invalid' ? certificateSummary(state.checked) : null,
  );
}

/** Re-shows every dynamic text in the current language. */
function relabel(): void {
  for (const [id, m] of Object.entries(state.messages)) say(id, m);
  show();
  const other = lang() === 'zh' ? 'en' : 'zh';
  const b = byId('lang');
  b.textContent = other === 'en' ? 'English' : '中文';
  b.setAttribute('lang', other === 'en' ? 'en' : 'zh-CN');
  b.setAttribute('aria-label', other === 'en' ? 'Switch to English' : '切换到中文');
  document.title = document.body.dataset[lang() === 'zh' ? 'titleZh' : 'titleEn'] ?? document.title;
}

function report(e: unknown): void {
  say('error', { text: { zh: '{m}', en: '{m}' }, vars: { m: e instanceof Error ? e.message : String(e) } });
}

const afterInput = (): void => {
  if (state.certText !== undefined) run();
};

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
    if (f) void onFile(f).then(afterInput, report);
  });
}

function fileInput(id: string, onFile: (f: File) => Promise<void>, then: () => void = afterInput): void {
  const input = byId<HTMLInputElement>(id);
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void onFile(f).then(then, report);
  });
}

/** On `/verify/{id}`: fetch that deposit's certificate (works for its depositor, signed in). Only a convenience: the checks below decide. */
async function fetchCertificate(id: string): Promise<void> {
  say('fetch-status', { text: T.certFetching, vars: { id } });
  try {
    const res = await fetch(`../v1/deposits/${encodeURIComponent(id)}/certificate`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) {
      let why = `HTTP ${res.status}`;
      try {
        const p = (await res.json()) as { code?: string };
        if (typeof p.code === 'string') why += ` ${p.code}`;
      } catch {
        // no problem+json body
      }
      throw new Error(why);
    }
    const text = await res.text();
    if (state.certText !== undefined) return; // the user dropped one meanwhile
    setCert(text);
    say('fetch-status', { text: T.certFromServer, vars: { id }, cls: 'ok' });
    run();
  } catch (e) {
    if (state.certText !== undefined) return; // the user dropped one meanwhile
    const why = e instanceof TypeError ? tr(T.offline) : e instanceof Error ? e.message : String(e);
    say('fetch-status', { text: T.certFetchFailed, vars: { id, why }, cls: 'warn' });
    byId('cert-zone').classList.add('attention');
  }
}

function init(): void {
  lang();
  byId('lang').addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    relabel();
  });
  fileInput('cert-file', readCert);
  fileInput('work-file', readWork);
  fileInput(
    'key-file',
    async (f) => {
      byId<HTMLTextAreaElement>('keys').value = await f.text();
    },
  );
  fileInput('tsa-file', async (f) => {
    const bytes = new Uint8Array(await f.arrayBuffer());
    const ders = bytes[0] === 0x30 ? [bytes] : certificatesFromPem(new TextDecoder().decode(bytes));
    for (const der of ders) parseCertificate(der);
    state.tsa = ders;
    say('tsa-status', { text: T.tsaLoaded, vars: { name: f.name, n: ders.length } });
  });
  dropZone(byId('cert-zone'), readCert);
  dropZone(byId('work-zone'), readWork);
  byId<HTMLTextAreaElement>('cert-text').addEventListener('input', (e) => {
    state.certText = (e.target as HTMLTextAreaElement).value;
  });
  byId('clear-file').addEventListener('click', () => {
    delete state.file;
    byId<HTMLInputElement>('work-file').value = '';
    say('file-status', undefined);
    if (state.result !== undefined) run();
  });
  byId('verify').addEventListener('click', run);
  byId('keys').addEventListener('change', afterInput);
  // Opened from disk: "download this page" would point at a file that is not there.
  if (location.protocol === 'file:') document.getElementById('save-page')?.remove();
  const pinnedTsa = document.getElementById('tsa-pinned');
  if (pinnedTsa !== null) state.tsa = certificatesFromPem(pinnedTsa.textContent ?? '');
  relabel();
  document.body.dataset.ready = 'true';
  const id = document.body.dataset.deposit;
  if (id !== undefined && id !== '') void fetchCertificate(id);
}

init();
