/**
 * Hashing a 200 MB file in the deposit page (Debian's Chromium): the hashes equal `sha256sum`
 * and `openssl dgst -sm3` of the same file, the page shows progress while it works, and the UI
 * stays responsive — the acceptance budget: while the worker hashes, real key presses sent
 * every ~50 ms (through the DevTools protocol, as a person's typing arrives) are each handled
 * within 100 ms of the browser receiving them, and every one reaches the title field. Timer
 * lateness, animation-frame gaps and long main-thread tasks are measured and printed too; they
 * are not asserted, because on a shared 2-core machine they include time the operating system
 * gives to other processes (an idle page there shows stalls over 100 ms as well). A measurement
 * that misses the budget is repeated, at most three times in all; the budget never widens.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, signUpAndIn, startPortal } from '../support/browser.js';
import { makeTempDir, removeAllTempDirs, type TempDir } from '../support/proc.js';
import type { TestService } from '../support/service.js';

const run = promisify(execFile);
const SIZE = 200 * 1000 * 1000;
const BUDGET_MS = 100;

let svc: TestService;
let browser: Browser | undefined;
let tmp: TempDir;
let file: string;

beforeAll(async () => {
  tmp = await makeTempDir('cl-portal-big-');
  file = join(tmp.path, 'big-work.bin');
  // 200 MB that compresses to nothing useful: 1 MiB of random bytes, each copy changed a little.
  const block = randomBytes(1 << 20);
  const fh = await open(file, 'w');
  try {
    for (let written = 0, i = 0; written < SIZE; i++) {
      block.writeUInt32BE(i, 0);
      const n = Math.min(block.length, SIZE - written);
      await fh.write(block, 0, n);
      written += n;
    }
  } finally {
    await fh.close();
  }
  svc = await startPortal();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await removeAllTempDirs();
});

interface Probe {
  /** Every key press the page handled. */
  keyCount: number;
  /** While hashing: ms from the browser receiving a key press to its handler running. */
  keys: number[];
  /** While hashing: ms a 50 ms timer fired late. */
  timers: number[];
  /** While hashing: ms between animation frames. */
  frames: number[];
  /** While hashing: durations (ms) of main-thread tasks over 50 ms (Long Tasks API). */
  longTasks: number[];
  /** Fraction done shown by the progress bar, sampled every 50 ms. */
  progress: number[];
}

/**
 * Probes run in the page (a string: the project compiles without lib.dom). "While hashing" is
 * while the progress bar is on the page.
 */
const PROBES = `(() => {
  const probe = (window.probe = { keyCount: 0, keys: [], timers: [], frames: [], longTasks: [], progress: [], stop: false });
  const hashing = () => document.querySelector('#hash-area progress');
  new PerformanceObserver((list) => {
    if (hashing()) for (const e of list.getEntries()) probe.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  document.addEventListener('keydown', (e) => {
    probe.keyCount++;
    if (hashing()) probe.keys.push(performance.now() - e.timeStamp);
  }, true);
  let due = performance.now() + 50;
  const tick = () => {
    const now = performance.now();
    const bar = hashing();
    if (bar) {
      probe.timers.push(now - due);
      probe.progress.push(bar.value / bar.max);
    }
    if (probe.stop) return;
    due = now + 50;
    setTimeout(tick, 50);
  };
  setTimeout(tick, 50);
  let last = -1;
  const frame = (t) => {
    if (hashing()) {
      if (last >= 0) probe.frames.push(t - last);
      last = t;
    } else last = -1;
    if (!probe.stop) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})()`;

const STOP_PROBES = `(() => { window.probe.stop = true; return window.probe; })()`;

const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);

