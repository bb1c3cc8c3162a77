/**
 * Two service processes on one PostgreSQL database (a throwaway loopback cluster) and one log
 * key: exactly one sequences; the other hands its deposits over and answers when they are
 * committed. Under deposit load through both (single and batch deposits), the sequencer is
 * SIGKILLed: the other reports `"sequencer": true` on /healthz within 5 s, every acknowledged
 * deposit is there with the index and block it was acknowledged with, no index is used twice,
 * blocks 0..latest form one chain (each `prev` is the SHA-256 of the previous signed body), and
 * `audit --server` passes. The killed process, restarted, joins as a follower. Registration
 * approvals sent through both processes at once get distinct, gap-free numbers (without the
 * shared locks, two processes read the same counter and issue a number twice).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockHash, openCheckpoint } from '../../src/core/checkpoint.js';
import { toHex } from '../../src/core/bytes.js';
import { killAllServers, makeTempDir, removeAllTempDirs, runCli, startServer, type ServerProc } from '../support/proc.js';
import { pgAvailable, usePgCluster } from '../support/pg.js';
import { account, api, deposit, submitted } from '../support/registration.js';
import { type DepositJson } from '../support/deposit-json.js';

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

interface Acked extends DepositJson {
  via: 'a' | 'b';
  /** Acknowledged before the sequencer was killed. */
  early: boolean;
}

