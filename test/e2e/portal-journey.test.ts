/**
 * One person's whole path in Debian's Chromium, as a creator and then as the lawyer who checks
 * the evidence: sign up in the browser, upload a file, open its certificate, download the PDF,
 * follow the certificate's verify link and drop the work there → every check passes; on
 * `/verify`, with every request aborted after the page loaded, the downloaded PDF and the work
 * still verify, and a certificate with one byte changed is refused with the failing check named.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, startPortal } from '../support/browser.js';
import { makeTempDir, removeAllTempDirs, type TempDir } from '../support/proc.js';
import type { TestService } from '../support/service.js';
import { dropAndCheck, type Outcome } from '../support/verify-page.js';

// Code run inside the page (page.evaluate); the tests compile without the DOM library.
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

let svc: TestService;
let browser: Browser | undefined;
let tmp: TempDir;
let page: Page & { errors: string[] };

const work = { bytes: randomBytes(900_000), path: '', id: '' };
let pdfBytes: Buffer;
let certJson: Buffer;

beforeAll(async () => {
  tmp = await makeTempDir('cl-journey-');
  work.path = join(tmp.path, 'song.bin');
  await writeFile(work.path, work.bytes);
  svc = await startPortal();
  browser = await launchBrowser();
  page = await newPage(browser, { baseUrl: svc.url, lang: 'en' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await removeAllTempDirs();
});

/** Drops `bytes` as a file on the verify page's zone and waits for the checks. */
const drop = (p: Page, zone: '#cert-zone' | '#work-zone', name: string, bytes: Uint8Array, type = ''): Promise<Outcome> => dropAndCheck(p, zone, name, bytes, type);

function expectAllPass(o: Outcome): void {
  expect(o.verdict, o.text).toBe('valid');
  for (const n of ['checkpointSignature', 'inclusion', 'entry', 'workHashes', 'metadata', 'file']) expect(o.checks[n], n).toBe(true);
  expect(Object.entries(o.checks).filter(([, ok]) => ok !== true)).toEqual([]);
}

describe('portal journey: deposit in the browser, verify in the browser', () => {
  it('signs up, uploads a file and downloads its certificate as PDF and JSON', async () => {
    await page.goto(`${svc.url}/signup`);
    await page.fill('#signup-name', 'Wang Composer');
    await page.fill('#signup-email', `journey-${Date.now()}@example.com`);
    await page.fill('#signup-password', 'a long enough password');
    await page.click('form button[type=submit]');
    await expect.poll(() => page.locator('header .who').textContent(), { timeout: 30_000 }).toBe('Wang Composer');

    await page.goto(`${svc.url}/deposit`);
    await page.setInputFiles('#deposit-file', work.path);
    await page.locator('[data-hash=sm3]').first().waitFor({ timeout: 60_000 });
    await page.fill('#meta-title', 'Song of the Bay 湾之歌');
    await page.selectOption('#meta-workType', 'musical');
    await page.fill(`[id^=meta-author-][id$=-name] >> nth=0`, 'Wang');
    await page.check('input[name=deposit-mode][value=upload]');
    await page.click('.deposit-form button[type=submit]');
    await page.waitForURL(/\/deposits\/[^/?]+\?new=1$/, { timeout: 60_000 });
    work.id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#download-pdf')]);
    pdfBytes = await readFile((await pdf.path())!);
    expect(pdfBytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    certJson = await readFile((await json.path())!);
    expect((JSON.parse(certJson.toString('utf8')) as { deposit: { id: string } }).deposit.id).toBe(work.id);
  });

  it('follows the certificate’s verify link: the page fetches the certificate, and with the work dropped every check passes', async () => {
    await page.click(`a[href="/verify/${work.id}"]`);
    await page.waitForURL(new RegExp(`/verify/${work.id}$`));
    await page.waitForSelector('body[data-ready="true"]');
    // The certificate arrives by itself (the depositor is signed in); the verdict comes from the page's own checks.
    await page.waitForFunction(() => Number(document.body.dataset.runs ?? '0') > 0, undefined, { timeout: 60_000 });
    expectAllPass(await drop(page, '#work-zone', 'song.bin', work.bytes));
  });

  it('on /verify with the network cut after load: the PDF and the work verify; one changed byte is named', async () => {
    await page.goto(`${svc.url}/verify`);
    await page.waitForSelector('body[data-ready="true"]');
    const attempted: string[] = [];
    await page.route('**', (r) => {
      attempted.push(r.request().url());
      return r.abort();
    });
    await drop(page, '#cert-zone', `${work.id}.certificate.pdf`, pdfBytes, 'application/pdf');
    expectAllPass(await drop(page, '#work-zone', 'song.bin', work.bytes));

    // One byte of the JSON certificate changed: a digit of the work's SHA-256.
    const text = certJson.toString('utf8');
    const cert = JSON.parse(text) as { work: { sha256: string } };
    const at = text.indexOf(cert.work.sha256);
    const flipped = Buffer.from(text, 'utf8');
    flipped[at] = flipped[at] === 0x30 ? 0x31 : 0x30;
    const bad = await drop(page, '#cert-zone', 'changed.certificate.json', flipped, 'application/json');
    expect(bad.verdict).toBe('invalid');
    expect(bad.checks.workHashes).toBe(false);
    expect(await page.locator('#checks tr[data-check="workHashes"]').textContent()).toMatch(/Work fingerprints|fingerprint/i);
    // Nothing the page did after load needed the network (a worker's blob: script is not a request that leaves).
    expect(attempted.filter((u) => !u.startsWith('blob:'))).toEqual([]);
    expect(page.errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
  });
});
