/**
 * The public verify page (`/verify`, `/verify/{depositId}`, docs/VERIFY.md) in Debian's Chromium
 * (playwright-core, one browser for the file): a work uploaded through the API, its JSON and PDF
 * certificates, and an approved registration's certificate are checked in the page. Every check
 * runs in the browser; each is listed by name; a changed byte names the failing check; with every
 * request aborted after load the page still decides. axe-core finds no serious or critical
 * violation; screenshots (zh/en, desktop/phone) go to test-results/screenshots/.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, api, submitted, type Actor } from '../support/registration.js';
import { startTestService, tempDir, type TestService } from '../support/service.js';
import { drop, dropAndCheck, outcome, type Outcome } from '../support/verify-page.js';

/** The page's DOM, inside page.evaluate callbacks (the project compiles without lib.dom). */
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const ADMIN_API_KEY = 'admin-key-for-verify-page-tests';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let svc: TestService;
let browser: Browser;
let creator: Actor;
let depositId: string;
let work: Buffer;
let otherWork: Buffer;
let certJson: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let certPdf: Buffer;
let regJson: Record<string, unknown>;
let regPdf: Buffer;
const contexts: BrowserContext[] = [];

const digest = (alg: string, data: Uint8Array) => createHash(alg).update(data).digest('hex');

let fontDir: { path: string; remove: () => Promise<void> } | undefined;

/**
 * A fontconfig file adding Noto Sans SC (the font the PDF certificates embed, from node_modules)
 * to the system's fonts, so the screenshots show Chinese text even where no CJK font is installed.
 */
async function cjkFontConfig(): Promise<string> {
  fontDir = await tempDir('cl-fonts-');
  const fonts = dirname(createRequire(import.meta.url).resolve('@expo-google-fonts/noto-sans-sc/400Regular/index.js'));
  const conf = join(fontDir.path, 'fonts.conf');
  await writeFile(
    conf,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n<dir>${fonts}</dir>\n<dir>${join(fonts, '..', '700Bold')}</dir>\n<cachedir>${join(fontDir.path, 'cache')}</cachedir>\n</fontconfig>\n`,
  );
  return conf;
}

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY });
  creator = await account(svc.url, ADMIN_API_KEY, { name: 'Li Lei' });
  const reviewer = await account(svc.url, ADMIN_API_KEY, { role: 'reviewer', name: 'Reviewer' });
  // A few entries first, so the inclusion proof has hashes to change.
  for (let i = 0; i < 3; i++) expect((await api(svc.url, 'POST', '/v1/deposits', { key: creator.key, body: { sha256: randomBytes(32).toString('hex') } })).status).toBe(201);
  work = randomBytes(700_000);
  otherWork = Buffer.from(work);
  otherWork[12_345] = otherWork[12_345]! ^ 1;
  const form = new FormData();
  form.append('file', new Blob([work]), 'work.bin');
  form.append('metadata', JSON.stringify({ title: '春江花月夜 Spring River' }));
  const up = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${creator.key}` }, body: form });
  expect(up.status, await up.clone().text()).toBe(201);
  depositId = ((await up.json()) as { id: string }).id;
  // Wait for the built-in TSA's token, so the page checks an RFC 3161 timestamp too.
  certJson = {};
  for (let waited = 0; waited < 20_000 && !('timestamp' in certJson); waited += 200) {
    if (waited > 0) await new Promise((r) => setTimeout(r, 200));
    certJson = (await api(svc.url, 'GET', `/v1/deposits/${depositId}/certificate`, { key: creator.key })).body;
  }
  expect(certJson.timestamp).toBeDefined();
  expect(certJson.proof.hashes.length).toBeGreaterThan(0);
  const pdf = await fetch(`${svc.url}/v1/deposits/${depositId}/certificate`, { headers: { authorization: `Bearer ${creator.key}`, accept: 'application/pdf' } });
  expect(pdf.status).toBe(200);
  certPdf = Buffer.from(await pdf.arrayBuffer());

  const rid = await submitted(svc.url, creator.key, [depositId]);
  expect((await api(svc.url, 'POST', `/v1/registrations/${rid}/approve`, { key: reviewer.key })).status).toBe(200);
  regJson = (await api(svc.url, 'GET', `/v1/registrations/${rid}/certificate`, { key: creator.key })).body;
  const rp = await fetch(`${svc.url}/v1/registrations/${rid}/certificate`, { headers: { authorization: `Bearer ${creator.key}`, accept: 'application/pdf' } });
  expect(rp.status).toBe(200);
  regPdf = Buffer.from(await rp.arrayBuffer());

  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, env: { ...process.env, FONTCONFIG_FILE: await cjkFontConfig() } });
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await svc?.stop();
  await fontDir?.remove();
});

