/**
 * The command line (contract §7): `verify` on a served certificate — valid as served, invalid on
 * any single changed byte with the failing check named — `verify --file`, usage errors, and
 * `audit --server`. The CLI runs in-process through `main(argv, io)`; one test runs the real
 * launcher `bin/copyright-ledger.js` when `dist/` is built.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVerifierKey } from '../../src/core/note.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { makeTempDir, PROJECT_ROOT, removeAllTempDirs, runCli, runProcess, type TempDir } from '../support/proc.js';

interface Cert {
  format: string;
  deposit: { id: string; receivedAt: string };
  work: { sha256: string; sm3?: string; size?: number; metadata: Record<string, unknown> };
  entry: { index: number; bytes: string };
  proof: { treeSize: number; hashes: string[] };
  checkpoint: string;
  logKey: string;
}

let service: TestService;
let tmp: TempDir;
let apiKey: string;
let logKey: string;
/** A certificate for an entry in the middle of a batch (non-empty proof). */
let cert: Cert;
let certFile: string;
let workFile: string;
let workCertFile: string;
let counter = 0;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const digest = (alg: string, data: Uint8Array) => createHash(alg).update(data).digest('hex');

async function post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function certificate(id: string): Promise<Cert> {
  const res = await fetch(`${service.url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Cert;
}

async function writeCert(c: unknown): Promise<string> {
  const file = join(tmp.path, `cert-${counter++}.json`);
  await writeFile(file, typeof c === 'string' ? c : JSON.stringify(c, null, 2));
  return file;
}

/** Replaces the character at `pos` of `s` with the next one in `alphabet`. */
function flip(s: string, pos: number, alphabet: string): string {
  const c = s[pos]!;
  const i = alphabet.indexOf(c);
  expect(i, `character ${JSON.stringify(c)} at ${pos}`).toBeGreaterThanOrEqual(0);
  const out = s.slice(0, pos) + alphabet[(i + 1) % alphabet.length]! + s.slice(pos + 1);
  expect(out).not.toBe(s);
  expect(out.length).toBe(s.length);
  return out;
}

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGITS = '0123456789';

const clone = (): Cert => structuredClone(cert);

/** The verifier key of a fresh Ed25519 key under the same origin: another log's key. */
function otherLogKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x!;
  const key = formatVerifierKey(logKey.split('+')[0]!, new Uint8Array(Buffer.from(x, 'base64url')));
  expect(key).not.toBe(logKey);
  return key;
}

/** Lines of the checkpoint note and the offset where each starts. */
function noteLine(note: string, n: number): { start: number; text: string } {
  const lines = note.split('\n');
  let start = 0;
  for (let i = 0; i < n; i++) start += lines[i]!.length + 1;
  return { start, text: lines[n]! };
}

beforeAll(async () => {
  tmp = await makeTempDir('cl-cli-');
  service = await startTestService();
  ({ apiKey } = await createAccount(service.url));
  logKey = service.ledger.verifierKey;
  // Three single deposits, then a batch of eight: the certificate of a batch entry is proved
  // against a tree of 11 entries, so its proof has several hashes.
  for (let i = 0; i < 3; i++) {
    const r = await post<{ index: number }>('/v1/deposits', { sha256: hex(randomBytes(32)) });
    expect(r.status).toBe(201);
    expect(r.body.index).toBe(i);
  }
  const items = Array.from({ length: 8 }, (_, i) => ({
    sha256: hex(randomBytes(32)),
    sm3: hex(randomBytes(32)),
    size: 1000 + i,
    metadata: { title: `Work ${i}`, author: 'Ada' },
  }));
  const batch = await post<{ deposits: { id: string; index: number }[] }>('/v1/deposits/batch', { items });
  expect(batch.status).toBe(201);
  expect(batch.body.deposits.map((d) => d.index)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  cert = await certificate(batch.body.deposits[2]!.id);
  // Where the server gives trusted time, its worker stamps blocks in the background: give it a
  // moment so the certificate carries its RFC 3161 token and the timestamp part is tested too.
  for (let waited = 0; !('timestamp' in cert) && waited < 15_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    cert = await certificate(batch.body.deposits[2]!.id);
  }
  expect(cert.entry.index).toBe(5);
  // Proved against the block that covers the batch (tree size 11), or a later timestamped one.
  expect(cert.proof.treeSize).toBeGreaterThanOrEqual(11);
  expect(cert.proof.hashes.length).toBeGreaterThanOrEqual(3);
  expect(cert.work).toMatchObject({ sha256: items[2]!.sha256, sm3: items[2]!.sm3, size: 1002 });
  expect(cert.work.metadata).toMatchObject({ title: 'Work 2', author: 'Ada' });
  expect(cert.logKey).toBe(logKey);
  certFile = await writeCert(cert);

  // A real file deposited with its own digests.
  const content = randomBytes(5000);
  workFile = join(tmp.path, 'work.bin');
  await writeFile(workFile, content);
  const dep = await post<{ id: string; index: number }>('/v1/deposits', {
    sha256: digest('sha256', content),
    sm3: digest('sm3', content),
    size: content.length,
    metadata: { title: 'The file' },
  });
  expect(dep.status).toBe(201);
  expect(dep.body.index).toBe(11);
  workCertFile = await writeCert(await certificate(dep.body.id));
});

afterAll(async () => {
  await service?.stop();
  await removeAllTempDirs();
});

/** Runs verify on `c` with the pinned key and expects exit 1 with `check` failing. */
async function expectInvalid(c: unknown, check: string, args: string[] = ['--key', logKey]) {
  const file = await writeCert(c);
  const r = await runCli(['verify', file, ...args]);
  expect(r.code, r.text).toBe(1);
  expect(r.text).toMatch(new RegExp(`^FAIL ${check}\\b`, 'm'));
  expect(r.text).toMatch(new RegExp(`^INVALID: .*\\b${check}\\b.* failed$`, 'm'));
  return r;
}

describe('verify: a served certificate', () => {
  it('is valid with --key, every check passing', async () => {
    const r = await runCli(['verify', certFile, '--key', logKey]);
    expect(r.code, r.text).toBe(0);
    for (const check of ['format', 'logKey', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata']) {
      expect(r.text).toMatch(new RegExp(`^ok +${check}\\b`, 'm'));
    }
    expect(r.text).toContain('matches the pinned key');
    expect(r.text).toContain(`entry 5 is in the tree of size ${cert.proof.treeSize}`);
    expect(r.out.at(-1)).toBe('VALID: every check passed');
    expect(r.text).not.toMatch(/^FAIL/m);
  });

  it('is valid with --key-file', async () => {
    const keyFile = join(tmp.path, 'log.vkey');
    await writeFile(keyFile, logKey + '\n');
    const r = await runCli(['verify', certFile, '--key-file', keyFile]);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('matches the pinned key');
  });

  it('without a key runs every check but is never VALID: exit 3, naming the key and its fingerprint', async () => {
    const r = await runCli(['verify', certFile]);
    expect(r.code, r.text).toBe(3);
    expect(r.text).toMatch(/^WARN logKey +not pinned/m);
    for (const check of ['format', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata']) {
      expect(r.text).toMatch(new RegExp(`^ok +${check}\\b`, 'm'));
    }
    expect(r.text).not.toMatch(/\bVALID\b/);
    expect(r.text).toMatch(/^NOT PINNED: /m);
    expect(r.text).toContain(`  log key      ${logKey}`);
    expect(r.text).toMatch(/^ {2}fingerprint {2}SHA-256 ([0-9a-f]{4} ){15}[0-9a-f]{4}$/m);
  });

  it('--json prints the checks as JSON', async () => {
    const r = await runCli(['verify', certFile, '--key', logKey, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.join('\n')) as { valid: boolean; checks: { name: string; ok: boolean }[] };
    expect(result.valid).toBe(true);
    const names = result.checks.map((c) => c.name);
    expect(names.slice(0, 8)).toEqual(['format', 'logKey', 'checkpointSignature', 'treeSize', 'inclusion', 'entry', 'workHashes', 'metadata']);
    // Beyond those, only the timestamp check when the certificate carries a token.
    expect(names.slice(8)).toEqual('timestamp' in cert ? ['timestamp'] : []);
    expect(result.checks.every((c) => c.ok)).toBe(true);
  });
});

describe('verify: any single changed byte is invalid', () => {
  it('a character of entry.bytes (still valid base64) → inclusion', async () => {
    for (const pos of [0, 40, cert.entry.bytes.length - 8]) {
      const c = clone();
      c.entry.bytes = flip(c.entry.bytes, pos, B64);
      expect(Buffer.from(c.entry.bytes, 'base64').toString('base64')).toBe(c.entry.bytes);
      await expectInvalid(c, 'inclusion');
    }
  });

  it('one hex digit of a proof hash → inclusion', async () => {
    for (const [h, pos] of [
      [0, 0],
      [cert.proof.hashes.length - 1, 63],
    ] as const) {
      const c = clone();
      c.proof.hashes[h] = flip(c.proof.hashes[h]!, pos, HEX);
      await expectInvalid(c, 'inclusion');
    }
  });

  it('a proof hash dropped or added → inclusion', async () => {
    const c = clone();
    c.proof.hashes.pop();
    await expectInvalid(c, 'inclusion');
    const d = clone();
    d.proof.hashes.push('00'.repeat(32));
    await expectInvalid(d, 'inclusion');
  });

  it('entry.index + 1 and − 1 → inclusion', async () => {
    for (const delta of [1, -1]) {
      const c = clone();
      c.entry.index += delta;
      await expectInvalid(c, 'inclusion');
    }
  });

  it('proof.treeSize ± 1 → treeSize', async () => {
    for (const delta of [1, -1]) {
      const c = clone();
      c.proof.treeSize += delta;
      await expectInvalid(c, 'treeSize');
    }
  });

  it('one character of the checkpoint root line → checkpointSignature', async () => {
    const line = noteLine(cert.checkpoint, 2);
    expect(line.text).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const c = clone();
    c.checkpoint = flip(c.checkpoint, line.start + 10, B64);
    await expectInvalid(c, 'checkpointSignature');
  });

  it('one character of the checkpoint tree size line → checkpointSignature', async () => {
    const line = noteLine(cert.checkpoint, 1);
    expect(line.text).toBe(String(cert.proof.treeSize));
    const c = clone();
    c.checkpoint = flip(c.checkpoint, line.start + 1, DIGITS);
    await expectInvalid(c, 'checkpointSignature');
  });

  it('one character of the checkpoint signature → checkpointSignature', async () => {
    const sigLine = cert.checkpoint.split('\n').findIndex((l) => l.startsWith('\u2014 '));
    expect(sigLine).toBeGreaterThan(5);
    const line = noteLine(cert.checkpoint, sigLine);
    const c = clone();
    // Past "— <origin> " and the 4-byte key id: inside the Ed25519 signature.
    c.checkpoint = flip(c.checkpoint, line.start + line.text.lastIndexOf(' ') + 1 + 30, B64);
    await expectInvalid(c, 'checkpointSignature');
  });

  it('one digit of the checkpoint time line → checkpointSignature', async () => {
    const line = noteLine(cert.checkpoint, 4);
    expect(line.text).toMatch(/^time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const c = clone();
    c.checkpoint = flip(c.checkpoint, line.start + line.text.length - 2, DIGITS);
    await expectInvalid(c, 'checkpointSignature');
  });

  it('one character of the checkpoint block line → checkpointSignature', async () => {
    const line = noteLine(cert.checkpoint, 3);
    expect(line.text).toMatch(/^block [0-9]+$/);
    const c = clone();
    c.checkpoint = flip(c.checkpoint, line.start + line.text.length - 1, DIGITS);
    await expectInvalid(c, 'checkpointSignature');
  });

  it('one metadata value → metadata', async () => {
    const c = clone();
    c.work.metadata.title = 'Work 3';
    await expectInvalid(c, 'metadata');
    const d = clone();
    d.work.metadata.salt = flip(String(d.work.metadata.salt), 0, HEX);
    await expectInvalid(d, 'metadata');
    const e = clone();
    e.work.metadata.extra = 'x';
    await expectInvalid(e, 'metadata');
  });

  it('one hex digit of work.sha256 → workHashes', async () => {
    const c = clone();
    c.work.sha256 = flip(c.work.sha256, 17, HEX);
    await expectInvalid(c, 'workHashes');
  });

  it('one hex digit of work.sm3, or work.size + 1 → workHashes', async () => {
    const c = clone();
    c.work.sm3 = flip(c.work.sm3!, 63, HEX);
    await expectInvalid(c, 'workHashes');
    const d = clone();
    d.work.size! += 1;
    await expectInvalid(d, 'workHashes');
  });

  it('deposit.id or deposit.receivedAt changed → entry', async () => {
    const c = clone();
    c.deposit.id = flip(c.deposit.id, c.deposit.id.length - 1, HEX);
    await expectInvalid(c, 'entry');
    const d = clone();
    d.deposit.receivedAt = flip(d.deposit.receivedAt, d.deposit.receivedAt.length - 2, DIGITS);
    await expectInvalid(d, 'entry');
  });

  it('the format string changed → format', async () => {
    const c = clone();
    c.format = c.format.replace('@v1', '@v2');
    await expectInvalid(c, 'format');
    await expectInvalid('not json {', 'format');
  });

  it('one byte of the "timestamp" field name, which drops the RFC 3161 evidence → invalid', async (ctx) => {
    if (!('timestamp' in cert)) ctx.skip(); // this server gives no trusted time
    const text = JSON.stringify(cert);
    const mutant = text.replace(',"timestamp":{', ',"timestamq":{');
    expect(mutant.length).toBe(text.length);
    expect(mutant).not.toBe(text);
    const r = await runCli(['verify', await writeCert(mutant), '--key', logKey]);
    expect(r.code, r.text).toBe(1);
    expect(r.text).toMatch(/^INVALID: /m);
  });

  it('a wrong pinned key (--key and --key-file) → logKey', async () => {
    const other = otherLogKey();
    const r = await expectInvalid(cert, 'logKey', ['--key', other]);
    expect(r.text).toMatch(/^FAIL checkpointSignature\b/m);
    const keyFile = join(tmp.path, 'other.vkey');
    await writeFile(keyFile, other + '\n');
    await expectInvalid(cert, 'logKey', ['--key-file', keyFile]);
  });

  it('a certificate carrying another key, verified against the pinned one → logKey', async () => {
    const c = clone();
    c.logKey = otherLogKey();
    await expectInvalid(c, 'logKey');
  });
});

describe('verify: every byte position', () => {
  /** Flips bit 0 of each byte at `positions` of `text`; returns the mutants that did not exit 1. */
  async function sweep(text: string, positions: Iterable<number>): Promise<string[]> {
    const served = Buffer.from(text);
    const file = join(tmp.path, 'mutant.json');
    const passed: string[] = [];
    for (const i of positions) {
      const m = Buffer.from(served);
      m[i]! ^= 0x01;
      await writeFile(file, m);
      const r = await runCli(['verify', file, '--key', logKey]);
      if (r.code !== 1) {
        const at = `…${served.subarray(Math.max(0, i - 16), i).toString()}[${String.fromCharCode(served[i]!)}→${String.fromCharCode(m[i]!)}]${served.subarray(i + 1, i + 8).toString()}…`;
        passed.push(`byte ${i} ${at}: exit ${r.code}`);
      }
    }
    return passed;
  }
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

  it('no single changed byte of the certificate JSON verifies (bit 0 flipped at each position)', async () => {
    // Every byte of the certificate without its optional RFC 3161 timestamp (itself a valid certificate).
    const { timestamp: _ts, ...core } = cert as Cert & { timestamp?: unknown };
    const text = JSON.stringify(core);
    expect((await runCli(['verify', await writeCert(core), '--key', logKey])).code).toBe(0);
    expect(text.length).toBeGreaterThan(1000);
    expect(await sweep(text, range(0, Buffer.byteLength(text)))).toEqual([]);
  }, 120_000);

  it('no single changed byte of the timestamp part verifies (every structural byte, a sample of the token)', async (ctx) => {
    const text = JSON.stringify(cert);
    const start = text.indexOf(',"timestamp":{');
    if (start < 0) ctx.skip(); // this server gives no trusted time
    const token = text.indexOf('"rfc3161":"', start) + '"rfc3161":"'.length;
    const tokenEnd = text.indexOf('"', token);
    const positions = [
      ...range(start, token + 16),
      ...range(token + 16, tokenEnd - 16).filter((p) => p % 31 === 0),
      ...range(tokenEnd - 16, text.length),
    ];
    expect(await sweep(text, positions)).toEqual([]);
  }, 120_000);
});

describe('verify --file', () => {
  it('exits 0 for the deposited file', async () => {
    const r = await runCli(['verify', workCertFile, '--file', workFile, '--key', logKey]);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/^ok +file +the file matches the work/m);
    expect(r.text).toMatch(/^ok +workHashes +sha256, sm3, size match the entry/m);
  });

  it('exits 1 naming `file` when one byte of the file changed', async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(workFile);
    bytes[2500]! ^= 0x01;
    const changed = join(tmp.path, 'work-changed.bin');
    await writeFile(changed, bytes);
    const r = await runCli(['verify', workCertFile, '--file', changed, '--key', logKey]);
    expect(r.code, r.text).toBe(1);
    expect(r.text).toMatch(/^FAIL file\b/m);
    expect(r.text).toMatch(/^INVALID: file failed$/m);
  });

  it('exits 1 naming `file` for another certificate’s file', async () => {
    const r = await runCli(['verify', certFile, '--file', workFile, '--key', logKey]);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/^FAIL file\b/m);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    ['no arguments', []],
    ['an unknown command', ['frobnicate']],
    ['verify without a certificate', ['verify']],
    ['verify with two certificates', ['verify', 'a.json', 'b.json']],
    ['an unknown option', ['verify', 'x.json', '--bogus']],
    ['audit with both --data-dir and --server', ['audit', '--data-dir', '/tmp', '--server', 'http://127.0.0.1:1']],
    ['audit --server that is not a URL', ['audit', '--server', 'not a url']],
  ])('%s', async (_name, argv) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.text).toContain('usage:');
  });

  it('a missing certificate file: one line, no usage', async () => {
    const r = await runCli(['verify', '/nonexistent/cert.json']);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([expect.stringMatching(/^copyright-ledger: cannot read \/nonexistent\/cert.json/)]);
    expect(r.out).toEqual([]);
  });

  it('a missing --file', async () => {
    const r = await runCli(['verify', certFile, '--file', join(tmp.path, 'nope.bin'), '--key', logKey]);
    expect(r.code).toBe(2);
    expect(r.text).toContain('cannot read');
  });

  it('a bad --key, a missing --key-file, and both --key and --key-file', async () => {
    for (const argv of [
      ['verify', certFile, '--key', 'garbage'],
      ['verify', certFile, '--key', logKey.slice(0, -4)],
      ['verify', certFile, '--key-file', join(tmp.path, 'missing.vkey')],
      ['verify', certFile, '--key', logKey, '--key-file', certFile],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.text).toMatch(/^copyright-ledger: /m);
    }
  });

  it('a --file that is a directory', async () => {
    const r = await runCli(['verify', certFile, '--file', tmp.path, '--key', logKey]);
    expect(r.code).toBe(2);
    expect(r.text).toContain('cannot read');
  });

  it('audit --server that nothing answers on', async () => {
    const r = await runCli(['audit', '--server', 'http://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.text).toContain('audit could not complete');
  });

  it('audit --data-dir of a store the running server holds open', async () => {
    const r = await runCli(['audit', '--data-dir', service.dataDir]);
    expect(r.code).toBe(2);
    expect(r.text).toContain('is the server still running?');
  });

  it('audit --data-dir of a directory without a store', async () => {
    const empty = await makeTempDir('cl-cli-empty-');
    const r = await runCli(['audit', '--data-dir', empty.path]);
    expect(r.code).toBe(2);
    await empty.remove();
  });
});

describe('audit --server', () => {
  it('exits 0 on a healthy server, with and without the pinned key', async () => {
    const pinned = await runCli(['audit', '--server', service.url, '--key', logKey]);
    expect(pinned.code, pinned.text).toBe(0);
    const height = Number(service.ledger.latestBlock.height);
    expect(pinned.text).toContain(`audit ok: ${height + 1} blocks, 12 entries`);
    const unpinned = await runCli(['audit', '--server', service.url]);
    expect(unpinned.code).toBe(0);
    expect(unpinned.text).toContain('pin it with --key');
  });

  it('exits 1 naming block 0 when the pinned key is another log’s', async () => {
    const other = otherLogKey();
    const r = await runCli(['audit', '--server', service.url, '--key', other]);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/audit FAILED at block 0\b/);
  });
});

describe('the real launcher', () => {
  const built = existsSync(join(PROJECT_ROOT, 'dist', 'adapters', 'cli', 'main.js'));
  it.skipIf(!built)('bin/copyright-ledger.js verify exits 0 on a valid certificate and 1 on a changed one', async () => {
    const ok = await runProcess(process.execPath, ['bin/copyright-ledger.js', 'verify', certFile, '--key', logKey]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('VALID: every check passed');
    const c = clone();
    c.work.sha256 = flip(c.work.sha256, 0, HEX);
    const bad = await runProcess(process.execPath, ['bin/copyright-ledger.js', 'verify', await writeCert(c), '--key', logKey]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL workHashes\b/m);
    const usage = await runProcess(process.execPath, ['bin/copyright-ledger.js']);
    expect(usage.code).toBe(2);
  });
});
