/**
 * The portal's server side: the HTML shell on every portal path (language from ?lang= and the
 * cl_lang cookie, the portal CSP), the esbuild bundles under /assets/, 404 problem+json for
 * other paths, and Chromium drawing the home page under that CSP without errors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTAL_PATHS } from '../../src/adapters/web/portal/paths.js';
import { PORTAL_CSP } from '../../src/adapters/web/portal/shell.js';
import { launchBrowser, newPage, startPortal } from '../support/browser.js';
import type { TestService } from '../support/service.js';

let svc: TestService;
let browser: Browser | undefined;

beforeAll(async () => {
  svc = await startPortal();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${svc.url}${path}`, { headers });

describe('portal server', () => {
  it('answers every portal path with the shell under the portal CSP', async () => {
    for (const p of PORTAL_PATHS) {
      const path = p.replace(/:\w+/g, 'x1');
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toBe(PORTAL_CSP);
      const html = await res.text();
      expect(html).toContain('<main id="app" tabindex="-1">');
      expect(html).toContain('<header id="top">');
      expect(html).toContain('<script type="module" src="/assets/portal.js"></script>');
      expect(html).toContain('<link rel="stylesheet" href="/assets/portal.css">');
      expect(html).toContain('<noscript>');
      expect(html).not.toMatch(/<script>|style=/);
    }
  });

  it('chooses <html lang> from ?lang=, then the cl_lang cookie, then Chinese', async () => {
    expect(await (await get('/')).text()).toContain('<html lang="zh-CN">');
    expect(await (await get('/', { cookie: 'cl_lang=en' })).text()).toContain('<html lang="en">');
    expect(await (await get('/?lang=zh', { cookie: 'cl_lang=en' })).text()).toContain('<html lang="zh-CN">');
    expect(await (await get('/signin?lang=en')).text()).toContain('Skip to content');
  });

  it('leaves unknown paths and the API 404 problem+json', async () => {
    for (const path of ['/nope', '/deposits/a/b', '/assets/other.js', '/v1/nope']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('not_found');
    }
    const post = await fetch(`${svc.url}/signin`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('serves the bundles with types, ETags and 304s', async () => {
    for (const [name, type] of [
      ['portal.js', 'text/javascript'],
      ['hash-worker.js', 'text/javascript'],
      ['portal.css', 'text/css'],
    ] as const) {
      const res = await get(`/assets/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await res.text()).length).toBeGreaterThan(500);
      expect((await get(`/assets/${name}`, { 'if-none-match': etag })).status).toBe(304);
    }
  });

  it('every route the client draws is a path the server serves', () => {
    const dir = join(import.meta.dirname, '../../src/adapters/web/portal/client/pages');
    const clientPaths = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/\bpath:\s*'([^']+)'/g)].map((m) => m[1]!));
    expect(clientPaths).toContain('/');
    const server = new Set<string>(PORTAL_PATHS);
    expect(clientPaths.filter((p) => !server.has(p))).toEqual([]);
  });

  it('Chromium draws the home page under the CSP with no errors', async () => {
    browser = await launchBrowser();
    const page = await newPage(browser, { baseUrl: svc.url, lang: 'en' });
    await page.goto(`${svc.url}/`);
    await page.locator('main h1').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('a.skip').textContent()).toBe('Skip to content');
    expect(await page.locator('header#top nav').count()).toBe(1);
    // Signed out: GET /v1/session answers 401, which the browser logs; nothing else may fail.
    expect(page.errors.filter((e) => !e.endsWith('/v1/session]'))).toEqual([]);
    await page.context().close();
  });
});
