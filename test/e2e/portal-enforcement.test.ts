/**
 * The enforcement pages in Debian's Chromium (docs/ENFORCEMENT.md "In the web portal"): a creator
 * deposits an image (over the API), finds its resized and recompressed copy on /matches by
 * dropping the copy, opens a case from the match, watches the case page capture the infringing
 * page (a local site, with CAPTURE_ALLOW_PRIVATE) and reach "evidence collected", moves the case
 * on, and downloads the evidence package (a ZIP) and the notices (PDF and text). A text the
 * service refuses shows its error beside the text field. axe-core on each page; screenshots in
 * both languages at desktop and phone width.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeCheck, launchBrowser, newPage, screenshot, signUpAndIn, startPortal, type SignedUp } from '../support/browser.js';
import { pageServer, type PageServer } from '../support/capture.js';
import { makeTempDir, removeAllTempDirs, type TempDir } from '../support/proc.js';
import type { TestService } from '../support/service.js';
import { alteredCopy, syntheticImage } from '../support/synthetic.js';

let svc: TestService;
let site: PageServer;
let browser: Browser | undefined;
let tmp: TempDir;
let page: Page & { errors: string[] };
let who: SignedUp;
let depositId: string;
let caseId: string;
let copyPath: string;

beforeAll(async () => {
  tmp = await makeTempDir('cl-portal-enf-');
  const image = await syntheticImage(4242, 900, 600);
  const copy = await alteredCopy(image, { crop: 0.03, scale: 0.5, quality: 65 });
  copyPath = join(tmp.path, 'found-online.jpg');
  await writeFile(copyPath, copy);
  site = await pageServer('127.0.0.1', (req, res) => {
    if (req.url === '/copy.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(copy);
    if (req.url === '/post') {
      return void res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><html><head><meta charset="utf-8"><title>转载的照片</title></head><body><h1>A reposted photo 转载</h1><img src="/copy.jpg" width="450"></body></html>');
    }
    res.writeHead(404).end();
  });
  svc = await startPortal({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '1', OPERATOR_NAME: '示例存证服务有限公司' });
  browser = await launchBrowser();
  page = await newPage(browser, { baseUrl: svc.url, lang: 'en' });
  who = await signUpAndIn(page, svc.url, { name: '张三' });
  const form = new FormData();
  form.append('file', new Blob([image]), 'hills.png');
  form.append('metadata', JSON.stringify({ title: '山水之间 Between the Hills' }));
  const dep = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${who.apiKey}` }, body: form });
  expect(dep.status).toBe(201);
  depositId = ((await dep.json()) as { id: string }).id;
  await svc.enforcement.fingerprints.idle();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await site?.close();
  await removeAllTempDirs();
});

/** A page in `lang` at desktop or phone size, signed in as the creator. */
async function signedInPage(lang: 'zh' | 'en', phone: boolean): Promise<Page & { errors: string[] }> {
  const p = await newPage(browser!, { baseUrl: svc.url, lang, phone });
  const r = await p.request.post(`${svc.url}/v1/session`, { headers: { 'content-type': 'application/json' }, data: { email: who.email, password: who.password } });
  expect(r.status()).toBe(200);
  return p;
}

