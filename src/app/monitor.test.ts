import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { verifyWebhookSignature } from '../core/webhook-signature.js';
import type { Matches } from './matches.js';
import { Monitor, type WebhookSender } from './monitor.js';
import type { AccountRecord } from './ports.js';

const account: AccountRecord = { id: 'acc_p', name: 'P', email: 'p@example.com', kind: 'organisation', role: 'platform', createdAt: '2026-11-30T00:00:00.000Z' };
let n = 0;
const random = (k: number) => new Uint8Array(k).map(() => n++ & 0xff);

function make(sender: WebhookSender, attempts = 3) {
  const store = new MemoryLogStore();
  const matches = { matchSha256: async () => [] } as unknown as Matches;
  const monitor = new Monitor({
    store,
    matches,
    accounts: { get: async (id) => (id === account.id ? account : undefined) },
    sender,
    clock: { now: () => Date.now() },
    random,
    limits: { maxQueue: 2, attempts, backoffMs: 20, timeoutMs: 1000, captureWaitMs: 1000, allowPrivate: false },
    log: () => undefined,
  });
  return { monitor, store };
}

async function settled(monitor: Monitor, id: string) {
  for (let i = 0; i < 400; i++) {
    const b = await monitor.get(id, account);
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
});
