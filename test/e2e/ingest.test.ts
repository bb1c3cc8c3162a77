/**
 * `copyright-ledger ingest` (contract §7, issue 4): a run killed midway (SIGKILL: a crash) or
 * interrupted (SIGINT: Ctrl-C) and run again with the same state file deposits every file exactly
 * once, and every certificate it wrote verifies offline with the file.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest } from '../../src/adapters/cli/ingest.js';
import { PROJECT_ROOT, runCli } from '../support/proc.js';
import { createAccount, startTestService, tempDir, type TestService } from '../support/service.js';

const N_SMALL = 600;

async function makeWorks(root: string, n: number): Promise<Map<string, string>> {
  const hashes = new Map<string, string>(); // relative path → sha256
  for (let i = 0; i < n; i++) {
    const rel = `${i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b/c' : 'd'}/w${i}.txt`;
    const bytes = Buffer.concat([Buffer.from(`work ${i} `), randomBytes(40 + (i % 200))]);
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), bytes);
    hashes.set(rel, createHash('sha256').update(bytes).digest('hex'));
  }
  return hashes;
}

async function lines(path: string): Promise<number> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
  } catch {
    return 0;
  }
}

/** Runs the CLI as a child process; `until` decides when to send `signal`. */
function cliChild(args: string[], signal: NodeJS.Signals, until: () => Promise<boolean>) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/cli-launcher.ts', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, sig) => res({ code, signal: sig })));
  let sent = false;
  const poll = setInterval(() => {
    void until().then((yes) => {
      if (yes && !sent && child.exitCode === null) {
        sent = true;
        child.kill(signal);
      }
    });
  }, 5);
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return {
    done: exited.finally(() => {
      clearInterval(poll);
      clearTimeout(hardStop);
    }),
    output: () => out,
    sent: () => sent,
  };
}

