/**
 * Two service processes on one PostgreSQL database (a throwaway loopback cluster), for the state
 * that used to live in one process (docs/SCALING.md): a web capture running in A is not marked
 * interrupted when B starts, and is once A was SIGKILLed (B notices by A's runner lease); the
 * same Idempotency-Key (and externalId) sent many times at once through both processes makes
 * exactly one deposit; a text one process fingerprinted after the other started is matched
 * through the other.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, pageServer, requestCapture, type CaptureView, type PageServer } from '../support/capture.js';
import { pgAvailable, usePgCluster } from '../support/pg.js';
import { killAllServers, makeTempDir, removeAllTempDirs, startServer, type ServerProc } from '../support/proc.js';
import { changeWords, syntheticText } from '../support/synthetic.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let site: PageServer | undefined;

beforeAll(async () => {
  site = await pageServer('127.0.0.1', (req) => {
    if (req.url === '/hang') return; // never answers: the capture keeps running
  });
});

afterAll(async () => {
  await killAllServers();
  await site?.close();
  await removeAllTempDirs();
});

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe.skipIf(!pgAvailable)('several processes on one PostgreSQL database: captures, deposit claims, fingerprints', () => {
  const pgc = usePgCluster();
  let a: ServerProc;
  let b: ServerProc;
  let key: string;
  let capture: CaptureView;
  const capture$ = async (s: ServerProc) => (await (await fetch(`${s.url}/v1/captures/${capture.id}`, { headers: auth(key) })).json()) as CaptureView;

  it('a capture running in A is not marked interrupted when B starts', async () => {
    const url = await pgc.database();
    const keys = await makeTempDir('cl-pg-mp-key-');
    const keyFile = join(keys.path, 'log-key.pem');
    await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const env = { DATABASE_URL: url, LOG_KEY_FILE: keyFile, NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', CAPTURE_TIMEOUT_MS: '600000' };
    a = await startServer({ dataDir: (await makeTempDir('cl-pg-mp-a-')).path, env, timeoutMs: 60_000 });
    const res = await fetch(`${a.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Multi', email: 'mp@example.com', kind: 'organisation' }) });
    expect(res.status, await res.clone().text()).toBe(201);
    key = ((await res.json()) as { apiKey: string }).apiKey;

    const asked = await requestCapture(a.url, key, { url: `${site!.url}/hang` });
    expect(asked.status, await asked.clone().text()).toBe(202);
    capture = (await asked.json()) as CaptureView;
    await waitFor('the capture running in A', async () => (await capture$(a)).status === 'running', 60_000);

    b = await startServer({ dataDir: (await makeTempDir('cl-pg-mp-b-')).path, env, timeoutMs: 60_000 });
    // B swept at start (and sweeps every 10 s): A lives, so its capture still runs.
    expect(await capture$(b)).toMatchObject({ status: 'running' });
    expect(b.stderr()).not.toMatch(/marked failed/);
  }, 180_000);

  it('the same Idempotency-Key or externalId sent at once through both processes makes one deposit', async () => {
    const headers = { ...auth(key), 'content-type': 'application/json' };
    const sha256 = 'ab'.repeat(32);
    const singles = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        fetch(`${(i % 2 === 0 ? a : b).url}/v1/deposits`, { method: 'POST', headers: { ...headers, 'idempotency-key': 'one-deposit-please' }, body: JSON.stringify({ sha256 }) }),
      ),
    );
    const statuses = singles.map((r) => r.status);
    const ids = await Promise.all(singles.map(async (r) => ((await r.json()) as { id: string }).id));
    expect(new Set(ids).size).toBe(1);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(15);

    const batches = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(`${(i % 2 === 0 ? b : a).url}/v1/deposits/batch`, { method: 'POST', headers, body: JSON.stringify({ items: [{ sha256: 'cd'.repeat(32), externalId: 'ext-once' }, { sha256: 'ef'.repeat(32) }] }) }),
      ),
    );
    const bodies = await Promise.all(batches.map(async (r) => ({ status: r.status, body: (await r.json()) as { deposits: { id: string }[] } })));
    for (const r of bodies) expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    expect(new Set(bodies.map((r) => r.body.deposits[0]!.id)).size).toBe(1);
    // The unkeyed items are eight new deposits.
    expect(new Set(bodies.map((r) => r.body.deposits[1]!.id)).size).toBe(8);
  }, 120_000);

  it('a text fingerprinted through A after B started is matched through B', async () => {
    const text = syntheticText(21, 400);
    const form = new FormData();
    form.append('file', new Blob([Buffer.from(text)]), 'work.txt');
    const up = await fetch(`${a.url}/v1/deposits`, { method: 'POST', headers: auth(key), body: form });
    expect(up.status, await up.clone().text()).toBe(201);
    const { id } = (await up.json()) as { id: string };
    await waitFor('the fingerprint of the upload', async () => (await fetch(`${a.url}/v1/deposits/${id}/fingerprint`, { headers: auth(key) })).status === 200, 60_000);
    const res = await fetch(`${b.url}/v1/matches`, { method: 'POST', headers: { ...auth(key), 'content-type': 'application/json' }, body: JSON.stringify({ text: changeWords(text, 0.2, 5) }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { matches: { depositId: string; method: string }[] };
    expect(body.matches.map((m) => [m.depositId, m.method])).toEqual([[id, 'text-minhash']]);
  }, 120_000);

  it('once A is SIGKILLed, B marks its capture interrupted', async () => {
    await a.kill();
    // PostgreSQL drops A's runner lease with its connection; B's sweeps (every 10 s) end the job
    // once they have found the lease free for 15 s (a live process may be reconnecting): 20–30 s.
    await waitFor('the capture marked failed by B', async () => (await capture$(b)).status === 'failed', 90_000);
    expect((await capture$(b)).reason).toMatch(/interrupted/);
    await b.stop();
  }, 120_000);
});
