/**
 * The portal's capture pages in Debian's Chromium: a signed-in creator asks for a capture of a
 * page served on 127.0.0.1 (CAPTURE_ALLOW_PRIVATE on this service), the list follows it by
 * polling until done (and stops asking once the page is left), the WACZ bundle and the PDF
 * certificate download, the certificate view and the capture's own page open; refused URLs (a
 * `javascript:` URL, and loopback on a second service without the flag) show the service's
 * reason beside the URL field, and a capture the proxy stops shows as failed with its reason. axe-core and screenshots in both languages at desktop and phone
 * width.
 */
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeCheck, launchBrowser, newPage, screenshot, signUpAndIn, startPortal, type SignedUp } from '../support/browser.js';
import { pageServer, type PageServer } from '../support/capture.js';
import type { TestService } from '../support/service.js';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Copied artwork 复制的作品</title></head>
<body><h1>Gallery 画廊 8812</h1><p>A page that shows someone else’s work.</p></body></html>`;

let site: PageServer;
let publicSite: PageServer;
let svc: TestService;
let strict: TestService;
let browser: Browser | undefined;
let page: Page & { errors: string[] };
let who: SignedUp;
let captureId = '';
let depositId = '';

beforeAll(async () => {
  site = await pageServer('127.0.0.1', (req, res) => {
    if (req.url === '/start') return void res.writeHead(302, { location: '/gallery' }).end();
    if (req.url === '/gallery') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    res.writeHead(404).end();
  });
  svc = await startPortal({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '1' });
  publicSite = await pageServer('127.0.0.2', (req, res) => {
    if (req.url === '/to-loopback') return void res.writeHead(302, { location: `${site.url}/gallery` }).end();
    res.writeHead(404).end();
  });
  strict = await startPortal({ NODE_ENV: 'test', CAPTURE_TEST_PUBLIC: '127.0.0.2', CAPTURE_TEST_HOSTS: 'public.test=127.0.0.2', CAPTURE_CONCURRENCY: '1' });
  browser = await launchBrowser();
  page = await newPage(browser, { baseUrl: svc.url, lang: 'en' });
  who = await signUpAndIn(page, svc.url, { name: 'Capture Creator' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await strict?.stop();
  await site?.close();
  await publicSite?.close();
});

/** A fresh page signed in as `who` (same account, own context) in `lang` at desktop or phone size. */
async function pageAs(lang: 'zh' | 'en', phone: boolean): Promise<Page & { errors: string[] }> {
  const p = await newPage(browser!, { baseUrl: svc.url, lang, phone });
  const res = await p.request.post(`${svc.url}/v1/session`, { headers: { 'content-type': 'application/json' }, data: { email: who.email, password: who.password } });
  expect(res.status()).toBe(200);
  return p;
}

describe('portal: web captures', () => {
  it('shows Captures in the signed-in header, asks for a capture and follows it by polling until done', async () => {
    await page.goto(`${svc.url}/`);
    await page.locator('header nav a[href="/captures"]').click();
    await page.waitForURL(/\/captures$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Web captures');
    await page.getByLabel('Address (URL)').fill(`${site.url}/start`);
    await page.getByLabel('Note (optional)').fill('copy of my painting 8812');
    await page.getByLabel('Browser window size').selectOption({ label: 'Laptop (1366 × 768)' });
    await page.getByRole('button', { name: 'Capture the page' }).click();
    const row = page.locator('tr[data-capture-id]').first();
    await row.waitFor({ timeout: 30_000 });
    captureId = (await row.getAttribute('data-capture-id'))!;
    expect(captureId).toMatch(/^cap_[0-9a-f]{20}$/);
    await expect.poll(() => page.locator('p.success').textContent()).toContain(`${site.url}/start`);
    // First seen on its way (a Chromium capture takes seconds): only polling can turn it done now.
    expect(['queued', 'running']).toContain(await row.getAttribute('data-status'));
    expect(await page.locator('p.loading').isVisible()).toBe(true);
    const current = page.locator(`tr[data-capture-id="${captureId}"]`);
    await current.and(page.locator('[data-status=done], [data-status=failed]')).waitFor({ timeout: 170_000 });
    expect(await current.getAttribute('data-status'), (await current.textContent()) ?? '').toBe('done');
    expect(await current.locator('.badge').textContent()).toBe('Done');
    expect(await current.textContent()).toContain('Copied artwork 复制的作品');
    await expect.poll(() => page.locator('#capture-news').textContent()).toContain(`Capture done: ${site.url}/start`);
    await expect.poll(() => page.locator('p.loading').isHidden()).toBe(true);
    const cert = current.locator('a.cert-link');
    expect(await cert.textContent()).toBe('View certificate');
    depositId = (await cert.getAttribute('href'))!.replace('/deposits/', '');
    expect(depositId).toMatch(/^dep_[0-9a-f]{20}$/);
    expect(page.errors).toEqual([]);
  }, 200_000);

  it('stops asking for the status once the page is left', async () => {
    await page.getByLabel('Address (URL)').fill(`${site.url}/gallery`);
    await page.getByRole('button', { name: 'Capture the page' }).click();
    const second = page.locator(`tr[data-capture-id]:not([data-capture-id="${captureId}"])`);
    await second.waitFor({ timeout: 30_000 });
    expect(['queued', 'running']).toContain(await second.getAttribute('data-status'));
    let asked = 0;
    const count = (r: { url(): string }) => {
      if (new URL(r.url()).pathname.startsWith('/v1/captures')) asked++;
    };
    await page.locator('a.brand').click();
    await page.waitForURL(`${svc.url}/`);
    page.on('request', count);
    await page.waitForTimeout(5000);
    page.off('request', count);
    expect(asked).toBe(0);
    // Back on the list, the one left running is followed again (and the rest of the tests see both done).
    await page.goto(`${svc.url}/captures`);
    await expect.poll(() => page.locator('tr[data-status=done]').count(), { timeout: 170_000 }).toBe(2);
  }, 200_000);

  it('downloads the bundle: a WACZ zip whose datapackage.json lists its resources', async () => {
    const row = page.locator(`tr[data-capture-id="${captureId}"]`);
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), row.locator('button.bundle').click()]);
    expect(dl.suggestedFilename()).toBe(`${captureId}.wacz`);
    const bytes = await readFile((await dl.path())!);
    expect(bytes.subarray(0, 4).toString('hex')).toBe('504b0304');
    const files = unzipSync(new Uint8Array(bytes));
    const dp = JSON.parse(Buffer.from(files['datapackage.json']!).toString('utf8')) as { wacz_version: string; resources: { path: string; hash: string }[] };
    expect(dp.wacz_version).toBe('1.1.1');
    const paths = dp.resources.map((r) => r.path);
    for (const p of ['archive/data.warc', 'pages/pages.jsonl', 'capture/screenshot.png', 'capture/environment.json']) expect(paths).toContain(p);
    for (const r of dp.resources) expect(files[r.path], r.path).toBeDefined();
    expect(files['datapackage-digest.json']).toBeDefined();
    // The save link stays for saving again.
    expect(await row.locator(`a[data-save="${captureId}.wacz"]`).count()).toBe(1);
  }, 90_000);

  it('downloads the PDF certificate and opens the certificate view', async () => {
    const row = page.locator(`tr[data-capture-id="${captureId}"]`);
    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), row.locator('button.pdf').click()]);
    expect(pdf.suggestedFilename()).toBe(`${depositId}.certificate.pdf`);
    expect((await readFile((await pdf.path())!)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await row.locator('a.cert-link').click();
    await page.waitForURL(`${svc.url}/deposits/${depositId}`);
    await page.locator('#download-json').waitFor();
    expect(await page.locator('main').textContent()).toContain(depositId);
    expect(page.errors).toEqual([]);
  }, 90_000);

  it('shows one capture: status, times, what the service saw, downloads', async () => {
    await page.goto(`${svc.url}/captures/${captureId}`);
    await page.locator('#dl-h').waitFor();
    const main = (await page.locator('main').textContent())!;
    expect(await page.locator('h1 .badge').textContent()).toBe('Done');
    expect(main).toContain(`${site.url}/start`);
    expect(main).toContain(`${site.url}/gallery`);
    expect(main).toContain('copy of my painting 8812');
    expect(main).toContain('Redirect chain');
    expect(main).toContain(`127.0.0.1:${site.port} → 127.0.0.1`);
    expect(main).toContain('capture/environment.json');
    expect(await page.locator('time[datetime]').count()).toBeGreaterThanOrEqual(3);
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator('button.bundle').click()]);
    expect(dl.suggestedFilename()).toBe(`${captureId}.wacz`);
    await page.goto(`${svc.url}/captures/cap_00000000000000000000`);
    await expect.poll(() => page.locator('main [role=alert]').textContent()).toContain('does not exist');
  }, 90_000);

  it('shows a refused URL’s reason beside the URL field (javascript:, and loopback without the test flag)', async () => {
    await page.goto(`${svc.url}/captures`);
    await page.getByLabel('Address (URL)').fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Capture the page' }).click();
    const err = page.locator('#f-url-err');
    await expect.poll(() => err.textContent()).toMatch(/^The service refuses to capture this address: .*javascript/);
    expect(await page.locator('#f-url').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('f-url');
    await screenshot(page, 'captures-refused');

    const other = await newPage(browser!, { baseUrl: strict.url, lang: 'zh' });
    try {
      await signUpAndIn(other, strict.url);
      const before = site.connections;
      await other.goto(`${strict.url}/captures`);
      await other.getByLabel('网址').fill(`${site.url}/gallery`);
      await other.getByRole('button', { name: '开始取证' }).click();
      const e2 = other.locator('#f-url-err');
      await expect.poll(() => e2.textContent()).toMatch(/^服务拒绝取证此网址：.*(loopback|private|special|127\.0\.0\.1)/i);
      expect(await other.locator('tr[data-capture-id]').count()).toBe(0);
      expect(site.connections).toBe(before);
      expect(other.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    } finally {
      await other.context().close();
    }
  }, 60_000);

  it('shows a capture that failed with its reason, in the list and on its own page', async () => {
    // Without the test flag: a "public" page (public.test → 127.0.0.2, declared public) redirects to loopback; the proxy refuses.
    const other = await newPage(browser!, { baseUrl: strict.url, lang: 'zh' });
    try {
      await signUpAndIn(other, strict.url);
      const before = site.connections;
      const url = `http://public.test:${publicSite.port}/to-loopback`;
      await other.goto(`${strict.url}/captures`);
      await other.getByLabel('网址').fill(url);
      await other.getByRole('button', { name: '开始取证' }).click();
      const row = other.locator('tr[data-capture-id]').first();
      await row.or(other.locator('#f-url-err:not(:empty)')).waitFor({ timeout: 30_000 });
      expect(await other.locator('#f-url-err').textContent()).toBe('');
      await expect.poll(() => row.textContent()).toContain(url);
      await row.and(other.locator('[data-status=done], [data-status=failed]')).waitFor({ timeout: 170_000 });
      expect(await row.getAttribute('data-status')).toBe('failed');
      expect(await row.locator('.badge').textContent()).toBe('失败');
      const reason = (await row.locator('.reason').textContent())!;
      expect(reason).toMatch(/capture proxy refused 127\.0\.0\.1/);
      expect(await row.locator('button.bundle').count()).toBe(0);
      expect(site.connections).toBe(before);
      expect(await axeCheck(other)).toEqual([]);
      await screenshot(other, 'captures-failed');
      await row.locator('a.url').click();
      await other.waitForURL(/\/captures\/cap_[0-9a-f]{20}$/);
      await expect.poll(() => other.locator('main p.error[role=alert]').textContent()).toContain(reason);
      expect(await other.locator('button.bundle').count()).toBe(0);
      expect(await axeCheck(other)).toEqual([]);
      await screenshot(other, 'capture-failed');
    } finally {
      await other.context().close();
    }
  }, 200_000);

  it('has no serious or critical axe-core violation and looks right in both languages on desktop and phone', async () => {
    for (const lang of ['zh', 'en'] as const) {
      for (const phone of [false, true]) {
        const p = await pageAs(lang, phone);
        try {
          await p.goto(`${svc.url}/captures`);
          await p.locator(`tr[data-capture-id="${captureId}"]`).waitFor();
          expect(await axeCheck(p), `/captures ${lang} ${phone ? 'phone' : 'desktop'}`).toEqual([]);
          await screenshot(p, 'captures');
          await p.goto(`${svc.url}/captures/${captureId}`);
          await p.locator('#dl-h').waitFor();
          await p.locator('details summary').click();
          expect(await axeCheck(p), `/captures/:id ${lang} ${phone ? 'phone' : 'desktop'}`).toEqual([]);
          await screenshot(p, 'capture-detail');
          expect(p.errors).toEqual([]);
        } finally {
          await p.context().close();
        }
      }
    }
  }, 120_000);
});
