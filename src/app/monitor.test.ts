import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { RecordMonitorStore } from '../adapters/records/monitor-store.js';
import { verifyWebhookSignature } from '../core/webhook-signature.js';
import type { Matches } from './matches.js';
import { Monitor, type WebhookSender } from './monitor.js';
import type { AccountRecord } from './ports.js';
import { WorkClaims } from './work-claims.js';

const account: AccountRecord = { id: 'acc_p', name: 'P', email: 'p@example.com', kind: 'organisation', role: 'platform', createdAt: '2026-11-30T00:00:00.000Z' };
let n = 0;
const random = (k: number) => new Uint8Array(k).map(() => n++ & 0xff);

const other: AccountRecord = { ...account, id: 'acc_q', name: 'Q', email: 'q@example.com' };

function make(sender: WebhookSender, attempts = 3, matchSha256: (a: AccountRecord, sha: string) => Promise<unknown[]> = async () => [], perAccount?: number, shared?: { store: MemoryLogStore; claims: WorkClaims }) {
  const store = shared?.store ?? new MemoryLogStore();
  const matches = { matchSha256 } as unknown as Matches;
  const monitor = new Monitor({
    monitors: new RecordMonitorStore(store),
    matches,
    accounts: { get: async (id) => [account, other].find((a) => a.id === id) },
    sender,
    clock: { now: () => Date.now() },
    random,
    limits: { maxQueue: 2, attempts, backoffMs: 20, timeoutMs: 1000, captureWaitMs: 1000, allowPrivate: false, ...(perAccount !== undefined ? { perAccount } : {}) },
    log: () => undefined,
    ...(shared ? { claims: new WorkClaims(shared.claims) } : {}),
  });
  return { monitor, store };
}

