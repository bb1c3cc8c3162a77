/**
 * Monitoring with two service processes on one PostgreSQL database (docs/SCALING.md): a webhook
 * delivery left pending by a stop is resumed by the process that holds the sequencer role only,
 * and claimed while it runs, so when both processes start the receiver gets it once, not once
 * per process. When the sequencer is killed with a delivery waiting for its retry, the process
 * that takes the role over resumes it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pageServer, type PageServer } from '../support/capture.js';
import { pgAvailable, usePgCluster } from '../support/pg.js';
import { killAllServers, makeTempDir, removeAllTempDirs, startServer, type ServerProc } from '../support/proc.js';

let receiver: PageServer | undefined;
afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
  await receiver?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Batch {
  id: string;
  status: string;
  delivery: { status: string; attempts: { status?: number }[] };
}

describe.skipIf(!pgAvailable)('monitoring with two processes on one PostgreSQL database', () => {
  const pgc = usePgCluster();

  it('a webhook delivery left pending is delivered once, not once per process, after both start', async () => {
    const deliveries: string[] = [];
    let answer = 503;
    receiver = await pageServer('127.0.0.1', (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        deliveries.push(String(req.headers['x-cl-delivery']));
        // Answered slowly: a delivery is in flight while the other process starts.
        setTimeout(() => res.writeHead(answer).end(), answer === 503 ? 0 : 8_000);
      });
    });
    const url = await pgc.database();
    const keys = await makeTempDir('cl-pg-mon-key-');
    const keyFile = join(keys.path, 'log-key.pem');
    await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const dirA = await makeTempDir('cl-pg-mon-a-');
    const dirB = await makeTempDir('cl-pg-mon-b-');
    // A failed attempt is retried only after 10 minutes: within the test only a resume delivers again.
    const env = { DATABASE_URL: url, LOG_KEY_FILE: keyFile, NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', MONITOR_WEBHOOK_ATTEMPTS: '5', MONITOR_WEBHOOK_BACKOFF_MS: '600000', MONITOR_WEBHOOK_TIMEOUT_MS: '30000' };

    // One process takes the batch; its first delivery attempt fails (503), then it stops.
    let a: ServerProc = await startServer({ dataDir: dirA.path, env, timeoutMs: 60_000 });
    const signup = await fetch(`${a.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Platform', email: 'mon@example.com', kind: 'organisation' }) });
    expect(signup.status, await signup.clone().text()).toBe(201);
    const { apiKey } = (await signup.json()) as { apiKey: string };
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const hook = await fetch(`${a.url}/v1/monitor/webhook`, { method: 'PUT', headers, body: JSON.stringify({ url: `${receiver.url}/hook` }) });
    expect(hook.status, await hook.clone().text()).toBe(200);
    const submitted = await fetch(`${a.url}/v1/monitor/batch`, { method: 'POST', headers, body: JSON.stringify({ items: [{ sha256: 'a'.repeat(64), ref: 'one' }] }) });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const batchOf = async (s: ServerProc): Promise<Batch> => (await (await fetch(`${s.url}/v1/monitor/batches/${id}`, { headers })).json()) as Batch;
    await until('the first delivery attempt', async () => ((await batchOf(a)).delivery.attempts.length === 1 ? true : undefined));
    expect(deliveries).toEqual([`${id}.1`]);
    expect((await batchOf(a)).delivery.status).toBe('pending');
    expect((await a.stop()).code).toBe(0);

    // Both processes start at once; one is the sequencer and resumes the delivery (a process resuming it on its own would send it again while it is in flight).
    answer = 204;
    const [a2, b] = await Promise.all([startServer({ dataDir: dirA.path, env, timeoutMs: 60_000 }), startServer({ dataDir: dirB.path, env, timeoutMs: 60_000 })]);
    a = a2;
    const done = await until('the resumed delivery', async () => {
      const batch = await batchOf(b);
      return batch.delivery.status === 'delivered' ? batch : undefined;
    });
    // Time for a second process's delivery to show, if there were one.
    await sleep(3_000);
    expect(deliveries).toEqual([`${id}.1`, `${id}.2`]);
    expect(done.delivery.attempts.map((t) => t.status)).toEqual([503, 204]);
    expect((await batchOf(a)).delivery).toMatchObject({ status: 'delivered', attempts: [{ status: 503 }, { status: 204 }] });
    const roles = await Promise.all([a, b].map(async (s) => ((await (await fetch(`${s.url}/healthz`)).json()) as { sequencer: boolean }).sequencer));
    expect(roles.filter(Boolean)).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
  }, 240_000);

  it('the sequencer is killed with a delivery waiting to be retried: the process taking over the role delivers it', async () => {
    const deliveries: string[] = [];
    let answer = 503;
    const hookServer = await pageServer('127.0.0.1', (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        deliveries.push(String(req.headers['x-cl-delivery']));
        res.writeHead(answer).end();
      });
    });
    try {
      const url = await pgc.database();
      const keys = await makeTempDir('cl-pg-mon2-key-');
      const keyFile = join(keys.path, 'log-key.pem');
      await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
      const env = { DATABASE_URL: url, LOG_KEY_FILE: keyFile, NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: 'true', MONITOR_WEBHOOK_ATTEMPTS: '5', MONITOR_WEBHOOK_BACKOFF_MS: '600000', MONITOR_WEBHOOK_TIMEOUT_MS: '5000' };
      const a = await startServer({ dataDir: (await makeTempDir('cl-pg-mon2-a-')).path, env, timeoutMs: 60_000 });
      const b = await startServer({ dataDir: (await makeTempDir('cl-pg-mon2-b-')).path, env, timeoutMs: 60_000 });
      const sequencer = async (s: ServerProc) => ((await (await fetch(`${s.url}/healthz`)).json()) as { sequencer: boolean }).sequencer;
      expect(await sequencer(a)).toBe(true);
      expect(await sequencer(b)).toBe(false);
      const signup = await fetch(`${a.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Platform', email: 'mon2@example.com', kind: 'organisation' }) });
      const { apiKey } = (await signup.json()) as { apiKey: string };
      const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      expect((await fetch(`${a.url}/v1/monitor/webhook`, { method: 'PUT', headers, body: JSON.stringify({ url: `${hookServer.url}/hook` }) })).status).toBe(200);
      const submitted = await fetch(`${a.url}/v1/monitor/batch`, { method: 'POST', headers, body: JSON.stringify({ items: [{ sha256: 'b'.repeat(64) }] }) });
      expect(submitted.status, await submitted.clone().text()).toBe(202);
      const { id } = (await submitted.json()) as { id: string };
      const batchOf = async (s: ServerProc): Promise<Batch> => (await (await fetch(`${s.url}/v1/monitor/batches/${id}`, { headers })).json()) as Batch;
      await until('the first delivery attempt', async () => ((await batchOf(b)).delivery.attempts.length === 1 ? true : undefined));
      // The follower leaves the retry (due in 10 minutes) to the sequencer, which is killed.
      answer = 204;
      await a.kill();
      await until('the take-over', async () => ((await sequencer(b)) ? true : undefined));
      const done = await until('the resumed delivery', async () => {
        const batch = await batchOf(b);
        return batch.delivery.status === 'delivered' ? batch : undefined;
      });
      expect(done.delivery.attempts.map((t) => t.status)).toEqual([503, 204]);
      expect(deliveries).toEqual([`${id}.1`, `${id}.2`]);
      await b.stop();
    } finally {
      await hookServer.close();
    }
  }, 240_000);
});