describe('enforcement pages', () => {
  it('/matches: a refused text shows its error beside the text field', async () => {
    await page.goto(`${svc.url}/matches`);
    await page.getByRole('heading', { level: 1, name: 'Find copies' }).waitFor();
    await page.fill('#f-text', 'far too short to match');
    await page.click('#match-text-h ~ form button[type=submit]');
    await page.locator('#f-text-err').filter({ hasText: '20 words' }).waitFor({ timeout: 30_000 });
    expect(await page.getAttribute('#f-text', 'aria-invalid')).toBe('true');
    // The browser logs the refused request; nothing else may have failed.
    expect(page.errors.filter((e) => !e.includes('status of 400') || !e.includes('/v1/matches'))).toEqual([]);
    page.errors.length = 0;
  });

  it('/matches: dropping the resized copy finds the deposit, with method and similarity', async () => {
    await page.setInputFiles('#f-file', copyPath);
    const hit = page.locator(`ol.match-list li[data-deposit-id="${depositId}"]`);
    await hit.waitFor({ timeout: 60_000 });
    expect(await hit.getAttribute('data-method')).toBe('image-phash');
    const text = (await hit.textContent()) ?? '';
    expect(text).toContain('山水之间 Between the Hills');
    expect(text).toContain('Similar image (perceptual hash)');
    expect(text).toMatch(/\d+%/);
    expect(await hit.locator(`a[href="/deposits/${depositId}"]`).count()).toBe(1);
    expect(await axeCheck(page)).toEqual([]);
    await screenshot(page, 'enf-matches');
  }, 90_000);

  it('opens a case from the match: the form is filled with the work, the page is captured, the case reaches evidence collected', async () => {
    await page.locator(`ol.match-list li[data-deposit-id="${depositId}"] a.open-case`).click();
    await page.waitForURL(/\/cases\/new\?deposit=/);
    expect(await page.inputValue('#f-depositId')).toBe(depositId);
    await page.getByText('Work: 山水之间 Between the Hills').waitFor();
    // The client names a missing address beside its field before anything is sent.
    await page.click('form.case-form button[type=submit]');
    await page.locator('#f-infringingUrl-err').filter({ hasText: 'http' }).waitFor();
    await page.fill('#f-infringingUrl', `${site.url}/post`);
    await page.fill('#f-description', '未经许可转载摄影作品《山水之间》');
    await page.fill('#f-rightsHolder-address', '北京市海淀区中关村大街 1 号');
    expect(await axeCheck(page)).toEqual([]);
    await screenshot(page, 'enf-case-new');
    await page.click('form.case-form button[type=submit]');
    await page.waitForURL(/\/cases\/case_[0-9a-f]{20}$/, { timeout: 60_000 });
    caseId = new URL(page.url()).pathname.split('/').pop()!;
    // The page looks again by itself while the capture runs.
    await page.locator('h1 [data-state="evidence_collected"]').waitFor({ timeout: 180_000 });
    await page.locator('[data-capture-status="done"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('ol.case-history li').count()).toBe(2);
    expect(await page.locator('#capture').textContent()).toContain('转载的照片');
    expect(await axeCheck(page)).toEqual([]);
    await screenshot(page, 'enf-case');
  }, 240_000);

  it('moves the case on with the allowed transitions only; each move is a log entry', async () => {
    const moves = await page.locator('button[data-move]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-move')));
    expect(moves.sort()).toEqual(['closed', 'litigation', 'notice_sent', 'settled']);
    await page.fill('#f-note', 'sent through the platform’s complaint form');
    await page.click('button[data-move="notice_sent"]');
    await page.locator('h1 [data-state="notice_sent"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('ol.case-history li').count()).toBe(3);
    const now = await page.locator('button[data-move]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-move')));
    expect(now.sort()).toEqual(['closed', 'litigation', 'settled']);
    const index = Number(await page.locator('ol.case-history li').last().getAttribute('data-index'));
    const entry = (await (await fetch(`${svc.url}/v1/log/entries/${index}`)).json()) as { entry: string };
    const text = Buffer.from(entry.entry, 'base64').toString('utf8');
    expect(JSON.parse(text)).toMatchObject({ type: 'case', id: caseId, action: 'send_notice' });
    expect(text).not.toContain('complaint');
  }, 60_000);

  it('downloads the evidence package (a ZIP) and the notices (PDF and text)', async () => {
    const [zip] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#download-package')]);
    expect(zip.suggestedFilename()).toBe(`${caseId}.evidence.zip`);
    const zipBytes = await readFile((await zip.path())!);
    expect(zipBytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    const names = Object.keys(unzipSync(new Uint8Array(zipBytes)));
    expect(names).toEqual(expect.arrayContaining(['VERIFY.txt', 'SHA256SUMS', 'evidence-list.pdf', 'notice-cn.pdf', `work/${depositId}.certificate.json`]));

    await page.fill('#f-to', '某视频平台');
    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#notice-pdf')]);
    expect(pdf.suggestedFilename()).toBe(`${caseId}.notice-cn.pdf`);
    expect((await readFile((await pdf.path())!)).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    await page.selectOption('#f-kind', 'dmca');
    const [txt] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#notice-txt')]);
    expect(txt.suggestedFilename()).toBe(`${caseId}.notice-dmca.txt`);
    const notice = await readFile((await txt.path())!, 'utf8');
    for (const s of ['512(c)(3)', 'penalty of perjury', `${site.url}/post`, '北京市海淀区']) expect(notice).toContain(s);
    expect(page.errors).toEqual([]);
  }, 180_000);

  it('/matches: a web page is captured, then its images are matched; the case form gets the page’s address', async () => {
    await page.goto(`${svc.url}/matches`);
    await page.fill('#f-url', 'not a url');
    await page.click('#match-url-h ~ form button[type=submit]');
    await page.locator('#f-url-err').filter({ hasText: 'http' }).waitFor();
    await page.fill('#f-url', `${site.url}/post`);
    await page.click('#match-url-h ~ form button[type=submit]');
    const hit = page.locator(`ol.match-list li[data-deposit-id="${depositId}"]`);
    await hit.waitFor({ timeout: 180_000 });
    expect(await hit.textContent()).toContain(`${site.url}/copy.jpg`);
    await hit.locator('a.open-case').click();
    await page.waitForURL(/\/cases\/new\?/);
    expect(await page.inputValue('#f-infringingUrl')).toBe(`${site.url}/post`);
    expect(await page.inputValue('#f-depositId')).toBe(depositId);
  }, 240_000);

  it('a case whose page cannot be captured says why and offers to capture again', async () => {
    const res = await page.request.post(`${svc.url}/v1/cases`, {
      headers: { authorization: `Bearer ${who.apiKey}`, 'content-type': 'application/json' },
      data: { depositId, infringingUrl: `${site.url.replace(/:\d+$/, ':1')}/gone`, description: 'a page that is no longer there' },
    });
    expect(res.status()).toBe(201);
    const failed = ((await res.json()) as { id: string }).id;
    await page.goto(`${svc.url}/cases/${failed}`);
    await page.locator('#recapture').waitFor({ timeout: 180_000 });
    const why = (await page.locator('#capture p.error').textContent()) ?? '';
    expect(why).toMatch(/^The capture failed\. \S/);
    expect(why.toLowerCase().match(/capture failed/g)).toHaveLength(1);
    expect(await page.locator('h1 [data-state="open"]').textContent()).toBe('Open, capture failed');
    expect(await page.locator('#download-package').isDisabled()).toBe(true);
    expect(await page.locator('button[data-move]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-move')))).toEqual(['closed']);
    expect(await axeCheck(page)).toEqual([]);
    await screenshot(page, 'enf-case-failed');
  }, 240_000);

  it('/cases lists the case with its state', async () => {
    await page.goto(`${svc.url}/cases`);
    const row = page.locator(`tr[data-case-id="${caseId}"]`);
    await row.waitFor();
    expect(await row.locator('[data-state]').getAttribute('data-state')).toBe('notice_sent');
    expect(await axeCheck(page)).toEqual([]);
  });

  it('looks right in both languages at desktop and phone width (screenshots, axe)', async () => {
    for (const lang of ['zh', 'en'] as const) {
      for (const phone of [false, true]) {
        const p = await signedInPage(lang, phone);
        try {
          await p.goto(`${svc.url}/matches`);
          await p.locator('#f-file').waitFor({ state: 'attached' });
          await p.setInputFiles('#f-file', copyPath);
          await p.locator('ol.match-list li').first().waitFor({ timeout: 60_000 });
          expect(await axeCheck(p)).toEqual([]);
          await screenshot(p, 'enf-matches');
          await p.goto(`${svc.url}/cases`);
          await p.locator(`tr[data-case-id="${caseId}"]`).waitFor();
          await screenshot(p, 'enf-cases');
          await p.goto(`${svc.url}/cases/${caseId}`);
          await p.locator('ol.case-history li').first().waitFor();
          expect(await axeCheck(p)).toEqual([]);
          await screenshot(p, 'enf-case');
          await p.goto(`${svc.url}/cases/new?deposit=${depositId}`);
          await p.locator('#f-infringingUrl').waitFor();
          expect(await axeCheck(p)).toEqual([]);
          await screenshot(p, 'enf-case-new');
          expect(p.errors).toEqual([]);
        } finally {
          await p.context().close();
        }
      }
    }
  }, 240_000);
});
