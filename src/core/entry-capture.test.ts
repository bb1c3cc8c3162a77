import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, type CaptureEntry } from './entry.js';
import { isLogError } from './errors.js';

const good: CaptureEntry = {
  v: 1,
  type: 'capture',
  id: 'cap_0123456789abcdef0123',
  account: 'acc_1',
  deposit: 'dep_0123456789abcdef0123',
  bundleSha256: 'a'.repeat(64),
  recordSha256: 'b'.repeat(64),
  startedAt: '2026-11-30T10:00:00.000Z',
  endedAt: '2026-11-30T10:00:05.000Z',
  receivedAt: '2026-11-30T10:00:06.000Z',
};

describe('capture entries', () => {
  it('decode when every field is as documented', () => {
    expect(decodeEntry(encodeEntry(good))).toEqual(good);
  });
  it('are refused as bad_format for any wrong or extra field', () => {
    const bad: Record<string, unknown>[] = [
      { id: 'cap_x' },
      { account: '' },
      { deposit: 'reg_0123456789abcdef0123' },
      { bundleSha256: 'A'.repeat(64) },
      { recordSha256: undefined },
      { startedAt: 'yesterday' },
      { endedAt: '2026-11-30T09:00:00.000Z' },
      { url: 'http://example.com/' },
    ];
    for (const change of bad) {
      const e = { ...good, ...change };
      for (const k of Object.keys(change)) if (change[k] === undefined) delete (e as Record<string, unknown>)[k];
      let err: unknown;
      try {
        decodeEntry(encodeEntry(e as never));
      } catch (x) {
        err = x;
      }
      expect(isLogError(err, 'bad_format'), JSON.stringify(change)).toBe(true);
    }
  });
});
