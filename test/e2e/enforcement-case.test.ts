/**
 * A case end to end (docs/ENFORCEMENT.md), with CAPTURE_ALLOW_PRIVATE so a page on 127.0.0.1
 * can be captured: opening the case captures the infringing page, the case moves to
 * evidence_collected by itself, the capture matches the deposited image, every state change is
 * a `case` log entry without personal data that the audit accepts, and the evidence package
 * verifies offline item by item with the standalone verifier and openssl; its PDFs render
 * Chinese and are signed (pdfsig). KEEP_PDFS=<dir> keeps the package and page renders there.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { verifyWebhookSignature } from '../../src/core/webhook-signature.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageServer, waitForCapture, type PageServer } from '../support/capture.js';
import { makeTempDir, removeAllTempDirs, runCli, type TempDir } from '../support/proc.js';
import { account } from '../support/registration.js';
import { startTestService, type TestService } from '../support/service.js';
import { alteredCopy, syntheticImage } from '../support/synthetic.js';

const run = promisify(execFile);
const ADMIN = 'admin-key-for-case-tests-000000000';
const OPERATOR = '示例存证服务有限公司';
let svc: TestService;
let site: PageServer;
let tmp: TempDir;
let owner: { key: string; id: string };
let image: Buffer;
let depositId: string;
let caseId: string;
let files: Record<string, Uint8Array>;
const hooks: { signature: string; body: Buffer }[] = [];

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const send = (method: string, path: string, body?: unknown, key = owner.key) =>
  fetch(`${svc.url}${path}`, { method, headers: { ...auth(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until a deposit's certificate carries its RFC 3161 token. */
const timestamped = (id: string) =>
  until(`a timestamp for ${id}`, async () => {
    const c = (await (await send('GET', `/v1/deposits/${id}/certificate`)).json()) as { timestamp?: unknown };
    return c.timestamp !== undefined ? c : undefined;
  });

beforeAll(async () => {
  tmp = await makeTempDir('cl-case-');
  image = await syntheticImage(31337, 900, 600);
  const copy = await alteredCopy(image, { crop: 0.03, scale: 0.5, quality: 65 });
  site = await pageServer('127.0.0.1', (req, res) => {
    if (req.url === '/hook') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hooks.push({ signature: String(req.headers['x-cl-signature']), body: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
      return;
    }
    if (req.url === '/copy.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(copy);
    if (req.url === '/post') {
      return void res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><html><head><meta charset="utf-8"><title>盗图页面</title></head><body><h1>Someone else’s post 转载</h1><img src="/copy.jpg" width="450"></body></html>');
    }
    res.writeHead(404).end();
  });
  svc = await startTestService({ ADMIN_API_KEY: ADMIN, NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_CONCURRENCY: '1', OPERATOR_NAME: OPERATOR });
  owner = await account(svc.url, ADMIN, { name: '张三' });
  const form = new FormData();
  form.append('file', new Blob([image]), 'photo.png');
  form.append('metadata', JSON.stringify({ title: '山水之间 Between the Hills' }));
  const dep = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: auth(owner.key), body: form });
  expect(dep.status).toBe(201);
  depositId = ((await dep.json()) as { id: string }).id;
  await svc.enforcement.fingerprints.idle();
  await timestamped(depositId);
}, 120_000);

afterAll(async () => {
  await svc?.stop();
  await site?.close();
  await removeAllTempDirs();
});

