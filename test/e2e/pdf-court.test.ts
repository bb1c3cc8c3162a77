/**
 * PDF certificates as a court reads them: signed by the operator's document-signing key (pdfsig
 * says valid; one changed byte makes it invalid), naming the depositor or applicant, the operator
 * (OPERATOR_*), every time in Beijing time, the legal basis, "第 i 页 共 N 页" on every page, the
 * standalone verifier and openssl steps, and a QR code of PUBLIC_URL/verify/{id}.
 *
 * Needs poppler-utils (pdfsig, pdftotext, pdftoppm, pdfinfo, pdfdetach). KEEP_PDFS=<dir> keeps
 * the rendered PDFs there for a look.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { FONT_FILES } from '../../src/adapters/pdf/layout.js';
import { loadPdfSigning } from '../../src/adapters/pdf/signing-key.js';
import { ConfigSchema, loadConfig } from '../../src/config.js';
import { startService } from '../../src/server.js';
import { decodeQrPng } from '../support/qr.js';
import { account, api, submitted, uscc, type Actor } from '../support/registration.js';
import { createAccount, startTestService, tempDir, type TestService } from '../support/service.js';

const run = promisify(execFile);
/** pdfsig exits non-zero on an invalid signature: keep its output either way. */
const pdfsig = (path: string) =>
  run('pdfsig', [path]).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );

const ADMIN_API_KEY = 'admin-key-for-pdf-court-tests';
const PUBLIC_URL = 'https://evidence.example.cn';
const OPERATOR_NAME = '北京示例版权科技有限公司';
const CREDIT_CODE = uscc('91110108MA01C8XK0');
const FILING = '京网信备11010819012345678号';
const LONG_TITLE = '江南好，风景旧曾谙；日出江花红胜火，春来江水绿如蓝，能不忆江南？——二〇二六年春季原创民族管弦乐组曲《忆江南》总谱及分谱（含钢琴缩编谱、演出说明与配器手记）';
const DEPOSITOR = '王小明';

async function pages(path: string): Promise<number> {
  return Number(/^Pages:\s+(\d+)$/m.exec((await run('pdfinfo', [path])).stdout)![1]);
}
async function text(path: string, page?: number): Promise<string> {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return (await run('pdftotext', ['-enc', 'UTF-8', ...range, path, '-'])).stdout;
}
/** pdftotext breaks lines: compare without whitespace. */
const squash = (s: string) => s.replace(/\s+/g, '');