describe('ingest', () => {
  let svc: TestService;
  let key: string;
  let logKey: string;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    svc = await startTestService();
    key = (await createAccount(svc.url, { kind: 'organisation' })).apiKey;
    logKey = (await (await fetch(`${svc.url}/v1/log/key`)).text()).trim();
    dir = await tempDir('cl-ingest-');
  });
  afterAll(async () => {
    await svc.stop();
    await dir.remove();
  });

  const depositsOf = async (sha256: string) =>
    ((await (await fetch(`${svc.url}/v1/deposits?sha256=${sha256}`)).json()) as { deposits: unknown[] }).deposits.length;

  it('killed midway (SIGKILL) and run again: every file deposited exactly once; every certificate verifies offline', async () => {
    const works = join(dir.path, 'works');
    const hashes = await makeWorks(works, N_SMALL);
    // Two files over 1 MiB take the streaming path (SM3 on the worker pool).
    for (const name of ['big/one.bin', 'big/two.bin']) {
      const bytes = randomBytes(1_500_000 + name.length);
      await mkdir(join(works, 'big'), { recursive: true });
      await writeFile(join(works, name), bytes);
      hashes.set(name, createHash('sha256').update(bytes).digest('hex'));
    }
    const state = join(dir.path, 'state.jsonl');
    const out = join(dir.path, 'certs');
    const args = ['ingest', works, '--server', svc.url, '--api-key', key, '--state', state, '--out', out, '--batch', '10', '--concurrency', '4'];
    const startSize = Number(svc.ledger.treeSize);

    let atKill = 0;
    const first = cliChild(args, 'SIGKILL', async () => {
      atKill = await lines(state);
      return atKill >= 40;
    });
    const exit = await first.done;
    expect(first.sent(), `the first run finished before it could be killed:\n${first.output()}`).toBe(true);
    expect(exit.signal).toBe('SIGKILL');
    expect(atKill).toBeLessThan(hashes.size);

    // The rerun resumes from the state file.
    const again = await runCli(args);
    expect(again.code, again.text).toBe(0);
    expect(again.text).toMatch(/ingest done: 602 works/);
    const skipped = Number(/(\d+) skipped/.exec(again.text)![1]);
    expect(skipped).toBeGreaterThanOrEqual(40);

    // Exactly once: the tree grew by one entry per file and each SHA-256 has one deposit.
    expect(Number(svc.ledger.treeSize) - startSize).toBe(hashes.size);
    for (const sha of hashes.values()) expect(await depositsOf(sha)).toBe(1);

    // The state file names every file.
    const recorded = new Set(
      (await readFile(state, 'utf8'))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .flatMap((l) => {
          try {
            return [(JSON.parse(l) as { path: string }).path];
          } catch {
            return [];
          }
        }),
    );
    expect([...hashes.keys()].every((p) => recorded.has(p))).toBe(true);

    // One certificate per work, each verifying offline against its file and the pinned key.
    const certs = (await readdir(out, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => relative(out, join(d.parentPath, d.name)));
    expect(certs.sort()).toEqual([...hashes.keys()].map((p) => `${p}.certificate.json`).sort());
    for (const rel of hashes.keys()) {
      const v = await runCli(['verify', join(out, `${rel}.certificate.json`), '--file', join(works, rel), '--key', logKey]);
      expect(v.code, `${rel}: ${v.text}`).toBe(0);
    }

    // A third run has nothing to do.
    const third = await runCli(args);
    expect(third.code).toBe(0);
    expect(third.text).toMatch(/0 deposited .* 602 skipped/);
    expect(Number(svc.ledger.treeSize) - startSize).toBe(hashes.size);
  });

  it('Ctrl-C (SIGINT) stops cleanly with exit 130; a rerun without the state file still deposits nothing twice', async () => {
    const works = join(dir.path, 'works2');
    const hashes = await makeWorks(works, 300);
    const state = join(dir.path, 'state2.jsonl');
    const args = ['ingest', works, '--server', svc.url, '--api-key', key, '--state', state, '--batch', '5', '--concurrency', '2'];
    const startSize = Number(svc.ledger.treeSize);
    const first = cliChild(args, 'SIGINT', async () => (await lines(state)) >= 10);
    const exit = await first.done;
    expect(first.sent()).toBe(true);
    expect(exit.code, first.output()).toBe(130);
    expect(first.output()).toMatch(/INTERRUPTED/);
    const done = await lines(state);
    expect(done).toBeLessThan(hashes.size);

    // Even with the state file gone, externalIds keep every work deposited once.
    const again = await runCli(['ingest', works, '--server', svc.url, '--api-key', key, '--concurrency', '8']);
    expect(again.code, again.text).toBe(0);
    expect(again.text).toMatch(new RegExp(`300 deposited \\(${300 - done} new, ${done} already in the log\\)`));
    expect(Number(svc.ledger.treeSize) - startSize).toBe(hashes.size);
  });

  it('a manifest with metadata and externalIds; failures are listed and exit 1', async () => {
    const works = join(dir.path, 'works3');
    await makeWorks(works, 3);
    const manifest = join(works, 'manifest.jsonl');
    await writeFile(
      manifest,
      [
        JSON.stringify({ path: 'a/w0.txt', metadata: { title: '第一', workType: 'literary' }, externalId: 'platform:0001' }),
        JSON.stringify({ path: 'b/c/w1.txt' }),
        JSON.stringify({ path: 'd/w2.txt', metadata: { workType: 'poem' } }),
        '{"path": ',
        JSON.stringify({ path: 'missing.txt' }),
      ].join('\n') + '\n',
    );
    const out = join(dir.path, 'certs3');
    const r = await runCli(['ingest', manifest, '--server', svc.url, '--api-key', key, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/5 works, 2 deposited/);
    expect(r.text).toMatch(/FAILED d\/w2.txt: .*metadata.workType/);
    expect(r.text).toMatch(/FAILED manifest line 4: not JSON/);
    expect(r.text).toMatch(/FAILED missing.txt: cannot hash/);
    const cert = JSON.parse(await readFile(join(out, 'a/w0.txt.certificate.json'), 'utf8')) as { work: { metadata: { title: string } } };
    expect(cert.work.metadata.title).toBe('第一');
    // The given externalId is idempotent: uploading the same line again changes nothing.
    const size = svc.ledger.treeSize;
    await writeFile(manifest, JSON.stringify({ path: 'a/w0.txt', metadata: { title: '第一', workType: 'literary' }, externalId: 'platform:0001' }) + '\n');
    const again = await runCli(['ingest', manifest, '--server', svc.url, '--api-key', key, '--upload']);
    expect(again.code, again.text).toBe(0);
    expect(svc.ledger.treeSize).toBe(size + 1n); // --upload uses an Idempotency-Key, a separate claim from the batch externalId
    const third = await runCli(['ingest', manifest, '--server', svc.url, '--api-key', key, '--upload']);
    expect(third.code).toBe(0);
    expect(svc.ledger.treeSize).toBe(size + 1n);
  });

  it('retries 503 and 429 honouring Retry-After', async () => {
    const works = join(dir.path, 'works4');
    await makeWorks(works, 20);
    let refusals = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/deposits/batch') && refusals < 2) {
        refusals++;
        return new Response(JSON.stringify({ code: refusals === 1 ? 'overloaded' : 'rate_limited' }), {
          status: refusals === 1 ? 503 : 429,
          headers: { 'retry-after': '1', 'content-type': 'application/problem+json' },
        });
      }
      return fetch(input, init);
    };
    const t = Date.now();
    const s = await runIngest({ source: works, server: svc.url, apiKey: key, concurrency: 4, upload: false, batch: 1000, fetch: flaky, progress: null });
    expect(refusals).toBe(2);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1900);
    expect(s.failures).toEqual([]);
    expect(s.deposited).toBe(20);
  });

  it('fetches certificates with one POST /v1/certificates per batch of up to 1,000 works, byte for byte as GET answers them', async () => {
    const works = join(dir.path, 'works5');
    const hashes = await makeWorks(works, 2_500);
    const out = join(dir.path, 'certs5');
    const certRequests: number[] = [];
    let singleGets = 0;
    const counting: typeof fetch = async (input, init) => {
      const url = String(input);
      if (url.endsWith('/v1/certificates')) certRequests.push((JSON.parse(String(init?.body)) as { ids: string[] }).ids.length);
      if (/\/v1\/deposits\/[^/]+\/certificate$/.test(url)) singleGets++;
      return fetch(input, init);
    };
    const s = await runIngest({ source: works, server: svc.url, apiKey: key, concurrency: 8, upload: false, batch: 1000, out, fetch: counting, progress: null });
    expect(s.failures).toEqual([]);
    expect(s.deposited).toBe(2_500);
    expect(certRequests.sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
    expect(singleGets).toBe(0);
    const certs = (await readdir(out, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
    expect(certs).toHaveLength(2_500);

    // Once the newest block has its token every certificate is final; a second run (no state
    // file: the same deposits again, by externalId) rewrites them, byte for byte the single route's answer.
    const certOf = async (rel: string) => {
      const id = (JSON.parse(await readFile(join(out, `${rel}.certificate.json`), 'utf8')) as { deposit: { id: string } }).deposit.id;
      return (await fetch(`${svc.url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${key}` } })).text();
    };
    // The work deposited last: once its certificate has a token, every one of this run does.
    let last = '';
    let lastIndex = -1;
    for (const rel of hashes.keys()) {
      const index = (JSON.parse(await readFile(join(out, `${rel}.certificate.json`), 'utf8')) as { entry: { index: number } }).entry.index;
      if (index > lastIndex) [last, lastIndex] = [rel, index];
    }
    const deadline = Date.now() + 30_000;
    while ((JSON.parse(await certOf(last)) as { timestamp?: unknown }).timestamp === undefined) {
      if (Date.now() > deadline) throw new Error('no timestamp arrived');
      await new Promise((r) => setTimeout(r, 100));
    }
    certRequests.length = 0;
    const again = await runIngest({ source: works, server: svc.url, apiKey: key, concurrency: 8, upload: false, batch: 1000, out, fetch: counting, progress: null });
    expect(again.failures).toEqual([]);
    expect(again.created).toBe(0);
    expect(certRequests.sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
    for (const rel of [...hashes.keys()].filter((_, i) => i % 250 === 0 || i === 2_499)) {
      const written = await readFile(join(out, `${rel}.certificate.json`), 'utf8');
      expect(written).toBe((await certOf(rel)) + '\n');
    }

    // Uploads: certificates are gathered too (at most 1,000 ids per request, each work's once).
    const up = join(dir.path, 'works6');
    await makeWorks(up, 12);
    certRequests.length = 0;
    const u = await runIngest({ source: up, server: svc.url, apiKey: key, concurrency: 4, upload: true, batch: 1000, out: join(dir.path, 'certs6'), fetch: counting, progress: null });
    expect(u.failures).toEqual([]);
    expect(u.deposited).toBe(12);
    expect(certRequests.reduce((a, b) => a + b, 0)).toBe(12);
    expect(certRequests.length).toBeLessThan(12);
    expect(singleGets).toBe(0);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['ingest', dir.path])).code).toBe(2);
    expect((await runCli(['ingest', dir.path, '--server', 'not a url', '--api-key', 'k'])).code).toBe(2);
    expect((await runCli(['ingest', dir.path, '--server', svc.url, '--api-key', 'k', '--upload', '--hash-only'])).code).toBe(2);
    expect((await runCli(['ingest', join(dir.path, 'nope'), '--server', svc.url, '--api-key', 'k'])).code).toBe(2);
  });
});
