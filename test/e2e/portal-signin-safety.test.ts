/**
 * Sign-in and sign-out edges in Debian's Chromium: a `?next=` that a browser would read as another
 * site (a tab inside "//") never leads off the portal, and a sign-out the service did not carry
 * out is shown and leaves the page signed in.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, signUpAndIn, startPortal } from '../support/browser.js';
import type { TestService } from '../support/service.js';

let svc: TestService;
let browser: Browser | undefined;

beforeAll(async () => {
  svc = await startPortal();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

const password = 'a long enough password';
const TRICKS = ['/%09/evil.example', '/%0d%0a/evil.example', '/%5C/evil.example', '//evil.example', 'https://evil.example/'];

describe('portal sign-in: where ?next= may lead', () => {
  for (const next of TRICKS) {
    it(`signing in with ?next=${next} stays on the portal`, async () => {
      const page = await newPage(browser!, { baseUrl: svc.url, lang: 'en' });
      try {
        const email = `next-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
        const created = await fetch(`${svc.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Next', email, password, kind: 'individual' }) });
        expect(created.status).toBe(201);
        await page.goto(`${svc.url}/signin?next=${next}`);
        await page.fill('#signin-email', email);
        await page.fill('#signin-password', password);
        await page.click('main form button[type=submit]');
        await page.waitForURL((u) => u.pathname !== '/signin', { timeout: 30_000 });
        expect(new URL(page.url()).origin).toBe(new URL(svc.url).origin);
        expect(new URL(page.url()).pathname).toBe('/deposits');
        expect(page.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
      } finally {
        await page.context().close();
      }
    }, 60_000);
  }

  it('after sign-up, the continue link of ?next=/%09/evil.example points into the portal', async () => {
    const page = await newPage(browser!, { baseUrl: svc.url, lang: 'en' });
    try {
      await page.goto(`${svc.url}/signup?next=/%09/evil.example`);
      await page.fill('#signup-name', 'Next Up');
      await page.fill('#signup-email', `next-up-${Date.now()}@example.com`);
      await page.fill('#signup-password', password);
      await page.click('form button[type=submit]');
      await page.locator('[data-secret]').waitFor();
      const hrefs = await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
      expect(hrefs.length).toBeGreaterThan(0);
      for (const href of hrefs) expect(new URL(href, page.url()).origin, href).toBe(new URL(svc.url).origin);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

describe('portal sign-out', () => {
  it('a failed sign-out is shown in the header and the page stays signed in; a later one signs out', async () => {
    const page = await newPage(browser!, { baseUrl: svc.url, lang: 'en' });
    try {
      await signUpAndIn(page, svc.url);
      await page.goto(`${svc.url}/deposits`);
      const button = page.locator('header button:has-text("Sign out")');
      await button.waitFor();
      await page.route('**/v1/session', (route) =>
        route.request().method() === 'DELETE'
          ? route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the store is not available', code: 'unavailable' }) })
          : route.continue(),
      );
      await button.click();
      const alert = page.locator('header [role=alert]');
      await expect.poll(() => alert.textContent()).toMatch(/still signed in/);
      expect(await button.isVisible()).toBe(true);
      expect(new URL(page.url()).pathname).toBe('/deposits');
      expect(await page.evaluate(async () => (await fetch('/v1/session')).status)).toBe(200);
      await page.unroute('**/v1/session');
      await button.click();
      await page.locator('header a[href="/signin"]').waitFor();
      expect(await page.evaluate(async () => (await fetch('/v1/session')).status)).toBe(401);
      // The refused DELETE and the final 401 are logged by the browser; nothing else went wrong (no unhandled rejection).
      expect(page.errors.filter((e) => !/status of (401|503)/.test(e))).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
