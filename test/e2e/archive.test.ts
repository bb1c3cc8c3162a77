/**
 * Export and exit (docs/ARCHIVE.md): `export --server` and `export --data-dir` write the same
 * public log; `audit --archive` passes on both with no server; one changed byte anywhere in the
 * archive fails the audit, which names the file (and the entry or block) it is in.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, api, deposit, submitted } from '../support/registration.js';
import { startTestService, type TestService } from '../support/service.js';
import { makeTempDir, removeAllTempDirs, runCli, type TempDir } from '../support/proc.js';
import { readMember, readTarIndex, TarWriter } from '../../src/adapters/archive/tar.js';
import { formatManifest } from '../../src/app/archive-format.js';
import { formatVerifierKey } from '../../src/core/note.js';
import { open } from 'node:fs/promises';

const exec = promisify(execFile);
const ADMIN = 'archive-admin-key-0123456789';

let svc: TestService;
let tmp: TempDir;
let fromServer: string;
let fromDataDir: string;
let members: { name: string; offset: number; size: number; headerOffset: number }[];
let registrationNumber: string;
let registryPages: { status: number; body: any }[];

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A copy of the archive with one byte changed at `offset`. */
async function withByteChanged(src: string, offset: number, name: string): Promise<string> {
  const bytes = await readFile(src);
  bytes[offset] = bytes[offset]! ^ (bytes[offset] === 0x30 ? 0x01 : 0x04);
  const out = join(tmp.path, name);
  await writeFile(out, bytes);
  return out;
}

const member = (name: string) => {
  const m = members.find((x) => x.name === name);
  if (!m) throw new Error(`no ${name} in ${members.map((x) => x.name).join(', ')}`);
  return m;
};

beforeAll(async () => {
  tmp = await makeTempDir('cl-archive-');
  svc = await startTestService({ ADMIN_API_KEY: ADMIN, TSA_MIN_INTERVAL_MS: '0' });
  const url = svc.url;
  const creator = await account(url, ADMIN);
  const reviewer = await account(url, ADMIN, { role: 'reviewer' });
  // Several blocks: single deposits, then a batch, then a registration (its entries and the registry).
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await deposit(url, creator.key));
  const batch = await api(url, 'POST', '/v1/deposits/batch', { key: creator.key, body: { items: Array.from({ length: 25 }, (_, i) => ({ sha256: i.toString(16).padStart(64, 'a') })) } });
  expect(batch.status).toBe(201);
  const reg = await submitted(url, creator.key, [ids[0]!]);
  const approved = await api(url, 'POST', `/v1/registrations/${reg}/approve`, { key: reviewer.key });
  expect(approved.status).toBe(200);
  registrationNumber = approved.body.number as string;
  // Wait for the latest block's timestamp (the built-in TSA).
  const height = (await api(url, 'GET', '/v1/blocks/latest')).body.height as number;
  await waitFor('a timestamp on the latest block', async () => ((await api(url, 'GET', `/v1/blocks/${height}/timestamp`)).status === 200 ? true : undefined));

  fromServer = join(tmp.path, 'server.tar');
  const exported = await runCli(['export', '--server', url, '--out', fromServer]);
  expect(exported.code, exported.text).toBe(0);
  expect(exported.text).toMatch(/exported \d+ blocks, 31 entries, \d+ timestamps, 1 registry entries/);

  // The registry listing an export of a running server pages through.
  registryPages = [
    await api(url, 'GET', '/v1/registry/entries?limit=1'),
    await api(url, 'GET', `/v1/registry/entries?limit=1&after=${registrationNumber}`),
    await api(url, 'GET', '/v1/registry/entries?limit=0'),
    await api(url, 'GET', '/v1/registry/entries?after=nope'),
    await api(url, 'GET', '/v1/registry/entries?extra=1'),
  ];

  await svc.close(); // a stopped server's store
  fromDataDir = join(tmp.path, 'data-dir.tar');
  const offline = await runCli(['export', '--data-dir', svc.dataDir, '--out', fromDataDir]);
  expect(offline.code, offline.text).toBe(0);
  const fh = await open(fromDataDir, 'r');
  members = await readTarIndex(fh);
  await fh.close();
}, 120_000);