describe('signed PDF certificates with what a court looks for', () => {
  let svc: TestService;
  let dir: { path: string; remove: () => Promise<void> };
  let creator: Actor;
  let reviewer: Actor;
  let fingerprint: string;

  beforeAll(async () => {
    svc = await startTestService({
      ADMIN_API_KEY,
      PUBLIC_URL,
      OPERATOR_NAME,
      OPERATOR_CREDIT_CODE: CREDIT_CODE,
      OPERATOR_FILING_NUMBER: FILING,
      OPERATOR_URL: 'https://www.example.cn/',
    });
    dir = await tempDir('cl-pdf-court-');
    creator = await account(svc.url, ADMIN_API_KEY, { name: DEPOSITOR });
    reviewer = await account(svc.url, ADMIN_API_KEY, { role: 'reviewer', name: 'Reviewer' });
    const pem = await api(svc.url, 'GET', '/v1/pdf/signing-cert');
    expect(pem.status).toBe(200);
    expect(pem.headers.get('content-type')).toMatch(/^application\/pem-certificate-chain/);
    fingerprint = createHash('sha256').update(new X509Certificate(pem.text).raw).digest('hex').toUpperCase().match(/../g)!.join(':');
  }, 60_000);
  afterAll(async () => {
    await svc?.stop();
    await dir?.remove();
  });

  const keep = async (path: string, name: string) => {
    const to = process.env.KEEP_PDFS;
    if (to === undefined) return;
    await mkdir(to, { recursive: true });
    await copyFile(path, join(to, name));
  };

  /**
   * Changes one byte inside the signed range and returns the new file's path: in a page's content
   * stream, or in the text of an object (the document's Creator string).
   */
  const tamper = async (path: string, where: 'content' | 'text' = 'content'): Promise<string> => {
    const bytes = await readFile(path);
    const at = where === 'content' ? bytes.indexOf('stream\n', bytes.indexOf('/Contents')) + 20 : bytes.indexOf('(copyright-ledger)') + 5;
    expect(at).toBeGreaterThan(20);
    expect(at).toBeLessThan(bytes.indexOf('/ByteRange'));
    bytes[at] = bytes[at]! ^ 0x01;
    const out = path.replace(/\.pdf$/, `.tampered-${where}.pdf`);
    await writeFile(out, bytes);
    return out;
  };

  it('the generated signing key is private (0600) and its certificate self-signed, naming the operator', async () => {
    expect((await stat(join(svc.dataDir, 'pdf-signing-key.pem'))).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(await readFile(join(svc.dataDir, 'pdf-signing-cert.pem')));
    expect(cert.subject).toContain(OPERATOR_NAME);
    expect(cert.issuer).toBe(cert.subject);
  });

  it('evidence certificate: signature valid, broken by one changed byte; depositor, operator, Beijing time, legal basis, pages, QR', async () => {
    const authors = Array.from({ length: 24 }, (_, i) => ({ name: `作者${String(i + 1).padStart(2, '0')} 欧阳明月`, role: i % 2 === 0 ? 'composer' : 'arranger' }));
    const f = new FormData();
    f.append('file', new Blob([randomBytes(50_000)]), 'score.pdf');
    f.append('metadata', JSON.stringify({ title: LONG_TITLE, workType: 'musical', authors, rightsHolder: '北京示例文化传媒有限公司与上海某某音乐出版社有限公司（共有）', creationDate: '2026-03-15', publicationStatus: 'unpublished', description: '民族管弦乐组曲，共五个乐章。' }));
    const dep = (await (await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${creator.key}` }, body: f })).json()) as { id: string; sha256: string };
    const certUrl = `${svc.url}/v1/deposits/${dep.id}/certificate`;
    for (let i = 0; i < 100; i++) {
      const c = (await (await fetch(certUrl, { headers: { authorization: `Bearer ${creator.key}` } })).json()) as { timestamp?: unknown };
      if (c.timestamp !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(certUrl, { headers: { authorization: `Bearer ${creator.key}`, accept: 'application/pdf' } });
    expect(res.status).toBe(200);
    const path = join(dir.path, `${dep.id}.certificate.pdf`);
    await writeFile(path, Buffer.from(await res.arrayBuffer()));
    await keep(path, 'deposit.pdf');

    const sig = await pdfsig(path);
    expect(sig).toContain('Signature Validation: Signature is Valid.');
    expect(sig).toContain('adbe.pkcs7.detached');
    expect(sig).toContain(OPERATOR_NAME);
    for (const where of ['content', 'text'] as const) {
      const changed = await pdfsig(await tamper(path, where));
      expect(changed, where).toContain('Signature #1');
      expect(changed, where).not.toContain('Signature is Valid.');
    }

    const n = await pages(path);
    expect(n).toBeGreaterThanOrEqual(2);
    for (let p = 1; p <= n; p++) expect(await text(path, p)).toContain(`第 ${p} 页 共 ${n} 页`);
    const all = squash(await text(path));
    for (const s of [
      DEPOSITOR,
      creator.id,
      '北京时间',
      'UTC+08:00',
      OPERATOR_NAME,
      CREDIT_CODE,
      FILING,
      '《最高人民法院关于互联网法院审理案件若干问题的规定》第十一条',
      '《人民法院在线诉讼规则》第十六条至第十九条',
      '《中华人民共和国电子签名法》',
      'nodecopyright-ledger-verify.mjs',
      `${PUBLIC_URL}/downloads/copyright-ledger-verify.mjs`,
      'opensslts-verify',
      fingerprint,
      '作者24',
      '时间戳机构',
      '自行签发', // the built-in TSA
      dep.sha256,
    ]) {
      expect(all, s).toContain(squash(s));
    }
    expect(all).toContain(squash(LONG_TITLE.slice(0, 40)));
    expect(all).not.toContain('未配置');
    expect(all).not.toContain('回环');
    expect(all).not.toContain('npx');

    // The QR code sits on the last page and opens PUBLIC_URL/verify/{id}.
    await run('pdftoppm', ['-png', '-r', '150', '-f', String(n), '-l', String(n), '-singlefile', path, join(dir.path, 'dep-last')]);
    expect(await decodeQrPng(join(dir.path, 'dep-last.png'))).toBe(`${PUBLIC_URL}/verify/${dep.id}`);
    // The JSON certificate is still attached, after signing.
    expect((await run('pdfdetach', ['-list', path])).stdout).toContain(`${dep.id}.certificate.json`);
  }, 60_000);

  it('registration certificate: signature valid, applicant, operator, Beijing time, pages', async () => {
    const d = await api(svc.url, 'POST', '/v1/deposits', { key: creator.key, body: { sha256: randomBytes(32).toString('hex') } });
    const id = await submitted(svc.url, creator.key, [d.body.id as string]);
    const ok = await api(svc.url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
    expect(ok.status).toBe(200);
    const res = await fetch(`${svc.url}/v1/registrations/${id}/certificate`, { headers: { authorization: `Bearer ${creator.key}`, accept: 'application/pdf' } });
    expect(res.status).toBe(200);
    const path = join(dir.path, 'registration.pdf');
    await writeFile(path, Buffer.from(await res.arrayBuffer()));
    await keep(path, 'registration.pdf');

    expect(await pdfsig(path)).toContain('Signature Validation: Signature is Valid.');
    expect(await pdfsig(await tamper(path))).not.toContain('Signature is Valid.');
    const n = await pages(path);
    for (let p = 1; p <= n; p++) expect(await text(path, p)).toContain(`第 ${p} 页 共 ${n} 页`);
    const all = squash(await text(path));
    for (const s of [DEPOSITOR, creator.id, OPERATOR_NAME, CREDIT_CODE, '北京时间', '第十一条', 'nodecopyright-ledger-verify.mjs', fingerprint]) expect(all, s).toContain(squash(s));
    await run('pdftoppm', ['-png', '-r', '150', '-f', String(n), '-l', String(n), '-singlefile', path, join(dir.path, 'reg-last')]);
    expect(await decodeQrPng(join(dir.path, 'reg-last.png'))).toBe(`${PUBLIC_URL}/v1/registry?number=${ok.body.number as string}`);
  }, 60_000);
});

describe('PDF signing and operator settings', () => {
  it('a configured key and certificate are used as given; the generated pair is reused on restart', async () => {
    const d = await tempDir('cl-pdf-key-');
    try {
      const first = await loadPdfSigning({ dataDir: d.path, operatorName: 'Example Ltd' });
      expect(first.selfSigned).toBe(true);
      expect((await loadPdfSigning({ dataDir: d.path })).fingerprint).toBe(first.fingerprint);
      const other = await tempDir('cl-pdf-key2-');
      try {
        const given = await loadPdfSigning({ dataDir: other.path, keyFile: join(d.path, 'pdf-signing-key.pem'), certFile: join(d.path, 'pdf-signing-cert.pem') });
        expect(given.fingerprint).toBe(first.fingerprint);
        await expect(stat(join(other.path, 'pdf-signing-key.pem'))).rejects.toThrow();
      } finally {
        await other.remove();
      }
    } finally {
      await d.remove();
    }
  }, 30_000);

  it('a first start that died between writing the key and its certificate starts again with a new, whole pair', async () => {
    const d = await tempDir('cl-pdf-key-crash-');
    try {
      const first = await loadPdfSigning({ dataDir: d.path });
      await rm(join(d.path, 'pdf-signing-cert.pem')); // as if killed before the second rename
      const again = await loadPdfSigning({ dataDir: d.path });
      expect(again.fingerprint).not.toBe(first.fingerprint);
      expect((await loadPdfSigning({ dataDir: d.path })).fingerprint).toBe(again.fingerprint);
      for (const f of ['pdf-signing-key.pem', 'pdf-signing-cert.pem']) expect((await stat(join(d.path, f))).mode & 0o777).toBe(0o600);
      expect((await readdir(d.path)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      await d.remove();
    }
  }, 30_000);

  it('refuses a malformed credit code and a signing key without its certificate, naming the variable', () => {
    expect(() => loadConfig({ OPERATOR_CREDIT_CODE: '91110108MA01C8XK0Z' })).toThrow(/OPERATOR_CREDIT_CODE/);
    expect(() => loadConfig({ OPERATOR_CREDIT_CODE: 'ABC' })).toThrow(/OPERATOR_CREDIT_CODE/);
    expect(loadConfig({ OPERATOR_CREDIT_CODE: CREDIT_CODE.toLowerCase() }).OPERATOR_CREDIT_CODE).toBe(CREDIT_CODE);
    expect(() => loadConfig({ PDF_SIGNING_KEY_FILE: '/tmp/key.pem' })).toThrow(/PDF_SIGNING_CERT_FILE/);
  });
});

describe('fonts: only the two files the PDFs use', () => {
  it('renders from a PDF_FONT_DIR holding just NotoSansSC Regular and Bold, as the runtime image does', async () => {
    const fonts = await tempDir('cl-fonts-');
    const pkg = dirname(createRequire(import.meta.url).resolve('@expo-google-fonts/noto-sans-sc/package.json'));
    await copyFile(join(pkg, '400Regular', FONT_FILES.regular), join(fonts.path, FONT_FILES.regular));
    await copyFile(join(pkg, '700Bold', FONT_FILES.bold), join(fonts.path, FONT_FILES.bold));
    const svc = await startTestService({ PDF_FONT_DIR: fonts.path });
    try {
      const { apiKey } = await createAccount(svc.url);
      const dep = (await (
        await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ sha256: randomBytes(32).toString('hex'), metadata: { title: '字体测试' } }) })
      ).json()) as { id: string };
      const res = await fetch(`${svc.url}/v1/deposits/${dep.id}/certificate`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/pdf' } });
      expect(res.status).toBe(200);
      const path = join(fonts.path, 'c.pdf');
      await writeFile(path, Buffer.from(await res.arrayBuffer()));
      const used = (await run('pdffonts', [path])).stdout;
      expect(used).toMatch(/NotoSansSC-Regular/);
      expect(used).toMatch(/NotoSansSC-Bold/);
      expect(await text(path)).toContain('字体测试');
    } finally {
      await svc.stop();
      await fonts.remove();
    }
  });

  it('refuses to start with a PDF_FONT_DIR missing a font, naming the variable', async () => {
    const empty = await tempDir('cl-fonts-empty-');
    try {
      const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(empty.path, 'data'), LOG_LEVEL: 'silent', PDF_FONT_DIR: empty.path });
      await expect(startService(config, () => undefined)).rejects.toThrow(/PDF_FONT_DIR: .*NotoSansSC_400Regular\.ttf/);
    } finally {
      await empty.remove();
    }
  });

  it('the Dockerfile keeps only those two files of the font package', async () => {
    const docker = await readFile(new URL('../../Dockerfile', import.meta.url), 'utf8');
    expect(docker).toMatch(/PDF_FONT_DIR=\/app\/fonts/);
    expect(docker).toContain(FONT_FILES.regular);
    expect(docker).toContain(FONT_FILES.bold);
    expect(docker).toMatch(/rm -rf node_modules\/@expo-google-fonts/);
  });
});
