/**
 * The PDF evidence certificate (issue 4) and the public verify page its QR code opens.
 *
 * Needs poppler-utils (Debian): pdftotext, pdftoppm, pdfinfo, pdfdetach. The QR code is decoded
 * from a rendered page with jsqr + pngjs.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePdfQr } from '../support/qr.js';
import { createAccount, startTestService, tempDir, type TestService } from '../support/service.js';

const run = promisify(execFile);

interface Deposit {
  id: string;
  index: number;
  block: number;
  receivedAt: string;
  sha256: string;
  sm3?: string;
}

const TITLE = '春江花月夜（钢琴改编版）';

describe('PDF certificate', () => {
  let svc: TestService;
  let key: string;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    svc = await startTestService();
    key = (await createAccount(svc.url)).apiKey;
    dir = await tempDir('cl-pdf-');
  });
  afterAll(async () => {
    await svc.stop();
    await dir.remove();
  });

  const getPdf = async (id: string): Promise<string> => {
    const res = await fetch(`${svc.url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${key}`, accept: 'application/pdf' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain(`${id}.certificate.pdf`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const path = join(dir.path, `${id}.pdf`);
    await writeFile(path, bytes);
    return path;
  };

  it('renders a bilingual certificate holding the hashes and the Chinese title, a QR code of the verify URL, and the JSON certificate attached', async () => {
    const bytes = randomBytes(100_000);
    const metadata = {
      title: TITLE,
      workType: 'musical',
      authors: [
        { name: '张三', role: 'composer' },
        { name: 'Li Si', role: 'arranger' },
      ],
      rightsHolder: '北京某某文化传媒有限公司',
      creationDate: '2026-03-15',
      publicationStatus: 'published',
      publicationDate: '2026-04-01',
      description: '根据古曲《春江花月夜》改编的钢琴独奏曲，共三个乐章。',
    };
    const f = new FormData();
    f.append('file', new Blob([bytes]), 'score.pdf');
    f.append('metadata', JSON.stringify(metadata));
    const dep = (await (await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: f })).json()) as Deposit;
    // The certificate changes once the block's timestamp arrives: wait for it, so the PDF and the
    // JSON fetched after it describe the same evidence.
    const certUrl = `${svc.url}/v1/deposits/${dep.id}/certificate`;
    for (let i = 0; i < 100; i++) {
      const c = (await (await fetch(certUrl, { headers: { authorization: `Bearer ${key}` } })).json()) as { timestamp?: unknown };
      if (c.timestamp !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const path = await getPdf(dep.id);

    const info = (await run('pdfinfo', [path])).stdout;
    expect(info).toMatch(/^Pages:\s+[2-4]$/m);

    const text = (await run('pdftotext', ['-enc', 'UTF-8', path, '-'])).stdout;
    for (const s of ['存证证书', 'EVIDENCE CERTIFICATE', TITLE, dep.sha256, dep.sm3!, dep.id, '音乐作品', '张三', '100,000 bytes', 'node copyright-ledger-verify.mjs']) {
      expect(text).toContain(s);
    }
    expect(text).not.toContain('npx');
    // No OPERATOR_* set: the operator fields say so.
    expect(text).toContain('未配置 / not configured');
    // Without PUBLIC_URL the verify URL is the bound loopback address: the PDF says nobody else can open it.
    expect(text).toContain('本机回环地址');
    expect(text.replace(/\s+/g, ' ')).toContain('the QR code will not work on any other device');

    // The QR code, decoded from the rendered page, opens the public verify page.
    const verifyUrl = `${svc.url}/verify/${dep.id}`;
    expect(await decodePdfQr(path)).toBe(verifyUrl);

    // The JSON certificate travels inside the PDF.
    const listed = (await run('pdfdetach', ['-list', path])).stdout;
    expect(listed).toContain(`${dep.id}.certificate.json`);
    await run('pdfdetach', ['-save', '1', '-o', join(dir.path, 'attached.json'), path]);
    const attached = JSON.parse(await readFile(join(dir.path, 'attached.json'), 'utf8')) as unknown;
    const json = (await (await fetch(`${svc.url}/v1/deposits/${dep.id}/certificate`, { headers: { authorization: `Bearer ${key}` } })).json()) as unknown;
    expect(attached).toEqual(json);

    // The page the QR code opens shows the public facts of the deposit.
    const page = await fetch(verifyUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    for (const s of [dep.id, `<code>${dep.index}</code>`, `<code>${dep.block}</code>`, dep.receivedAt, 'node copyright-ledger-verify.mjs', '../downloads/verify.html']) expect(html).toContain(s);
    expect(html).not.toContain(TITLE); // metadata stays private
  });

  it('renders a hash-only deposit without metadata, SM3 or size', async () => {
    const res = await fetch(`${svc.url}/v1/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha256: randomBytes(32).toString('hex') }),
    });
    const dep = (await res.json()) as Deposit;
    const path = await getPdf(dep.id);
    expect((await run('pdftotext', ['-enc', 'UTF-8', path, '-'])).stdout).toContain(dep.sha256);
    expect(await decodePdfQr(path)).toBe(`${svc.url}/verify/${dep.id}`);
  });

  it('cuts very long metadata to a few lines per field, and still numbers its pages and scans', async () => {
    const metadata = {
      title: '长标题'.repeat(80),
      authors: Array.from({ length: 40 }, (_, i) => ({ name: `作者 ${i} With A Long Name`, role: 'co-author' })),
      rightsHolder: '公司'.repeat(100),
      description: '说明'.repeat(2000),
      workType: 'graphic_model',
    };
    const res = await fetch(`${svc.url}/v1/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha256: randomBytes(32).toString('hex'), metadata }),
    });
    expect(res.status).toBe(201);
    const dep = (await res.json()) as Deposit;
    const path = await getPdf(dep.id);
    const pages = Number(/^Pages:\s+(\d+)$/m.exec((await run('pdfinfo', [path])).stdout)![1]);
    expect(pages).toBeLessThanOrEqual(4);
    const text = (await run('pdftotext', ['-enc', 'UTF-8', path, '-'])).stdout;
    expect(text).toContain(`第 ${pages} 页 共 ${pages} 页`);
    expect(text).toContain('…'); // fields cut, not overflowing
    expect(await decodePdfQr(path)).toBe(`${svc.url}/verify/${dep.id}`);
  });

  it('another account cannot get the PDF; an unknown deposit has a 404 verify page', async () => {
    const dep = (await (
      await fetch(`${svc.url}/v1/deposits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sha256: randomBytes(32).toString('hex') }),
      })
    ).json()) as Deposit;
    const other = (await createAccount(svc.url)).apiKey;
    const res = await fetch(`${svc.url}/v1/deposits/${dep.id}/certificate`, { headers: { authorization: `Bearer ${other}`, accept: 'application/pdf' } });
    expect(res.status).toBe(404);
    const page = await fetch(`${svc.url}/verify/dep_00000000000000000000`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('dep_00000000000000000000');
    const junk = await fetch(`${svc.url}/verify/%3Cscript%3E`);
    expect(junk.status).toBe(404);
    expect(await junk.text()).not.toContain('<script>');
  });
});

describe('PDF certificate with PUBLIC_URL', () => {
  let svc: TestService;
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    svc = await startTestService({ PUBLIC_URL: 'https://ledger.example.cn/' });
    dir = await tempDir('cl-pdf-');
  });
  afterAll(async () => {
    await svc.stop();
    await dir.remove();
  });

  it('puts PUBLIC_URL/verify/{id} in the QR code and the text', async () => {
    const { apiKey } = await createAccount(svc.url);
    const dep = (await (
      await fetch(`${svc.url}/v1/deposits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sha256: randomBytes(32).toString('hex'), metadata: { title: '测试' } }),
      })
    ).json()) as Deposit;
    const res = await fetch(`${svc.url}/v1/deposits/${dep.id}/certificate`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/pdf' } });
    const path = join(dir.path, 'c.pdf');
    await writeFile(path, Buffer.from(await res.arrayBuffer()));
    expect((await run('pdftotext', ['-enc', 'UTF-8', path, '-'])).stdout).toContain(`https://ledger.example.cn/verify/${dep.id}`);
    expect(await decodePdfQr(path)).toBe(`https://ledger.example.cn/verify/${dep.id}`);
    expect((await run('pdftotext', ['-enc', 'UTF-8', path, '-'])).stdout).not.toContain('回环');
  });
});
