/**
 * Issue 5, trusted time: RFC 3161 tokens for blocks from an external TSA (`openssl ts` behind a
 * loopback HTTP wrapper) or the built-in one, verified with `openssl ts -verify` and with
 * `copyright-ledger verify`; a hanging TSA never delays deposits; tampering fails the
 * `timestamp` check.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';
import { startService } from '../../src/server.js';
import { makeOpensslTsa, openssl, startTsaServer, type OpensslTsa, type TsaServer } from '../support/openssl-tsa.js';
import { runCli } from '../support/proc.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';

const exec = promisify(execFile);

interface Cert {
  checkpoint: string;
  proof: { treeSize: number };
  timestamp?: { rfc3161: string; tsa: string };
  [k: string]: unknown;
}

/** The checkpoint body: the note text up to the blank line (contract §2.2). */
const bodyOf = (note: string) => note.slice(0, note.indexOf('\n\n') + 1);
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function deposit(url: string, apiKey: string, n: number) {
  const sha256 = createHash('sha256').update(`work ${n} ${Math.random()}`).digest('hex');
  const res = await fetch(`${url}/v1/deposits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sha256, metadata: { title: `work ${n}` } }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; block: number; certificateUrl: string };
}

async function certificate(url: string, apiKey: string, id: string): Promise<Cert> {
  const res = await fetch(`${url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Cert;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const certWithTimestamp = (url: string, apiKey: string, id: string) =>
  waitFor(async () => {
    const c = await certificate(url, apiKey, id);
    return c.timestamp !== undefined ? c : undefined;
  });

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cl-ts-e2e-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(work, name);
  await writeFile(path, JSON.stringify(value, null, 2));
  return path;
}

describe('external TSA: openssl ts behind HTTP', () => {
  let tsa: OpensslTsa;
  let http: TsaServer;
  let svc: TestService;
  let apiKey: string;

  beforeAll(async () => {
    tsa = await makeOpensslTsa({ key: 'rsa' });
    http = await startTsaServer(tsa);
    svc = await startTestService({ TSA_URLS: http.url, TSA_CA_FILE: tsa.caFile, TSA_TIMEOUT_MS: '5000', TSA_BACKOFF_MS: '50', TSA_BACKOFF_MAX_MS: '200' });
    ({ apiKey } = await createAccount(svc.url));
  });
  afterAll(async () => {
    await svc?.stop();
    await http?.close();
    await tsa?.remove();
  });

  it('blocks get tokens that `openssl ts -verify -digest … -CAfile ca` accepts', async () => {
    const dep = await deposit(svc.url, apiKey, 1);
    const cert = await certWithTimestamp(svc.url, apiKey, dep.id);
    expect(cert.timestamp!.tsa).toBe('openssl test TSA');
    const block = (await (await fetch(`${svc.url}/v1/blocks/latest`)).json()) as { height: number };
    // The block the certificate is proved against is the timestamped one.
    const height = Number(/\nblock (\d+)\n/.exec(cert.checkpoint)![1]);
    expect(height).toBeGreaterThanOrEqual(dep.block);
    expect(height).toBeLessThanOrEqual(block.height);
    const res = await fetch(`${svc.url}/v1/blocks/${height}/timestamp`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
    const reply = join(work, 'ext.tsr');
    await writeFile(reply, new Uint8Array(await res.arrayBuffer()));
    const digest = sha256Hex(bodyOf(cert.checkpoint));
    // The reply as served, and the token out of it, and the token from the certificate.
    expect(await openssl(['ts', '-verify', '-digest', digest, '-in', reply, '-CAfile', tsa.caFile])).toMatch(/Verification: OK/);
    const token = join(work, 'ext.tok');
    await openssl(['ts', '-reply', '-in', reply, '-token_out', '-out', token]);
    expect(await openssl(['ts', '-verify', '-digest', digest, '-in', token, '-token_in', '-CAfile', tsa.caFile])).toMatch(/Verification: OK/);
    await writeFile(join(work, 'cert.tok'), Buffer.from(cert.timestamp!.rfc3161, 'base64'));
    expect(await openssl(['ts', '-verify', '-digest', digest, '-in', join(work, 'cert.tok'), '-token_in', '-CAfile', tsa.caFile])).toMatch(/Verification: OK/);
    // …and not for another digest.
    await expect(openssl(['ts', '-verify', '-digest', sha256Hex('other'), '-in', token, '-token_in', '-CAfile', tsa.caFile])).rejects.toThrow();
  });

  it('`copyright-ledger verify --tsa-cert ca.pem` passes and prints the TSA and genTime', async () => {
    const dep = await deposit(svc.url, apiKey, 2);
    const cert = await certWithTimestamp(svc.url, apiKey, dep.id);
    const file = await writeJson('ext-cert.json', cert);
    const key = (await (await fetch(`${svc.url}/v1/log/key`)).text()).trim();
    const r = await runCli(['verify', file, '--key', key, '--tsa-cert', tsa.caFile]);
    expect(r.code, r.text).toBe(0);
    const line = r.out.find((l) => /^ok\s+timestamp/.test(l));
    expect(line).toMatch(/openssl test TSA: genTime \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z over block \d+/);
    expect(line).toMatch(/chains to the pinned TSA certificate/);
    // Pinning another CA fails the timestamp check.
    const other = await makeOpensslTsa({ key: 'ec' });
    try {
      const bad = await runCli(['verify', file, '--key', key, '--tsa-cert', other.caFile]);
      expect(bad.code).toBe(1);
      expect(bad.text).toMatch(/INVALID: timestamp failed/);
    } finally {
      await other.remove();
    }
    // The server's POST /v1/verify pins TSA_CA_FILE.
    const v = (await (await fetch(`${svc.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cert) })).json()) as {
      valid: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    };
    expect(v.valid).toBe(true);
    expect(v.checks.find((c) => c.name === 'timestamp')?.detail).toMatch(/pinned/);
  });

  it('any changed byte in the token or the checkpoint fails `verify`, naming the timestamp check', async () => {
    const dep = await deposit(svc.url, apiKey, 3);
    const cert = await certWithTimestamp(svc.url, apiKey, dep.id);
    const key = (await (await fetch(`${svc.url}/v1/log/key`)).text()).trim();
    const token = Buffer.from(cert.timestamp!.rfc3161, 'base64');
    const digest = Buffer.from(sha256Hex(bodyOf(cert.checkpoint)), 'hex');
    const imprint = token.indexOf(digest);
    // genTime text (YYYYMMDDhhmmss…): the first place the block's date appears with a 4-digit year.
    const genTime = token.indexOf(Buffer.from(/\ntime (\d{4})-(\d\d)-(\d\d)T/.exec(cert.checkpoint)!.slice(1).join('')));
    expect(imprint).toBeGreaterThan(0);
    expect(genTime).toBeGreaterThan(0);
    const positions: Record<string, number> = {
      'imprint first byte': imprint,
      'imprint last byte': imprint + 31,
      'genTime year': genTime + 3,
      'genTime seconds': genTime + 13,
      'signature (last byte)': token.length - 1,
      'signature (middle)': token.length - 100,
      'a certificate in the token': 300,
      'the outer SEQUENCE tag': 0,
    };
    for (const [what, at] of Object.entries(positions)) {
      const t = Buffer.from(token);
      t[at]! ^= 0x04;
      const file = await writeJson('tampered.json', { ...cert, timestamp: { ...cert.timestamp, rfc3161: t.toString('base64') } });
      const r = await runCli(['verify', file, '--key', key, '--tsa-cert', tsa.caFile]);
      expect(r.code, `${what}: ${r.text}`).toBe(1);
      expect(r.out.find((l) => /^FAIL timestamp/.test(l)), what).toBeDefined();
      expect(r.out.at(-1)).toMatch(/INVALID: .*timestamp/);
    }
    // A changed byte in the checkpoint body (the time line) and in its tree size.
    for (const [what, cp] of [
      ['checkpoint time', cert.checkpoint.replace(/\ntime (\d{4})/, (_m, y: string) => `\ntime ${Number(y) + 1}`)],
      ['checkpoint prev', cert.checkpoint.replace(/\nprev (.)/, (_m, c: string) => `\nprev ${c === 'A' ? 'B' : 'A'}`)],
    ] as const) {
      const file = await writeJson('tampered-cp.json', { ...cert, checkpoint: cp });
      const r = await runCli(['verify', file, '--key', key, '--tsa-cert', tsa.caFile]);
      expect(r.code, what).toBe(1);
      expect(r.out.find((l) => /^FAIL timestamp/.test(l)), `${what}: ${r.text}`).toBeDefined();
    }
    // The TSA label is bound to the token's certificate too.
    const relabel = await writeJson('relabel.json', { ...cert, timestamp: { ...cert.timestamp, tsa: 'Some Other TSA' } });
    const r = await runCli(['verify', relabel, '--key', key]);
    expect(r.code).toBe(1);
    expect(r.out.find((l) => /^FAIL timestamp/.test(l))).toMatch(/not the name in the TSA certificate/);
  });
});

describe('external TSA without TSA_CA_FILE', () => {
  it('stores tokens checked unpinned; POST /v1/verify says the TSA is not pinned', async () => {
    const tsa = await makeOpensslTsa({ key: 'ec384' });
    const http = await startTsaServer(tsa);
    const svc = await startTestService({ TSA_URLS: `${http.url}, ${http.url}?second`, TSA_BACKOFF_MS: '50' });
    try {
      const { apiKey } = await createAccount(svc.url);
      const dep = await deposit(svc.url, apiKey, 1);
      const cert = await certWithTimestamp(svc.url, apiKey, dep.id);
      const v = (await (await fetch(`${svc.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cert) })).json()) as {
        valid: boolean;
        checks: { name: string; ok: boolean; detail: string }[];
      };
      expect(v.valid).toBe(true);
      expect(v.checks.find((c) => c.name === 'timestamp')?.detail).toMatch(/ECDSA P-384; TSA certificate not pinned/);
    } finally {
      await svc.stop();
      await http.close();
      await tsa.remove();
    }
  });
});

describe('built-in TSA', () => {
  let svc: TestService;
  let apiKey: string;
  beforeAll(async () => {
    svc = await startTestService();
    ({ apiKey } = await createAccount(svc.url));
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('keeps its key in DATA_DIR with mode 0600 and serves its certificate', async () => {
    expect((await stat(join(svc.dataDir, 'tsa-key.pem'))).mode & 0o777).toBe(0o600);
    const res = await fetch(`${svc.url}/v1/tsa/certificate`);
    expect(res.status).toBe(200);
    const pem = await res.text();
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    await writeFile(join(work, 'builtin.pem'), pem);
    const text = await openssl(['x509', '-in', join(work, 'builtin.pem'), '-noout', '-text']);
    expect(text).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    expect(text).toMatch(/CN = copyright-ledger built-in TSA \(self-issued time\)/);
  });

  it("tokens for blocks verify with `openssl ts -verify`; certificates say the time is self-issued", async () => {
    const dep = await deposit(svc.url, apiKey, 1);
    const cert = await certWithTimestamp(svc.url, apiKey, dep.id);
    expect(cert.timestamp!.tsa).toBe('copyright-ledger built-in TSA (self-issued time)');
    const height = Number(/\nblock (\d+)\n/.exec(cert.checkpoint)![1]);
    const res = await fetch(`${svc.url}/v1/blocks/${height}/timestamp`);
    const reply = join(work, 'builtin.tsr');
    await writeFile(reply, new Uint8Array(await res.arrayBuffer()));
    await writeFile(join(work, 'builtin.pem'), await (await fetch(`${svc.url}/v1/tsa/certificate`)).text());
    const digest = sha256Hex(bodyOf(cert.checkpoint));
    expect(await openssl(['ts', '-verify', '-digest', digest, '-in', reply, '-CAfile', join(work, 'builtin.pem')])).toMatch(/Verification: OK/);
    const file = await writeJson('builtin-cert.json', cert);
    const r = await runCli(['verify', file, '--key', svc.ledger.verifierKey, '--tsa-cert', join(work, 'builtin.pem')]);
    expect(r.code, r.text).toBe(0);
    expect(r.out.find((l) => /^ok\s+timestamp/.test(l))).toMatch(/SELF-ISSUED/);
  });

  it('the documented shell commands (jq, base64, awk, sha256sum, openssl) verify a certificate', async () => {
    const dep = await deposit(svc.url, apiKey, 2);
    const cert = await certWithTimestamp(svc.url, apiKey, dep.id);
    const dir = await mkdtemp(join(work, 'doc-'));
    await writeFile(join(dir, 'certificate.json'), JSON.stringify(cert));
    await writeFile(join(dir, 'tsa.pem'), await (await fetch(`${svc.url}/v1/tsa/certificate`)).text());
    // Exactly the commands of docs/TIMESTAMPS.md.
    const script = [
      'set -euo pipefail',
      'jq -r .timestamp.rfc3161 certificate.json | base64 -d > token.der',
      "jq -j .checkpoint certificate.json | awk 'NF == 0 { exit } { print }' > body.txt",
      "DIGEST=$(sha256sum body.txt | cut -d' ' -f1)",
      'openssl ts -verify -digest "$DIGEST" -in token.der -token_in -CAfile tsa.pem',
    ].join('\n');
    const { stdout } = await exec('bash', ['-c', script], { cwd: dir });
    expect(stdout).toMatch(/Verification: OK/);
    expect(await readFile(join(dir, 'body.txt'), 'utf8')).toBe(bodyOf(cert.checkpoint));
    const oneGo = await exec('bash', ['-c', 'openssl ts -verify -data body.txt -in token.der -token_in -CAfile tsa.pem'], { cwd: dir });
    expect(oneGo.stdout).toMatch(/Verification: OK/);
    // A block's reply as served.
    const height = /\nblock (\d+)\n/.exec(cert.checkpoint)![1]!;
    const block = [
      'set -euo pipefail',
      'curl -s $SERVER/v1/blocks/$H/timestamp > block.tsr',
      "curl -s $SERVER/v1/blocks/$H | jq -j .checkpoint | awk 'NF == 0 { exit } { print }' > body.txt",
      'openssl ts -verify -data body.txt -in block.tsr -CAfile tsa.pem',
    ].join('\n');
    const served = await exec('bash', ['-c', block], { cwd: dir, env: { ...process.env, SERVER: svc.url, H: height } });
    expect(served.stdout).toMatch(/Verification: OK/);
  });

  it('answers RFC 3161 queries at POST /v1/tsa, verifiable with openssl', async () => {
    const data = join(work, 'data.txt');
    await writeFile(data, 'some work\n');
    const query = join(work, 'q.tsq');
    await openssl(['ts', '-query', '-data', data, '-sha256', '-cert', '-out', query]);
    const res = await fetch(`${svc.url}/v1/tsa`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: await readFile(query) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
    const reply = join(work, 'q.tsr');
    await writeFile(reply, new Uint8Array(await res.arrayBuffer()));
    await writeFile(join(work, 'builtin.pem'), await (await fetch(`${svc.url}/v1/tsa/certificate`)).text());
    expect(await openssl(['ts', '-verify', '-data', data, '-in', reply, '-CAfile', join(work, 'builtin.pem')])).toMatch(/Verification: OK/);
    expect(await openssl(['ts', '-verify', '-queryfile', query, '-in', reply, '-CAfile', join(work, 'builtin.pem')])).toMatch(/Verification: OK/);
    // A malformed query gets a refusal reply; a wrong content type a 415.
    const bad = await fetch(`${svc.url}/v1/tsa`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: 'junk' });
    expect(bad.status).toBe(200);
    await writeFile(join(work, 'bad.tsr'), new Uint8Array(await bad.arrayBuffer()));
    expect(await openssl(['ts', '-reply', '-in', join(work, 'bad.tsr'), '-text'])).toMatch(/Status: Rejected/);
    expect((await fetch(`${svc.url}/v1/tsa`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
  });

  it('GET /v1/blocks/{h}/timestamp: 404 problem+json for a block beyond the log, 400 for a bad height', async () => {
    const r404 = await fetch(`${svc.url}/v1/blocks/999999/timestamp`);
    expect(r404.status).toBe(404);
    expect(r404.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await fetch(`${svc.url}/v1/blocks/x/timestamp`)).status).toBe(400);
  });
});

describe('a TSA that is down or hangs', () => {
  let tsa: OpensslTsa;
  let http: TsaServer;
  beforeAll(async () => {
    tsa = await makeOpensslTsa({ key: 'ec' });
    http = await startTsaServer(tsa, 'hang');
  });
  afterAll(async () => {
    await http?.close();
    await tsa?.remove();
  });

  it('never delays or fails deposits; the token arrives later and later certificates carry it', async () => {
    // Each TSA attempt hangs for TSA_TIMEOUT_MS: a deposit that waited for it would take at least that long.
    const TSA_TIMEOUT_MS = 2_500;
    const svc = await startTestService({ TSA_URLS: http.url, TSA_CA_FILE: tsa.caFile, TSA_TIMEOUT_MS: String(TSA_TIMEOUT_MS), TSA_BACKOFF_MS: '50', TSA_BACKOFF_MAX_MS: '300' });
    try {
      const { apiKey } = await createAccount(svc.url);
      const latencies: number[] = [];
      const deps = [];
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        deps.push(await deposit(svc.url, apiKey, i));
        latencies.push(performance.now() - t0);
      }
      // And 40 at once.
      const t0 = performance.now();
      deps.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => deposit(svc.url, apiKey, 100 + i)))));
      const burst = performance.now() - t0;
      latencies.sort((a, b) => a - b);
      console.log(`deposits while the TSA hangs: median ${latencies[15]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; 40 concurrent in ${burst.toFixed(0)} ms; TSA requests so far ${http.requests}`);
      // Budgets well below one TSA attempt, well above a deposit on a busy machine.
      expect(latencies[15]!).toBeLessThan(TSA_TIMEOUT_MS / 4);
      expect(latencies.at(-1)!).toBeLessThan(TSA_TIMEOUT_MS);
      expect(burst).toBeLessThan(TSA_TIMEOUT_MS);
      expect(http.requests).toBeGreaterThan(0);
      const first = await certificate(svc.url, apiKey, deps[0]!.id);
      expect(first.timestamp).toBeUndefined();
      expect((await fetch(`${svc.url}/v1/blocks/${deps[0]!.block}/timestamp`)).status).toBe(404);

      http.mode = 'error';
      await new Promise((r) => setTimeout(r, 300));
      expect((await certificate(svc.url, apiKey, deps[0]!.id)).timestamp).toBeUndefined();

      http.mode = 'ok';
      const cert = await certWithTimestamp(svc.url, apiKey, deps[0]!.id);
      // Proved against the (later) timestamped block: verify passes, openssl agrees.
      expect(cert.proof.treeSize).toBeGreaterThan(1);
      const file = await writeJson('late.json', cert);
      const r = await runCli(['verify', file, '--key', svc.ledger.verifierKey, '--tsa-cert', tsa.caFile]);
      expect(r.code, r.text).toBe(0);
      await writeFile(join(work, 'late.tok'), Buffer.from(cert.timestamp!.rfc3161, 'base64'));
      expect(await openssl(['ts', '-verify', '-digest', sha256Hex(bodyOf(cert.checkpoint)), '-in', join(work, 'late.tok'), '-token_in', '-CAfile', tsa.caFile])).toMatch(/Verification: OK/);
      // Every deposit made during the outage is covered by that one token.
      for (const d of [deps[1]!, deps.at(-1)!]) expect((await certificate(svc.url, apiKey, d.id)).timestamp?.rfc3161).toBe(cert.timestamp!.rfc3161);
    } finally {
      await svc.stop();
    }
  });

  it('a TSA that refuses connections does not fail deposits either', async () => {
    const svc = await startTestService({ TSA_URLS: 'http://127.0.0.1:9/tsa', TSA_TIMEOUT_MS: '300', TSA_BACKOFF_MS: '50', TSA_BACKOFF_MAX_MS: '100' });
    try {
      const { apiKey } = await createAccount(svc.url);
      for (let i = 0; i < 5; i++) await deposit(svc.url, apiKey, i);
      // The refused attempts are counted (asynchronously, so wait for it rather than race it).
      await waitFor(async () => ((svc.timestamper?.status().failures ?? 0) > 0 ? true : undefined));
    } finally {
      await svc.stop();
    }
  });

  it('after a restart the worker stamps the blocks left without a token', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cl-ts-restart-'));
    const config = (env: Record<string, string>) =>
      ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', TSA_URLS: http.url, TSA_CA_FILE: tsa.caFile, TSA_TIMEOUT_MS: '300', TSA_BACKOFF_MS: '50', TSA_BACKOFF_MAX_MS: '100', ...env });
    try {
      http.mode = 'error';
      const a = await startService(config({}));
      const { apiKey } = await createAccount(a.url);
      const dep = await deposit(a.url, apiKey, 1);
      await a.close();
      http.mode = 'ok';
      const b = await startService(config({}));
      try {
        const cert = await certWithTimestamp(b.url, apiKey, dep.id);
        expect(cert.timestamp!.tsa).toBe('openssl test TSA');
      } finally {
        await b.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
