/**
 * Fair share of the sequencer queue (MAX_QUEUE_ENTRIES_PER_ACCOUNT, docs/LIMITS.md): one account
 * keeps the queue busy with concurrent 10,000-item batches; once it is being turned away with 503
 * overloaded, another account's single deposit still gets 201.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';

describe('fair share of the sequencer queue', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ MAX_BATCH_ENTRIES: '10000', MAX_QUEUE_ENTRIES: '40000', MAX_QUEUE_ENTRIES_PER_ACCOUNT: '20000' });
  });
  afterAll(async () => {
    await svc.stop();
  });

  it("one account's 10k-item batches cannot keep another account's single deposit out", async () => {
    const flooder = await createAccount(svc.url);
    const other = await createAccount(svc.url);
    const items = Array.from({ length: 10_000 }, (_, i) => ({ sha256: createHash('sha256').update(`work ${i}`).digest('hex') }));
    const batch = JSON.stringify({ items });

    let stop = false;
    const refusals: { status: number; code: unknown; retryAfter: string | null }[] = [];
    let accepted = 0;
    let sawRefusal: () => void = () => undefined;
    const refused = new Promise<void>((r) => (sawRefusal = r));
    const worker = async () => {
      while (!stop) {
        const res = await fetch(`${svc.url}/v1/deposits/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${flooder.apiKey}`, 'content-type': 'application/json' },
          body: batch,
        });
        const body = (await res.json()) as { code?: unknown };
        if (res.status === 201) accepted++;
        else {
          refusals.push({ status: res.status, code: body.code, retryAfter: res.headers.get('retry-after') });
          sawRefusal();
        }
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    try {
      // Wait until the flooder has its share of the queue full (it is being refused), then deposit as the other account.
      await Promise.race([refused, new Promise((_, reject) => setTimeout(() => reject(new Error('the flooding account was never refused')), 90_000))]);
      for (let i = 0; i < 3; i++) {
        const single = await fetch(`${svc.url}/v1/deposits`, {
          method: 'POST',
          headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sha256: createHash('sha256').update(`the other work ${i}`).digest('hex') }),
        });
        expect(single.status).toBe(201);
        // Acknowledged with the block that covers it, while the flooder's backlog still waits.
        const dep = (await single.json()) as { index: number; block: number };
        const block = (await (await fetch(`${svc.url}/v1/blocks/${dep.block}`)).json()) as { treeSize: number };
        expect(block.treeSize).toBeGreaterThan(dep.index);
      }
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect(r.status).toBe(503);
      expect(r.code).toBe('overloaded');
      expect(r.retryAfter).toMatch(/^[1-9][0-9]*$/);
    }
    expect(accepted).toBeGreaterThan(0);
  }, 180_000);
});
