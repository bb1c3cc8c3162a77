/**
 * Pinned trust (CONTRACTS.md §7, docs/VERIFY.md): `verify` says VALID only against a key the user
 * trusts. Two servers with the same (default) origin and their own keys stand in for the real
 * log and a rogue one: unpinned, both certificates pass every check yet exit 3 and never print
 * VALID; pinned to the first server's key, the second one's certificate is invalid. Trust lists
 * (--key-file, COPYRIGHT_LEDGER_TRUSTED_KEYS) may hold several keys; POST /v1/verify and the
 * verify page name the key they pin, with its fingerprint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { makeTempDir, removeAllTempDirs, runCli, type TempDir } from '../support/proc.js';

let real: TestService;
let rogue: TestService;
let tmp: TempDir;
let realKey: string;
let rogueKey: string;
let realCert: Record<string, unknown>;
let realCertFile: string;
let rogueCertFile: string;
let depositId: string;

const fingerprint = (key: string) => createHash('sha256').update(key).digest('hex').replace(/(.{4})(?=.)/g, '$1 ');

async function certificateFrom(svc: TestService): Promise<{ id: string; cert: Record<string, unknown> }> {
  const { apiKey } = await createAccount(svc.url);
  const res = await fetch(`${svc.url}/v1/deposits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sha256: randomBytes(32).toString('hex'), metadata: { title: 'Same title on both logs' } }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const c = await fetch(`${svc.url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(c.status).toBe(200);
  return { id, cert: (await c.json()) as Record<string, unknown> };
}

async function write(name: string, text: string): Promise<string> {
  const file = join(tmp.path, name);
  await writeFile(file, text);
  return file;
}

beforeAll(async () => {
  tmp = await makeTempDir('cl-pin-');
  real = await startTestService();
  rogue = await startTestService();
  realKey = real.ledger.verifierKey;
  rogueKey = rogue.ledger.verifierKey;
  // Same origin, different keys: only the key tells the logs apart.
  expect(realKey.split('+')[0]).toBe(rogueKey.split('+')[0]);
  expect(realKey).not.toBe(rogueKey);
  const a = await certificateFrom(real);
  const b = await certificateFrom(rogue);
  depositId = a.id;
  realCert = a.cert;
  expect(a.cert.logKey).toBe(realKey);
  expect(b.cert.logKey).toBe(rogueKey);
  realCertFile = await write('real.json', JSON.stringify(a.cert));
  rogueCertFile = await write('rogue.json', JSON.stringify(b.cert));
}, 60_000);

afterAll(async () => {
  await real?.stop();
  await rogue?.stop();
  await removeAllTempDirs();
});

const ENV = 'COPYRIGHT_LEDGER_TRUSTED_KEYS';
afterEach(() => {
  delete process.env[ENV];
});

describe('verify with nothing pinned', () => {
  it('runs every check, never prints VALID and exits 3, for the real and the rogue certificate alike', async () => {
    for (const [file, key] of [
      [realCertFile, realKey],
      [rogueCertFile, rogueKey],
    ] as const) {
      const r = await runCli(['verify', file]);
      expect(r.code, r.text).toBe(3);
      expect(r.text).not.toMatch(/VALID/);
      for (const check of ['format', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata']) {
        expect(r.text).toMatch(new RegExp(`^ok +${check}\\b`, 'm'));
      }
      expect(r.text).toMatch(/^WARN logKey +not pinned/m);
      expect(r.text).toMatch(/^NOT PINNED: /m);
      expect(r.text).toContain(key);
      expect(r.text).toContain(`SHA-256 ${fingerprint(key)}`);
    }
  });

  it('--json carries the same verdict: unpinned, valid false, the key and its fingerprint', async () => {
    const r = await runCli(['verify', realCertFile, '--json']);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.out.join('\n')) as { verdict: string; valid: boolean; logKey: { key: string; fingerprint: string; pinned: boolean }; checks: { ok: boolean }[] };
    expect(out.verdict).toBe('unpinned');
    expect(out.valid).toBe(false);
    expect(out.logKey).toEqual({ key: realKey, fingerprint: fingerprint(realKey), pinned: false });
    expect(out.checks.every((c) => c.ok)).toBe(true);
  });

  it('a changed byte is still INVALID (exit 1), pinned or not', async () => {
    const bad = structuredClone(realCert) as { deposit: { receivedAt: string } };
    bad.deposit.receivedAt = bad.deposit.receivedAt.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10));
    const file = await write('changed.json', JSON.stringify(bad));
    const r = await runCli(['verify', file]);
    expect(r.code, r.text).toBe(1);
    expect(r.text).toMatch(/^INVALID: .*entry/m);
  });
});

describe('verify pinned', () => {
  it('--key of the real log: the real certificate is VALID (exit 0), the rogue one INVALID (exit 1)', async () => {
    const ok = await runCli(['verify', realCertFile, '--key', realKey]);
    expect(ok.code, ok.text).toBe(0);
    expect(ok.out.at(-1)).toBe('VALID: every check passed');
    const bad = await runCli(['verify', rogueCertFile, '--key', realKey]);
    expect(bad.code, bad.text).toBe(1);
    expect(bad.text).toMatch(/^FAIL logKey +bad_signature: the certificate names another log key than the pinned one/m);
    expect(bad.text).toMatch(/^FAIL checkpointSignature/m);
    expect(bad.text).not.toMatch(/^VALID/m);
    const json = JSON.parse((await runCli(['verify', rogueCertFile, '--key', realKey, '--json'])).out.join('\n')) as { verdict: string; logKey: { pinned: boolean } };
    expect(json.verdict).toBe('invalid');
    expect(json.logKey.pinned).toBe(false);
  });

  it('--key-file is a trust list: comments, several keys of one log (rotation); only listed keys are trusted', async () => {
    const one = await write('real.keys', `# ${realKey.split('+')[0]}\n${realKey}\n`);
    expect((await runCli(['verify', realCertFile, '--key-file', one])).code).toBe(0);
    expect((await runCli(['verify', rogueCertFile, '--key-file', one])).code).toBe(1);
    // Both keys of the same origin, as after a key rotation: both certificates are trusted.
    const both = await write('both.keys', `# old key\n${rogueKey}\n\n# new key\n${realKey}   # since block 7\n`);
    expect((await runCli(['verify', realCertFile, '--key-file', both])).code).toBe(0);
    expect((await runCli(['verify', rogueCertFile, '--key-file', both])).code).toBe(0);
  });

  it(`${ENV} names a trust list used when no option pins a key; --key and --key-file win over it`, async () => {
    process.env[ENV] = await write('env.keys', `${realKey}\n`);
    const ok = await runCli(['verify', realCertFile, '--json']);
    expect(ok.code, ok.text).toBe(0);
    expect(JSON.parse(ok.out.join('\n'))).toMatchObject({ verdict: 'valid', valid: true, logKey: { key: realKey, pinned: true } });
    expect((await runCli(['verify', rogueCertFile])).code).toBe(1);
    expect((await runCli(['verify', rogueCertFile, '--key', rogueKey])).code).toBe(0);
    expect((await runCli(['verify', realCertFile, '--key-file', await write('rogue.keys', rogueKey)])).code).toBe(1);
  });

  it('an unreadable or malformed trust list is a usage error (exit 2), never a silent unpinned run', async () => {
    process.env[ENV] = join(tmp.path, 'missing.keys');
    const missing = await runCli(['verify', realCertFile]);
    expect(missing.code).toBe(2);
    expect(missing.text).toMatch(/cannot read .*missing\.keys/);
    process.env[ENV] = await write('bad.keys', `${realKey}\nnot-a-key\n`);
    const bad = await runCli(['verify', realCertFile]);
    expect(bad.code).toBe(2);
    expect(bad.text).toMatch(new RegExp(`${ENV} .*line 2`));
    delete process.env[ENV];
    expect((await runCli(['verify', realCertFile, '--key-file', await write('empty.keys', '# none yet\n')])).code).toBe(2);
    expect((await runCli(['verify', realCertFile, '--key', 'garbage'])).code).toBe(2);
  });
});

describe('the operator pins its own key', () => {
  it('POST /v1/verify names the pinned key and its fingerprint; the rogue certificate is invalid there', async () => {
    const post = async (cert: string) =>
      (await (await fetch(`${real.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: cert })).json()) as {
        verdict: string;
        valid: boolean;
        pinnedKey: { key: string; fingerprint: string };
      };
    const ok = await post(JSON.stringify(realCert));
    expect(ok).toMatchObject({ verdict: 'valid', valid: true, pinnedKey: { key: realKey, fingerprint: fingerprint(realKey) } });
    const bad = await post(await readFile(rogueCertFile, 'utf8'));
    expect(bad).toMatchObject({ verdict: 'invalid', valid: false, pinnedKey: { key: realKey } });
  });

  it('the verify page shows the key to pin with its fingerprint and points at the standalone downloads, not npx', async () => {
    const res = await fetch(`${real.url}/verify/${depositId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(realKey);
    expect(html).toContain(fingerprint(realKey));
    expect(html).toContain('href="../downloads/copyright-ledger-verify.mjs"');
    expect(html).toContain('href="../downloads/verify.html"');
    expect(html).toContain(`node copyright-ledger-verify.mjs ${depositId}.certificate.json`);
    expect(html).not.toContain('npx');
    expect(html).not.toContain(rogueKey);
  });
});
