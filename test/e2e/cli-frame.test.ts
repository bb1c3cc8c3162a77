/**
 * What every command of the CLI shares: `--version`, `--help` and `<command> --help` on stdout
 * with exit 0; `--json` (one object on stdout, no progress) on audit, export and ingest; the API
 * key from COPYRIGHT_LEDGER_API_KEY or --api-key-file (--api-key warns); errors as one line
 * `copyright-ledger: …` on stderr with exit 2, the usage only after a usage error; the ingest
 * progress bar moving on a terminal.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest } from '../../src/adapters/cli/ingest.js';
import { formatVerifierKey } from '../../src/core/note.js';
import { makeTempDir, PROJECT_ROOT, removeAllTempDirs, runCli, runProcess, type TempDir } from '../support/proc.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';

const COMMANDS = ['verify', 'audit', 'export', 'ingest', 'migrate'] as const;

let svc: TestService;
let tmp: TempDir;
let apiKey: string;
let works: string;

/** The CLI from source as a child process: real stdout, stderr and exit code. */
function cliProcess(args: string[], env: Record<string, string> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete e.NODE_OPTIONS;
  if (!('COPYRIGHT_LEDGER_API_KEY' in env)) delete e.COPYRIGHT_LEDGER_API_KEY;
  return runProcess(process.execPath, ['--import', 'tsx', 'test/support/cli-launcher.ts', ...args], { env: e, timeoutMs: 60_000 });
}

/** A server address nothing listens on (a port just freed; set in beforeAll). */
let DEAD = '';

beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  DEAD = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
  tmp = await makeTempDir('cl-frame-');
  svc = await startTestService();
  ({ apiKey } = await createAccount(svc.url, { kind: 'organisation' }));
  works = join(tmp.path, 'works');
  await mkdir(works);
  for (let i = 0; i < 5; i++) await writeFile(join(works, `w${i}.txt`), randomBytes(100));
});

afterAll(async () => {
  await svc?.stop();
  await removeAllTempDirs();
});

describe('--version and --help', () => {
  it('--version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toEqual([`copyright-ledger ${version}`]);
      expect(r.err).toEqual([]);
    }
  });

  it('--help lists every command, on stdout, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.err).toEqual([]);
      for (const c of COMMANDS) expect(r.out.join('\n')).toContain(`copyright-ledger ${c} `);
      expect(r.out.join('\n')).toContain('--version');
    }
  });

  it.each(COMMANDS)('%s --help prints that command’s usage and options, exit 0', async (command) => {
    for (const argv of [[command, '--help'], [command, '-h'], ['help', command], [command, 'x.json', '--bogus', '--help']]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.err).toEqual([]);
      const text = r.out.join('\n');
      expect(text).toMatch(new RegExp(`^usage: copyright-ledger ${command} `));
      expect(text).toContain('--json');
      expect(text).toMatch(/^exit: /m);
      for (const other of COMMANDS.filter((c) => c !== command)) expect(text).not.toContain(`copyright-ledger ${other} `);
    }
  });

  it('ingest --help documents COPYRIGHT_LEDGER_API_KEY and --api-key-file', async () => {
    const text = (await runCli(['ingest', '--help'])).out.join('\n');
    expect(text).toContain('COPYRIGHT_LEDGER_API_KEY');
    expect(text).toContain('--api-key-file F');
    expect(text).toMatch(/--api-key K .*ps/);
  });

  it('the real process: --version and ingest --help on stdout, nothing on stderr', async () => {
    const v = await cliProcess(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^copyright-ledger \d+\.\d+\.\d+\n$/);
    expect(v.stderr).toBe('');
    const h = await cliProcess(['ingest', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('usage: copyright-ledger ingest');
    expect(h.stderr).toBe('');
  });
});

/** True when dist/ is built and no build input is newer than its stamp (scripts/build-if-stale.mjs). */
function distFresh(): boolean {
  const stamp = join(PROJECT_ROOT, 'dist', '.build-stamp');
  if (!existsSync(stamp)) return false;
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : e.name.endsWith('.test.ts') ? 0 : statSync(join(dir, e.name)).mtimeMs)));
  const inputs = ['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(PROJECT_ROOT, f)).mtimeMs);
  return statSync(stamp).mtimeMs >= Math.max(newest(join(PROJECT_ROOT, 'src')), ...inputs);
}

describe('npx copyright-ledger inside the repository', () => {
  // With a stale dist/ npx would rightly rebuild it, under the feet of other tests: run only on a fresh build.
  it.skipIf(!distFresh())('runs the built CLI at once, without rebuilding dist/', async () => {
    const cache = await makeTempDir('cl-npx-cache-');
    const before = (await stat(join(PROJECT_ROOT, 'dist', '.build-stamp'))).mtimeMs;
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_cache: cache.path, npm_config_offline: 'true', npm_config_update_notifier: 'false' };
    delete env.NODE_OPTIONS;
    const r = await runProcess('npx', ['copyright-ledger', '--version'], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^copyright-ledger \d+\.\d+\.\d+$/m);
    expect(r.stderr).not.toMatch(/building dist/);
    expect((await stat(join(PROJECT_ROOT, 'dist', '.build-stamp'))).mtimeMs).toBe(before);
    await cache.remove();
  });
});

