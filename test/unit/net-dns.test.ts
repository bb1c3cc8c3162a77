/** net/dns.ts: time-limited DNS resolution for outgoing connections. */
import { describe, expect, it } from 'vitest';
import { lookupsInFlight, resolveHost } from '../../src/adapters/net/dns.js';

describe('resolveHost', () => {
  it('answers loopback for localhost without a query', async () => {
    expect(await resolveHost('localhost')).toEqual(['127.0.0.1', '::1']);
    expect(await resolveHost('app.localhost.')).toEqual(['127.0.0.1', '::1']);
  });

  it('rejects a name that cannot resolve, within its time limit, and frees its slots', async () => {
    const started = Date.now();
    const names = Array.from({ length: 20 }, (_, i) => `n${i}.example.invalid`);
    const results = await Promise.allSettled(names.map((n) => resolveHost(n)));
    for (const r of results) expect(r.status).toBe('rejected');
    // 2 tries of 5 s each at most, queued behind at most one other round of 16.
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(lookupsInFlight()).toEqual({ active: 0, waiting: 0 });
  }, 60_000);
});
