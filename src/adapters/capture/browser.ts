/**
 * One capture session: Debian's Chromium through playwright-core, in a fresh temporary profile
 * (playwright creates an empty user-data-dir per launch and deletes it after), with no
 * extensions, a whitelisted environment (no host proxy settings, no service secrets; HOME and
 * TMPDIR in a folder of its own) and every connection through the capture proxy (proxy.ts).
 * Response bodies over CAPTURE_MAX_RESPONSE_BYTES are not kept; past CAPTURE_MAX_BYTES the
 * session stops and the capture fails. It records the page's network exchanges as
 * the browser saw them (playwright response events: request and response headers, decoded
 * bodies), a full-page screenshot, the page printed to PDF, a WebM screen recording of the
 * session (recorder.ts), the serialized DOM and the redirect chain of the main document.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Response } from 'playwright-core';
import { SessionRecorder } from './recorder.js';

export interface Exchange {
  url: string;
  method: string;
  /** When the request started (epoch ms). */
  startedAt: number;
  requestHeaders: [string, string][];
  requestBody?: Uint8Array;
  status: number;
  statusText: string;
  responseHeaders: [string, string][];
  /** The body as the browser decoded it (Content-Encoding removed); empty for redirects. */
  body: Uint8Array;
  /** The response could not be read back (e.g. the page navigated away first). */
  bodyError?: string;
  /** `length`: the body was larger than CAPTURE_MAX_RESPONSE_BYTES and is not kept (`body` is empty). */
  truncated?: 'length';
  /** The body's size when it was not kept: Content-Length as announced, or the bytes read. */
  originalLength?: number;
  resourceType: string;
}

export interface BrowserCaptureResult {
  finalUrl: string;
  title: string;
  status?: number;
  /** The main document's redirect chain, first request first: each URL and its status. */
  redirects: { url: string; status?: number }[];
  exchanges: Exchange[];
  screenshot: Uint8Array;
  pdf: Uint8Array;
  video: Uint8Array;
  dom: string;
  browserVersion: string;
  userAgent: string;
  /** The flags asked for, and the browser process's whole command line as Chromium reports it (launcher and playwright flags included). */
  args: string[];
  commandLine?: string[];
  /** Cookies and local storage found before the first navigation: the profile was empty. */
  freshProfile: { cookies: number; localStorageKeys: number; serviceWorkers: 'blocked' };
  steps: { at: string; step: string }[];
}

export interface BrowserCaptureOptions {
  url: string;
  executablePath: string;
  proxyPort: number;
  /** Time for the navigation (the job's own limit stops everything anyway). */
  navigationTimeoutMs: number;
  signal: AbortSignal;
  viewport?: { width: number; height: number };
  /** A fontconfig file adding fonts (CJK) to the system's; Chromium renders with it. */
  fontconfigFile?: string | undefined;
  /** Size limits: one response body (larger ones are recorded truncated) and the whole capture (beyond it, the capture fails). */
  limits?: CaptureSizeLimits;
}

export interface CaptureSizeLimits {
  maxResponseBytes: number;
  maxTotalBytes: number;
}

/** The capture grew past CAPTURE_MAX_BYTES: it fails with this message. */
export class CaptureTooLargeError extends Error {
  override readonly name = 'CaptureTooLargeError';
}

/** Counts the bytes a capture holds; past the total it records why and stops the session. */
class SizeBudget {
  used = 0;
  exceeded: CaptureTooLargeError | undefined;
  constructor(
    readonly limits: CaptureSizeLimits,
    private readonly onExceeded: () => void,
  ) {}
  add(bytes: number, what: string): void {
    this.used += bytes;
    if (this.exceeded === undefined && this.used > this.limits.maxTotalBytes) {
      this.exceeded = new CaptureTooLargeError(`the capture is larger than CAPTURE_MAX_BYTES (${this.limits.maxTotalBytes} bytes), reached at ${what}`);
      this.onExceeded();
    }
  }
}

/** Chromium's command line: headless, nothing fetched on its own, no host resolver of its own for http(s). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-domain-reliability',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--dns-prefetch-disable',
];

/**
 * Chromium's sandbox needs a non-root user: as root Chromium refuses to start sandboxed, so there
 * (only) the renderer runs with --no-sandbox. Production runs the service as a non-root user
 * (the Dockerfile's USER node), where the sandbox is on. docs/SECURITY.md
 */
export function chromiumArgs(uid: number | undefined = process.getuid?.()): string[] {
  return uid === 0 ? [...CHROMIUM_ARGS, '--no-sandbox'] : [...CHROMIUM_ARGS];
}

/** Variables Chromium is given; nothing else of the service's environment (keys, secrets, *_PROXY) reaches it. */
const BROWSER_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