afterAll(async () => {
  await svc?.stop();
  await removeAllTempDirs();
});

describe('export', () => {
  it('--server and --data-dir write the same files (only log.json and the manifest differ)', async () => {
    const manifest = async (f: string) => {
      const dir = await makeTempDir('cl-untar-');
      await exec('tar', ['-xf', f, '-C', dir.path]);
      const m = JSON.parse(await readFile(join(dir.path, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
      return new Map(m.files.map((x) => [x.path, x.sha256]));
    };
    const a = await manifest(fromServer);
    const b = await manifest(fromDataDir);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [path, sha] of a) if (path !== 'log.json') expect(b.get(path), path).toBe(sha);
    expect([...a.keys()]).toEqual(expect.arrayContaining(['checkpoints/0.txt', 'entries/000000000000.jsonl', 'log.key', 'log-keys.json', 'tsa-cert.pem', 'registry.jsonl', 'log.json']));
    expect([...a.keys()].some((p) => /^timestamps\/\d+\.tsr$/.test(p))).toBe(true);
  });

  it('is a plain tar any tool reads: the manifest checks with sha256sum, tokens with openssl, nothing private inside', async () => {
    const dir = await makeTempDir('cl-untar-');
    await exec('tar', ['-xf', fromDataDir, '-C', dir.path]);
    const sums = await exec('bash', ['-c', `jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum -c --quiet && echo all-ok`], { cwd: dir.path }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout}${e.stderr}` }));
    expect(sums.stdout).toContain('all-ok');
    const stamp = members.find((m) => m.name.startsWith('timestamps/'))!.name;
    const h = /(\d+)\.tsr$/.exec(stamp)![1]!;
    const ts = await exec('bash', ['-c', `awk 'NF == 0 { exit } { print }' checkpoints/${h}.txt > body.txt && openssl ts -verify -data body.txt -in ${stamp} -CAfile tsa-cert.pem`], { cwd: dir.path });
    expect(ts.stdout).toContain('Verification: OK');
    const registry = await readFile(join(dir.path, 'registry.jsonl'), 'utf8');
    expect(registry).toContain(registrationNumber);
    // No account e-mails, identity numbers, salts or keys anywhere.
    const all = (await exec('bash', ['-c', 'cat $(find . -type f)'], { cwd: dir.path, maxBuffer: 64 << 20 })).stdout;
    expect(all).not.toMatch(/@example\.com|PRIVATE KEY|"salt"|idNumber|11010519491231002/);
  });

  it('refuses to overwrite, and names what is missing (exit 2)', async () => {
    expect((await runCli(['export', '--data-dir', svc.dataDir, '--out', fromDataDir])).code).toBe(2);
    expect((await runCli(['export', '--out', join(tmp.path, 'x.tar')])).code).toBe(2);
    expect((await runCli(['export', '--data-dir', svc.dataDir])).code).toBe(2);
    expect((await runCli(['export', '--data-dir', join(tmp.path, 'nope'), '--out', join(tmp.path, 'y.tar')])).code).toBe(2);
  });
});

describe('GET /v1/registry/entries', () => {
  it('pages through the public registry; bad queries are 400 problems', () => {
    const [first, after, zero, bad, extra] = registryPages;
    expect(first!.status).toBe(200);
    expect(first!.body).toEqual({ entries: [expect.objectContaining({ number: registrationNumber, status: 'registered' })], next: registrationNumber });
    expect(JSON.stringify(first!.body)).not.toMatch(/idNumber|address|salt/);
    expect(after!.body).toEqual({ entries: [] });
    for (const r of [zero, bad, extra]) {
      expect(r!.status).toBe(400);
      expect(r!.body.code).toBe('invalid_request');
    }
  });
});

describe('audit --archive', () => {
  it('passes on both archives, with no server', async () => {
    for (const f of [fromServer, fromDataDir]) {
      const r = await runCli(['audit', '--archive', f]);
      expect(r.code, r.text).toBe(0);
      expect(r.text).toMatch(/audit ok: \d+ blocks, 31 entries/);
    }
    // Pinned: the key the server served.
    const pinned = await runCli(['audit', '--archive', fromDataDir, '--key', svc.ledger.verifierKey]);
    expect(pinned.code, pinned.text).toBe(0);
    expect(pinned.text).not.toContain('pin it with --key');
    // Another log's key: every checkpoint fails.
    const other = await runCli(['audit', '--archive', fromDataDir, '--key', otherKey()]);
    expect(other.code).toBe(1);
    expect(other.out[0]).toMatch(/not in the log's key history/);
  });

  it('--tsa-cert pins the timestamps: the TSA’s own certificate passes, any other certificate fails naming the block', async () => {
    const own = await runCli(['audit', '--archive', fromDataDir, '--tsa-cert', join(svc.dataDir, 'tsa-cert.pem')]);
    expect(own.code, own.text).toBe(0);
    const dir = await makeTempDir('cl-other-tsa-');
    await exec('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=Another TSA', '-days', '1', '-keyout', join(dir.path, 'k.pem'), '-out', join(dir.path, 'c.pem')]);
    const other = await runCli(['audit', '--archive', fromDataDir, '--tsa-cert', join(dir.path, 'c.pem')]);
    expect(other.code, other.text).toBe(1);
    expect(other.out[0]).toMatch(/^audit FAILED at block \d+ .*timestamps\/\d+\.tsr.*: timestamp token does not chain to a pinned TSA certificate/);
  });

  it('a byte changed in an entry: names the file and the entry', async () => {
    const m = member('entries/000000000000.jsonl');
    const text = await readFile(fromDataDir);
    const line3 = text.subarray(m.offset, m.offset + m.size).toString('utf8').split('\n').slice(0, 3).join('\n').length + 1;
    const f = await withByteChanged(fromDataDir, m.offset + line3 + 20, 'entry.tar');
    const r = await runCli(['audit', '--archive', f]);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^audit FAILED at file entries\/000000000000\.jsonl/);
    expect(r.text).toMatch(/entry 3\b/);
  });

  it('a byte changed in a checkpoint: names the file and the block', async () => {
    const m = member('checkpoints/2.txt');
    const f = await withByteChanged(fromDataDir, m.offset + 40, 'checkpoint.tar');
    const r = await runCli(['audit', '--archive', f]);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^audit FAILED at file checkpoints\/2\.txt/);
    expect(r.text).toMatch(/block 2 \(checkpoints\/2\.txt\)/);
  });

  it('a byte changed in a timestamp token: names the file and the block', async () => {
    const m = members.find((x) => x.name.startsWith('timestamps/'))!;
    const h = /(\d+)\.tsr$/.exec(m.name)![1]!;
    const f = await withByteChanged(fromDataDir, m.offset + Math.floor(m.size / 2), 'timestamp.tar');
    const r = await runCli(['audit', '--archive', f]);
    expect(r.code).toBe(1);
    expect(r.out[0]).toContain(`audit FAILED at file ${m.name}`);
    expect(r.text).toContain(`block ${h}`);
  });

  it('a byte changed in the manifest, in log.json, in a tar header or in the padding: named', async () => {
    const cases: [string, number, RegExp][] = [
      ['manifest.json', member('manifest.json').offset + 60, /file manifest\.json/],
      ['log.json', member('log.json').offset + 30, /file log\.json/],
      ['header', member('registry.jsonl').headerOffset + 140, /file registry\.jsonl \(tar header/],
      ['padding', member('log.key').offset + member('log.key').size + 3, /file log\.key \(padding/],
      ['trailer', (await readFile(fromDataDir)).length - 10, /file offset \d+: non-zero byte after the end/],
    ];
    for (const [name, offset, want] of cases) {
      const r = await runCli(['audit', '--archive', await withByteChanged(fromDataDir, offset, `${name}.tar`)]);
      expect(r.code, name).toBe(1);
      expect(r.out[0], name).toMatch(want);
    }
  });

  it('any one changed byte fails the audit (a sweep over the whole archive)', async () => {
    const bytes = await readFile(fromDataDir);
    const f = join(tmp.path, 'sweep.tar');
    // Every member's first and middle data byte and header checksum, plus evenly spread offsets.
    const offsets = new Set<number>();
    for (const m of members) [m.headerOffset + 150, m.offset, m.offset + Math.floor(m.size / 2), m.offset + m.size - 1].forEach((o) => offsets.add(o));
    for (let o = 7; o < bytes.length; o += Math.ceil(bytes.length / 150)) offsets.add(o);
    for (const o of offsets) {
      const copy = Buffer.from(bytes);
      copy[o] = copy[o]! ^ 0x01;
      await writeFile(f, copy);
      const r = await runCli(['audit', '--archive', f]);
      expect(r.code, `byte ${o}: ${r.text}`).toBe(1);
      expect(r.out[0], `byte ${o}`).toMatch(/^audit FAILED at file /);
    }
  }, 300_000);

  it('crafted archives (a well-formed tar and manifest around hostile content) fail cleanly, naming the file', async () => {
    const fh = await open(fromDataDir, 'r');
    const files = new Map<string, Uint8Array>();
    for (const m of await readTarIndex(fh)) if (m.name !== 'manifest.json') files.set(m.name, await readMember(fh, m));
    await fh.close();
    const enc = (t: string) => new TextEncoder().encode(t);
    const forged = otherKey();
    const cases: [string, Record<string, string>, RegExp][] = [
      ['manifest null', { 'manifest.json': 'null\n' }, /file manifest\.json/],
      ['log.json fields missing', { 'log.json': '{"format":"copyright-ledger-archive/1"}\n' }, /file log\.json: origin is not a string/],
      ['log-keys null', { 'log-keys.json': 'null\n' }, /file log-keys\.json/],
      ['registry null', { 'registry.jsonl': 'null\n' }, /file registry\.jsonl line 1/],
      ['entry null', { 'entries/000000000000.jsonl': 'null\n' }, /file entries\/000000000000\.jsonl line 1 \(entry 0\)/],
      ['checkpoint garbage', { 'checkpoints/1.txt': 'garbage' }, /block 1 \(checkpoints\/1\.txt\)/],
      ['unknown file', { 'evil.txt': 'x' }, /file evil\.txt: not a file of the archive format/],
      ['history naming a key that never signed', { 'log-keys.json': JSON.stringify({ keys: [{ key: keyOf(files), firstHeight: 0, lastHeight: 1 }, { key: forged, firstHeight: 1 }] }, null, 2) + '\n', 'log.key': forged + '\n' }, /at block 1 \(checkpoints\/1\.txt\): hand-over block is not signed by the incoming key/],
    ];
    for (const [name, replace, want] of cases) {
      const out = join(tmp.path, `crafted-${cases.findIndex((c) => c[0] === name)}.tar`);
      const w = await TarWriter.create(out);
      const listed: { path: string; size: number; sha256: string }[] = [];
      const all = new Map(files);
      for (const [k, v] of Object.entries(replace)) if (k !== 'manifest.json') all.set(k, enc(v));
      if (replace['log.key'] !== undefined) {
        const info = JSON.parse(new TextDecoder().decode(all.get('log.json'))) as Record<string, unknown>;
        all.set('log.json', enc(JSON.stringify({ ...info, logKey: forged }, null, 2) + '\n'));
      }
      for (const [path, data] of all) {
        await w.add(path, data);
        listed.push({ path, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      }
      await w.add('manifest.json', enc(replace['manifest.json'] ?? formatManifest(listed)));
      await w.finish();
      const r = await runCli(['audit', '--archive', out, '--key', keyOf(files)]);
      expect(r.code, `${name}: ${r.text}`).toBe(1);
      expect(r.out[0], name).toMatch(want);
    }
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['audit', '--archive', join(tmp.path, 'missing.tar')])).code).toBe(2);
    expect((await runCli(['audit', '--archive', fromDataDir, '--server', 'http://127.0.0.1:9'])).code).toBe(2);
    const notTar = join(tmp.path, 'not.tar');
    await copyFile(join(svc.dataDir, 'tsa-cert.pem'), notTar);
    expect((await runCli(['audit', '--archive', notTar])).code).toBe(1);
  });
});

function keyOf(files: Map<string, Uint8Array>): string {
  return new TextDecoder().decode(files.get('log.key')).trim();
}

function otherKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return formatVerifierKey('localhost/copyright-ledger', new Uint8Array(raw));
}
