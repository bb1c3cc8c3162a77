import { describe, expect, it } from 'vitest';
import { patientFetch } from './http-source.js';

describe('patientFetch', () => {
  const answers = (...statuses: [number, string?][]) => {
    const calls: string[] = [];
    const impl = (async (input: string | URL | Request) => {
      calls.push(String(input));
      const [status, retryAfter] = statuses[Math.min(calls.length - 1, statuses.length - 1)]!;
      return new Response('x', { status, headers: retryAfter !== undefined ? { 'retry-after': retryAfter } : {} });
    }) as typeof fetch;
    return { impl, calls };
  };

  it('waits as long as Retry-After says on 429 and 503, then returns the answer', async () => {
    const waits: number[] = [];
    const { impl, calls } = answers([429, '2'], [503], [200]);
    const res = await patientFetch(impl, 8, async (ms) => void waits.push(ms))('http://x/v1/log/entries');
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([2000, 1000]);
  });

  it('gives up after the last attempt, caps the wait, and never retries other errors', async () => {
    const waits: number[] = [];
    const busy = answers([429, '3600']);
    expect((await patientFetch(busy.impl, 3, async (ms) => void waits.push(ms))('http://x/')).status).toBe(429);
    expect(busy.calls).toHaveLength(3);
    expect(waits).toEqual([30_000, 30_000]);
    const broken = answers([500]);
    expect((await patientFetch(broken.impl, 3, async () => undefined)('http://x/')).status).toBe(500);
    expect(broken.calls).toHaveLength(1);
  });
});