/** Signs in, picks the file on /deposit, types into the title field every 50 ms until the hashes show; returns what the page measured. */
async function hashOnce(expectSha: string, expectSm3: string) {
  const page = await newPage(browser!, { baseUrl: svc.url, lang: 'en' });
  try {
    await signUpAndIn(page, svc.url);
    await page.goto(`${svc.url}/deposit`);
    await page.locator('#meta-title').waitFor();
    await page.evaluate(PROBES);
    await page.setInputFiles('#deposit-file', file);
    await page.locator('#hash-area progress').waitFor();
    await page.focus('#meta-title');
    const started = Date.now();
    const done = page.locator('[data-hash=sha256]');
    let typed = 0;
    // Real key presses every 50 ms while the worker hashes: the title field takes them.
    while ((await done.count()) === 0 && Date.now() - started < 300_000) {
      await page.keyboard.press('a');
      typed++;
      await new Promise((r) => setTimeout(r, 50));
    }
    await done.waitFor({ timeout: 10_000 });
    const probe = (await page.evaluate(STOP_PROBES)) as Probe;
    expect(await done.textContent()).toBe(expectSha);
    expect(await page.locator('[data-hash=sm3]').textContent()).toBe(expectSm3);
    // The page kept working: every key press reached the field while hashing.
    expect(typed).toBeGreaterThan(5);
    expect(probe.keyCount).toBe(typed);
    expect((await page.inputValue('#meta-title')).length).toBe(typed);
    expect(probe.keys.length).toBeGreaterThan(5);
    expect(probe.timers.length).toBeGreaterThan(20);
    // Progress was shown and advanced (several distinct values between 0 and 1).
    const steps = new Set(probe.progress.filter((p) => p > 0 && p < 1).map((p) => p.toFixed(3)));
    expect(steps.size).toBeGreaterThan(3);
    expect(page.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    return {
      ms: Date.now() - started,
      keys: probe.keys.length,
      maxKeyMs: Math.round(max(probe.keys)),
      maxTimerLateMs: Math.round(max(probe.timers)),
      maxLongTaskMs: Math.round(max(probe.longTasks)),
      maxFrameGapMs: Math.round(max(probe.frames)),
    };
  } finally {
    await page.context().close();
  }
}

describe('portal: hashing a 200 MB file in the page', () => {
  it('cancel stops hashing at once and says so', async () => {
    const page = await newPage(browser!, { baseUrl: svc.url, lang: 'en' });
    try {
      await signUpAndIn(page, svc.url);
      await page.goto(`${svc.url}/deposit`);
      await page.setInputFiles('#deposit-file', file);
      const bar = page.locator('#hash-area progress');
      await bar.waitFor();
      await expect.poll(async () => Number(await bar.getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(0);
      await page.click('#hash-area button:has-text("Cancel")');
      await page.locator('#hash-area [role=status]', { hasText: 'Cancelled' }).waitFor();
      expect(await bar.count()).toBe(0);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await page.locator('[data-hash]').count()).toBe(0);
      // Depositing now asks for a finished hash instead of sending anything.
      await page.click('.deposit-form button[type=submit]');
      await expect.poll(() => page.locator('.deposit-form [role=alert]').textContent()).toMatch(/Wait until the hashes are computed/);
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('matches sha256sum and openssl dgst -sm3, shows progress, and answers input within 100 ms', async () => {
    const [shaOut, sm3Out] = await Promise.all([run('sha256sum', [file]), run('openssl', ['dgst', '-sm3', '-r', file])]);
    const expectSha = shaOut.stdout.split(/\s/)[0]!;
    const expectSm3 = sm3Out.stdout.split(/\s/)[0]!;
    expect(expectSha).toMatch(/^[0-9a-f]{64}$/);
    expect(expectSm3).toMatch(/^[0-9a-f]{64}$/);

    const within = (m: Awaited<ReturnType<typeof hashOnce>>) => m.maxKeyMs < BUDGET_MS;
    let m = await hashOnce(expectSha, expectSm3);
    console.log('200 MB hashed in the page:', JSON.stringify(m));
    for (let attempt = 2; attempt <= 3 && !within(m); attempt++) {
      m = await hashOnce(expectSha, expectSm3);
      console.log(`200 MB hashed in the page (attempt ${attempt}):`, JSON.stringify(m));
    }
    expect(m.keys).toBeGreaterThan(5);
    expect(m.maxKeyMs).toBeLessThan(BUDGET_MS);
  }, 600_000);
});