const hex32 = () => randomBytes(32).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(s: { url: string }): Promise<{ sequencer: boolean; treeSize: number; height: number }> {
  const res = await fetch(`${s.url}/healthz`);
  if (!res.ok) throw new Error(`healthz ${res.status}`);
  return (await res.json()) as { sequencer: boolean; treeSize: number; height: number };
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await cond().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe.skipIf(!pgAvailable)('two processes on one PostgreSQL database', () => {
  const pgc = usePgCluster();

  it('the sequencer is SIGKILLed under load: the other takes over, every acknowledged deposit keeps its index, one chain, audit passes', async () => {
    const url = await pgc.database();
    const keys = await makeTempDir('cl-pg-fo-key-');
    const keyFile = join(keys.path, 'log-key.pem');
    await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const dirA = await makeTempDir('cl-pg-fo-a-');
    const dirB = await makeTempDir('cl-pg-fo-b-');
    const env = { DATABASE_URL: url, LOG_KEY_FILE: keyFile, NODE_ENV: 'test' };

    let a: ServerProc = await startServer({ dataDir: dirA.path, env, timeoutMs: 60_000 });
    const b = await startServer({ dataDir: dirB.path, env, timeoutMs: 60_000 });
    expect(b.logKey).toBe(a.logKey);
    const logKey = a.logKey;
    // The first process took the lease; the second follows it.
    expect((await health(a)).sequencer).toBe(true);
    expect((await health(b)).sequencer).toBe(false);

    const res = await fetch(`${b.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Fail-over', email: 'fo@example.com', kind: 'organisation' }) });
    expect(res.status, await res.clone().text()).toBe(201);
    const { apiKey } = (await res.json()) as { apiKey: string };
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

    // Load: 8 clients, alternately through each live process; half send single deposits, half batches of 5.
    const acked: Acked[] = [];
    const statuses = new Map<string, number>();
    const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
    let aAlive = true;
    let killing = false;
    let running = true;
    const client = async (n: number) => {
      for (let i = 0; running; i++) {
        const via: 'a' | 'b' = aAlive && (n + i) % 2 === 0 ? 'a' : 'b';
        const base = via === 'a' ? a.url : b.url;
        const batch = n % 2 === 1;
        try {
          const r = batch
            ? await fetch(`${base}/v1/deposits/batch`, { method: 'POST', headers, body: JSON.stringify({ items: Array.from({ length: 5 }, () => ({ sha256: hex32() })) }) })
            : await fetch(`${base}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: hex32() }) });
          count(`${via} ${r.status}`);
          const body = await r.text();
          if (r.status !== 201) continue;
          const got = JSON.parse(body) as DepositJson | { deposits: DepositJson[] };
          for (const d of 'deposits' in got ? got.deposits : [got]) acked.push({ id: d.id, index: d.index, sha256: d.sha256, block: d.block, via, early: !killing });
        } catch {
          count(`${via} network error`);
          await sleep(20);
        }
      }
    };
    const loadStarted = Date.now();
    const clients = Array.from({ length: 8 }, (_, n) => client(n));

    // A few seconds of load in all: at least 1.5 s before the kill and 2 s after it.
    await waitFor(
      'deposits acknowledged through both processes',
      async () => acked.some((d) => d.via === 'a') && acked.some((d) => d.via === 'b') && acked.length >= 200 && Date.now() - loadStarted >= 1_500,
      30_000,
    );
    const beforeKill = acked.length;
    killing = true;
    await a.kill();
    const killedAt = Date.now();
    aAlive = false;
    const tookOver = await waitFor('the follower reports "sequencer": true', async () => (await health(b)).sequencer, 5_000);
    expect(tookOver).toBeLessThan(5_000);
    // Load goes on through the new sequencer.
    await waitFor('deposits acknowledged after the take-over', async () => acked.length >= beforeKill + 200 && Date.now() - killedAt >= 2_000, 30_000);
    running = false;
    await Promise.all(clients);
    const loadMs = Date.now() - loadStarted;

    // Every acknowledged deposit is there, at the index and block it was acknowledged with.
    expect(new Set(acked.map((d) => d.index)).size, 'no index acknowledged twice').toBe(acked.length);
    for (const d of acked) {
      const r = await fetch(`${b.url}/v1/deposits/${d.id}`, { headers });
      expect(r.status, `deposit ${d.id} (via ${d.via})`).toBe(200);
      const got = (await r.json()) as DepositJson;
      expect({ id: got.id, index: got.index, sha256: got.sha256, block: got.block }).toEqual({ id: d.id, index: d.index, sha256: d.sha256, block: d.block });
    }

    // One chain, blocks 0..latest, each linking to the SHA-256 of the previous signed body; no entry twice.
    const latest = (await (await fetch(`${b.url}/v1/blocks/latest`)).json()) as { height: number; treeSize: number };
    let prevBody: string | undefined;
    let prevSize = 0n;
    for (let h = 0; h <= latest.height; h++) {
      const blk = (await (await fetch(`${b.url}/v1/blocks/${h}`)).json()) as { checkpoint: string };
      const { checkpoint, body } = openCheckpoint(blk.checkpoint, logKey);
      expect(checkpoint.height).toBe(BigInt(h));
      expect(toHex(checkpoint.prevHash), `block ${h} links to block ${h - 1}`).toBe(prevBody === undefined ? '00'.repeat(32) : toHex(blockHash(prevBody)));
      expect(checkpoint.treeSize >= prevSize).toBe(true);
      prevSize = checkpoint.treeSize;
      prevBody = body;
    }
    expect(Number(prevSize)).toBe(latest.treeSize);
    expect(latest.treeSize).toBeGreaterThanOrEqual(acked.length);
    const audit = await runCli(['audit', '--server', b.url, '--key', logKey]);
    expect(audit.code, audit.text).toBe(0);
    expect(audit.text).toContain(`${latest.treeSize} entries`);

    // The killed process comes back as a follower: it serves the log as it is and hands its deposits over.
    a = await startServer({ dataDir: dirA.path, env, timeoutMs: 60_000 });
    expect((await health(a)).sequencer).toBe(false);
    expect((await health(b)).sequencer).toBe(true);
    const r = await fetch(`${a.url}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: hex32() }) });
    expect(r.status, await r.clone().text()).toBe(201);
    const late = (await r.json()) as DepositJson;
    expect(late.index).toBe(latest.treeSize);
    const seen = (await (await fetch(`${b.url}/v1/deposits/${late.id}`, { headers })).json()) as DepositJson;
    expect(seen.index).toBe(late.index);
    // A deposit the sequencer acknowledged is found at once through the follower (it reads the head first).
    const viaSeq = (await (await fetch(`${b.url}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: hex32() }) })).json()) as DepositJson;
    const onFollower = await fetch(`${a.url}/v1/deposits/${viaSeq.id}`, { headers });
    expect(onFollower.status).toBe(200);
    expect(((await onFollower.json()) as DepositJson).index).toBe(viaSeq.index);
    const proof = await fetch(`${a.url}/v1/deposits/${viaSeq.id}/certificate`, { headers });
    expect(proof.status).toBe(200);
    const cp = await (await fetch(`${a.url}/v1/log/checkpoint`)).text();
    expect(openCheckpoint(cp, logKey).checkpoint.treeSize).toBeGreaterThan(BigInt(latest.treeSize));
    // Deposits went through the follower both while it followed and once it sequenced.
    expect(acked.some((d) => d.via === 'b' && d.early)).toBe(true);
    expect(acked.some((d) => d.via === 'b' && !d.early)).toBe(true);
    console.log(`fail-over: ${acked.length} deposits acknowledged in ${loadMs} ms of load, take-over in ${tookOver} ms, answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    await a.stop();
    await b.stop();
  }, 240_000);

  it('approvals through both processes at once get distinct, gap-free registration numbers (the allocation locks across processes)', async () => {
    const url = await pgc.database();
    const keys = await makeTempDir('cl-pg-fo-key-');
    const keyFile = join(keys.path, 'log-key.pem');
    await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const ADMIN_API_KEY = 'admin-key-for-two-processes-0000';
    const env = { DATABASE_URL: url, LOG_KEY_FILE: keyFile, NODE_ENV: 'test', ADMIN_API_KEY };
    const a = await startServer({ dataDir: (await makeTempDir('cl-pg-fo-a-')).path, env, timeoutMs: 60_000 });
    const b = await startServer({ dataDir: (await makeTempDir('cl-pg-fo-b-')).path, env, timeoutMs: 60_000 });
    const creator = await account(a.url, ADMIN_API_KEY);
    const reviewers = [await account(a.url, ADMIN_API_KEY, { role: 'reviewer' }), await account(b.url, ADMIN_API_KEY, { role: 'reviewer' })];
    const dep = await deposit(b.url, creator.key);
    const N = 30;
    const ids: string[] = [];
    for (let i = 0; i < N; i += 10) ids.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => submitted((i + j) % 2 === 0 ? a.url : b.url, creator.key, [dep], { workType: 'fine_art' })))));
    const numbers = await Promise.all(
      ids.map(async (id, i) => {
        const res = await api(i % 2 === 0 ? a.url : b.url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewers[i % 2]!.key });
        expect(res.status, res.text).toBe(200);
        return res.body.number as string;
      }),
    );
    expect(new Set(numbers).size).toBe(N);
    expect(numbers.map((n) => Number(n.split('-')[3])).sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const audit = await runCli(['audit', '--server', b.url, '--key', a.logKey]);
    expect(audit.code, audit.text).toBe(0);
    await a.stop();
    await b.stop();
  }, 180_000);
});