describe('errors: one line on stderr, exit 2; the usage only for usage errors', () => {
  it.each([
    ['audit', ['audit', '--server', 'DEAD']],
    ['export', ['export', '--server', 'DEAD', '--out', 'OUT']],
    ['ingest', ['ingest', 'WORKS', '--server', 'DEAD']],
  ])('%s against a server nothing answers on', async (_name, argv) => {
    const args = argv.map((a) => (a === 'OUT' ? join(tmp.path, `dead-${randomBytes(4).toString('hex')}.tar`) : a === 'WORKS' ? works : a === 'DEAD' ? DEAD : a));
    const r = await cliProcess(args, { COPYRIGHT_LEDGER_API_KEY: apiKey });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('note: '));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(new URL(DEAD).host);
    expect(lines[0]).toMatch(/^copyright-ledger: .*ECONNREFUSED/);
    expect(r.stderr).not.toContain('usage:');
  });

  it.each([
    ['an unknown option', ['audit', '--bogus'], 'audit'],
    ['a missing --server', ['ingest', 'WORKS'], 'ingest'],
    ['a --server that is not a URL', ['ingest', 'WORKS', '--server', 'not a url'], 'ingest'],
    ['export without --out', ['export', '--server', 'http://127.0.0.1:1'], 'export'],
    ['verify without a certificate', ['verify'], 'verify'],
    ['migrate without --to', ['migrate', '--from', 'WORKS'], 'migrate'],
  ])('%s: the message, then that command’s usage', async (_name, argv, command) => {
    const r = await runCli(argv.map((a) => (a === 'WORKS' ? works : a)));
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    const text = r.err.join('\n');
    expect(text).toMatch(/^copyright-ledger: \S/);
    expect(text).toContain(`usage: copyright-ledger ${command} `);
    expect(text).toContain(`copyright-ledger ${command} --help`);
  });

  it('a missing ingest folder: one line naming it', async () => {
    const r = await cliProcess(['ingest', join(tmp.path, 'no-such-folder'), '--server', svc.url], { COPYRIGHT_LEDGER_API_KEY: apiKey });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^copyright-ledger: cannot read .*no-such-folder: no such file or directory\n$/);
  });
});

