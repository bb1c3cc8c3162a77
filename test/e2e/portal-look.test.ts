/**
 * How the portal's main pages look and whether they are accessible, in Debian's Chromium:
 * screenshots of each main page in Chinese and English at desktop (1280×800) and phone
 * (390×844) width into test-results/screenshots/ (to look at), axe-core on each with no serious
 * or critical violation, no page wider than the phone's screen, and no script error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeCheck, launchBrowser, newPage, screenshot, signUpAndIn, startPortal, type AxeViolation } from '../support/browser.js';
import { makeTempDir, removeAllTempDirs, type TempDir } from '../support/proc.js';
import type { TestService } from '../support/service.js';

let svc: TestService;
let browser: Browser | undefined;
let tmp: TempDir;
let workFile: string;
let depositId = '';

const digest = (alg: string, data: Uint8Array) => createHash(alg).update(data).digest('hex');

beforeAll(async () => {
  tmp = await makeTempDir('cl-portal-look-');
  const bytes = randomBytes(2_345_678);
  workFile = join(tmp.path, 'sunrise-over-the-river.jpg');
  await writeFile(workFile, bytes);
  svc = await startPortal();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await removeAllTempDirs();
});

/** Deposits a few works for the account behind `apiKey`, the first being the file on disk. */
async function seedDeposits(apiKey: string, bytes: Uint8Array): Promise<string> {
  const post = async (body: unknown) => {
    const res = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  for (let i = 0; i < 3; i++) {
    const b = randomBytes(1000 + i);
    await post({ sha256: digest('sha256', b), sm3: digest('sm3', b), size: b.length, metadata: { title: ['《春江花月夜》朗诵录音', 'Untitled sketch no. 7', '城市夜景系列 · 第三组'][i], fileName: `file-${i}.bin` } });
  }
  return post({
    sha256: digest('sha256', bytes),
    sm3: digest('sm3', bytes),
    size: bytes.length,
    metadata: {
      title: '江上日出 Sunrise over the river',
      workType: 'photographic',
      authors: [{ name: '林晓', role: '摄影' }],
      rightsHolder: '林晓',
      creationDate: '2026-03-15',
      publicationStatus: 'unpublished',
      description: '清晨在江边拍摄的日出照片。\nA photograph of the sunrise taken by the river at dawn.',
      fileName: 'sunrise-over-the-river.jpg',
    },
  });
}

interface Shot {
  name: string;
  path: string;
  /** What shows the page is drawn. */
  ready: string;
  signedIn: boolean;
  /** After loading: bring the page into the state worth showing. */
  act?: (page: Page) => Promise<void>;
}

const SHOTS: Shot[] = [
  { name: 'home', path: '/', ready: 'main .cards', signedIn: false },
  { name: 'signin', path: '/signin', ready: '#signin-email', signedIn: false },
  { name: 'signup', path: '/signup', ready: '#signup-name', signedIn: false },
  {
    name: 'signup-error',
    path: '/signup',
    ready: '#signup-name',
    signedIn: false,
    act: async (page) => {
      await page.fill('#signup-name', 'Lin');
      await page.fill('#signup-email', 'lin@example.com');
      await page.fill('#signup-password', 'short');
      await page.click('main form button[type=submit]');
      await page.locator('#signup-password[aria-invalid=true]').waitFor();
    },
  },
  { name: 'deposit', path: '/deposit', ready: '#deposit-file', signedIn: true },
  {
    name: 'deposit-hashed',
    path: '/deposit',
    ready: '#deposit-file',
    signedIn: true,
    act: async (page) => {
      await page.setInputFiles('#deposit-file', workFile);
      await page.locator('[data-hash=sm3]').waitFor({ timeout: 60_000 });
      await page.selectOption('#meta-publicationStatus', 'published');
    },
  },
  { name: 'deposits', path: '/deposits', ready: 'tr[data-deposit-id]', signedIn: true },
  { name: 'certificate', path: '', ready: '#download-pdf', signedIn: true },
  {
    name: 'keys',
    path: '/keys',
    ready: 'tr[data-key-id]',
    signedIn: true,
    act: async (page) => {
      await page.fill('#key-label', 'laptop');
      await page.click('main form button[type=submit]');
      await page.locator('[data-secret]').waitFor();
      await page.locator('tr[data-key-id] button.danger').first().click();
    },
  },
  {
    name: 'prior-art',
    path: '/prior-art',
    ready: '#prior-file',
    signedIn: false,
    act: async (page) => {
      await page.setInputFiles('#prior-file', workFile);
      await page.locator('[data-matches]').waitFor({ timeout: 60_000 });
    },
  },
  {
    // Last: it signs the signed-out page in.
    name: 'signup-done',
    path: '/signup',
    ready: '#signup-name',
    signedIn: false,
    act: async (page) => {
      await page.fill('#signup-name', 'Lin');
      await page.fill('#signup-email', `look-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
      await page.fill('#signup-password', 'a long enough password');
      await page.click('main form button[type=submit]');
      await page.locator('[data-secret]').waitFor();
    },
  },
];


describe.each([
  ['desktop', false],
  ['phone', true],
] as const)('portal pages at %s width', (_size, phone) => {
  it.each(['zh', 'en'] as const)('in %s: screenshots, axe-core, no horizontal scrolling, no script errors', async (lang) => {
    const violations: Record<string, AxeViolation[]> = {};
    const overflow: Record<string, number> = {};
    const signedOut = await newPage(browser!, { baseUrl: svc.url, lang, phone });
    const signedIn = await newPage(browser!, { baseUrl: svc.url, lang, phone });
    try {
      const who = await signUpAndIn(signedIn, svc.url, { name: lang === 'zh' ? '林晓' : 'Lin Xiao' });
      const { readFile } = await import('node:fs/promises');
      depositId = await seedDeposits(who.apiKey, await readFile(workFile));
      for (const shot of SHOTS) {
        const page = shot.signedIn ? signedIn : signedOut;
        await page.goto(`${svc.url}${shot.path || `/deposits/${depositId}`}`);
        await page.locator(shot.ready).first().waitFor({ timeout: 30_000 });
        if (shot.act) await shot.act(page);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang === 'zh' ? 'zh-CN' : 'en');
        await screenshot(page, shot.name);
        const key = `${shot.name}-${lang}-${phone ? 'phone' : 'desktop'}`;
        const found = await axeCheck(page);
        if (found.length > 0) violations[key] = found;
        const extra = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
        if (extra > 0) overflow[key] = extra;
      }
      expect(violations).toEqual({});
      expect(overflow).toEqual({});
      for (const p of [signedOut, signedIn]) expect(p.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    } finally {
      await signedOut.context().close();
      await signedIn.context().close();
    }
  });

});

describe('portal header on a phone', () => {
  it('on a phone the header folds its links behind a menu button that opens and closes them (keyboard too)', async () => {
    const page = await newPage(browser!, { baseUrl: svc.url, lang: 'en', phone: true });
    try {
      await signUpAndIn(page, svc.url, { name: 'Menu Tester' });
      await page.goto(`${svc.url}/`);
      const toggle = page.locator('header .menu-toggle');
      await toggle.waitFor();
      const link = page.locator('#site-nav a[href="/deposit"]');
      expect(await link.isVisible()).toBe(false);
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.focus();
      await page.keyboard.press('Enter');
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      expect(await link.isVisible()).toBe(true);
      const header = await page.locator('header#top').boundingBox();
      await screenshot(page, 'menu-open');
      await link.click();
      await page.waitForURL(/\/deposit$/);
      // The page redrew its header: the menu starts closed again, and the closed header is short.
      expect(await page.locator('#site-nav a[href="/deposit"]').isVisible()).toBe(false);
      const closed = await page.locator('header#top').boundingBox();
      expect(closed!.height).toBeLessThan(header!.height);
      expect(closed!.height).toBeLessThan(120);
    } finally {
      await page.context().close();
    }
  });
});