/** The environment Chromium runs with: a whitelist, HOME and TMPDIR in the capture's own temporary folder. */
export function browserEnv(home: string, fontconfigFile?: string, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of BROWSER_ENV) if (from[k] !== undefined) env[k] = from[k]!;
  env.HOME = home;
  env.TMPDIR = home;
  if (fontconfigFile !== undefined) env.FONTCONFIG_FILE = fontconfigFile;
  else if (from.FONTCONFIG_FILE !== undefined) env.FONTCONFIG_FILE = from.FONTCONFIG_FILE;
  return env;
}

/**
 * Writes `<dir>/fonts.conf`: the system's fontconfig plus `fontDirs` (e.g. Noto Sans SC, so
 * Chinese pages render without CJK fonts installed system-wide), its cache in `<dir>/cache`.
 */
export async function writeFontconfig(dir: string, fontDirs: readonly string[]): Promise<string> {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  await mkdir(join(dir, 'cache'), { recursive: true, mode: 0o700 });
  const file = join(dir, 'fonts.conf');
  await writeFile(
    file,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n${fontDirs.map((d) => `  <dir>${esc(d)}</dir>\n`).join('')}  <cachedir>${esc(join(dir, 'cache'))}</cachedir>\n</fontconfig>\n`,
    { mode: 0o600 },
  );
  return file;
}

export async function captureWithBrowser(opts: BrowserCaptureOptions): Promise<BrowserCaptureResult> {
  const steps: { at: string; step: string }[] = [];
  const step = (s: string) => steps.push({ at: new Date().toISOString(), step: s });
  let browser: Browser | undefined;
  let browserPid: (() => Promise<number | undefined>) | undefined;
  const onAbort = () => void browser?.close().catch(() => undefined);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const budget = new SizeBudget(opts.limits ?? { maxResponseBytes: Number.MAX_SAFE_INTEGER, maxTotalBytes: Number.MAX_SAFE_INTEGER }, onAbort);
  const home = await mkdtemp(join(tmpdir(), 'cl-capture-home-'));
  try {
    const result = await runSession(opts, budget, step, steps, home, (b, pid) => {
      browser = b;
      browserPid = pid;
    });
    if (budget.exceeded) throw budget.exceeded;
    return result;
  } catch (e) {
    // The session was stopped because it grew too large: that, not the browser's complaint, is why.
    throw budget.exceeded ?? e;
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await closeBrowser(browser, browserPid);
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function runSession(
  opts: BrowserCaptureOptions,
  budget: SizeBudget,
  step: (s: string) => void,
  steps: { at: string; step: string }[],
  home: string,
  launched: (b: Browser, pid?: () => Promise<number | undefined>) => void,
): Promise<BrowserCaptureResult> {
  let browser: Browser;
  {
    const args = [...chromiumArgs(), '--proxy-bypass-list=<-loopback>'];
    step(`launch ${opts.executablePath} with a new temporary profile, proxy 127.0.0.1:${opts.proxyPort}`);
    browser = await chromium.launch({
      executablePath: opts.executablePath,
      headless: true,
      args,
      env: browserEnv(home, opts.fontconfigFile),
      proxy: { server: `http://127.0.0.1:${opts.proxyPort}`, bypass: '<-loopback>' },
      timeout: 30_000,
    });
    const found = browserProcess(opts.proxyPort);
    launched(browser, async () => (await found)?.pid);
    if (opts.signal.aborted) throw opts.signal.reason;
    const commandLine = (await found)?.args;
    const viewport = opts.viewport ?? { width: 1280, height: 720 };
    const context: BrowserContext = await browser.newContext({
      viewport,
      serviceWorkers: 'block',
      acceptDownloads: false,
      bypassCSP: false,
      javaScriptEnabled: true,
    });
    const page = await context.newPage();
    const recorder = await SessionRecorder.start(browser, page, viewport);
    step('screen recording started (DevTools screencast, VP8 by WebCodecs, WebM)');
    const exchanges: Promise<Exchange>[] = [];
    page.on('response', (r) => exchanges.push(readExchange(r, budget)));
    const cookies = (await context.cookies()).length;
    // Run in the page (DOM globals), written as text: this file is type-checked without the DOM lib.
    const localStorageKeys = await page.evaluate<number>('(() => { try { return window.localStorage.length } catch { return 0 } })()');
    const userAgent = await page.evaluate<string>('navigator.userAgent');
    step(`profile checked: ${cookies} cookies, ${localStorageKeys} local storage keys`);
    step(`navigate to ${opts.url}`);
    const main = await page.goto(opts.url, { waitUntil: 'load', timeout: opts.navigationTimeoutMs });
    await page.waitForLoadState('networkidle', { timeout: Math.min(5_000, opts.navigationTimeoutMs) }).catch(() => undefined);
    step(`loaded ${page.url()} (HTTP ${main?.status() ?? 'none'})`);
    const redirects: { url: string; status?: number }[] = [];
    for (let req = main?.request(); req !== undefined && req !== null; req = req.redirectedFrom() ?? undefined) {
      const status = (await req.response())?.status();
      redirects.unshift({ url: req.url(), ...(status !== undefined ? { status } : {}) });
    }
    const title = await page.title();
    const screenshot = await page.screenshot({ fullPage: true, type: 'png' });
    step('full-page screenshot (PNG)');
    const dom = await page.content();
    step('DOM serialized');
    const pdf = await page.pdf({ printBackground: true, format: 'A4' });
    step('page printed to PDF');
    const videoBytes = await recorder.stop();
    step('recording closed (WebM)');
    await context.close();
    const got = await Promise.all(exchanges);
    budget.add(screenshot.length + pdf.length + videoBytes.length + Buffer.byteLength(dom), 'the screenshot, PDF, recording and DOM');
    if (budget.exceeded) throw budget.exceeded;
    return {
      finalUrl: page.url(),
      title,
      ...(main ? { status: main.status() } : {}),
      redirects,
      exchanges: got,
      screenshot,
      pdf,
      video: videoBytes,
      dom,
      browserVersion: browser.version(),
      userAgent,
      args,
      ...(commandLine !== undefined ? { commandLine } : {}),
      freshProfile: { cookies, localStorageKeys, serviceWorkers: 'blocked' },
      steps,
    };
  }
}

