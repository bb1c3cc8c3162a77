/**
 * The Capturer port (src/app/captures.ts) over Chromium: vets URLs (core/ip-ranges.ts and the
 * proxy's resolver), runs one browser session behind a fresh capture proxy, and packs what it
 * recorded into a signed WACZ bundle (warc.ts, wacz.ts) with the environment report.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey, createHash } from 'node:crypto';
import { checkCaptureUrl } from '../../core/ip-ranges.js';
import { LogError } from '../../core/errors.js';
import type { Capturer, CaptureOptions, CaptureOutput } from '../../app/captures.js';
import { captureWithBrowser, CaptureTooLargeError, type BrowserCaptureResult, type CaptureSizeLimits } from './browser.js';
import { CaptureProxy, type Resolver } from './proxy.js';
import { browserFiles, environmentHtml, nodeIdentity, osReport, toolFiles, toolVersions, type ClockCheck } from './environment.js';
import { buildWarc } from './warc.js';
import { buildWacz, type WaczFile } from './wacz.js';
import { bundleReadme } from './readme.js';

export interface ChromiumCapturerOptions {
  executablePath: string;
  allowPrivate: boolean;
  /** Tests only: host → addresses instead of DNS. */
  resolver?: Resolver | undefined;
  /** Tests only: addresses treated as global unicast. */
  publicAddresses?: ReadonlySet<string> | undefined;
  /** Signs datapackage-digest.json (ECDSA P-256). */
  signingKey: KeyObject;
  /** Measures the host clock against the trusted time source. */
  clockCheck: () => Promise<ClockCheck>;
  /** The capture node: service origin, log key, public URL. */
  node: Record<string, string>;
  /** The navigation budget inside the job's time limit. */
  navigationTimeoutMs: number;
  /** CAPTURE_MAX_RESPONSE_BYTES and CAPTURE_MAX_BYTES. */
  limits?: CaptureSizeLimits;
  /** Extra fonts for Chromium (browser.ts writeFontconfig). */
  fontconfigFile?: () => Promise<string | undefined>;
}

const refused = (reason: string) => new LogError('invalid_request', `capture refused: ${reason}`, { details: { field: 'url', reason: 'capture_url_refused', why: reason } });

export class ChromiumCapturer implements Capturer {
  constructor(private readonly opts: ChromiumCapturerOptions) {}

  async vet(url: string): Promise<void> {
    const c = checkCaptureUrl(url, this.opts.allowPrivate);
    if (!c.ok) throw refused(c.reason);
    if (c.ipLiteral) return;
    // Resolved now too, so a name that points inside is refused before it is queued; the proxy
    // checks again at every connection (the answer may change: DNS rebinding).
    const probe = new CaptureProxy({ allowPrivate: this.opts.allowPrivate, resolver: this.opts.resolver, publicAddresses: this.opts.publicAddresses });
    const checked = await probe.check(c.host);
    if ('refused' in checked) throw refused(checked.refused);
  }

