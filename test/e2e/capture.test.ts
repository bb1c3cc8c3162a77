/**
 * Web capture end to end (docs/CAPTURE.md), with CAPTURE_ALLOW_PRIVATE so pages served on
 * 127.0.0.1 can be captured: the bundle is a valid WACZ 1.1.1 (checked by a validator written
 * from the spec: every resource hash, the digest and its signature), its WARC holds the page's
 * response, the screenshot, PDF and recording are what they claim, the bundle's deposit
 * certificate verifies offline (CLI and standalone verifier), the `capture` log entry commits to
 * the bundle and the record, and the audit accepts the log.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { WARCParser } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm3 } from '../../src/core/sm3.js';
import { auth, pageServer, requestCapture, waitForCapture, type CaptureView, type PageServer } from '../support/capture.js';
import { makeTempDir, removeAllTempDirs, runCli, runProcess, type TempDir } from '../support/proc.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { validateWacz, type WaczReport } from '../support/wacz-validate.js';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Infringing page 侵权页面</title>
<style>body{background:#ffd54f;font:32px sans-serif;margin:40px}h1{color:#b71c1c}.box{width:300px;height:120px;background:#1565c0}</style></head>
<body><h1>Evidence page 证据 4711</h1><p>This text was captured.</p><div class="box"></div><img src="/pixel.svg" alt="logo"></body></html>`;
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80"><circle cx="40" cy="40" r="38" fill="#2e7d32"/></svg>';

let site: PageServer;
let svc: TestService;
let tmp: TempDir;
let key: string;
let view: CaptureView;
let bundle: Buffer;
let report: WaczReport;

/** The page's globals, inside page.evaluate callbacks (the project compiles without lib.dom). */
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const atob: (s: string) => string;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const file = (p: string) => report.entries.get(p)!.bytes;

beforeAll(async () => {
  tmp = await makeTempDir('cl-capture-');
  site = await pageServer('127.0.0.1', (req, res) => {
    if (req.url === '/start') return void res.writeHead(302, { location: '/page' }).end();
    if (req.url === '/pixel.svg') return void res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(SVG);
    if (req.url === '/page') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    res.writeHead(404).end();
  });
  svc = await startTestService({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '1' });
  key = (await createAccount(svc.url, { name: 'Capture Tester' })).apiKey;
  const res = await requestCapture(svc.url, key, { url: `${site.url}/start`, note: 'infringement of work 4711' });
  expect(res.status).toBe(202);
  const queued = (await res.json()) as CaptureView;
  expect(res.headers.get('location')).toBe(`/v1/captures/${queued.id}`);
  expect(['queued', 'running']).toContain(queued.status);
  view = await waitForCapture(svc.url, key, queued.id);
  expect(view.reason).toBeUndefined();
  expect(view.status).toBe('done');
  const b = await fetch(`${svc.url}${view.bundleUrl}`, { headers: auth(key) });
  expect(b.status).toBe(200);
  expect(b.headers.get('content-type')).toMatch(/^application\/wacz/);
  bundle = Buffer.from(await b.arrayBuffer());
  await writeFile(join(tmp.path, 'bundle.wacz'), bundle);
}, 180_000);

afterAll(async () => {
  await svc?.stop();
  await site?.close();
  await removeAllTempDirs();
});

