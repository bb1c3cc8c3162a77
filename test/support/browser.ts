/**
 * Browser tests of the web portal: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), a service on port 0 with generous limits, accounts signed in through the
 * API into the browser context, screenshots and axe-core checks.
 *
 *   const browser = await launchBrowser();            // one per test file, closed in afterAll
 *   const svc = await startPortal();
 *   const page = await newPage(browser, { lang: 'en', phone: false });
 *   const who = await signUpAndIn(page, svc.url);
 *   await page.goto(`${svc.url}/deposits`);
 *   await screenshot(page, 'deposits');               // test-results/screenshots/deposits-en-desktop.png
 *   expect(await axeCheck(page)).toEqual([]);
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FileChooser, type Page } from 'playwright-core';
import { startTestService, type TestService } from './service.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The admin key of every startPortal() service (to create reviewers and admins). */
export const PORTAL_ADMIN_KEY = 'portal-test-admin-key-0123456789';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** Where screenshots go (gitignored). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

const require = createRequire(import.meta.url);

/**
 * A fontconfig file adding Noto Sans SC (the font PDF certificates use, from node_modules) to the
 * system's fonts: a test machine may have no Chinese font at all, and screenshots of Chinese
 * pages would show empty boxes where a person's computer shows characters. Written under
 * test-results/ (gitignored) with its cache beside it.
 */
async function fontconfigFile(): Promise<string> {
  const pkg = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
  const dir = join(SCREENSHOT_DIR, '..', 'fontconfig');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'fonts.conf');
  const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  await writeFile(
    file,
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${xml(join(pkg, '400Regular'))}</dir>
  <dir>${xml(join(pkg, '700Bold'))}</dir>
  <cachedir>${xml(join(dir, 'cache'))}</cachedir>
</fontconfig>
`,
  );
  return file;
}

/** Launches Chromium headless (with a Chinese font, see fontconfigFile). Close it in afterAll (`await browser?.close()`). */
export async function launchBrowser(): Promise<Browser> {
  const env = { ...process.env, FONTCONFIG_FILE: await fontconfigFile() } as Record<string, string>;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env });
}

/** The service in-process on port 0 with generous limits and a known admin key; `stop()` it in afterAll. */
export function startPortal(env: Record<string, string> = {}): Promise<TestService> {
  return startTestService({ ADMIN_API_KEY: PORTAL_ADMIN_KEY, ...env });
}

/**
 * A page in a fresh context (own cookies) with the language cookie preset for `baseUrl`
 * (Chinese unless `lang: 'en'`) at desktop or phone size. Page errors are collected in
 * `errors` (a test can assert there were none).
 */
export async function newPage(browser: Browser, opts: { baseUrl?: string; lang?: 'zh' | 'en'; phone?: boolean } = {}): Promise<Page & { errors: string[] }> {
  const context: BrowserContext = await browser.newContext({
    viewport: opts.phone ? PHONE : DESKTOP,
    ...(opts.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    acceptDownloads: true,
  });
  if (opts.baseUrl !== undefined && opts.lang !== undefined) await context.addCookies([{ name: 'cl_lang', value: opts.lang, url: opts.baseUrl }]);
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`${m.text()} [${m.location().url}]`);
  });
  return page;
}

/**
 * Opens the page's file chooser by `trigger` (a key press or click on a file input) and returns it.
 * Playwright turns on file-chooser interception when a listener is added, by a message that can
 * reach Chromium after a trigger sent at the same time; on a loaded machine the chooser then opens
 * unseen. So the listener goes first, a round trip to the page follows, and a trigger that
 * produced no chooser within a few seconds is repeated (up to three times).
 */
export async function openFileChooser(page: Page, trigger: () => Promise<void>): Promise<FileChooser> {
  let resolve!: (c: FileChooser) => void;
  const seen = new Promise<FileChooser>((r) => (resolve = r));
  page.once('filechooser', resolve);
  await page.evaluate('0');
  for (let attempt = 1; ; attempt++) {
    await trigger();
    const chooser = await Promise.race([seen, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000))]);
    if (chooser !== undefined) return chooser;
    if (attempt === 3) throw new Error('the file chooser did not open after three tries');
  }
}

/** Switches the page's language cookie (takes effect on the next navigation or draw). */
export async function setPageLang(page: Page, baseUrl: string, lang: 'zh' | 'en'): Promise<void> {
  await page.context().addCookies([{ name: 'cl_lang', value: lang, url: baseUrl }]);
}

export interface SignedUp {
  name: string;
  email: string;
  password: string;
  apiKey: string;
  account: { id: string; role: string; name: string; email: string };
}

let counter = 0;

/**
 * Creates an account with a password over the API and signs it in with `POST /v1/session` from
 * the page's context, so the session cookie is in the browser. `role` other than creator is
 * granted with the admin key.
 */
export async function signUpAndIn(
  page: Page,
  baseUrl: string,
  opts: { name?: string; email?: string; password?: string; kind?: 'individual' | 'organisation'; role?: 'creator' | 'platform' | 'reviewer' | 'admin' } = {},
): Promise<SignedUp> {
  counter++;
  const name = opts.name ?? `Tester ${counter}`;
  const email = opts.email ?? `portal-${process.pid}-${Date.now()}-${counter}@example.com`;
  const password = opts.password ?? `correct horse battery ${counter}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.role !== undefined && opts.role !== 'creator') headers.authorization = `Bearer ${PORTAL_ADMIN_KEY}`;
  const created = await page.request.post(`${baseUrl}/v1/accounts`, {
    headers,
    data: { name, email, password, kind: opts.kind ?? 'individual', ...(opts.role !== undefined ? { role: opts.role } : {}) },
  });
  if (created.status() !== 201) throw new Error(`sign-up failed: ${created.status()} ${await created.text()}`);
  const body = (await created.json()) as { apiKey: string; account: SignedUp['account'] };
  const session = await page.request.post(`${baseUrl}/v1/session`, { headers: { 'content-type': 'application/json' }, data: { email, password } });
  if (session.status() !== 200) throw new Error(`sign-in failed: ${session.status()} ${await session.text()}`);
  return { name, email, password, apiKey: body.apiKey, account: body.account };
}

/**
 * A full-page screenshot into test-results/screenshots/<name>-<lang>-<desktop|phone>.png; the
 * language is read from `<html lang>`, the size from the viewport. Returns the file's path.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const htmlLang = await page.evaluate('document.documentElement.lang');
  const lang = String(htmlLang).startsWith('en') ? 'en' : 'zh';
  const width = page.viewportSize()?.width ?? DESKTOP.width;
  const path = join(SCREENSHOT_DIR, `${name}-${lang}-${width < 700 ? 'phone' : 'desktop'}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.x A/AA rules) on the page as it is now and returns the serious and
 * critical violations (an empty list passes). axe is evaluated through the DevTools protocol,
 * so the page's CSP (script-src 'self') does not block it.
 */
export async function axeCheck(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(`${axeSource}\n;void 0`);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '')) })))`)) as AxeViolation[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
