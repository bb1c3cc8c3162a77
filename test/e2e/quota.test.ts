/**
 * The storage quota for kept originals (UPLOAD_QUOTA_BYTES, docs/LIMITS.md): usage shown at
 * GET /v1/accounts/me/usage and kept across restarts; a body that cannot fit is refused before
 * it is read, a file that outgrows what is left while it streams; nothing of a refused upload is
 * stored; the same content twice is charged once; concurrent uploads cannot pass the quota together.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';
import { startService, type Service } from '../../src/server.js';
import { GENEROUS_LIMITS } from '../support/limits.js';
import { createAccount, tempDir } from '../support/service.js';

const QUOTA = 100_000;

describe('storage quota for kept originals', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let svc: Service;
  let key: string;
  const start = async () => {
    svc = await startService(ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'silent', ...GENEROUS_LIMITS, UPLOAD_QUOTA_BYTES: String(QUOTA) }));
  };
  const tmpFiles = async () => (await readdir(join(dir.path, 'uploads', 'tmp')).catch(() => [] as string[])).filter((n) => n.endsWith('.part'));
  const stored = async () =>
    (await readdir(join(dir.path, 'uploads', 'sha256'), { recursive: true, withFileTypes: true }).catch(() => [])).filter((d) => d.isFile()).map((d) => d.name);
  const upload = async (bytes: Uint8Array, apiKey = key) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'work.bin');
    const res = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: form });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const usage = async (apiKey = key) => {
    const res = await fetch(`${svc.url}/v1/accounts/me/usage`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { storage: Record<string, unknown> }).storage;
  };
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  beforeAll(async () => {
    dir = await tempDir('cl-quota-');
    await start();
    key = (await createAccount(svc.url)).apiKey;
  });
  afterAll(async () => {
    await svc.close();
    await dir.remove();
  });

  const first = randomBytes(30_000);

  it('charges a kept original to its account and shows usage and quota', async () => {
    expect(await usage()).toEqual({ keepUploads: true, usedBytes: 0, quotaBytes: QUOTA, availableBytes: QUOTA, reservedBytes: 0 });
    expect((await upload(first)).status).toBe(201);
    expect(await usage()).toEqual({ keepUploads: true, usedBytes: 30_000, quotaBytes: QUOTA, availableBytes: 70_000, reservedBytes: 0 });
  });

  it('charges the same content deposited twice by one account once', async () => {
    // (The hash is known only at the end: a re-upload still needs room for its size while it streams.)
    expect((await upload(first)).status).toBe(201);
    expect((await usage()).usedBytes).toBe(30_000);
  });

  it('refuses a file that outgrows what is left while it streams: 413, nothing stored, no temp file', async () => {
    const before = svc.ledger.treeSize;
    const big = randomBytes(80_000);
    const r = await upload(big);
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('payload_too_large');
    expect(r.body.detail).toMatch(/storage quota/);
    expect(r.body.detail).toMatch(/UPLOAD_QUOTA_BYTES/);
    expect(r.body).toMatchObject({ quotaBytes: QUOTA, usedBytes: 30_000 });
    expect(svc.ledger.treeSize).toBe(before);
    expect(await stored()).not.toContain(sha(big));
    expect(await tmpFiles()).toEqual([]);
    expect(await usage()).toMatchObject({ usedBytes: 30_000, reservedBytes: 0 });
  });

  it('refuses a body whose Content-Length cannot fit before reading any of it', async () => {
    // Headers only: the body never comes, so only a refusal made before reading can answer.
    const answer = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const req = request(`${svc.url}/v1/deposits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/form-data; boundary=xyz', 'content-length': String(10 * 1024 ** 3) },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body, connection: res.headers.connection });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(answer.status).toBe(413);
    const problem = JSON.parse(answer.body) as Record<string, unknown>;
    expect(problem.code).toBe('payload_too_large');
    expect(problem).toMatchObject({ quotaBytes: QUOTA, usedBytes: 30_000 });
    expect(answer.connection).toBe('close');
    expect(await tmpFiles()).toEqual([]);
  });

  it('lets concurrent uploads of one account together take no more than the quota', async () => {
    const results = await Promise.all([upload(randomBytes(40_000)), upload(randomBytes(40_000))]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 413]);
    expect((await usage()).usedBytes).toBe(70_000);
    expect(await tmpFiles()).toEqual([]);
  });

  it('keeps usage across a restart, and other accounts have quotas of their own', async () => {
    await svc.close();
    await start();
    expect(await usage()).toEqual({ keepUploads: true, usedBytes: 70_000, quotaBytes: QUOTA, availableBytes: 30_000, reservedBytes: 0 });
    expect((await upload(randomBytes(40_000))).status).toBe(413);
    const other = (await createAccount(svc.url)).apiKey;
    expect((await upload(randomBytes(20_000), other)).status).toBe(201);
    expect((await usage(other)).usedBytes).toBe(20_000);
    // Hash-only deposits keep no original and are not charged.
    const hashOnly = await fetch(`${svc.url}/v1/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha256: sha(randomBytes(10)), size: 5_000_000 }),
    });
    expect(hashOnly.status).toBe(201);
    expect((await usage()).usedBytes).toBe(70_000);
  }, 30_000);

  it('requires a key for the usage route', async () => {
    const res = await fetch(`${svc.url}/v1/accounts/me/usage`);
    expect(res.status).toBe(401);
  });
});
