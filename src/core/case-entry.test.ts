import { describe, expect, it } from 'vitest';
import { canonicalBytes } from './jcs.js';
import { decodeEntry } from './entry.js';

const base = {
  v: 1,
  type: 'case',
  id: 'case_0123456789abcdef0123',
  seq: 1,
  action: 'open',
  state: 'open',
  account: 'acc_x',
  caseSha256: 'a'.repeat(64),
  deposit: 'dep_0123456789abcdef0123',
  receivedAt: '2026-11-30T12:00:00.000Z',
};
const decode = (e: Record<string, unknown>) => decodeEntry(canonicalBytes(e));

describe('case entries', () => {
  it('decodes the documented shapes', () => {
    expect(decode(base).type).toBe('case');
    const { deposit: _d, ...noDeposit } = base;
    expect(decode({ ...noDeposit, registration: 'reg_0123456789abcdef0123' }).type).toBe('case');
    expect(decode({ ...noDeposit, seq: 2, action: 'collect_evidence', state: 'evidence_collected', capture: 'cap_0123456789abcdef0123' }).type).toBe('case');
    expect(decode({ ...noDeposit, seq: 3, action: 'send_notice', state: 'notice_sent' }).type).toBe('case');
  });
  it.each([
    ['state does not follow the action', { state: 'closed' }],
    ['open without a work', { deposit: undefined }],
    ['a URL smuggled in', { url: 'http://example.com/' }],
    ['bad hash', { caseSha256: 'A'.repeat(64) }],
    ['seq 2 opens', { seq: 2 }],
    ['capture on open', { capture: 'cap_0123456789abcdef0123' }],
    ['bad id', { id: 'case_x' }],
  ])('refuses %s', (_name, change) => {
    const e: Record<string, unknown> = { ...base, ...change };
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    expect(() => decode(e)).toThrow(expect.objectContaining({ code: 'bad_format' }));
  });
});
