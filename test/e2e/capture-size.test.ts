/**
 * Capture size limits (docs/CAPTURE.md): a response body over CAPTURE_MAX_RESPONSE_BYTES is not
 * kept (announced by Content-Length or found too large once read): its WARC response record says
 * `WARC-Truncated: length` and the network log names it; a capture over CAPTURE_MAX_BYTES in all
 * fails with that reason.
 */
import { WARCParser } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, pageServer, requestCapture, waitForCapture, type CaptureView, type PageServer } from '../support/capture.js';
import { removeAllTempDirs } from '../support/proc.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { validateWacz } from '../support/wacz-validate.js';

const BIG = 200_000;
let site: PageServer;

beforeAll(async () => {
  site = await pageServer('127.0.0.1', (req, res) => {
    if (req.url === '/page') {
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>big</title><p>big things</p><img src="/big.png"><script>fetch('/stream').then((r) => r.arrayBuffer()).then((b) => { document.title = 'got ' + b.byteLength; });</script>`);
    }
    // Announced by Content-Length.
    if (req.url === '/big.png') return void res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(BIG) }).end(Buffer.alloc(BIG, 7));
    // Chunked: the size is only known once read.
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(BIG / 2, 1));
      return void res.end(Buffer.alloc(BIG / 2, 2));
    }
    if (req.url?.startsWith('/heavy')) {
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>heavy</title>${[1, 2, 3, 4].map((i) => `<img src="/chunk${i}.png">`).join('')}`);
    }
    if (req.url?.startsWith('/chunk')) return void res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(BIG) }).end(Buffer.alloc(BIG, 3));
    res.writeHead(404).end();
  });
});

afterAll(async () => {
  await site?.close();
  await removeAllTempDirs();
});

describe('capture size limits', () => {
  let svc: TestService | undefined;
  afterAll(async () => svc?.stop());

  it('records a body over CAPTURE_MAX_RESPONSE_BYTES as truncated (WARC-Truncated: length, network log) and keeps the rest', async () => {
    svc = await startTestService({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '1', CAPTURE_MAX_RESPONSE_BYTES: '65536' });
    const key = (await createAccount(svc.url)).apiKey;
    const queued = (await (await requestCapture(svc.url, key, { url: `${site.url}/page` })).json()) as CaptureView;
    const view = await waitForCapture(svc.url, key, queued.id, 180_000);
    expect(view.reason).toBeUndefined();
    expect(view.status).toBe('done');
    const bundle = Buffer.from(await (await fetch(`${svc.url}${view.bundleUrl}`, { headers: auth(key) })).arrayBuffer());
    const report = validateWacz(bundle);
    const records = new Map<string, { truncated?: string; body: number; original?: string }>();
    for await (const record of new WARCParser([report.entries.get('archive/data.warc')!.bytes])) {
      if (record.warcType !== 'response') continue;
      const body = (await record.readFully(true)).length;
      records.set(record.warcTargetURI!, { body, truncated: record.warcHeaders.headers.get('WARC-Truncated') ?? undefined, original: record.httpHeaders?.headers.get('X-Original-Content-Length') ?? undefined });
    }
    expect(records.get(`${site.url}/big.png`)).toEqual({ truncated: 'length', body: 0, original: String(BIG) });
    expect(records.get(`${site.url}/page`)?.truncated).toBeUndefined();
    expect(records.get(`${site.url}/page`)?.body).toBeGreaterThan(50);
    const network = JSON.parse(report.entries.get('capture/network.json')!.bytes.toString('utf8')) as { exchanges: { url: string; bytes: number; truncated?: string; originalLength?: number }[] };
    expect(network.exchanges.find((x) => x.url === `${site.url}/big.png`)).toMatchObject({ bytes: 0, truncated: 'length', originalLength: BIG });
    // The chunked body, if the page fetched it before the capture ended, is over the limit once read.
    const stream = network.exchanges.find((x) => x.url === `${site.url}/stream`);
    if (stream !== undefined) expect(stream).toMatchObject({ bytes: 0, truncated: 'length', originalLength: BIG });
  }, 240_000);

  it('fails a capture larger than CAPTURE_MAX_BYTES, saying so', async () => {
    await svc?.stop();
    svc = await startTestService({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '1', CAPTURE_MAX_BYTES: '500000' });
    const key = (await createAccount(svc.url)).apiKey;
    const queued = (await (await requestCapture(svc.url, key, { url: `${site.url}/heavy` })).json()) as CaptureView;
    const view = await waitForCapture(svc.url, key, queued.id, 180_000);
    expect(view.status).toBe('failed');
    expect(view.reason).toMatch(/larger than CAPTURE_MAX_BYTES \(500000 bytes\)/);
  }, 240_000);
});