describe('a captured page', () => {
  it('is a valid WACZ 1.1.1: every resource hash, the digest file and its ECDSA signature check (validator written from the spec)', () => {
    report = validateWacz(bundle);
    const paths = report.datapackage.resources.map((r) => r.path).sort();
    for (const p of ['archive/data.warc', 'indexes/index.cdx', 'pages/pages.jsonl', 'capture/screenshot.png', 'capture/page.pdf', 'capture/recording.webm', 'capture/dom.html', 'capture/network.json', 'capture/environment.json', 'capture/environment.html', 'README.md']) {
      expect(paths).toContain(p);
    }
    // SM3 of every resource is listed too.
    for (const r of report.datapackage.resources) expect(r.sm3, r.path).toBe(`sm3:${Buffer.from(sm3(file(r.path))).toString('hex')}`);
    expect(sha256(bundle)).toBe(view.bundleSha256);
  });

  it('signs with the key the service publishes', async () => {
    const pem = await (await fetch(`${svc.url}/v1/captures/signing-key`)).text();
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
    expect(report.digest.signedData.publicKey).toBe(der);
  });

  it('holds the page response in its WARC, indexed in CDXJ, with the redirect', async () => {
    const parser = new WARCParser([file('archive/data.warc')]);
    const responses = new Map<string, { status: string; body: string }>();
    let info = false;
    for await (const record of parser) {
      if (record.warcType === 'warcinfo') info = true;
      if (record.warcType !== 'response') continue;
      const body = Buffer.from(await record.readFully(true)).toString('utf8');
      responses.set(record.warcTargetURI!, { status: String(record.httpHeaders?.statusCode), body });
    }
    expect(info).toBe(true);
    expect(responses.get(`${site.url}/page`)?.status).toBe('200');
    expect(responses.get(`${site.url}/page`)?.body).toContain('Evidence page 证据 4711');
    expect(responses.get(`${site.url}/start`)?.status).toBe('302');
    expect(responses.get(`${site.url}/pixel.svg`)?.body).toContain('<circle');
    const cdx = file('indexes/index.cdx').toString('utf8');
    expect(cdx).toContain(`"url":"${site.url}/page"`);
    const pages = file('pages/pages.jsonl').toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { url?: string; title?: string });
    expect(pages[1]).toMatchObject({ url: `${site.url}/page`, title: 'Infringing page 侵权页面' });
    const network = JSON.parse(file('capture/network.json').toString('utf8')) as { redirects: { url: string; status?: number }[]; connections: { host: string; ip?: string }[] };
    expect(network.redirects.map((r) => r.url)).toEqual([`${site.url}/start`, `${site.url}/page`]);
    expect(network.redirects[0]!.status).toBe(302);
    expect(network.connections.some((c) => c.host === '127.0.0.1' && c.ip === '127.0.0.1')).toBe(true);
    expect(file('capture/dom.html').toString('utf8')).toContain('This text was captured.');
  });

  it('has a PNG screenshot, a PDF and a WebM recording that plays', async () => {
    const png = file('capture/screenshot.png');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width: the viewport
    await writeFile(process.env.CAPTURE_SCREENSHOT ?? join(tmp.path, 'screenshot.png'), png);
    expect(file('capture/page.pdf').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const webm = file('capture/recording.webm');
    expect(webm.subarray(0, 4).toString('hex')).toBe('1a45dfa3'); // EBML magic
    expect(webm.toString('latin1', 0, 128)).toContain('webm'); // EBML DocType
    expect(webm.length).toBeGreaterThan(1000);
    // It plays: Chromium decodes it in a <video> element (no ffprobe on this machine).
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
    try {
      const page = await browser.newPage();
      const played = await page.evaluate(async (b64: string) => {
        const bytes = Uint8Array.from(atob(b64), (c: string) => c.charCodeAt(0));
        const v = document.createElement('video');
        v.muted = true;
        v.src = URL.createObjectURL(new Blob([bytes], { type: 'video/webm' }));
        document.body.appendChild(v);
        await new Promise((ok, ko) => {
          v.onloadeddata = ok;
          v.onerror = () => ko(new Error('decode error ' + String(v.error?.code)));
        });
        v.playbackRate = 4;
        await v.play();
        // Played to its end, the last frame shows the captured page: sample its background.
        await new Promise((ok) => {
          v.onended = ok;
          setTimeout(ok, 20_000);
        });
        const c = document.createElement('canvas');
        c.width = v.videoWidth;
        c.height = v.videoHeight;
        const ctx = c.getContext('2d');
        ctx.drawImage(v, 0, 0);
        const px = Array.from(ctx.getImageData(900, 500, 1, 1).data as Uint8ClampedArray).slice(0, 3);
        return { width: v.videoWidth as number, height: v.videoHeight as number, time: v.currentTime as number, error: v.error ? String(v.error.code) : null, px };
      }, webm.toString('base64'));
      expect(played).toBeTruthy();
      expect(played.error).toBeNull();
      expect(played.width).toBe(1280);
      expect(played.height).toBe(720);
      expect(played.time).toBeGreaterThan(0);
      // The page's background #ffd54f, within lossy-codec tolerance.
      const [r, g, b] = played.px;
      expect(Math.abs(r! - 0xff) + Math.abs(g! - 0xd5) + Math.abs(b! - 0x4f), `pixel ${played.px.join(',')}`).toBeLessThan(60);
    } finally {
      await browser.close();
    }
  });

  it('carries an environment report with browser, OS, tools, hashes, fresh profile, clock, node, operator and steps', () => {
    const env = JSON.parse(file('capture/environment.json').toString('utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(env.browser.version).toMatch(/^\d+\./);
    expect(env.browser.files.length).toBeGreaterThan(0);
    for (const f of env.browser.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(env.os.platform).toBe('linux');
    expect(env.tools['playwright-core']).toMatch(/^\d/);
    expect(env.tools.warcio).toMatch(/^2\./);
    expect(env.toolFiles.find((f: { path: string }) => f.path === process.execPath).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(env.freshProfile.cookies).toBe(0);
    expect(env.browser.commandLine).toContain('--disable-extensions');
    expect(env.browser.commandLine.some((a: string) => a.startsWith('--proxy-server='))).toBe(true);
    expect(env.clock.source).toBe('built-in TSA');
    expect(env.node.logKey).toContain('+');
    expect(env.operator.name).toBe('Capture Tester');
    expect(env.note).toBe('infringement of work 4711');
    expect(env.steps.length).toBeGreaterThan(5);
    expect(file('capture/environment.html').toString('utf8')).toContain('Capture environment report');
    expect(file('README.md').toString('utf8')).toContain('replayweb.page');
  });

  it('is deposited: the certificate verifies offline against the bundle (CLI and standalone verifier), the PDF certificate is served', async () => {
    const certRes = await fetch(`${svc.url}${view.certificateUrl}`, { headers: auth(key) });
    expect(certRes.status).toBe(200);
    const certPath = join(tmp.path, 'cert.json');
    await writeFile(certPath, Buffer.from(await certRes.arrayBuffer()));
    const cert = JSON.parse(await readFile(certPath, 'utf8')) as { work: { sha256: string; metadata: Record<string, unknown> } };
    expect(cert.work.sha256).toBe(sha256(bundle));
    expect(cert.work.metadata.workType).toBe('web-capture');
    const keyPath = join(tmp.path, 'log.key');
    await writeFile(keyPath, await (await fetch(`${svc.url}/v1/log/key`)).text());
    const cli = await runCli(['verify', certPath, '--file', join(tmp.path, 'bundle.wacz'), '--key-file', keyPath]);
    expect(cli.code, cli.text).toBe(0);
    const verifier = join(tmp.path, 'copyright-ledger-verify.mjs');
    await writeFile(verifier, await (await fetch(`${svc.url}/downloads/copyright-ledger-verify.mjs`)).text());
    const standalone = await runProcess(process.execPath, [verifier, certPath, '--file', join(tmp.path, 'bundle.wacz'), '--key-file', keyPath], { cwd: tmp.path, env: {} });
    expect(standalone.code, standalone.stdout + standalone.stderr).toBe(0);
    const pdf = await fetch(`${svc.url}${view.certificateUrl}`, { headers: { ...auth(key), accept: 'application/pdf' } });
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('appends a capture entry committing to the bundle and the private record; the audit checks the log', async () => {
    const e = (await (await fetch(`${svc.url}/v1/log/entries/${view.entryIndex}`)).json()) as { entry: string };
    const entry = JSON.parse(Buffer.from(e.entry, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(entry).toMatchObject({ v: 1, type: 'capture', id: view.id, deposit: view.depositId, bundleSha256: sha256(bundle) });
    expect(JSON.stringify(entry)).not.toContain('127.0.0.1'); // no URL in plaintext
    const record = await (await fetch(`${svc.url}/v1/captures/${view.id}/record`, { headers: auth(key) })).text();
    expect(entry.recordSha256).toBe(sha256(Buffer.from(record, 'utf8')));
    expect(JSON.parse(record)).toMatchObject({ requestedUrl: `${site.url}/start`, finalUrl: `${site.url}/page` });
    const keyPath = join(tmp.path, 'log.key');
    const audit = await runCli(['audit', '--server', svc.url, '--key-file', keyPath]);
    expect(audit.code, audit.text).toBe(0);
  });

  it('lists my captures and hides them from others', async () => {
    const mine = (await (await fetch(`${svc.url}/v1/captures`, { headers: auth(key) })).json()) as { captures: CaptureView[] };
    expect(mine.captures.map((c) => c.id)).toEqual([view.id]);
    const other = (await createAccount(svc.url)).apiKey;
    expect((await fetch(`${svc.url}/v1/captures/${view.id}`, { headers: auth(other) })).status).toBe(404);
    expect((await fetch(`${svc.url}/v1/captures/${view.id}/bundle`, { headers: auth(other) })).status).toBe(404);
    expect(((await (await fetch(`${svc.url}/v1/captures`, { headers: auth(other) })).json()) as { captures: unknown[] }).captures).toEqual([]);
    expect((await fetch(`${svc.url}/v1/captures/cap_nope`, { headers: auth(key) })).status).toBe(400);
    expect((await fetch(`${svc.url}/v1/captures`)).status).toBe(401);
  });
});
