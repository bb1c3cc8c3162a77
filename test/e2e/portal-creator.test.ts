/**
 * A creator's path through the portal in Debian's Chromium: sign up in the browser (the API key
 * shown once works), upload a file (the page's SHA-256 and SM3 equal node:crypto's), find it in
 * my deposits, open its certificate view, download the JSON and the PDF, deposit a second file
 * by hash only (no file bytes leave the page), find it by prior-art lookup signed out (only the
 * hash is sent), create and revoke an API key (the revoked key then gets 401), sign out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, openFileChooser, startPortal } from '../support/browser.js';
import { makeTempDir, removeAllTempDirs, type TempDir } from '../support/proc.js';
import type { TestService } from '../support/service.js';

let svc: TestService;
let browser: Browser | undefined;
let tmp: TempDir;
let page: Page & { errors: string[] };

const digest = (alg: string, data: Uint8Array) => createHash(alg).update(data).digest('hex');
const email = `creator-${Date.now()}@example.com`;
const password = 'a long enough password';
let apiKey = '';
const work = { bytes: randomBytes(1_500_000), path: '', id: '' };
const secret = { bytes: randomBytes(700_000), path: '', id: '' };

beforeAll(async () => {
  tmp = await makeTempDir('cl-portal-');
  work.path = join(tmp.path, '山水 landscape.bin');
  secret.path = join(tmp.path, 'private-draft.bin');
  await writeFile(work.path, work.bytes);
  await writeFile(secret.path, secret.bytes);
  svc = await startPortal();
  browser = await launchBrowser();
  page = await newPage(browser, { baseUrl: svc.url, lang: 'en' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await removeAllTempDirs();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Picks `path` in the page's file input `#id` and waits until both hashes are shown. */
async function hashInPage(p: Page, inputId: string, path: string): Promise<{ sha256: string; sm3: string }> {
  await p.setInputFiles(`#${inputId}`, path);
  const sha = p.locator('[data-hash=sha256]').first();
  await sha.waitFor({ timeout: 60_000 });
  return { sha256: (await sha.textContent())!, sm3: (await p.locator('[data-hash=sm3]').first().textContent()) ?? '' };
}