/** A fresh page at `path`; `auth` sends the depositor's credentials (as a signed-in session would). */
async function open(path: string, opts: { auth?: boolean; phone?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: opts.phone === true ? PHONE : DESKTOP,
    ...(opts.auth === true ? { extraHTTPHeaders: { authorization: `Bearer ${creator.key}` } } : {}),
  });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(svc.url + path);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

/** Drops the certificate and waits for the checks. */
const dropCert = (page: Page, name: string, bytes: Uint8Array, type: string): Promise<Outcome> => dropAndCheck(page, '#cert-zone', name, bytes, type);
const dropWork = (page: Page, bytes: Uint8Array): Promise<Outcome> => dropAndCheck(page, '#work-zone', 'work.bin', bytes);

const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2));

const EVIDENCE = ['format', 'logKey', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata', 'timestamp', 'file'];

function expectAllPass(o: Outcome, names: string[]): void {
  expect(o.verdict, o.text).toBe('valid');
  for (const n of names) expect(o.checks[n], n).toBe(true);
  expect(Object.values(o.checks).every((ok) => ok === true), JSON.stringify(o.checks)).toBe(true);
}

async function axeCheck(page: Page): Promise<string[]> {
  const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // The page's CSP allows only its own script (by hash), so a <script> tag added with axe's source
  // would be refused: evaluate it through the DevTools protocol instead, which CSP does not govern.
  await page.evaluate(axe);
  const found = (await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  })) as { id: string; impact: string; nodes: string[] }[];
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.join(', ')}`);
}

async function shot(page: Page, name: string, phone = false): Promise<void> {
  const lang = await page.evaluate(() => (document.documentElement.lang.startsWith('en') ? 'en' : 'zh'));
  await page.screenshot({ path: join(SHOTS, `verify-${name}-${lang}-${phone ? 'phone' : 'desktop'}.png`), fullPage: true });
}

describe('the verify page in Chromium', () => {
  it('is one self-contained page: inline script allowed by hash, the operator’s keys filled in, the deposit named', async () => {
    const res = await fetch(`${svc.url}/verify/${depositId}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain('worker-src blob:');
    const html = await res.text();
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).toContain(csp.split('; ').find((d) => d.startsWith('script-src'))!);
    expect(html).toContain(svc.ledger.verifierKey);
    expect(html).toContain(`data-deposit="${depositId}"`);
    // The served page runs the same script as the download.
    const dl = await (await fetch(`${svc.url}/downloads/verify.html`)).text();
    const script = (s: string) => s.slice(s.indexOf('<script id="verify-script">'), s.lastIndexOf('</script>'));
    expect(script(html)).toBe(script(dl));
    expect((await fetch(`${svc.url}/verify`)).status).toBe(200);
    // Opens in the visitor's language: ?lang=, else the portal's cl_lang cookie.
    expect(await (await fetch(`${svc.url}/verify?lang=en`)).text()).toContain('<html lang="en">');
    expect(await (await fetch(`${svc.url}/verify`, { headers: { cookie: 'cl_lang=en' } })).text()).toContain('<html lang="en">');
    expect(html).toContain('<html lang="zh-CN">');
  });

  it('on /verify/{id} fetches the certificate; with the work file dropped every check passes', async () => {
    const page = await open(`/verify/${depositId}`, { auth: true });
    const first = await outcome(page, 0);
    expect(first.verdict, first.text).toBe('valid');
    expect(first.checks.file).toBeUndefined(); // listed as not checked until a file is given
    expect(await page.textContent('#fetch-status')).toContain(depositId);
    const o = await dropWork(page, work);
    expectAllPass(o, EVIDENCE);
    expect(o.text).toContain('有效 VALID');
    expect(await page.evaluate(() => document.body.dataset.hashedBy)).toBe('worker');
    // What the certificate states, for people: id, title, hashes, times.
    const summary = await page.textContent('#verdict .summary');
    for (const fact of [depositId, '春江花月夜 Spring River', digest('sha256', work), digest('sm3', work), certJson.deposit.receivedAt]) expect(summary).toContain(fact);
    // Each check is listed by name with a sentence.
    for (const n of EVIDENCE) expect(await page.locator(`#checks tr[data-check="${n}"] th code`).textContent()).toBe(n);
    expect(await page.textContent('#checks tr[data-check="inclusion"]')).toContain('默克尔');
    // The served page pins the TSA certificate this log trusts, as it pins the log's keys.
    expect(await page.textContent('#checks tr[data-check="timestamp"]')).toContain('chains to the pinned TSA certificate');
    expect(await page.evaluate(() => window.getComputedStyle(document.getElementById('hash-progress')).display)).toBe('none');
    expect(await axeCheck(page)).toEqual([]);
    await shot(page, 'valid');
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  }, 120_000);

  it('on /verify drops the PDF (its attachment read in the browser) and the file: every check passes; a different file fails the work file check by name', async () => {
    const page = await open('/verify?lang=en');
    const fromPdf = await dropCert(page, `${depositId}.certificate.pdf`, certPdf, 'application/pdf');
    expect(fromPdf.verdict, fromPdf.text).toBe('valid');
    expect(await page.textContent('#cert-status')).toContain(`${depositId}.certificate.json`);
    expectAllPass(await dropWork(page, work), EVIDENCE);
    await shot(page, 'valid');
    const other = await dropWork(page, otherWork);
    expect(other.verdict).toBe('invalid');
    expect(other.checks.file).toBe(false);
    expect(Object.entries(other.checks).filter(([, ok]) => ok === false).map(([n]) => n)).toEqual(['file']);
    expect(other.text).toContain('Work file');
    expect(await axeCheck(page)).toEqual([]);
    await shot(page, 'wrong-file');
    // A PDF with no certificate attached: said so, and the previous verdict does not stay up.
    await drop(page, '#cert-zone', 'letter.pdf', Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'), 'application/pdf');
    await page.waitForFunction(() => /no certificate JSON attachment/.test(document.getElementById('cert-status')?.textContent ?? ''));
    expect(await page.locator('#verdict[data-verdict]').count()).toBe(0);
    expect(await page.locator('#checks tr').count()).toBe(0);
  }, 120_000);

  it('names the failing check when one byte of the certificate changes', async () => {
    const page = await open('/verify');
    const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
    const cases: [string, (c: Record<string, any>) => void][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
      ['workHashes', (c) => (c.work.sha256 = flipHex(c.work.sha256))],
      ['metadata', (c) => (c.work.metadata.title = `${c.work.metadata.title}!`)],
      ['inclusion', (c) => (c.proof.hashes[0] = flipHex(c.proof.hashes[0]))],
      ['checkpointSignature', (c) => {
        const lines = (c.checkpoint as string).split('\n');
        const sig = lines.findIndex((l) => l.startsWith('— '));
        const l = lines[sig]!;
        const at = l.length - 8;
        lines[sig] = l.slice(0, at) + (l[at] === 'A' ? 'B' : 'A') + l.slice(at + 1);
        c.checkpoint = lines.join('\n');
      }],
      ['timestamp', (c) => {
        const t = c.timestamp.rfc3161 as string;
        const at = t.length - 20;
        c.timestamp.rfc3161 = t.slice(0, at) + (t[at] === 'A' ? 'B' : 'A') + t.slice(at + 1);
      }],
    ];
    const titles: Record<string, string> = { workHashes: '作品指纹', metadata: '作品信息', inclusion: '包含证明', checkpointSignature: '区块签名', timestamp: '可信时间戳' };
    for (const [name, change] of cases) {
      const c = structuredClone(certJson);
      change(c);
      const o = await dropCert(page, 'changed.certificate.json', json(c), 'application/json');
      expect(o.verdict, name).toBe('invalid');
      expect(o.checks[name], `${name}: ${JSON.stringify(o.checks)}`).toBe(false);
      expect(o.text, name).toContain(titles[name]);
      if (name === 'workHashes') {
        expect(await axeCheck(page)).toEqual([]);
        await shot(page, 'invalid');
      }
    }
    const en = await open('/verify?lang=en', { phone: true });
    const c = structuredClone(certJson);
    c.proof.hashes[0] = flipHex(c.proof.hashes[0]);
    const o = await dropCert(en, 'changed.certificate.json', json(c), 'application/json');
    expect(o.checks.inclusion).toBe(false);
    expect(o.text).toContain('Inclusion proof');
    expect(await axeCheck(en)).toEqual([]);
    await shot(en, 'invalid', true);
  }, 180_000);

  it('still decides with every request aborted after load; on /verify/{id} a failed fetch is said and the dropped PDF verifies', async () => {
    const page = await open(`/verify/${depositId}`, { phone: true }); // not signed in: the fetch is refused
    await page.waitForFunction(() => /HTTP 40[14]/.test(document.getElementById('fetch-status')?.textContent ?? ''));
    expect(await page.textContent('#fetch-status')).toContain('拖放');
    await shot(page, 'fetch-failed', true);
    expect(await axeCheck(page)).toEqual([]);
    const requests: string[] = [];
    await page.route('**', (r) => {
      requests.push(r.request().url());
      return r.abort();
    });
    expect((await dropCert(page, 'cert.pdf', certPdf, 'application/pdf')).verdict).toBe('valid');
    expectAllPass(await dropWork(page, work), EVIDENCE);
    await shot(page, 'valid', true);
    expect(requests.filter((u) => !u.startsWith('blob:'))).toEqual([]);

    const en = await open(`/verify/${depositId}?lang=en`, { phone: true });
    await en.waitForFunction(() => /HTTP 40[14]/.test(document.getElementById('fetch-status')?.textContent ?? ''));
    await shot(en, 'fetch-failed', true);
  }, 120_000);

  it('verifies a registration certificate, JSON and PDF, with the registered work', async () => {
    const page = await open('/verify');
    const o = await dropCert(page, 'registration.certificate.json', json(regJson), 'application/json');
    expect(o.verdict, o.text).toBe('valid');
    for (const n of ['format', 'logKey', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'record', 'deposits']) expect(o.checks[n], n).toBe(true);
    expect(await page.textContent('#checks tr[data-check="record"]')).toContain('登记事项');
    expect(await page.textContent('#verdict .summary')).toContain((regJson.registration as { number: string }).number);
    const pdf = await dropCert(page, 'registration.pdf', regPdf, 'application/pdf');
    expect(pdf.verdict, pdf.text).toBe('valid');
    expect(await page.textContent('#cert-status')).toContain('.json');
    const withFile = await dropWork(page, work);
    expect(withFile.verdict).toBe('valid');
    expect(withFile.checks.file).toBe(true);
    const changed = structuredClone(regJson) as { record: { title: string } };
    changed.record.title += '!';
    const bad = await dropCert(page, 'registration.certificate.json', json(changed), 'application/json');
    expect(bad.checks.record).toBe(false);
    await shot(page, 'registration');
  }, 120_000);

  it('saved as one file (the "download this page" link) and opened from disk offline, it verifies with the operator’s keys it carries', async () => {
    const page = await open(`/verify/${depositId}`, { auth: true });
    const href = await page.getAttribute('#save-page', 'href');
    const saved = await (await fetch(new URL(href!, `${svc.url}/verify/${depositId}`))).text();
    expect(saved).toContain(svc.ledger.verifierKey);
    const dir = await tempDir('cl-saved-');
    try {
      const file = join(dir.path, 'copyright-ledger-verify.html');
      await writeFile(file, saved);
      const context = await browser.newContext({ viewport: DESKTOP, offline: true });
      contexts.push(context);
      const disk = await context.newPage();
      await disk.goto(pathToFileURL(file).href);
      await disk.waitForSelector('body[data-ready="true"]');
      expect(await disk.locator('#save-page').count()).toBe(0);
      expect((await dropCert(disk, 'cert.pdf', certPdf, 'application/pdf')).verdict).toBe('valid');
      expectAllPass(await dropWork(disk, work), EVIDENCE);
    } finally {
      await dir.remove();
    }
  }, 120_000);

  it('hashes on the page, in pieces with progress, where the policy forbids a worker', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    contexts.push(context);
    const page = await context.newPage();
    // The same page under a policy that also forbids workers (both policies apply).
    await page.route(`${svc.url}/verify`, async (route) => {
      const res = await route.fetch();
      const csp = res.headers()['content-security-policy']!.replace('worker-src blob:', "worker-src 'none'");
      await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': csp } });
    });
    await page.goto(`${svc.url}/verify`);
    await page.waitForSelector('body[data-ready="true"]');
    expect((await dropCert(page, 'cert.json', json(certJson), 'application/json')).verdict).toBe('valid');
    const progress: string[] = [];
    page.on('console', (m) => progress.push(m.text()));
    await page.evaluate(() => {
      new window.MutationObserver(() => window.console.log(document.getElementById('file-status').textContent)).observe(document.getElementById('file-status'), { childList: true, characterData: true, subtree: true });
    });
    expectAllPass(await dropWork(page, work), EVIDENCE);
    expect(await page.evaluate(() => document.body.dataset.hashedBy)).toBe('page');
    expect(progress.some((t) => /\d+%/.test(t))).toBe(true);
  }, 120_000);

  it('screenshots: passed and failed, in Chinese and English, at desktop and phone width, with no serious accessibility violation', async () => {
    const changed = structuredClone(certJson);
    changed.work.metadata.title = '改过的标题 Changed title';
    for (const lang of ['zh', 'en']) {
      for (const phone of [false, true]) {
        const page = await open(`/verify/${depositId}?lang=${lang}`, { auth: true, phone });
        await outcome(page, 0);
        expectAllPass(await dropWork(page, work), EVIDENCE);
        expect(await axeCheck(page)).toEqual([]);
        await shot(page, 'pass', phone);
        const bad = await dropCert(page, 'changed.certificate.json', json(changed), 'application/json');
        expect(bad.checks.metadata).toBe(false);
        expect(await axeCheck(page)).toEqual([]);
        await shot(page, 'fail', phone);
      }
    }
  }, 180_000);

  it('keeps the public facts of the old card: an unknown deposit id answers 404 and says so', async () => {
    const res = await fetch(`${svc.url}/verify/dep_00000000000000000000`);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('dep_00000000000000000000');
    expect(html).not.toContain('data-deposit=');
    const page = await fetch(`${svc.url}/verify/${depositId}`);
    const text = await page.text();
    expect(text).toContain(`../v1/log/entries/${certJson.entry.index}`);
    expect(text).toContain(certJson.deposit.receivedAt);
  });
});