/**
 * The browser process's command line, read from /proc (Linux): the one Chromium process whose
 * arguments name this capture's proxy port and that is not a helper (`--type=`).
 */
async function browserProcess(proxyPort: number): Promise<{ pid: number; args: string[] } | undefined> {
  const needle = `--proxy-server=http://127.0.0.1:${proxyPort}`;
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const raw = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    if (!raw.includes(needle)) continue;
    const args = raw.split('\0').filter((a) => a !== '');
    if (args.some((a) => a.startsWith('--type='))) continue;
    return { pid: Number(pid), args };
  }
  return undefined;
}

/**
 * Closes the browser, giving it 10 s; a browser still there after that is killed (SIGKILL to its
 * process group: playwright starts it as a group leader, its helpers in the group), so a hung
 * Chromium never outlives its capture slot.
 */
async function closeBrowser(browser: Browser | undefined, pid?: () => Promise<number | undefined>): Promise<void> {
  if (!browser) return;
  const closed = await Promise.race([browser.close().then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000).unref())]);
  if (closed) return;
  const id = await pid?.().catch(() => undefined);
  if (id === undefined) return;
  for (const target of [-id, id]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone, or not a group leader.
    }
  }
}

async function readExchange(r: Response, budget: SizeBudget): Promise<Exchange> {
  const req = r.request();
  let body: Uint8Array = new Uint8Array();
  let bodyError: string | undefined;
  let originalLength: number | undefined;
  const redirect = r.status() >= 300 && r.status() < 400 && r.headers()['location'] !== undefined;
  const announced = Number(r.headers()['content-length']);
  const max = budget.limits.maxResponseBytes;
  if (!redirect && Number.isSafeInteger(announced) && announced > max) {
    // Not read at all: Content-Length says it is over the limit.
    originalLength = announced;
  } else if (!redirect) {
    try {
      body = await r.body();
    } catch (e) {
      bodyError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
    if (body.length > max) {
      originalLength = body.length;
      body = new Uint8Array();
    }
  }
  budget.add(body.length, r.url());
  const [requestHeaders, responseHeaders] = await Promise.all([
    req.headersArray().catch(() => Object.entries(req.headers()).map(([name, value]) => ({ name, value }))),
    r.headersArray().catch(() => Object.entries(r.headers()).map(([name, value]) => ({ name, value }))),
  ]);
  const post = req.postDataBuffer();
  const t = req.timing().startTime;
  return {
    url: r.url(),
    method: req.method(),
    startedAt: t > 0 ? t : Date.now(),
    requestHeaders: requestHeaders.map((h) => [h.name, h.value]),
    ...(post ? { requestBody: post } : {}),
    status: r.status(),
    statusText: r.statusText(),
    responseHeaders: responseHeaders.map((h) => [h.name, h.value]),
    body,
    ...(bodyError !== undefined ? { bodyError } : {}),
    ...(originalLength !== undefined ? { truncated: 'length' as const, originalLength } : {}),
    resourceType: req.resourceType(),
  };
}
