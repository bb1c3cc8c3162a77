/**
 * The verifier that needs nothing (docs/VERIFY.md): a real server (child process) serves
 * `copyright-ledger-verify.mjs`; downloaded over HTTP into an empty folder (no node_modules, no
 * NODE_PATH), `node copyright-ledger-verify.mjs` verifies a deposit certificate with its work
 * file and a registration certificate (RFC 3161 tokens included), with the CLI's exit codes and
 * the CLI's very output, and rejects any changed byte. Set VERIFIER_NODE to run the verifier with
 * another Node binary (the oldest supported line is 18).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllServers, makeTempDir, removeAllTempDirs, runCli, runProcess, startServer, type ServerProc, type TempDir } from '../support/proc.js';
import { account, api, submitted } from '../support/registration.js';

const ADMIN = 'admin-key-for-standalone-verifier-tests';
let server: ServerProc;
/** Holds the downloaded verifier and nothing else. */
let empty: TempDir;
/** Certificates, the work file, key lists. */
let inputs: TempDir;
let verifier: string;
let verifierText: string;
let logKey: string;
let keyFile: string;
let tsaPem: string;
let depCertFile: string;
let regCertFile: string;
let workFile: string;
let work: Buffer;

const digest = (alg: string, data: Uint8Array) => createHash(alg).update(data).digest('hex');

/** The Node that runs the verifier: this one, or VERIFIER_NODE (e.g. a Node 18 build, to check the oldest supported line). */
const NODE = process.env.VERIFIER_NODE ?? process.execPath;

