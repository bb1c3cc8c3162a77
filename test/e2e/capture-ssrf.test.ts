/**
 * SSRF safety of web captures with CAPTURE_ALLOW_PRIVATE off (docs/CAPTURE.md). A listener on
 * 127.0.0.1 counts every connection it gets: none may arrive. Direct private, loopback, mapped,
 * metadata, non-http and locally resolving URLs are refused before queueing with 400 and
 * `reason: capture_url_refused`; a public page that redirects inside, and a name whose DNS answer
 * changes to a private address after the check (rebinding), are refused by the capture proxy at
 * connect time, and the capture fails saying so.
 *
 * Test hooks (NODE_ENV=test only): CAPTURE_TEST_HOSTS answers names instead of DNS, and
 * CAPTURE_TEST_PUBLIC lets 127.0.0.2 stand in for a public web server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, pageServer, requestCapture, waitForCapture, type CaptureView, type PageServer } from '../support/capture.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';

let target: PageServer;
let publicSite: PageServer;
let svc: TestService;
let key: string;

beforeAll(async () => {
  // The private target: must never see a connection.
  target = await pageServer('127.0.0.1', (_req, res) => res.end('secret'));
  const B = target.port;
  // The stand-in "public" server (127.0.0.2 is loopback too, declared public for this test only).
  publicSite = await pageServer('127.0.0.2', (req, res) => {
    const to: Record<string, string> = {
      '/to-loopback': `http://127.0.0.1:${B}/`,
      '/to-private-name': `http://private.test:${B}/`,
      '/to-10': 'http://10.0.0.1/',
      '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
      '/to-mapped': `http://[::ffff:127.0.0.1]:${B}/`,
    };
    const loc = to[req.url ?? ''];
    if (loc) return void res.writeHead(302, { location: loc }).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end('<title>public</title><p>public page</p>');
  });
  svc = await startTestService({
    NODE_ENV: 'test',
    CAPTURE_ALLOW_PRIVATE: 'false',
    CAPTURE_TEST_PUBLIC: '127.0.0.2',
    CAPTURE_TEST_HOSTS: `private.test=127.0.0.1; mixed.test=127.0.0.2,10.1.2.3; public.test=127.0.0.2; rebind.test=127.0.0.2>127.0.0.1; meta.test=169.254.169.254; v6.test=::1`,
    CAPTURE_CONCURRENCY: '2',
    CAPTURE_TIMEOUT_MS: '60000',
  });
  key = (await createAccount(svc.url)).apiKey;
}, 120_000);

afterAll(async () => {
  await svc?.stop();
  await target?.close();
  await publicSite?.close();
});

describe('capture SSRF rules', () => {
  it('refuses before queueing, with 400 and reason capture_url_refused, every private, local or non-http URL', async () => {
    const B = target.port;
    const refused = [
      `http://127.0.0.1:${B}/`,
      `http://localhost:${B}/`,
      `http://[::1]:${B}/`,
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      `http://[::ffff:127.0.0.1]:${B}/`,
      'file:///etc/passwd',
      'javascript:alert(1)',
      `http://127.0.0.1:${B}/redirect-to-private`, // a loopback page (it would redirect to a private address)
      `http://private.test:${B}/`, // a host name resolving to a loopback address
      `http://mixed.test:${B}/`, // one public and one private address
      'http://meta.test/',
      `http://v6.test:${B}/`,
      `http://0x7f.1:${B}/`,
      `http://[fe80::1]:${B}/`,
      'http://[fd00::1]/',
      'http://100.64.0.1/',
      'http://192.0.2.10/',
      'http://198.18.0.1/',
      'http://224.0.0.1/',
      'http://0.0.0.0/',
      `http://user:pw@public.test:${publicSite.port}/`,
      'ftp://public.test/',
      'data:text/html,hi',
      'http://does-not-exist.test/',
    ];
    for (const url of refused) {
      const res = await requestCapture(svc.url, key, { url });
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as { code: string; reason?: string; field?: string; detail: string };
      expect(body.code, url).toBe('invalid_request');
      expect(body.reason, url).toBe('capture_url_refused');
      expect(body.field, url).toBe('url');
    }
    const list = (await (await fetch(`${svc.url}/v1/captures`, { headers: auth(key) })).json()) as { captures: unknown[] };
    expect(list.captures).toEqual([]); // nothing was queued
    expect(target.connections).toBe(0);
  });

  it('refuses redirects into private addresses at the proxy: the capture fails and the target sees no connection', async () => {
    const jobs: { path: string; view?: CaptureView; id: string }[] = [];
    for (const path of ['/to-loopback', '/to-private-name', '/to-10', '/to-metadata', '/to-mapped']) {
      const res = await requestCapture(svc.url, key, { url: `http://public.test:${publicSite.port}${path}` });
      expect(res.status, path).toBe(202);
      jobs.push({ path, id: ((await res.json()) as CaptureView).id });
    }
    for (const j of jobs) {
      const v = await waitForCapture(svc.url, key, j.id);
      expect(v.status, j.path).toBe('failed');
      expect(v.reason, j.path).toMatch(/capture proxy refused/);
      expect(v.depositId, j.path).toBeUndefined();
    }
    expect(publicSite.connections).toBeGreaterThan(0); // the public page itself was fetched
    expect(target.connections).toBe(0);
  });

  it('refuses a name that resolves public when checked and private at connect time (DNS rebinding)', async () => {
    const res = await requestCapture(svc.url, key, { url: `http://rebind.test:${target.port}/` });
    expect(res.status).toBe(202); // the first answer (127.0.0.2) is "public"
    const v = await waitForCapture(svc.url, key, ((await res.json()) as CaptureView).id);
    expect(v.status).toBe('failed');
    expect(v.reason).toMatch(/capture proxy refused rebind\.test: rebind\.test resolves to 127\.0\.0\.1: loopback/);
    expect(target.connections).toBe(0);
  });

  it('still captures a public page', async () => {
    const res = await requestCapture(svc.url, key, { url: `http://public.test:${publicSite.port}/` });
    expect(res.status).toBe(202);
    const v = await waitForCapture(svc.url, key, ((await res.json()) as CaptureView).id);
    expect(v.reason).toBeUndefined();
    expect(v.status).toBe('done');
    expect(v.title).toBe('public');
    expect(target.connections).toBe(0);
  });

  it('refuses bad bodies with 400 and no body type with 415', async () => {
    for (const body of [{}, { url: 5 }, { url: 'http://public.test/', extra: 1 }, { url: 'x'.repeat(3000) }, { url: 'http://public.test/', options: { viewport: { width: 10, height: 10 } } }]) {
      const res = await requestCapture(svc.url, key, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    const res = await fetch(`${svc.url}/v1/captures`, { method: 'POST', headers: { ...auth(key), 'content-type': 'text/plain' }, body: 'http://x' });
    expect(res.status).toBe(415);
  });
});
