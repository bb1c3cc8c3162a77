/** Pieces of the request limits: the limiter contract, client addresses, budgets by route, and the audit client's retries. */
import { describe, expect, it } from 'vitest';
import type { Request } from 'express';
import { budgetOf, clientKey } from '../../src/adapters/http/limits.js';
import { TokenBucketLimiter } from '../../src/adapters/limits/token-bucket.js';
import { httpAuditSource, patientFetch } from '../../src/adapters/cli/http-source.js';

describe('TokenBucketLimiter', () => {
  it('refuses exactly the excess of concurrent takes, and keeps policies and keys apart', async () => {
    const limiter = new TokenBucketLimiter({ now: () => 1_000_000 });
    const p = { name: 'test-ip', quota: 5, windowSeconds: 60 };
    const decisions = await Promise.all(Array.from({ length: 12 }, () => limiter.take(p, 'k1')));
    expect(decisions.filter((d) => d.allowed).length).toBe(5);
    expect(decisions.filter((d) => d.allowed).map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    // Refused: come back when one token has refilled (60 s / 5 tokens = 12 s).
    expect(decisions.filter((d) => !d.allowed).every((d) => d.remaining === 0 && d.resetSeconds === 12)).toBe(true);
    expect((await limiter.take(p, 'k2')).allowed).toBe(true);
    expect((await limiter.take({ ...p, name: 'other-ip' }, 'k1')).allowed).toBe(true);
    expect((await limiter.take(p, 'k2')).remaining).toBe(3);
  });

  it('refills continuously at quota per window, never above the quota, so no double burst fits across a boundary', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ now: () => now });
    const p = { name: 'tsa-ip', quota: 60, windowSeconds: 60 };
    const takeAll = () => {
      let n = 0;
      while (limiter.takeNow(p, 'a').allowed) n++;
      return n;
    };
    expect(takeAll()).toBe(60);
    now += 59_999; // just before a fixed window would have restarted
    expect(takeAll()).toBe(59); // 59.999 tokens refilled: 59 whole ones
    now += 1; // a fixed window would hand out 60 more here
    expect(takeAll()).toBe(1);
    now += 10 * 60_000; // long idle: full, not more
    expect(takeAll()).toBe(60);
    const allowed = limiter.takeNow(p, 'b');
    expect(allowed).toEqual({ allowed: true, remaining: 59, resetSeconds: 1 });
  });

  it('forgets buckets once they are full again, so memory follows the active keys', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ now: () => now, sweepEvery: 100 });
    const p = { name: 'read-ip', quota: 10, windowSeconds: 10 };
    for (let i = 0; i < 99; i++) limiter.takeNow(p, `k${i}`);
    expect(limiter.size).toBe(99);
    now += 500; // half a token back: not yet full
    limiter.takeNow(p, 'k-new');
    expect(limiter.size).toBe(100);
    now += 10_000; // all full again
    for (let i = 0; i < 100; i++) limiter.takeNow(p, 'only');
    expect(limiter.size).toBe(1);
  });
});

describe('clientKey', () => {
  it('counts IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0DB8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});

describe('budgetOf', () => {
  const req = (method: string, path: string, type = 'application/json') =>
    ({ method, path, is: (t: string) => (t === type ? t : false) }) as unknown as Request;
  it('puts each route in one budget, the way express routes paths (any case, trailing slash)', () => {
    expect(budgetOf(req('POST', '/v1/accounts'))).toBe('signup');
    expect(budgetOf(req('POST', '/V1/Accounts/'))).toBe('signup');
    expect(budgetOf(req('POST', '/v1/session'))).toBe('signin');
    expect(budgetOf(req('POST', '/v1/tsa', 'application/timestamp-query'))).toBe('tsa');
    expect(budgetOf(req('POST', '/v1/verify'))).toBe('verify');
    expect(budgetOf(req('POST', '/v1/deposits', 'multipart/form-data'))).toBe('upload');
    expect(budgetOf(req('POST', '/v1/deposits'))).toBe('write');
    expect(budgetOf(req('POST', '/v1/deposits/batch'))).toBe('write');
    expect(budgetOf(req('POST', '/v1/cases'))).toBe('capture');
    expect(budgetOf(req('POST', '/v1/matches', 'multipart/form-data'))).toBe('capture');
    expect(budgetOf(req('POST', '/v1/monitor/batch'))).toBe('capture');
    expect(budgetOf(req('POST', '/v1/cases/case_0123456789abcdef0123/recapture'))).toBe('capture');
    expect(budgetOf(req('POST', '/v1/cases/case_0123456789abcdef0123/state'))).toBe('write');
    expect(budgetOf(req('DELETE', '/v1/organisations/x/members/y'))).toBe('write');
    expect(budgetOf(req('GET', '/v1/log/checkpoint'))).toBe('read');
    expect(budgetOf(req('HEAD', '/verify/dep_1'))).toBe('read');
    expect(budgetOf(req('GET', '/healthz'))).toBeUndefined();
    expect(budgetOf(req('GET', '/metrics/'))).toBeUndefined();
    expect(budgetOf(req('POST', '/healthz'))).toBeUndefined();
  });
});

describe('audit over HTTP', () => {
  it('waits as Retry-After says on 429 and 503, then goes on', async () => {
    const answers = [
      new Response('{}', { status: 429, headers: { 'retry-after': '0' } }),
      new Response('{}', { status: 503, headers: { 'retry-after': '0' } }),
      new Response('origin+1234abcd+key\n', { status: 200 }),
    ];
    let calls = 0;
    const source = httpAuditSource('http://server.invalid/', patientFetch(async () => answers[calls++]!, 8, async () => undefined));
    expect(await source.key()).toBe('origin+1234abcd+key');
    expect(calls).toBe(3);
  });
});