  async capture(job: { id: string; url: string; note?: string; options?: CaptureOptions; operator: { id: string; name: string } }, signal: AbortSignal): Promise<CaptureOutput> {
    const proxy = new CaptureProxy({ allowPrivate: this.opts.allowPrivate, resolver: this.opts.resolver, publicAddresses: this.opts.publicAddresses });
    const port = await proxy.listen();
    const onAbort = () => void proxy.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const startedAt = new Date().toISOString();
    const clock = this.opts.clockCheck().catch((e: unknown): ClockCheck => ({ source: 'unavailable', note: `clock check failed: ${e instanceof Error ? e.message : String(e)}` }));
    const files = browserFiles(this.opts.executablePath);
    const tools = toolFiles();
    let result: BrowserCaptureResult;
    try {
      try {
        result = await captureWithBrowser({
          url: job.url,
          executablePath: this.opts.executablePath,
          proxyPort: port,
          navigationTimeoutMs: this.opts.navigationTimeoutMs,
          signal,
          fontconfigFile: await this.opts.fontconfigFile?.(),
          ...(this.opts.limits !== undefined ? { limits: this.opts.limits } : {}),
          ...(job.options?.viewport !== undefined ? { viewport: job.options.viewport } : {}),
        });
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        if (e instanceof CaptureTooLargeError) throw e;
        const refusal = proxy.refusals.find((r) => sameHost(r.host, job.url) || (e instanceof Error && e.message.includes(r.host)));
        if (refusal) throw new Error(`the capture proxy refused ${refusal.host}: ${refusal.refused}`);
        if (e instanceof Error && e.name === 'TimeoutError') {
          throw new Error(`the page did not load within ${this.opts.navigationTimeoutMs} ms (half of CAPTURE_TIMEOUT_MS)`);
        }
        throw new Error(`the page could not be captured: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
      const mainRefusal = proxy.refusals.find((r) => sameHost(r.host, result.finalUrl) || result.redirects.some((x) => sameHost(r.host, x.url)));
      if (mainRefusal) throw new Error(`the capture proxy refused ${mainRefusal.host}: ${mainRefusal.refused}`);
      // Belt and braces: the page shown is the proxy's own refusal.
      const refusedPage = result.exchanges.find((x) => x.url === result.finalUrl && x.responseHeaders.some(([n]) => n.toLowerCase() === 'x-capture-refused'));
      if (refusedPage) throw new Error(`the capture proxy refused ${result.finalUrl}: ${Buffer.from(refusedPage.body).toString('utf8').trim()}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await proxy.close();
    }
    const endedAt = new Date().toISOString();
    return this.pack(job, result, proxy, { startedAt, endedAt, clock: await clock, files: await files, toolFiles: await tools });
  }

  private async pack(
    job: { id: string; url: string; note?: string; operator: { id: string; name: string } },
    r: BrowserCaptureResult,
    proxy: CaptureProxy,
    t: { startedAt: string; endedAt: string; clock: ClockCheck; files: { path: string; sha256: string }[]; toolFiles: { path: string; sha256: string }[] },
  ): Promise<CaptureOutput> {
    const tools = toolVersions();
    const network = {
      requestedUrl: job.url,
      finalUrl: r.finalUrl,
      redirects: r.redirects,
      connections: proxy.connections,
      tls: proxy.tls,
      exchanges: r.exchanges.map((x) => ({ url: x.url, method: x.method, status: x.status, bytes: x.body.length, resourceType: x.resourceType, ...(x.bodyError ? { bodyError: x.bodyError } : {}), ...(x.truncated ? { truncated: x.truncated, originalLength: x.originalLength } : {}) })),
    };
    const environment = {
      captureId: job.id,
      requestedUrl: job.url,
      ...(job.note !== undefined ? { note: job.note } : {}),
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      operator: job.operator,
      node: nodeIdentity(this.opts.node),
      os: osReport(),
      tools,
      toolFiles: t.toolFiles,
      browser: { name: 'Chromium', version: r.browserVersion, userAgent: r.userAgent, executable: this.opts.executablePath, files: t.files, args: r.args, ...(r.commandLine ? { commandLine: r.commandLine } : {}) },
      freshProfile: {
        ...r.freshProfile,
        profile: 'a new temporary user-data-dir created for this capture and deleted after it',
        extensions: extensionsNote(r.commandLine),
        hostProxy: 'ignored: Chromium gets only PATH, LANG, LC_ALL, TZ, FONTCONFIG_FILE and its own HOME and TMPDIR (no *_PROXY, no service settings); the only proxy is the capture proxy',
        cache: 'empty (new profile)',
      },
      clock: t.clock,
      ssrf: {
        allowPrivate: this.opts.allowPrivate,
        rule: 'every connection goes through the capture proxy, which resolves the host, refuses special-purpose addresses and connects to the address it checked',
        refused: proxy.refusals,
      },
      signature: { algorithm: 'ECDSA P-256 SHA-256', publicKeySha256: createHash('sha256').update(createPublicKey(this.opts.signingKey).export({ type: 'spki', format: 'der' })).digest('hex') },
      steps: [{ at: t.startedAt, step: 'capture proxy started on 127.0.0.1' }, ...r.steps, { at: t.endedAt, step: 'browser closed, proxy closed' }, { at: t.endedAt, step: 'WARC, indexes and WACZ bundle written, datapackage digest signed' }],
    };
    const warc = await buildWarc(r.exchanges, {
      software: `copyright-ledger ${tools['copyright-ledger']} (warcio ${tools.warcio}, playwright-core ${tools['playwright-core']})`,
      format: 'WARC File Format 1.1',
      'browser-version': `Chromium ${r.browserVersion}`,
      'capture-id': job.id,
      isPartOf: job.id,
    });
    const enc = new TextEncoder();
    const pages = `${JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: 'All Pages' })}\n${JSON.stringify({ id: job.id, url: r.finalUrl, ts: t.startedAt, title: r.title })}\n`;
    const files: WaczFile[] = [
      { path: 'archive/data.warc', bytes: warc.warc },
      { path: 'indexes/index.cdx', bytes: enc.encode(warc.cdxj) },
      { path: 'pages/pages.jsonl', bytes: enc.encode(pages) },
      { path: 'capture/screenshot.png', bytes: r.screenshot },
      { path: 'capture/page.pdf', bytes: r.pdf },
      { path: 'capture/recording.webm', bytes: r.video },
      { path: 'capture/dom.html', bytes: enc.encode(r.dom) },
      { path: 'capture/network.json', bytes: enc.encode(JSON.stringify(network, null, 2)) },
      { path: 'capture/environment.json', bytes: enc.encode(JSON.stringify(environment, null, 2)) },
      { path: 'capture/environment.html', bytes: enc.encode(environmentHtml(environment)) },
      { path: 'README.md', bytes: enc.encode(bundleReadme(job.id)) },
    ];
    const { wacz, datapackage } = buildWacz({
      title: `Web capture ${job.id}: ${r.title || r.finalUrl}`.slice(0, 300),
      mainPageUrl: r.finalUrl,
      mainPageDate: t.startedAt,
      created: t.endedAt,
      software: 'copyright-ledger',
      version: tools['copyright-ledger']!,
      files,
      extra: { captureId: job.id },
      key: this.opts.signingKey,
    });
    return {
      bundle: wacz,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      finalUrl: r.finalUrl,
      title: r.title,
      record: {
        requestedUrl: job.url,
        finalUrl: r.finalUrl,
        ...(job.note !== undefined ? { note: job.note } : {}),
        startedAt: t.startedAt,
        endedAt: t.endedAt,
        redirects: r.redirects,
        addresses: proxy.connections.filter((c) => c.ip !== undefined).map((c) => ({ host: c.host, port: c.port, ip: c.ip })),
        resources: datapackage.resources.map((x) => ({ path: x.path, hash: x.hash, sm3: x.sm3 })),
      },
    };
  }
}

/** What the command line says about extensions (Debian's launcher adds --load-extension with the packaged ones, if any). */
function extensionsNote(commandLine: string[] | undefined): string {
  const load = commandLine?.find((a) => a.startsWith('--load-extension='))?.slice('--load-extension='.length);
  const disabled = commandLine === undefined || commandLine.includes('--disable-extensions');
  if (load) return `--load-extension=${load} given by the launcher${disabled ? ', with --disable-extensions' : ''}`;
  return disabled ? 'none: --disable-extensions, no extension loaded' : 'no extension loaded';
}

function sameHost(host: string, url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return (h.startsWith('[') ? h.slice(1, -1) : h) === host;
  } catch {
    return false;
  }
}
