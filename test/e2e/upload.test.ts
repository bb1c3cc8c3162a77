/**
 * Deposit by upload (contract §4, issue 4): streaming multipart with SHA-256 + SM3 in one pass,
 * content-addressed storage of originals, limits, and clean-up of rejected or aborted uploads.
 * Hashes are checked against `sha256sum` and `openssl dgst -sm3` run on the same file.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, fromUtf8 } from '../../src/core/bytes.js';
import { runCli } from '../support/proc.js';
import { createAccount, startTestService, tempDir, type TestService } from '../support/service.js';

const run = promisify(execFile);
const MAX = 4 * 1024 * 1024;

async function sha256sum(path: string): Promise<string> {
  return (await run('sha256sum', [path])).stdout.split(/\s+/)[0]!;
}
async function opensslSm3(path: string): Promise<string> {
  const out = (await run('openssl', ['dgst', '-sm3', path])).stdout;
  return /=\s*([0-9a-f]{64})\s*$/.exec(out)![1]!;
}

interface Deposit {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  block: number;
}

type Part = { name: string; file?: { bytes: Uint8Array; filename: string }; value?: string };

function form(parts: Part[]): FormData {
  const f = new FormData();
  for (const p of parts) {
    if (p.file) f.append(p.name, new Blob([p.file.bytes]), p.file.filename);
    else f.append(p.name, p.value ?? '');
  }
  return f;
}

describe('deposit by upload', () => {
  let svc: TestService;
  let key: string;
  let dir: { path: string; remove: () => Promise<void> };
  const tmpFiles = async () => (await readdir(join(svc.dataDir, 'uploads', 'tmp')).catch(() => [] as string[])).filter((n) => n.endsWith('.part'));
  const objects = async () =>
    (await readdir(join(svc.dataDir, 'uploads', 'sha256'), { recursive: true, withFileTypes: true }).catch(() => [])).filter((d) => d.isFile()).map((d) => d.name);
  const upload = (parts: Part[], headers: Record<string, string> = {}) =>
    fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body: form(parts) });

  beforeAll(async () => {
    svc = await startTestService({ MAX_UPLOAD_BYTES: String(MAX) });
    key = (await createAccount(svc.url)).apiKey;
    dir = await tempDir('cl-upload-');
  });
  afterAll(async () => {
    await svc.stop();
    await dir.remove();
  });

  it('hashes match sha256sum and openssl in the deposit, the entry and the certificate, which verifies with the CLI', async () => {
    // 3 MiB + a bit: several SM3 slots and a partial one.
    const bytes = randomBytes(3 * 1024 * 1024 + 12345);
    const path = join(dir.path, 'work.bin');
    await writeFile(path, bytes);
    const [wantSha, wantSm3] = await Promise.all([sha256sum(path), opensslSm3(path)]);
    const metadata = { title: '山水', workType: 'fine_art', authors: [{ name: '王五', role: 'painter' }], platformRef: { id: 7 } };

    const res = await upload([
      { name: 'metadata', value: JSON.stringify(metadata) },
      { name: 'file', file: { bytes, filename: 'work.bin' } },
    ]);
    expect(res.status).toBe(201);
    const dep = (await res.json()) as Deposit;
    expect(res.headers.get('location')).toBe(`/v1/deposits/${dep.id}`);
    expect(dep).toMatchObject({ sha256: wantSha, sm3: wantSm3, size: bytes.length });

    const entryRes = (await (await fetch(`${svc.url}/v1/log/entries/${dep.index}`)).json()) as { entry: string };
    const entry = JSON.parse(fromUtf8(fromBase64(entryRes.entry))) as Record<string, unknown>;
    expect(entry).toMatchObject({ type: 'deposit', id: dep.id, sha256: wantSha, sm3: wantSm3, size: bytes.length });
    expect(JSON.stringify(entry)).not.toContain('山水'); // metadata stays out of the log

    const certRes = await fetch(`${svc.url}/v1/deposits/${dep.id}/certificate`, { headers: { authorization: `Bearer ${key}` } });
    expect(certRes.status).toBe(200);
    const cert = (await certRes.json()) as { work: { sha256: string; sm3: string; size: number; metadata: Record<string, unknown> } };
    expect(cert.work).toMatchObject({ sha256: wantSha, sm3: wantSm3, size: bytes.length });
    expect(cert.work.metadata).toMatchObject(metadata); // unknown fields kept as sent
    expect(cert.work.metadata.salt).toMatch(/^[0-9a-f]{32}$/);

    const certPath = join(dir.path, 'work.certificate.json');
    await writeFile(certPath, JSON.stringify(cert));
    const logKey = (await (await fetch(`${svc.url}/v1/log/key`)).text()).trim();
    const ok = await runCli(['verify', certPath, '--file', path, '--key', logKey]);
    expect(ok.code, ok.text).toBe(0);
    expect(ok.text).toMatch(/ok\s+file/);

    // Any other file fails the file check.
    const other = join(dir.path, 'other.bin');
    await writeFile(other, Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([bytes[bytes.length - 1]! ^ 1])]));
    const bad = await runCli(['verify', certPath, '--file', other, '--key', logKey]);
    expect(bad.code).toBe(1);
    expect(bad.text).toMatch(/FAIL\s+file/);

    // The original is kept once, content-addressed, and byte for byte.
    const stored = join(svc.dataDir, 'uploads', 'sha256', wantSha.slice(0, 2), wantSha.slice(2, 4), wantSha);
    expect(Buffer.compare(await readFile(stored), bytes)).toBe(0);
    expect(await tmpFiles()).toEqual([]);
  });

  it('stores the same bytes once; Idempotency-Key repeats the first deposit', async () => {
    const bytes = randomBytes(50_000);
    const before = (await objects()).length;
    const a = (await (await upload([{ name: 'file', file: { bytes, filename: 'a' } }])).json()) as Deposit;
    const b = (await (await upload([{ name: 'file', file: { bytes, filename: 'b' } }])).json()) as Deposit;
    expect(b.id).not.toBe(a.id);
    expect(b.sha256).toBe(a.sha256);
    expect((await objects()).length).toBe(before + 1);

    const first = await upload([{ name: 'file', file: { bytes: randomBytes(10), filename: 'x' } }], { 'idempotency-key': 'upload-key-1' });
    const again = await upload([{ name: 'file', file: { bytes: randomBytes(10), filename: 'y' } }], { 'idempotency-key': 'upload-key-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(((await again.json()) as Deposit).id).toBe(((await first.json()) as Deposit).id);
    expect(await tmpFiles()).toEqual([]);
  });

  it('accepts exactly MAX_UPLOAD_BYTES and answers 413 payload_too_large for one byte more, leaving no temp file', async () => {
    const exact = await upload([{ name: 'file', file: { bytes: randomBytes(MAX), filename: 'max' } }]);
    expect(exact.status).toBe(201);
    const size = svc.ledger.treeSize;
    const res = await upload([{ name: 'file', file: { bytes: randomBytes(MAX + 1), filename: 'big' } }]);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const p = (await res.json()) as { code: string; status: number };
    expect(p).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(await tmpFiles()).toEqual([]);
    expect(svc.ledger.treeSize).toBe(size);
  });

  it.each<[string, Part[], string | undefined]>([
    ['a wrong file field name', [{ name: 'upload', file: { bytes: randomBytes(100), filename: 'a' } }], 'upload'],
    [
      'two files',
      [
        { name: 'file', file: { bytes: randomBytes(100), filename: 'a' } },
        { name: 'file', file: { bytes: randomBytes(100), filename: 'b' } },
      ],
      'file',
    ],
    ['no file', [{ name: 'metadata', value: '{}' }], 'file'],
    ['metadata that is not JSON', [{ name: 'metadata', value: '{"title": ' }, { name: 'file', file: { bytes: randomBytes(100), filename: 'a' } }], 'metadata'],
    ['metadata that is not an object', [{ name: 'metadata', value: '[1,2]' }, { name: 'file', file: { bytes: randomBytes(100), filename: 'a' } }], 'metadata'],
    ['an unknown work type', [{ name: 'file', file: { bytes: randomBytes(100), filename: 'a' } }, { name: 'metadata', value: '{"workType":"poem"}' }], 'metadata.workType'],
    ['a salt in the metadata', [{ name: 'file', file: { bytes: randomBytes(100), filename: 'a' } }, { name: 'metadata', value: '{"salt":"00"}' }], 'metadata.salt'],
    ['an unknown text field', [{ name: 'file', file: { bytes: randomBytes(100), filename: 'a' } }, { name: 'comment', value: 'hi' }], 'comment'],
    [
      'metadata twice',
      [
        { name: 'metadata', value: '{}' },
        { name: 'metadata', value: '{}' },
        { name: 'file', file: { bytes: randomBytes(100), filename: 'a' } },
      ],
      'metadata',
    ],
  ])('%s → 400 invalid_request, no entry, no temp file', async (_name, parts, field) => {
    const size = svc.ledger.treeSize;
    const objs = (await objects()).length;
    const res = await upload(parts);
    expect(res.status).toBe(400);
    const p = (await res.json()) as { code: string; field?: string; detail: string };
    expect(p.code).toBe('invalid_request');
    if (field !== undefined) expect(p.field).toBe(field);
    expect(await tmpFiles()).toEqual([]);
    expect((await objects()).length).toBe(objs);
    expect(svc.ledger.treeSize).toBe(size);
  });

  it('malformed multipart (no boundary, a form cut short) → 400 invalid_request, no temp file', async () => {
    const size = svc.ledger.treeSize;
    const cut = '--abc\r\ncontent-disposition: form-data; name="file"; filename="a"\r\n\r\n' + 'x'.repeat(100_000);
    for (const [ct, body] of [
      ['multipart/form-data', 'x'],
      ['multipart/form-data; boundary=abc', cut],
    ] as const) {
      const res = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': ct }, body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('invalid_request');
    }
    expect(await tmpFiles()).toEqual([]);
    expect(svc.ledger.treeSize).toBe(size);
  });

  it('without an API key → 401 before anything is written', async () => {
    const res = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', body: form([{ name: 'file', file: { bytes: randomBytes(100), filename: 'a' } }]) });
    expect(res.status).toBe(401);
    expect(await tmpFiles()).toEqual([]);
  });

  it('a client that aborts mid-upload leaves no entry and no temp file', async () => {
    const size = svc.ledger.treeSize;
    const boundary = '----cl-abort-test';
    const url = new URL(`${svc.url}/v1/deposits`);
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(MAX) },
    });
    req.on('error', () => undefined); // we destroy it ourselves
    req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="half.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`);
    req.write(randomBytes(1024 * 1024));
    // Wait until the server is writing the temp file, then drop the connection.
    const deadline = Date.now() + 10_000;
    while ((await tmpFiles()).length === 0) {
      if (Date.now() > deadline) throw new Error('the server never started a temp file');
      await new Promise((r) => setTimeout(r, 10));
    }
    req.destroy();
    while ((await tmpFiles()).length > 0) {
      if (Date.now() > deadline) throw new Error(`temp files left: ${(await tmpFiles()).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await tmpFiles()).toEqual([]);
    expect(svc.ledger.treeSize).toBe(size);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });
});

describe('deposit by upload with KEEP_UPLOADS=false', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ KEEP_UPLOADS: 'false' });
  });
  afterAll(async () => {
    await svc.stop();
  });

  it('keeps only the hashes: no original and no temp file on disk', async () => {
    const { apiKey } = await createAccount(svc.url);
    const bytes = randomBytes(200_000);
    const res = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: form([{ name: 'file', file: { bytes, filename: 'a' } }]) });
    expect(res.status).toBe(201);
    const dep = (await res.json()) as Deposit;
    expect(dep.size).toBe(bytes.length);
    const files = (await readdir(join(svc.dataDir, 'uploads'), { recursive: true, withFileTypes: true }).catch(() => [])).filter((d) => d.isFile());
    expect(files).toEqual([]);
  });
});