async function settled(monitor: Monitor, id: string, viewer = account) {
  for (let i = 0; i < 400; i++) {
    const b = await monitor.get(id, viewer);
    if (b.delivery.status === 'delivered' || b.delivery.status === 'failed') return b;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('never settled');
}

describe('Monitor', () => {
  it('signs each delivery and retries with exponential back-off until the receiver answers 2xx', async () => {
    const calls: { at: number; headers: Record<string, string>; body: Uint8Array }[] = [];
    const { monitor } = make({
      send: async (_url, headers, body) => {
        calls.push({ at: Date.now(), headers, body });
        return { status: calls.length < 3 ? 503 : 200 };
      },
    });
    const hook = await monitor.setWebhook(account, 'https://hooks.example.com/cl');
    const b = await monitor.submit(account, [{ sha256: 'a'.repeat(64) }]);
    const done = await settled(monitor, b.id);
    expect(done.delivery.status).toBe('delivered');
    expect(done.delivery.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(15);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(35);
    for (const c of calls) expect(verifyWebhookSignature(c.headers['X-CL-Signature']!, hook.secret, c.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(calls.map((c) => c.headers['X-CL-Delivery'])).toEqual([`${b.id}.1`, `${b.id}.2`, `${b.id}.3`]);
    await monitor.close();
  });

  it('marks the delivery failed after the last attempt; errors are recorded', async () => {
    const { monitor } = make({
      send: async () => {
        throw new Error('connection refused');
      },
    }, 2);
    await monitor.setWebhook(account, 'https://hooks.example.com/cl');
    const b = await monitor.submit(account, [{ sha256: 'a'.repeat(64) }]);
    const done = await settled(monitor, b.id);
    expect(done.delivery.status).toBe('failed');
    expect(done.delivery.attempts.map((a) => a.error)).toEqual(['connection refused', 'connection refused']);
    await monitor.close();
  });

  it('refuses webhook URLs the SSRF rules forbid, batches without a webhook, and a full queue', async () => {
    const { monitor } = make({ send: async () => ({ status: 200 }) });
    await expect(monitor.submit(account, [{ sha256: 'a'.repeat(64) }])).rejects.toMatchObject({ code: 'conflict' });
    for (const url of ['http://127.0.0.1/', 'http://10.1.2.3/', 'ftp://example.com/', 'http://user:pw@example.com/', 'http://intranet/']) {
      await expect(monitor.setWebhook(account, url)).rejects.toMatchObject({ code: 'invalid_request' });
    }
    await monitor.close();
  });

  it('refuses more than 20 URL items in a batch', async () => {
    const { monitor } = make({ send: async () => ({ status: 200 }) });
    await monitor.setWebhook(account, 'https://hooks.example.com/cl');
    const urls = Array.from({ length: 21 }, (_, i) => ({ url: `https://example.com/${i}` }));
    await expect(monitor.submit(account, urls)).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'items', reason: 'too_many_urls' } });
    await monitor.close();
  });

  it('limits the batches one account has queued or running, and serves accounts in turn', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { monitor } = make(
      { send: async () => ({ status: 200 }) },
      3,
      async (a, sha) => {
        order.push(`${a.id}:${sha[0]}`);
        if (sha[0] === '0') await gate;
        return [];
      },
      3,
    );
    (monitor as unknown as { d: { limits: { maxQueue: number } } }).d.limits.maxQueue = 10;
    await monitor.setWebhook(account, 'https://hooks.example.com/p');
    await monitor.setWebhook(other, 'https://hooks.example.com/q');
    const sha = (c: string) => c.repeat(64);
    const first = await monitor.submit(account, [{ sha256: sha('0') }]);
    // Let the first batch start (it waits on the gate), then queue the rest.
    while (order.length === 0) await new Promise((r) => setTimeout(r, 5));
    await monitor.submit(account, [{ sha256: sha('1') }]);
    await monitor.submit(account, [{ sha256: sha('2') }]);
    await expect(monitor.submit(account, [{ sha256: sha('3') }])).rejects.toMatchObject({ code: 'rate_limited' });
    const q = await monitor.submit(other, [{ sha256: sha('a') }]);
    release();
    await settled(monitor, first.id);
    await settled(monitor, q.id, other);
    for (let i = 0; i < 400 && order.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    // The other account's batch runs before this account's second and third, though queued after them.
    expect(order).toEqual(['acc_p:0', 'acc_q:a', 'acc_p:1', 'acc_p:2']);
    await monitor.close();
  });

  it('two processes on one store: a delivery one of them runs is not sent again by the other resuming it, nor is a retry the other made', async () => {
    // One store and one set of claims shared by two monitors, as PostgreSQL and its advisory locks are by two processes.
    const shared = { store: new MemoryLogStore(), claims: new WorkClaims() };
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = make({
      send: async (_url, headers) => {
        calls.push(`a:${headers['X-CL-Delivery']}`);
        await gate;
        return { status: 503 };
      },
    }, 3, undefined, undefined, shared).monitor;
    (a as unknown as { d: { limits: { backoffMs: number } } }).d.limits.backoffMs = 300;
    const b = make({
      send: async (_url, headers) => {
        calls.push(`b:${headers['X-CL-Delivery']}`);
        return { status: 200 };
      },
    }, 3, undefined, undefined, shared).monitor;
    await a.setWebhook(account, 'https://hooks.example.com/cl');
    const batch = await a.submit(account, [{ sha256: 'a'.repeat(64) }]);
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    // The first attempt is in flight in a: b, taking on stored work, leaves it to a.
    await b.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual([`a:${batch.id}.1`]);
    release();
    for (let i = 0; i < 400 && (await b.get(batch.id, account)).delivery.attempts.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
    // a failed and waits to retry; b resumes the retry now, and a's own retry then finds it made.
    await b.resume();
    const done = await settled(b, batch.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(done.delivery.attempts.map((t) => t.status)).toEqual([503, 200]);
    expect(calls).toEqual([`a:${batch.id}.1`, `b:${batch.id}.2`]);
    await a.close();
    await b.close();
  });
});