describe('portal: a creator', () => {
  it('signs up in the browser and is shown a working API key once', async () => {
    await page.goto(`${svc.url}/signup`);
    await page.fill('#signup-name', 'Lin Creator');
    await page.fill('#signup-email', email);
    await page.fill('#signup-password', 'short');
    await page.click('form button[type=submit]');
    // Too short a password is refused beside its field, before anything is sent.
    await expect.poll(() => page.locator('#signup-password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#signup-password-error').textContent()).toMatch(/10 to 200/);
    await page.fill('#signup-password', password);
    await page.click('form button[type=submit]');
    const shown = page.locator('[data-secret]');
    await shown.waitFor();
    apiKey = (await shown.textContent())!.trim();
    expect(apiKey.length).toBeGreaterThan(20);
    const me = await fetch(`${svc.url}/v1/accounts/me`, { headers: bearer(apiKey) });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { account: { email: string } }).account.email).toBe(email);
    // Signed in: the header names the account and offers signing out.
    await expect.poll(() => page.locator('header .who').textContent()).toBe('Lin Creator');
  });

  it('signing up again with the same e-mail shows the service’s reason', async () => {
    const other = await newPage(browser!, { baseUrl: svc.url, lang: 'en' });
    await other.goto(`${svc.url}/signup`);
    await other.fill('#signup-name', 'Someone');
    await other.fill('#signup-email', email);
    await other.fill('#signup-password', password);
    await other.click('form button[type=submit]');
    const alert = other.locator('main [role=alert].error');
    await expect.poll(() => alert.textContent()).toMatch(/\S/);
    expect(await other.locator('[data-secret]').count()).toBe(0);
    await other.context().close();
  });

  it('uploads a file: the hashes computed in the page equal node:crypto’s, and the certificate view opens', async () => {
    await page.goto(`${svc.url}/deposit`);
    const got = await hashInPage(page, 'deposit-file', work.path);
    expect(got.sha256).toBe(digest('sha256', work.bytes));
    expect(got.sm3).toBe(digest('sm3', work.bytes));
    expect(await page.inputValue('#meta-fileName')).toBe('山水 landscape.bin');
    await page.fill('#meta-title', 'Landscape 山水');
    await page.selectOption('#meta-workType', 'fine_art');
    await page.fill(`[id^=meta-author-][id$=-name] >> nth=0`, 'Lin');
    await page.check('input[name=deposit-mode][value=upload]');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/v1/deposits')) posts.push(r.headers()['content-type'] ?? '');
    });
    await page.click('.deposit-form button[type=submit]');
    await page.waitForURL(/\/deposits\/[^/?]+\?new=1$/, { timeout: 60_000 });
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/^multipart\/form-data/);
    work.id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.locator('main h1', { hasText: 'Landscape 山水' }).waitFor();
    expect(await page.locator('main [data-hash=sha256]').textContent()).toBe(digest('sha256', work.bytes));
    expect(await page.locator('main [data-hash=sm3]').textContent()).toBe(digest('sm3', work.bytes));
    expect(await page.locator('main').textContent()).toContain('Work of fine art');
    expect(await page.locator(`a[href="/verify/${work.id}"]`).count()).toBe(1);
  });

  it('downloads the certificate as JSON (the work’s hash) and as PDF (%PDF)', async () => {
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    expect(json.suggestedFilename()).toBe(`${work.id}.certificate.json`);
    const cert = JSON.parse(await readFile((await json.path())!, 'utf8')) as { deposit: { id: string }; work: { sha256: string; sm3: string; metadata: { title: string; fileName: string } } };
    expect(cert.deposit.id).toBe(work.id);
    expect(cert.work.sha256).toBe(digest('sha256', work.bytes));
    expect(cert.work.sm3).toBe(digest('sm3', work.bytes));
    expect(cert.work.metadata.title).toBe('Landscape 山水');
    expect(cert.work.metadata.fileName).toBe('山水 landscape.bin');
    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#download-pdf')]);
    expect(pdf.suggestedFilename()).toBe(`${work.id}.certificate.pdf`);
    const bytes = await readFile((await pdf.path())!);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(10_000);
  });

  it('deposits a second file by hash only: no file bytes leave the page', async () => {
    await page.goto(`${svc.url}/deposit`);
    const bodies: { type: string; size: number }[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET') bodies.push({ type: r.headers()['content-type'] ?? '', size: r.postDataBuffer()?.length ?? 0 });
    });
    const got = await hashInPage(page, 'deposit-file', secret.path);
    expect(got.sha256).toBe(digest('sha256', secret.bytes));
    await page.fill('#meta-title', 'Private draft');
    expect(await page.isChecked('input[name=deposit-mode][value=hash]')).toBe(true);
    await page.click('.deposit-form button[type=submit]');
    await page.waitForURL(/\/deposits\/[^/?]+\?new=1$/, { timeout: 60_000 });
    secret.id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect(bodies.length).toBeGreaterThan(0);
    for (const b of bodies) {
      expect(b.type).toMatch(/^application\/json/);
      expect(b.size).toBeLessThan(4096);
    }
    const dep = (await (await fetch(`${svc.url}/v1/deposits/${secret.id}`, { headers: bearer(apiKey) })).json()) as { sha256: string; sm3: string; size: number };
    expect(dep).toMatchObject({ sha256: digest('sha256', secret.bytes), sm3: digest('sm3', secret.bytes), size: secret.bytes.length });
  });

  it('finds both in my deposits, newest first, and by search', async () => {
    await page.goto(`${svc.url}/deposits`);
    const rows = page.locator('tr[data-deposit-id]');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-deposit-id')))).toEqual([secret.id, work.id]);
    await page.fill('#deposit-search', 'landscape');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForURL(/\?q=landscape$/);
    await expect.poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-deposit-id')))).toEqual([work.id]);
    await page.click(`tr[data-deposit-id="${work.id}"] a`);
    await page.waitForURL(new RegExp(`/deposits/${work.id}$`));
    await page.locator('main h1', { hasText: 'Landscape 山水' }).waitFor();
  });

  it('prior-art lookup, signed out, finds the deposit and sends only the hash', async () => {
    const anon = await newPage(browser!, { baseUrl: svc.url, lang: 'en' });
    const sent: string[] = [];
    anon.on('request', (r) => {
      if (r.url().includes('/v1/')) sent.push(`${r.method()} ${new URL(r.url()).pathname}${new URL(r.url()).search} ${r.postDataBuffer()?.length ?? 0}`);
    });
    await anon.goto(`${svc.url}/prior-art`);
    await anon.setInputFiles('#prior-file', secret.path);
    const found = anon.locator('[data-matches]');
    await found.waitFor({ timeout: 60_000 });
    expect(await found.getAttribute('data-matches')).toBe('1');
    expect(await anon.locator(`li[data-deposit-id="${secret.id}"]`).count()).toBe(1);
    expect(sent.filter((s) => !s.startsWith('GET /v1/session'))).toEqual([`GET /v1/deposits?sha256=${digest('sha256', secret.bytes)} 0`]);
    // A file nobody deposited.
    const fresh = join(tmp.path, 'fresh.bin');
    await writeFile(fresh, randomBytes(1000));
    await anon.setInputFiles('#prior-file', fresh);
    await expect.poll(() => found.getAttribute('data-matches'), { timeout: 60_000 }).toBe('0');
    await anon.context().close();
  });

  it('creates an API key with a label, shows it once, and revokes it after confirmation (then it gets 401)', async () => {
    await page.goto(`${svc.url}/keys`);
    await page.locator('tr[data-key-id]').first().waitFor();
    const before = await page.locator('tr[data-key-id]').count();
    await page.fill('#key-label', 'laptop');
    await page.click('main form button[type=submit]');
    const shown = page.locator('[data-secret]');
    await shown.waitFor();
    const key = (await shown.textContent())!.trim();
    expect((await fetch(`${svc.url}/v1/accounts/me`, { headers: bearer(key) })).status).toBe(200);
    await expect.poll(() => page.locator('tr[data-key-id]').count()).toBe(before + 1);
    const row = page.locator('tr[data-key-id]', { hasText: 'laptop' });
    await row.locator('button.danger').click();
    // Nothing is revoked until the confirmation.
    expect((await fetch(`${svc.url}/v1/accounts/me`, { headers: bearer(key) })).status).toBe(200);
    await row.locator('button.confirm').click();
    await row.locator('.badge.bad').waitFor();
    expect((await fetch(`${svc.url}/v1/accounts/me`, { headers: bearer(key) })).status).toBe(401);
    // The sign-up key still works.
    expect((await fetch(`${svc.url}/v1/accounts/me`, { headers: bearer(apiKey) })).status).toBe(200);
  });

  it('shows the service’s complaint about a metadata field beside that field, and deposits nothing', async () => {
    await page.goto(`${svc.url}/deposit`);
    await hashInPage(page, 'deposit-file', work.path);
    await page.fill('#meta-title', 'evil\u202etxt.exe');
    const before = await fetch(`${svc.url}/v1/accounts/me/deposits`, { headers: bearer(apiKey) }).then((r) => r.json() as Promise<{ deposits: unknown[] }>);
    await page.click('.deposit-form button[type=submit]');
    await expect.poll(() => page.locator('#meta-title').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#meta-title-error').textContent()).toMatch(/\S/);
    expect(await page.locator('.deposit-form [role=alert].error').textContent()).toContain('metadata.title');
    expect(page.url()).toBe(`${svc.url}/deposit`);
    const after = await fetch(`${svc.url}/v1/accounts/me/deposits`, { headers: bearer(apiKey) }).then((r) => r.json() as Promise<{ deposits: unknown[] }>);
    expect(after.deposits.length).toBe(before.deposits.length);
  });

  it('pages through my deposits, 20 at a time, older and back to newer', async () => {
    const items = Array.from({ length: 21 }, (_, i) => {
      const b = Buffer.from(`batch work ${i}`);
      return { sha256: digest('sha256', b), size: b.length, metadata: { title: `Batch ${i}` } };
    });
    const res = await fetch(`${svc.url}/v1/deposits/batch`, { method: 'POST', headers: { ...bearer(apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    expect(res.status).toBe(201);
    await page.goto(`${svc.url}/deposits`);
    const rows = page.locator('tr[data-deposit-id]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(20);
    const first = await rows.first().getAttribute('data-deposit-id');
    const newer = page.locator('nav.pager button').first();
    const older = page.locator('nav.pager button').last();
    expect(await newer.isDisabled()).toBe(true);
    await older.click();
    await page.waitForURL(/after=/);
    // 21 batch deposits and the two of the tests above: 23 in all, 3 on the second page, the oldest last.
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.last().getAttribute('data-deposit-id')).toBe(work.id);
    expect(await older.isDisabled()).toBe(true);
    await newer.click();
    await expect.poll(() => rows.count()).toBe(20);
    expect(await rows.first().getAttribute('data-deposit-id')).toBe(first);
    // The browser's back button returns to the second page; reloading it still offers the way back.
    await page.goBack();
    await page.waitForURL(/after=/);
    await expect.poll(() => rows.count()).toBe(3);
    await page.reload();
    await expect.poll(() => rows.count()).toBe(3);
    expect(await newer.isDisabled()).toBe(false);
    await newer.click();
    await page.waitForURL(/\/deposits$/);
    await expect.poll(() => rows.first().getAttribute('data-deposit-id')).toBe(first);
  });

  it('switches language without reloading, and the choice holds after a reload', async () => {
    await page.goto(`${svc.url}/keys`);
    await page.locator('main h1', { hasText: 'API keys' }).waitFor();
    await page.click('header button.lang');
    await page.locator('main h1', { hasText: 'API 密钥' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.reload();
    await page.locator('main h1', { hasText: 'API 密钥' }).waitFor();
    expect(await page.locator('a.skip').textContent()).toBe('跳到正文');
    await page.click('header button.lang');
    await page.locator('main h1', { hasText: 'API keys' }).waitFor();
    expect(await page.title()).toBe('API keys · copyright-ledger');
  });

  it('deposits with the keyboard alone: skip link, file picker, form, submit; focus is always visible', async () => {
    await page.goto(`${svc.url}/deposit`);
    await page.locator('#deposit-file').waitFor();
    const active = () => page.evaluate('document.activeElement && (document.activeElement.id || document.activeElement.tagName)') as Promise<string>;
    /** The focused element (or, for the hidden file input, its label) draws an outline. */
    const outlined = () =>
      page.evaluate(`(() => { let el = document.activeElement; if (el && el.type === 'file') el = document.querySelector('label[for="' + el.id + '"]'); const s = getComputedStyle(el); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()`) as Promise<boolean>;
    // A page drawn after navigating has focus on <main>; the skip link is what a fresh load reaches first.
    await page.focus('a.skip');
    expect(await page.evaluate('document.activeElement.className')).toBe('skip');
    expect(await outlined()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(active).toBe('app');
    const tabTo = async (id: string) => {
      for (let i = 0; i < 60 && (await active()) !== id; i++) await page.keyboard.press('Tab');
      expect(await active()).toBe(id);
      expect(await outlined()).toBe(true);
    };
    await tabTo('deposit-file');
    const chooser = await openFileChooser(page, () => page.keyboard.press('Space'));
    await chooser.setFiles(secret.path);
    await page.locator('[data-hash=sm3]').waitFor({ timeout: 60_000 });
    await tabTo('meta-title');
    await page.keyboard.type('Typed by keyboard');
    await tabTo('meta-workType');
    await page.keyboard.press('ArrowDown');
    // The submit button is the last control of the form.
    for (let i = 0; i < 60 && !(await page.evaluate(`document.activeElement.matches('.deposit-form button[type=submit]')`)); i++) await page.keyboard.press('Tab');
    expect(await outlined()).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/deposits\/[^/?]+\?new=1$/, { timeout: 60_000 });
    await page.locator('main h1', { hasText: 'Typed by keyboard' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('Literary work');
  });

  it('signs out: the session ends and my deposits ask to sign in again, then sign-in returns there', async () => {
    await page.click('header button:has-text("Sign out")');
    await page.locator('header a[href="/signin"]').waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/session')).status);
    expect(status).toBe(401);
    await page.goto(`${svc.url}/deposits`);
    await page.waitForURL(/\/signin\?next=%2Fdeposits$/);
    await page.fill('#signin-email', email);
    await page.fill('#signin-password', 'wrong password!');
    await page.click('main form button[type=submit]');
    await expect.poll(() => page.locator('main [role=alert].error').textContent()).toMatch(/\S/);
    await page.fill('#signin-password', password);
    await page.click('main form button[type=submit]');
    await page.waitForURL(/\/deposits$/);
    await page.locator('tr[data-deposit-id]').first().waitFor();
    // Only the refusals the tests above provoked (sign-in, the duplicate e-mail, the bad title) reached the console.
    expect(page.errors.filter((e) => !/status of (400|401|409)/.test(e))).toEqual([]);
  });
});
