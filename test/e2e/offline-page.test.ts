/**
 * The one-file verify page as downloaded (`GET /downloads/verify.html`, docs/VERIFY.md) in a real
 * Chromium (Debian's, via playwright-core; .ci/run installs it) with the network cut after the
 * page loaded, and again opened from disk (file://): a certificate with its work file and the
 * pinned key is valid, one changed byte of the file is invalid, no pinned key is unpinned. The
 * page makes no request at all once loaded.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { makeTempDir, removeAllTempDirs, type TempDir } from '../support/proc.js';

/** The page's DOM, inside page.evaluate callbacks (the project compiles without lib.dom). */
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let svc: TestService;
let tmp: TempDir;
let context: BrowserContext;
let certFile: string;
let workFile: string;
let changedFile: string;
let pageFile: string;
let logKey: string;
/** Requests made after the page loaded (there must be none). */
const lateRequests: string[] = [];

/** Where screenshots go: OFFLINE_PAGE_SCREENSHOTS (a folder) to look at them, else the temp dir. */
const shots = () => process.env.OFFLINE_PAGE_SCREENSHOTS ?? tmp.path;

const digest = (alg: string, data: Uint8Array) => createHash(alg).update(data).digest('hex');

let certHeight: bigint;

beforeAll(async () => {
  tmp = await makeTempDir('cl-offline-');
  svc = await startTestService();
  logKey = svc.ledger.verifierKey;
  const { apiKey } = await createAccount(svc.url);
  const work = randomBytes(300_000);
  const res = await fetch(`${svc.url}/v1/deposits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sha256: digest('sha256', work), sm3: digest('sm3', work), size: work.length, metadata: { title: '离线验证 Offline' } }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  let cert: Record<string, unknown> = {};
  // Wait for the built-in TSA's token so the page checks an RFC 3161 timestamp too.
  for (let waited = 0; waited < 15_000 && !('timestamp' in cert); waited += 200) {
    if (waited > 0) await new Promise((r) => setTimeout(r, 200));
    cert = (await (await fetch(`${svc.url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as Record<string, unknown>;
  }
  expect(cert.timestamp).toBeDefined();
  certHeight = BigInt(/\nblock (\d+)\n/.exec(cert.checkpoint as string)![1]!);
  certFile = join(tmp.path, `${id}.certificate.json`);
  await writeFile(certFile, JSON.stringify(cert, null, 2));
  workFile = join(tmp.path, 'work.bin');
  await writeFile(workFile, work);
  const changed = Buffer.from(work);
  changed[work.length - 1] = changed[work.length - 1]! ^ 0x80;
  changedFile = join(tmp.path, 'changed.bin');
  await writeFile(changedFile, changed);

  context = await chromium.launchPersistentContext(join(tmp.path, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, offline: false });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await svc?.stop();
  await removeAllTempDirs();
});

/** Picks the files and key, presses Verify, and returns the verdict and the per-check outcomes. */
async function verify(page: Page, opts: { work?: string; key?: string }): Promise<{ verdict: string; checks: Record<string, boolean>; text: string }> {
  await page.setInputFiles('#cert-file', certFile);
  await page.waitForFunction(() => (document.getElementById('cert-status')?.textContent ?? '') !== '');
  await page.click('#clear-file'); // also lets the same file be picked again
  if (opts.work !== undefined) {
    await page.setInputFiles('#work-file', opts.work);
    await page.waitForFunction(() => /SM3 [0-9a-f]{64}/.test(document.getElementById('file-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
  }
  await page.fill('#keys', opts.key ?? '');
  await page.evaluate(() => {
    delete document.getElementById('verdict').dataset.verdict;
  });
  await page.click('#verify');
  await page.waitForSelector('#verdict[data-verdict]');
  return page.evaluate(() => {
    const checks: Record<string, boolean> = {};
    for (const tr of document.querySelectorAll('#checks tr') as Iterable<{ dataset: Record<string, string> }>) checks[tr.dataset.check!] = tr.dataset.ok === 'true';
    const v = document.getElementById('verdict');
    return { verdict: v.dataset.verdict as string, checks, text: (v.textContent ?? '') as string };
  });
}

const ALL = ['format', 'logKey', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata', 'timestamp', 'file'];

describe('verify.html in Chromium with the network cut', () => {
  it('is served as one self-contained page whose policy forbids every connection', async () => {
    const res = await fetch(`${svc.url}/downloads/verify.html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    const html = await res.text();
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).toContain(csp.split('; ').find((d) => d.startsWith('script-src'))!);
    pageFile = join(tmp.path, 'verify.html');
    await writeFile(pageFile, html);
  });

  it('valid with the work file and the pinned key; invalid on a changed byte; unpinned with no key', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${svc.url}/downloads/verify.html`);
    await page.waitForSelector('body[data-ready="true"]');
    await context.setOffline(true);
    // blob: is the hashing worker's script, made on the page from its own inline code: not the network.
    page.on('request', (r) => (r.url().startsWith('blob:') ? undefined : lateRequests.push(r.url())));
    try {
      const ok = await verify(page, { work: workFile, key: `# pinned out of band\n${logKey}\n` });
      expect(ok.verdict, ok.text).toBe('valid');
      for (const c of ALL) expect(ok.checks[c], c).toBe(true);
      expect(ok.text).toContain('有效 VALID');

      const bad = await verify(page, { work: changedFile, key: logKey });
      expect(bad.verdict).toBe('invalid');
      expect(bad.checks.file).toBe(false);
      expect(bad.text).toContain('无效 INVALID');

      const unpinned = await verify(page, { work: workFile });
      expect(unpinned.verdict).toBe('unpinned');
      for (const c of ALL) expect(unpinned.checks[c], c).toBe(true);
      expect(unpinned.text).not.toMatch(/(^|[^N])VALID/);
      expect(unpinned.text).toContain(createHash('sha256').update(logKey).digest('hex').slice(0, 4));
      await page.screenshot({ path: join(shots(), 'unpinned.png'), fullPage: true });

      // A key bounded by until=<height> (a retired key) covers checkpoints up to that block only.
      const inRange = await verify(page, { work: workFile, key: `${logKey} until=${certHeight}  # retired at block ${certHeight}\n` });
      expect(inRange.verdict, inRange.text).toBe('valid');
      const beyond = await verify(page, { work: workFile, key: `${logKey} until=${certHeight - 1n}\n` });
      expect(beyond.verdict).toBe('invalid');
      expect(beyond.checks.logKey).toBe(false);
      expect(await page.locator('#checks tr[data-check="logKey"]').textContent()).toContain(`until=${certHeight - 1n}`);

      await verify(page, { work: workFile, key: logKey });
      await page.screenshot({ path: join(shots(), 'valid.png'), fullPage: true });
    } finally {
      await context.setOffline(false);
      await page.close();
    }
    expect(errors).toEqual([]);
    expect(lateRequests).toEqual([]);
  }, 120_000);

  it('works the same when saved and opened from disk (file://)', async () => {
    const page = await context.newPage();
    await context.setOffline(true);
    try {
      await page.goto(pathToFileURL(pageFile).href);
      await page.waitForSelector('body[data-ready="true"]');
      expect((await verify(page, { work: workFile, key: logKey })).verdict).toBe('valid');
      expect((await verify(page, { key: logKey })).verdict).toBe('valid');
      expect((await verify(page, { work: changedFile, key: logKey })).verdict).toBe('invalid');
      expect((await verify(page, {})).verdict).toBe('unpinned');
    } finally {
      await context.setOffline(false);
      await page.close();
    }
  }, 120_000);
});