describe('a case', () => {
  it('opens, captures the infringing page and reaches evidence_collected by itself', async () => {
    expect((await send('POST', '/v1/cases', { depositId, infringingUrl: 'file:///etc/passwd', description: 'x' })).status).toBe(400);
    expect((await send('POST', '/v1/cases', { infringingUrl: `${site.url}/post`, description: 'x' })).status).toBe(400);
    const capturesBefore = ((await (await send('GET', '/v1/captures')).json()) as { captures: unknown[] }).captures.length;
    const lone = await send('POST', '/v1/cases', { depositId, infringingUrl: `${site.url}/post`, description: 'bad \ud800' });
    expect(lone.status).toBe(400);
    expect(((await lone.json()) as { code: string }).code).toBe('invalid_request');
    expect(((await (await send('GET', '/v1/captures')).json()) as { captures: unknown[] }).captures).toHaveLength(capturesBefore);
    const res = await send('POST', '/v1/cases', {
      depositId,
      infringingUrl: `${site.url}/post`,
      description: '未经许可转载摄影作品《山水之间》',
      rightsHolder: { name: '张三', contact: 'zhangsan@example.com', address: '北京市海淀区中关村大街 1 号' },
    });
    expect(res.status).toBe(201);
    const opened = (await res.json()) as { id: string; state: string; captureId: string };
    expect(opened.state).toBe('open');
    expect(opened.captureId).toMatch(/^cap_/);
    caseId = opened.id;
    const c = await until('evidence_collected', async () => {
      const v = (await (await send('GET', `/v1/cases/${caseId}`)).json()) as { state: string; captureError?: string; history: { action: string; index: number }[] };
      if (v.captureError !== undefined) throw new Error(v.captureError);
      return v.state === 'evidence_collected' ? v : undefined;
    });
    expect(c.history.map((h) => h.action)).toEqual(['open', 'collect_evidence']);
  }, 200_000);

  it('the capture matches the deposited image (POST /v1/matches {captureId})', async () => {
    const c = (await (await send('GET', `/v1/cases/${caseId}`)).json()) as { captureId: string };
    const m = (await (await send('POST', '/v1/matches', { captureId: c.captureId })).json()) as { matches: { depositId: string; method: string; foundAt: string }[] };
    expect(m.matches).toEqual([expect.objectContaining({ depositId, method: 'image-phash', foundAt: `${site.url}/copy.jpg` })]);
  });

  it('a URL is captured first (202), then matched by its capture', async () => {
    const res = await send('POST', '/v1/matches', { url: `${site.url}/post` });
    expect(res.status).toBe(202);
    const { capture } = (await res.json()) as { capture: { id: string } };
    expect(res.headers.get('location')).toBe(`/v1/captures/${capture.id}`);
    const early = await send('POST', '/v1/matches', { captureId: capture.id });
    expect([200, 409]).toContain(early.status);
    const done = await waitForCapture(svc.url, owner.key, capture.id, 180_000);
    expect(done.status).toBe('done');
    const m = (await (await send('POST', '/v1/matches', { captureId: capture.id })).json()) as { matches: { depositId: string }[] };
    expect(m.matches.map((x) => x.depositId)).toEqual([depositId]);
  }, 200_000);

  it('monitoring: a URL item is captured, matched, and the result delivered signed', async () => {
    const set = await send('PUT', '/v1/monitor/webhook', { url: `${site.url}/hook` });
    const { secret } = (await set.json()) as { secret: string };
    const sub = await send('POST', '/v1/monitor/batch', { items: [{ ref: 'page', url: `${site.url}/post` }] });
    expect(sub.status).toBe(202);
    const hook = await until('the webhook', async () => hooks[0]);
    expect(verifyWebhookSignature(hook.signature, secret, hook.body, Math.floor(Date.now() / 1000))).toBe(true);
    const payload = JSON.parse(hook.body.toString('utf8')) as { results: { ref: string; captureId: string; matches: { depositId: string; foundAt: string }[] }[] };
    expect(payload.results[0]).toMatchObject({ ref: 'page', captureId: expect.stringMatching(/^cap_/) });
    expect(payload.results[0]!.matches).toEqual([expect.objectContaining({ depositId, foundAt: `${site.url}/copy.jpg` })]);
  }, 200_000);

  it('moves on by the allowed transitions only; every change is a case entry without personal data', async () => {
    expect((await send('POST', `/v1/cases/${caseId}/state`, { state: 'settled', note: 'not yet' })).status).toBe(200);
    expect((await send('POST', `/v1/cases/${caseId}/state`, { state: 'notice_sent' })).status).toBe(409);
    expect((await send('POST', `/v1/cases/${caseId}/state`, { state: 'evidence_collected' })).status).toBe(400);
    const other = await account(svc.url, ADMIN, { name: 'Other' });
    expect((await send('GET', `/v1/cases/${caseId}`, undefined, other.key)).status).toBe(404);
    const v = (await (await send('GET', `/v1/cases/${caseId}`)).json()) as { state: string; history: { index: number; caseSha256: string }[] };
    expect(v.state).toBe('settled');
    for (const h of v.history) {
      const e = (await (await fetch(`${svc.url}/v1/log/entries/${h.index}`)).json()) as { entry: string };
      const text = Buffer.from(e.entry, 'base64').toString('utf8');
      const entry = JSON.parse(text) as Record<string, unknown>;
      expect(entry).toMatchObject({ type: 'case', id: caseId, caseSha256: h.caseSha256 });
      for (const secret of ['张三', 'zhangsan', '北京', '127.0.0.1', 'post', '山水']) expect(text).not.toContain(secret);
    }
    const audit = await runCli(['audit', '--server', svc.url]);
    expect(audit.code, audit.text).toBe(0);
  });

  it('the notice: Art. 14 text and a signed PDF, and the DMCA variant', async () => {
    const cn = await (await fetch(`${svc.url}/v1/cases/${caseId}/notice?kind=cn&to=${encodeURIComponent('某视频平台')}`, { headers: { ...auth(owner.key), accept: 'text/plain' } })).text();
    for (const s of ['通  知  书', '第十四条', '张三', 'zhangsan@example.com', '北京市海淀区', '山水之间', `${site.url}/post`, depositId, '致：某视频平台']) expect(cn).toContain(s);
    const dmca = await (await fetch(`${svc.url}/v1/cases/${caseId}/notice?kind=dmca`, { headers: auth(owner.key) })).text();
    for (const s of ['512(c)(3)', 'good faith belief', 'penalty of perjury', '/s/ 张三', `${site.url}/post`]) expect(dmca).toContain(s);
    const pdf = await fetch(`${svc.url}/v1/cases/${caseId}/notice?kind=cn`, { headers: { ...auth(owner.key), accept: 'application/pdf' } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect((await fetch(`${svc.url}/v1/cases/${caseId}/notice?kind=xx`, { headers: auth(owner.key) })).status).toBe(400);
  });

  it('the evidence package verifies offline, item by item', async () => {
    const c = (await (await send('GET', `/v1/cases/${caseId}`)).json()) as { captureId: string };
    const cap = (await (await send('GET', `/v1/captures/${c.captureId}`)).json()) as { depositId: string };
    await timestamped(cap.depositId);
    const res = await send('GET', `/v1/cases/${caseId}/package`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const zip = new Uint8Array(await res.arrayBuffer());
    files = unzipSync(zip);
    const names = Object.keys(files).sort();
    for (const n of ['VERIFY.txt', 'SHA256SUMS', 'evidence-list.pdf', 'notice-cn.pdf', 'notice-cn.txt', 'notice-dmca.pdf', 'notice-dmca.txt', 'log-key.txt', 'pdf-signing-cert.pem', 'tsa-ca.pem', 'copyright-ledger-verify.mjs', `work/${depositId}.certificate.json`, `capture/${c.captureId}.wacz`, `capture/${c.captureId}.certificate.json`, `timestamps/${depositId}.tsr`, `timestamps/${cap.depositId}.tsr`, 'case/case.json', 'case/entry-1.json', 'case/entry-1.snapshot.json']) {
      expect(names).toContain(n);
    }
    const dir = join(tmp.path, 'package');
    for (const [name, bytes] of Object.entries(files)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), bytes);
    }
    await writeFile(join(tmp.path, 'work.png'), image);
    // 1. Every file is intact.
    const sums = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });
    expect(sums.stdout.split('\n').filter((l) => l.endsWith(': OK')).length).toBe(names.length - 1);
    // 2. Each certificate with the standalone verifier from the package, against the pinned key.
    const verify = (cert: string, file: string) => run(process.execPath, ['copyright-ledger-verify.mjs', 'verify', cert, '--key-file', 'log-key.txt', '--file', file], { cwd: dir });
    const w = await verify(`work/${depositId}.certificate.json`, join(tmp.path, 'work.png'));
    expect(w.stdout).toMatch(/valid/i);
    const k = await verify(`capture/${c.captureId}.certificate.json`, `capture/${c.captureId}.wacz`);
    expect(k.stdout).toMatch(/valid/i);
    // A changed byte in the bundle fails the verifier (exit 1).
    const wacz = Buffer.from(files[`capture/${c.captureId}.wacz`]!);
    const mid = wacz.length >> 1;
    wacz[mid] = wacz[mid]! ^ 1;
    await writeFile(join(dir, 'tampered.wacz'), wacz);
    await expect(verify(`capture/${c.captureId}.certificate.json`, 'tampered.wacz')).rejects.toMatchObject({ code: 1 });
    // 3. The timestamp tokens with openssl.
    for (const name of [depositId, cap.depositId]) {
      const ts = await run('openssl', ['ts', '-verify', '-data', `timestamps/${name}.body.txt`, '-in', `timestamps/${name}.tsr`, '-token_in', '-CAfile', 'tsa-ca.pem'], { cwd: dir });
      expect(ts.stdout).toContain('Verification: OK');
    }
    // 4. The case entries commit to their snapshots and are the log's leaves.
    const list = JSON.parse(Buffer.from(files['case/case.json']!).toString('utf8')) as { entries: { seq: number; index: number; leafHash: string }[] };
    expect(list.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    for (const e of list.entries) {
      const entry = JSON.parse(Buffer.from(files[`case/entry-${e.seq}.json`]!).toString('utf8')) as { caseSha256: string };
      const dgst = await run('openssl', ['dgst', '-sha256', `case/entry-${e.seq}.snapshot.json`], { cwd: dir });
      expect(dgst.stdout.trim().endsWith(entry.caseSha256)).toBe(true);
      const served = (await (await fetch(`${svc.url}/v1/log/entries/${e.index}`)).json()) as { leafHash: string };
      expect(served.leafHash).toBe(e.leafHash);
      expect(createHash('sha256').update(Buffer.from([0])).update(files[`case/entry-${e.seq}.json`]!).digest('hex')).toBe(e.leafHash);
    }
    // VERIFY.txt names the commands run above.
    const steps = Buffer.from(files['VERIFY.txt']!).toString('utf8');
    expect(steps).toContain(`node copyright-ledger-verify.mjs verify capture/${c.captureId}.certificate.json --key-file log-key.txt --file capture/${c.captureId}.wacz`);
    expect(steps).toContain('openssl ts -verify -data');
  }, 120_000);

  it('its PDFs render Chinese and are signed', async () => {
    const dir = join(tmp.path, 'package');
    for (const pdf of ['evidence-list.pdf', 'notice-cn.pdf', 'notice-dmca.pdf']) {
      const sig = await run('pdfsig', [pdf], { cwd: dir }).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '');
      expect(sig, pdf).toContain('Signature Validation: Signature is Valid.');
      expect(sig, pdf).toContain(OPERATOR);
      const text = (await run('pdftotext', ['-layout', pdf, '-'], { cwd: dir })).stdout;
      expect(text, pdf).toContain(pdf === 'notice-dmca.pdf' ? '张三' : pdf === 'notice-cn.pdf' ? '通' : '证据目录');
    }
    const list = (await run('pdftotext', ['evidence-list.pdf', '-'], { cwd: dir })).stdout;
    for (const s of ['存储主体与时间', '存储方式', '核验方式', '完整性', '第十七条', depositId]) expect(list).toContain(s);
    await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', 'evidence-list.pdf', join(tmp.path, 'list')], { cwd: dir });
    await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', 'notice-cn.pdf', join(tmp.path, 'notice')], { cwd: dir });
    const png = await readFile(join(tmp.path, 'list-1.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const keep = process.env.KEEP_PDFS;
    if (keep) {
      await mkdir(keep, { recursive: true });
      for (const f of ['evidence-list.pdf', 'notice-cn.pdf', 'notice-dmca.pdf', 'VERIFY.txt', 'notice-cn.txt']) await copyFile(join(dir, f), join(keep, f));
      for (const f of ['list-1.png', 'notice-1.png']) await copyFile(join(tmp.path, f), join(keep, f));
    }
  }, 60_000);
});
