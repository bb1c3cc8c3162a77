/**
 * The capture job queue (docs/CAPTURE.md): twenty captures queued at once never run more
 * browsers than CAPTURE_CONCURRENCY (counted both by the queue and by our own Chromium processes
 * in ps); a page that never answers times out within CAPTURE_TIMEOUT_MS, frees its slot and
 * leaves no Chromium process; the per-account limit answers 429; a capture running when the
 * server is killed is marked failed when it starts again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, ourChromiums, pageServer, requestCapture, waitForCapture, type CaptureView, type PageServer } from '../support/capture.js';
import { killAllServers, makeTempDir, removeAllTempDirs, startServer } from '../support/proc.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';

let site: PageServer;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  site = await pageServer('127.0.0.1', (req, res) => {
    if (req.url === '/hang') return; // never answers
    // Loads, then its script never yields: the screenshot waits forever, the job's time limit must stop it.
    if (req.url === '/spin') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<title>spin</title><body onload="setTimeout(() => { for (;;) {} }, 50)">spinning</body>');
    // A page that takes a moment, so captures overlap.
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>p${req.url}</title><p>page ${req.url}</p>`), 300);
  });
});

afterAll(async () => {
  await killAllServers();
  await site?.close();
  await removeAllTempDirs();
});

describe('capture queue', () => {
  let svc: TestService;
  afterAll(async () => svc?.stop());

  it('runs twenty captures queued at once with never more than CAPTURE_CONCURRENCY browsers', async () => {
    svc = await startTestService({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '2', CAPTURE_PER_ACCOUNT: '20', CAPTURE_QUEUE: '50', CAPTURE_TIMEOUT_MS: '60000' });
    const key = (await createAccount(svc.url)).apiKey;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => requestCapture(svc.url, key, { url: `${site.url}/p${i}` })));
    expect(answers.map((r) => r.status)).toEqual(new Array(20).fill(202));
    const ids = await Promise.all(answers.map(async (r) => ((await r.json()) as CaptureView).id));
    let maxRunning = 0;
    let maxBrowsers = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        maxRunning = Math.max(maxRunning, svc.captures.runningCount);
        maxBrowsers = Math.max(maxBrowsers, ourChromiums().length);
        await sleep(100);
      }
    })();
    const views = [];
    for (const id of ids) views.push(await waitForCapture(svc.url, key, id, 300_000));
    done = true;
    await watch;
    expect(views.map((v) => v.status)).toEqual(new Array(20).fill('done'));
    expect(svc.captures.peakRunning).toBe(2);
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(maxBrowsers).toBeGreaterThan(0);
    expect(maxBrowsers).toBeLessThanOrEqual(2);
    // Each capture is its own deposit.
    expect(new Set(views.map((v) => v.depositId)).size).toBe(20);
  }, 400_000);
});

describe('capture limits and time-outs', () => {
  let svc: TestService;
  afterAll(async () => svc?.stop());

  it('times out a page that never answers, frees the slot, leaves no Chromium behind; the next capture runs', async () => {
    svc = await startTestService({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '1', CAPTURE_PER_ACCOUNT: '2', CAPTURE_TIMEOUT_MS: '6000' });
    const key = (await createAccount(svc.url)).apiKey;
    const hung = (await (await requestCapture(svc.url, key, { url: `${site.url}/hang` })).json()) as CaptureView;
    const next = (await (await requestCapture(svc.url, key, { url: `${site.url}/after` })).json()) as CaptureView;
    // The account has two captures queued or running: a third is refused.
    const third = await requestCapture(svc.url, key, { url: `${site.url}/third` });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { code: string }).code).toBe('rate_limited');
    const started = Date.now();
    const v = await waitForCapture(svc.url, key, hung.id, 120_000);
    expect(v.status).toBe('failed');
    expect(v.reason).toMatch(/CAPTURE_TIMEOUT_MS/);
    expect(Date.now() - started).toBeLessThan(60_000);
    const after = await waitForCapture(svc.url, key, next.id, 120_000);
    expect(after.status).toBe('done');
    // A page that loads and then blocks its renderer: the whole capture's time limit closes the browser.
    const spin = (await (await requestCapture(svc.url, key, { url: `${site.url}/spin` })).json()) as CaptureView;
    const spun = await waitForCapture(svc.url, key, spin.id, 120_000);
    expect(spun.status).toBe('failed');
    expect(spun.reason).toMatch(/CAPTURE_TIMEOUT_MS/);
    // No Chromium of ours is left once nothing runs.
    for (let i = 0; i < 50 && ourChromiums().length > 0; i++) await sleep(200);
    expect(ourChromiums()).toEqual([]);
    expect(svc.captures.runningCount).toBe(0);
  }, 200_000);

  it('marks a capture that was running when the server was killed as failed when it starts again', async () => {
    const dir = await makeTempDir('cl-capture-restart-');
    const env = { NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_TIMEOUT_MS: '120000' };
    const server = await startServer({ dataDir: dir.path, env });
    const key = (await createAccount(server.url)).apiKey;
    const job = (await (await requestCapture(server.url, key, { url: `${site.url}/hang` })).json()) as CaptureView;
    for (let i = 0; i < 100; i++) {
      const s = (await (await fetch(`${server.url}/v1/captures/${job.id}`, { headers: auth(key) })).json()) as CaptureView;
      if (s.status === 'running') break;
      await sleep(100);
    }
    await server.kill();
    const again = await startServer({ dataDir: dir.path, env });
    const v = (await (await fetch(`${again.url}/v1/captures/${job.id}`, { headers: auth(key) })).json()) as CaptureView;
    expect(v.status).toBe('failed');
    expect(v.reason).toMatch(/interrupted/);
    await again.stop();
  }, 120_000);
});
