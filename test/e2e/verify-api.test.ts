/**
 * POST /v1/verify (contract §4): a JSON certificate, or multipart `certificate` (file or field)
 * plus an optional `file` hashed while streaming and never kept. Every check is reported by name;
 * each single tampered field fails with the check that catches it named.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
interface Result {
  valid: boolean;
  checks: Check[];
}
type Cert = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);

describe('verify API', () => {
  let svc: TestService;
  let key: string;
  let cert: Cert;
  let work: Buffer;

  beforeAll(async () => {
    svc = await startTestService();
    key = (await createAccount(svc.url)).apiKey;
    // A few entries first, so the proof has hashes to tamper with.
    await fetch(`${svc.url}/v1/deposits/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: Array.from({ length: 5 }, () => ({ sha256: randomBytes(32).toString('hex') })) }),
    });
    work = randomBytes(300_000);
    const f = new FormData();
    f.append('file', new Blob([work]), 'work.bin');
    f.append('metadata', JSON.stringify({ title: 'Verify me', workType: 'literary' }));
    const dep = (await (await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: f })).json()) as { id: string };
    cert = (await (await fetch(`${svc.url}/v1/deposits/${dep.id}/certificate`, { headers: { authorization: `Bearer ${key}` } })).json()) as Cert;
    expect(cert.proof.hashes.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await svc.stop();
  });

  const postJson = async (body: unknown): Promise<Result> => {
    const res = await fetch(`${svc.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as Result;
  };
  const postForm = async (parts: { certificate?: string; asFile?: boolean; file?: Uint8Array; extra?: [string, string] }): Promise<Response> => {
    const f = new FormData();
    if (parts.certificate !== undefined) {
      if (parts.asFile) f.append('certificate', new Blob([parts.certificate], { type: 'application/json' }), 'c.json');
      else f.append('certificate', parts.certificate);
    }
    if (parts.file !== undefined) f.append('file', new Blob([parts.file]), 'work.bin');
    if (parts.extra) f.append(parts.extra[0], parts.extra[1]);
    return fetch(`${svc.url}/v1/verify`, { method: 'POST', body: f });
  };
  const postMultipart = async (c: unknown, file?: Uint8Array): Promise<Result> => {
    const res = await postForm({ certificate: JSON.stringify(c), asFile: true, ...(file ? { file } : {}) });
    expect(res.status).toBe(200);
    return (await res.json()) as Result;
  };
  const names = (r: Result) => r.checks.map((c) => c.name);
  const failed = (r: Result) => r.checks.filter((c) => !c.ok).map((c) => c.name);

  it('a valid certificate is valid: JSON body, multipart file, multipart field', async () => {
    const viaJson = await postJson(cert);
    expect(viaJson.valid).toBe(true);
    expect(names(viaJson)).toEqual(expect.arrayContaining(['format', 'logKey', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata']));
    expect((await postMultipart(cert)).valid).toBe(true);
    const asField = await postForm({ certificate: JSON.stringify(cert) });
    expect(((await asField.json()) as Result).valid).toBe(true);
  });

  it('with the work file: the file check passes; any other file fails it; the file is never kept', async () => {
    const before = await readdir(join(svc.dataDir, 'uploads', 'sha256'), { recursive: true });
    const good = await postMultipart(cert, work);
    expect(good.valid).toBe(true);
    expect(good.checks.find((c) => c.name === 'file')).toMatchObject({ ok: true });
    const other = Buffer.from(work);
    other[12345]! ^= 0x80;
    const bad = await postMultipart(cert, other);
    expect(bad.valid).toBe(false);
    expect(failed(bad)).toEqual(['file']);
    expect(await readdir(join(svc.dataDir, 'uploads', 'sha256'), { recursive: true })).toEqual(before);
    expect((await readdir(join(svc.dataDir, 'uploads', 'tmp'))).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  // Each mutation changes one field; the check that must catch it is named.
  const mutations: [string, string, (c: Cert) => void][] = [
    ['format', 'format', (c) => (c.format = 'copyright-ledger/certificate@v2')],
    ['deposit.id', 'entry', (c) => (c.deposit.id = 'dep_00000000000000000000')],
    ['deposit.receivedAt', 'entry', (c) => (c.deposit.receivedAt = '2020-01-01T00:00:00.000Z')],
    ['work.sha256', 'workHashes', (c) => (c.work.sha256 = flipHex(c.work.sha256))],
    ['work.sm3', 'workHashes', (c) => (c.work.sm3 = flipHex(c.work.sm3))],
    ['work.size', 'workHashes', (c) => (c.work.size = c.work.size + 1)],
    ['work.metadata.title', 'metadata', (c) => (c.work.metadata.title = 'Verify me!')],
    ['work.metadata.salt', 'metadata', (c) => (c.work.metadata.salt = flipHex(c.work.metadata.salt))],
    ['work.metadata (added field)', 'metadata', (c) => (c.work.metadata.extra = 1)],
    ['entry.index', 'inclusion', (c) => (c.entry.index = c.entry.index + 1)],
    ['entry.bytes', 'inclusion', (c) => (c.entry.bytes = Buffer.from(Buffer.from(c.entry.bytes, 'base64').toString('utf8').replace('"v":1', '"v":1 ')).toString('base64'))],
    ['proof.treeSize', 'treeSize', (c) => (c.proof.treeSize = c.proof.treeSize + 1)],
    ['proof.hashes[0]', 'inclusion', (c) => (c.proof.hashes[0] = flipHex(c.proof.hashes[0]))],
    ['checkpoint (root line)', 'checkpointSignature', (c) => (c.checkpoint = c.checkpoint.replace(/^(.*\n.*\n)(.)/, (_m: string, a: string, ch: string) => a + (ch === 'A' ? 'B' : 'A')))],
    ['checkpoint (signature)', 'checkpointSignature', (c) => (c.checkpoint = c.checkpoint.replace(/([A-Za-z0-9+/])(=*\n)$/, (_m: string, ch: string, tail: string) => (ch === 'A' ? 'B' : 'A') + tail))],
    ['logKey', 'logKey', (c) => (c.logKey = 'localhost/copyright-ledger+d5ce7a67+AccNxOVz4fIhaPqEeClFeeYglqrZK5WUY7WytSQsoKp9')],
  ];

  it.each(mutations)('tampered %s → valid: false, check %s fails (JSON and multipart)', async (_field, check, mutate) => {
    const c = structuredClone(cert);
    mutate(c);
    expect(c).not.toEqual(cert);
    for (const r of [await postJson(c), await postMultipart(c)]) {
      expect(r.valid).toBe(false);
      expect(failed(r)).toContain(check);
    }
  });

  it('tampered timestamp token (when the certificate has one) → the timestamp check fails', async () => {
    if (cert.timestamp === undefined) return;
    const c = structuredClone(cert);
    const der = Buffer.from(c.timestamp.rfc3161, 'base64');
    der[der.length - 5]! ^= 1;
    c.timestamp.rfc3161 = der.toString('base64');
    const r = await postMultipart(c);
    expect(r.valid).toBe(false);
    expect(failed(r)).toContain('timestamp');
  });

  it('bad multipart requests → 400 invalid_request naming the field', async () => {
    const cases: [Response, string][] = [
      [await postForm({ file: work }), 'certificate'],
      [await postForm({ certificate: '{not json', asFile: true }), 'certificate'],
      [await postForm({ certificate: JSON.stringify(cert), extra: ['note', 'x'] }), 'note'],
    ];
    for (const [res, field] of cases) {
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await res.json()) as Record<string, unknown>).toMatchObject({ code: 'invalid_request', field });
    }
  });
});

describe('verify API: one verifier for JSON and multipart', () => {
  it('a token from another TSA (backdated) fails both ways, and __proto__ in multipart metadata is refused', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { createHash } = await import('node:crypto');
    const { loadOrCreateBuiltinTsa } = await import('../../src/adapters/tsa/builtin.js');
    const { tokenFromResponse } = await import('../../src/core/timestamp.js');
    const { parseNoteUnverified } = await import('../../src/core/note.js');
    const svc = await startTestService();
    const evil = await mkdtemp(join(tmpdir(), 'cl-evil-tsa-'));
    try {
      const auth = { authorization: `Bearer ${(await createAccount(svc.url)).apiKey}` };
      const dep = (await (
        await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ sha256: 'cd'.repeat(32) }) })
      ).json()) as { id: string };
      let cert: Cert = {};
      for (let i = 0; i < 300 && cert.timestamp === undefined; i++) {
        cert = (await (await fetch(`${svc.url}/v1/deposits/${dep.id}/certificate`, { headers: auth })).json()) as Cert;
        if (cert.timestamp === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(cert.timestamp).toBeDefined();
      // A TSA of the forger's own, with the built-in TSA's name, five years back.
      const fake = await loadOrCreateBuiltinTsa(evil, { now: () => Date.parse('2021-01-01T00:00:00.000Z'), random: (n) => new Uint8Array(randomBytes(n)), organization: 'localhost/copyright-ledger' });
      const digest = new Uint8Array(createHash('sha256').update(parseNoteUnverified(cert.checkpoint).body).digest());
      const forged = { ...cert, timestamp: { rfc3161: Buffer.from(tokenFromResponse(await fake.timestamp(digest))).toString('base64'), tsa: cert.timestamp.tsa } };

      const viaJson = (await (
        await fetch(`${svc.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged) })
      ).json()) as Result;
      const form = new FormData();
      form.append('certificate', JSON.stringify(forged));
      const viaForm = (await (await fetch(`${svc.url}/v1/verify`, { method: 'POST', body: form })).json()) as Result;
      for (const r of [viaJson, viaForm]) {
        expect(r.valid).toBe(false);
        expect(r.checks.find((c) => c.name === 'timestamp')?.ok).toBe(false);
      }
      expect(viaForm).toEqual(viaJson);

      const up = new FormData();
      up.append('file', new Blob([randomBytes(100)]), 'w.bin');
      up.append('metadata', '{"__proto__":{"title":"hidden"},"title":"t"}');
      const res = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: auth, body: up });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string; field: string })).toMatchObject({ code: 'invalid_request', field: 'metadata.__proto__' });
    } finally {
      await svc.stop();
      await rm(evil, { recursive: true, force: true });
    }
  });
});