describe('the API key of ingest', () => {
  it('from COPYRIGHT_LEDGER_API_KEY: deposits, no warning', async () => {
    const r = await cliProcess(['ingest', works, '--server', svc.url], { COPYRIGHT_LEDGER_API_KEY: apiKey });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ingest done: 5 works, 5 deposited/);
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('from --api-key-file (the first line), no warning', async () => {
    const keyFile = join(tmp.path, 'api.key');
    await writeFile(keyFile, apiKey + '\n', { mode: 0o600 });
    const r = await cliProcess(['ingest', works, '--server', svc.url, '--api-key-file', keyFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ingest done: 5 works, 5 deposited \(0 new, 5 already in the log\)/);
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('--api-key still works, with a warning that ps shows it', async () => {
    const r = await cliProcess(['ingest', works, '--server', svc.url, '--api-key', apiKey]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^copyright-ledger: warning: --api-key is visible to other users .*ps.*COPYRIGHT_LEDGER_API_KEY.*--api-key-file/m);
  });

  it('none given, an empty or missing key file, both options: exit 2', async () => {
    const none = await cliProcess(['ingest', works, '--server', svc.url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^copyright-ledger: an API key is required: env COPYRIGHT_LEDGER_API_KEY, or --api-key-file F/);
    const empty = join(tmp.path, 'empty.key');
    await writeFile(empty, '\n');
    for (const argv of [
      ['--api-key-file', empty],
      ['--api-key-file', join(tmp.path, 'missing.key')],
      ['--api-key-file', empty, '--api-key', apiKey],
    ]) {
      const r = await runCli(['ingest', works, '--server', svc.url, ...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err[0]).toMatch(/^copyright-ledger: /);
    }
  });

  it('a wrong key: every work fails with the server’s answer, exit 1', async () => {
    const r = await cliProcess(['ingest', works, '--server', svc.url], { COPYRIGHT_LEDGER_API_KEY: 'cl_wrong_key_0123456789abcdef' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED w0\.txt: HTTP 401/);
  });
});

describe('--json', () => {
  it('ingest --json: one JSON summary on stdout, no progress on stderr', async () => {
    const fresh = join(tmp.path, 'works-json');
    await mkdir(fresh);
    for (let i = 0; i < 3; i++) await writeFile(join(fresh, `j${i}.txt`), randomBytes(64));
    const r = await cliProcess(['ingest', fresh, '--server', svc.url, '--json'], { COPYRIGHT_LEDGER_API_KEY: apiKey });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, total: 3, deposited: 3, created: 3, alreadyInLog: 0, skipped: 0, failed: 0, interrupted: false, failures: [] });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  it('ingest --json lists failures, exit 1', async () => {
    const manifest = join(tmp.path, 'manifest.jsonl');
    await writeFile(manifest, JSON.stringify({ path: 'works/w0.txt' }) + '\n' + JSON.stringify({ path: 'missing.bin' }) + '\n');
    const r = await cliProcess(['ingest', manifest, '--server', svc.url, '--json'], { COPYRIGHT_LEDGER_API_KEY: apiKey });
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as { ok: boolean; total: number; failed: number; failures: { path: string; reason: string }[] };
    expect(s).toMatchObject({ ok: false, total: 2, failed: 1 });
    expect(s.failures[0]).toMatchObject({ path: 'missing.bin', reason: expect.stringMatching(/^cannot hash/) });
  });

  it('audit --json: ok with the counts; a wrong pinned key: ok false naming block 0, exit 1', async () => {
    const r = await cliProcess(['audit', '--server', svc.url, '--json', '--key', svc.ledger.verifierKey]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; blocks: number; entries: number; problems: unknown[] };
    expect(report).toMatchObject({ ok: true, entries: Number(svc.ledger.treeSize), problems: [] });
    expect(report.blocks).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
    const x = createPublicKey(generateKeyPairSync('ed25519').privateKey).export({ format: 'jwk' }).x!;
    const other = formatVerifierKey(svc.ledger.verifierKey.split('+')[0]!, new Uint8Array(Buffer.from(x, 'base64url')));
    const bad = await runCli(['audit', '--server', svc.url, '--json', '--key', other]);
    expect(bad.code).toBe(1);
    const failed = JSON.parse(bad.out.join('\n')) as { ok: boolean; problems: { kind: string; at: number; message: string }[] };
    expect(failed.ok).toBe(false);
    expect(failed.problems[0]).toMatchObject({ kind: 'block', at: 0 });
  });

  it('export --json, then audit --archive --json', async () => {
    const out = join(tmp.path, 'log.tar');
    const r = await cliProcess(['export', '--server', svc.url, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ ok: true, out, entries: Number(svc.ledger.treeSize) });
    const a = await runCli(['audit', '--archive', out, '--json', '--key', svc.ledger.verifierKey]);
    expect(a.code, a.text).toBe(0);
    expect(JSON.parse(a.out.join('\n'))).toMatchObject({ ok: true, entries: info.entries, problems: [] });
    // A changed byte in the archive: ok false naming the file.
    const bytes = await readFile(out);
    const at = bytes.indexOf('"sha256"');
    expect(at).toBeGreaterThan(0);
    bytes[at + 12]! ^= 0x01;
    const changed = join(tmp.path, 'changed.tar');
    await writeFile(changed, bytes);
    const c = await runCli(['audit', '--archive', changed, '--json', '--key', svc.ledger.verifierKey]);
    expect(c.code).toBe(1);
    const report = JSON.parse(c.out.join('\n')) as { ok: boolean; problems: { kind: string; file?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems[0]!.file).toEqual(expect.any(String));
  });
});

describe('the ingest progress bar on a terminal', () => {
  it('moves while the run goes (not only at 0 % and 100 %)', async () => {
    const many = join(tmp.path, 'works-progress');
    await mkdir(many);
    for (let i = 0; i < 120; i++) await writeFile(join(many, `p${i}.txt`), randomBytes(32 + i));
    const writes: string[] = [];
    const tty = { isTTY: true, write: (t: string) => (writes.push(t), true) } as unknown as NodeJS.WriteStream;
    // Each batch answer takes 150 ms: twelve batches, two in flight, last about a second.
    const slow: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/deposits/batch')) await new Promise((r) => setTimeout(r, 150));
      return fetch(input, init);
    };
    const s = await runIngest({ source: many, server: svc.url, apiKey, concurrency: 2, upload: false, batch: 10, fetch: slow, progress: tty });
    expect(s.deposited).toBe(120);
    const pcts = writes.map((w) => /(\d+\.\d)% /.exec(w)?.[1]).filter((p): p is string => p !== undefined).map(Number);
    expect(pcts.length).toBeGreaterThanOrEqual(5);
    expect(pcts.filter((p) => p > 0 && p < 95).length, pcts.join(' ')).toBeGreaterThanOrEqual(2);
    expect(pcts.at(-1)).toBe(100);
    expect(writes.at(-1)).toBe('\n');
  });
});