/** `node copyright-ledger-verify.mjs …` in the empty folder, with a bare environment. */
async function standalone(args: string[]) {
  const r = await runProcess(NODE, [verifier, ...args], { cwd: empty.path, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' }, timeoutMs: 60_000 });
  const out = r.stdout.split('\n').filter((l) => l !== '');
  return { ...r, out, text: r.stdout + r.stderr };
}

async function input(name: string, data: string | Uint8Array): Promise<string> {
  const file = join(inputs.path, name);
  await writeFile(file, data);
  return file;
}

/** Waits until the certificate at `path` carries an RFC 3161 token (the built-in TSA stamps blocks in the background). */
async function stampedCertificate(path: string, key: string): Promise<Record<string, unknown>> {
  for (let waited = 0; ; waited += 200) {
    const r = await api(server.url, 'GET', path, { key });
    expect(r.status, r.text).toBe(200);
    if ('timestamp' in r.body || waited > 15_000) return r.body as Record<string, unknown>;
    await new Promise((res) => setTimeout(res, 200));
  }
}

beforeAll(async () => {
  empty = await makeTempDir('cl-empty-');
  inputs = await makeTempDir('cl-standalone-');
  const data = await makeTempDir('cl-standalone-data-');
  server = await startServer({ dataDir: data.path, env: { ADMIN_API_KEY: ADMIN }, timeoutMs: 60_000 });
  logKey = server.logKey;

  // Download the verifier over HTTP, as a lawyer would, into the empty folder.
  const res = await fetch(`${server.url}/downloads/copyright-ledger-verify.mjs`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(res.headers.get('content-disposition')).toBe('attachment; filename="copyright-ledger-verify.mjs"');
  expect(res.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
  const bytes = Buffer.from(await res.arrayBuffer());
  verifierText = bytes.toString('utf8');
  verifier = join(empty.path, 'copyright-ledger-verify.mjs');
  await writeFile(verifier, bytes);
  const sums = await (await fetch(`${server.url}/downloads/SHA256SUMS`)).text();
  expect(sums).toContain(`${digest('sha256', bytes)}  copyright-ledger-verify.mjs\n`);
  expect(res.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`);

  keyFile = await input('log.keys', `# the log's key, got out of band\n${logKey}\n`);
  tsaPem = await input('tsa.pem', await (await fetch(`${server.url}/v1/tsa/certificate`)).text());

  // A deposit of a real file, and a registration of it.
  const creator = await account(server.url, ADMIN, { name: 'Li Lei' });
  const reviewer = await account(server.url, ADMIN, { role: 'reviewer', name: 'Reviewer' });
  work = randomBytes(100_000);
  workFile = await input('work.bin', work);
  const dep = await api(server.url, 'POST', '/v1/deposits', {
    key: creator.key,
    body: { sha256: digest('sha256', work), sm3: digest('sm3', work), size: work.length, metadata: { title: 'Harbour at dusk' } },
  });
  expect(dep.status, dep.text).toBe(201);
  const depCert = await stampedCertificate(`/v1/deposits/${dep.body.id}/certificate`, creator.key);
  expect(depCert.timestamp).toBeDefined();
  depCertFile = await input('deposit.json', JSON.stringify(depCert, null, 2));

  const id = await submitted(server.url, creator.key, [dep.body.id as string]);
  const approved = await api(server.url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
  expect(approved.status, approved.text).toBe(200);
  const reg = await api(server.url, 'GET', `/v1/registrations/${id}/certificate`, { key: creator.key });
  expect(reg.status, reg.text).toBe(200);
  expect(reg.body.format).toBe('copyright-ledger/registration-certificate@v1');
  regCertFile = await input('registration.json', JSON.stringify(reg.body));
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await killAllServers();
  await removeAllTempDirs();
});

describe('the downloaded verifier, alone in an empty folder', () => {
  it('is one small ESM file that says what it is and its version, importing only node builtins', async () => {
    expect(await readdir(empty.path)).toEqual(['copyright-ledger-verify.mjs']);
    expect(verifierText.length).toBeLessThan(600_000);
    expect(verifierText).toMatch(/^#!\/usr\/bin\/env node\n\/\*! copyright-ledger-verify \d+\.\d+\.\d+/);
    const imports = [...verifierText.matchAll(/\bfrom\s*"([^"]+)"/g), ...verifierText.matchAll(/\bimport\s*\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !i.startsWith('node:'))).toEqual([]);
    const v = await standalone(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^copyright-ledger-verify \d+\.\d+\.\d+\n$/);
  });

  it('verifies a deposit certificate with its work file and RFC 3161 token against the pinned key: exit 0', async () => {
    const r = await standalone([depCertFile, '--file', workFile, '--key-file', keyFile, '--tsa-cert', tsaPem]);
    expect(r.code, r.text).toBe(0);
    for (const check of ['format', 'logKey', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata', 'timestamp', 'file']) {
      expect(r.stdout).toMatch(new RegExp(`^ok +${check}\\b`, 'm'));
    }
    expect(r.stdout).toMatch(/^ok +timestamp .*chains to the pinned TSA certificate/m);
    expect(r.out.at(-1)).toBe('VALID: every check passed');
    expect(await readdir(empty.path)).toEqual(['copyright-ledger-verify.mjs']);
  });

  it('verifies a registration certificate (and its work file): exit 0', async () => {
    const r = await standalone([regCertFile, '--file', workFile, '--key', logKey]);
    expect(r.code, r.text).toBe(0);
    for (const check of ['format', 'logKey', 'checkpointSignature', 'inclusion', 'entry', 'record', 'deposits', 'file']) {
      expect(r.stdout).toMatch(new RegExp(`^ok +${check}\\b`, 'm'));
    }
    expect(r.out.at(-1)).toBe('VALID: every check passed');
  });

  it('rejects one changed byte of the work file, of the certificate and of the registration: exit 1', async () => {
    const changed = Buffer.from(work);
    changed[12_345] = changed[12_345]! ^ 0x01;
    const f = await standalone([depCertFile, '--file', await input('changed.bin', changed), '--key-file', keyFile]);
    expect(f.code, f.text).toBe(1);
    expect(f.stdout).toMatch(/^FAIL file\b/m);
    expect(f.out.at(-1)).toBe('INVALID: file failed');

    const text = JSON.stringify(JSON.parse(await readFile(depCertFile, 'utf8')));
    const at = text.indexOf('"title":"Harbour') + '"title":"H'.length;
    const c = await standalone([await input('changed-cert.json', text.slice(0, at) + 'e' + text.slice(at + 1)), '--key-file', keyFile]);
    expect(c.code, c.text).toBe(1);
    expect(c.stdout).toMatch(/^FAIL metadata\b/m);

    const reg = JSON.parse(await readFile(regCertFile, 'utf8')) as { record: { title: string } };
    reg.record.title = reg.record.title.replace(/^./, (ch) => (ch === 'X' ? 'Y' : 'X'));
    const g = await standalone([await input('changed-reg.json', JSON.stringify(reg)), '--key', logKey]);
    expect(g.code, g.text).toBe(1);
    expect(g.stdout).toMatch(/^FAIL record\b/m);
  });

  it('unpinned: every check runs, never VALID, exit 3; a usage error exits 2', async () => {
    const r = await standalone([depCertFile, '--file', workFile]);
    expect(r.code, r.text).toBe(3);
    expect(r.text).not.toMatch(/VALID/);
    expect(r.stdout).toContain(logKey);
    const j = await standalone([regCertFile, '--json']);
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout)).toMatchObject({ verdict: 'unpinned', valid: false, logKey: { key: logKey, pinned: false } });
    // The trust list from the environment pins it.
    const env = await runProcess(NODE, [verifier, depCertFile], { cwd: empty.path, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', COPYRIGHT_LEDGER_TRUSTED_KEYS: keyFile } });
    expect(env.code, env.stdout + env.stderr).toBe(0);
    const u = await standalone([depCertFile, '--key', 'not-a-key']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^copyright-ledger-verify: --key /);
    expect((await standalone([])).code).toBe(2);
  });

  it('prints exactly what `copyright-ledger verify` prints, with the same exit code', async () => {
    const cases = [
      [depCertFile, '--file', workFile, '--key-file', keyFile, '--tsa-cert', tsaPem],
      [depCertFile, '--file', workFile],
      [regCertFile, '--key', logKey, '--json'],
      [depCertFile, '--file', regCertFile, '--key', logKey],
    ];
    for (const args of cases) {
      const cli = await runCli(['verify', ...args]);
      const alone = await standalone(args);
      expect(alone.code, args.join(' ')).toBe(cli.code);
      expect(alone.out, args.join(' ')).toEqual(cli.out.flatMap((l) => l.split('\n')).filter((l) => l !== ''));
    }
  });
});
