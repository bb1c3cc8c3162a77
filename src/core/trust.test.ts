import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import { formatVerifierKey } from './note.js';
import { checkpointHeightOf, choosePinnedKey, keyFingerprint, parseTrustEntries, parseTrustList, pinnedResult, trustLine, verdictOf, verifyTrusted } from './trust.js';

/** A fresh Ed25519 verifier key under `origin`. */
const key = (origin: string) => {
  const x = createPublicKey(generateKeyPairSync('ed25519').privateKey).export({ format: 'jwk' }).x!;
  return formatVerifierKey(origin, new Uint8Array(Buffer.from(x, 'base64url')));
};
const A1 = key('ledger.example/log');
const A2 = key('ledger.example/log');
const B1 = key('other.example/log');

describe('parseTrustList', () => {
  it('reads one key per line, skipping blanks and # comments (whole-line and trailing), keeping order, dropping repeats', () => {
    const text = `# ledger.example keys\n\n${A1}\r\n  ${A2}   # after rotation\n${A1}\n# ${B1}\n`;
    expect(parseTrustList(text)).toEqual([A1, A2]);
  });

  it('names the first bad line', () => {
    expect(codeOf(() => parseTrustList(`${A1}\nnot a key\n`))).toBe('bad_format');
    expect(() => parseTrustList(`${A1}\nnot a key\n`)).toThrow(/line 2/);
    expect(() => parseTrustList(`${A1} ${A2}`)).toThrow(/line 1/);
  });

  it('refuses a list with no key', () => {
    expect(codeOf(() => parseTrustList('# nothing\n\n'))).toBe('bad_format');
    expect(codeOf(() => parseTrustList(''))).toBe('bad_format');
  });
});

describe('parseTrustEntries: keys bounded by height', () => {
  it('reads `<key> until=<height>`, with or without a trailing comment; unbounded keys have no until', () => {
    const text = `${A1} until=4812   # retired at the hand-over\n${A2}\n${B1}\tuntil=0\n`;
    expect(parseTrustEntries(text)).toEqual([{ key: A1, until: 4812n }, { key: A2 }, { key: B1, until: 0n }]);
    expect(parseTrustList(text)).toEqual([A1, A2, B1]);
    expect(parseTrustEntries(`${A1} until=18446744073709551615`)).toEqual([{ key: A1, until: 18446744073709551615n }]);
  });

  it('a key listed twice keeps the tighter bound (a bound beats none)', () => {
    expect(parseTrustEntries(`${A1}\n${A1} until=9\n${A1} until=12\n`)).toEqual([{ key: A1, until: 9n }]);
    expect(parseTrustEntries(`${A1} until=12\n${A1}\n`)).toEqual([{ key: A1, until: 12n }]);
  });

  it('refuses anything else after the key, naming the line', () => {
    for (const bad of [`${A1} until=`, `${A1} until=-1`, `${A1} until=01`, `${A1} until=1.5`, `${A1} until=18446744073709551616`, `${A1} until=1 until=2`, `${A1} since=1`, `${A1} ${A2}`]) {
      expect(codeOf(() => parseTrustEntries(`# ok\n${bad}\n`)), bad).toBe('bad_format');
      expect(() => parseTrustEntries(`# ok\n${bad}\n`), bad).toThrow(/line 2/);
    }
  });

  it('trustLine writes what parseTrustEntries reads', () => {
    for (const e of [{ key: A1 }, { key: A2, until: 77n }]) expect(parseTrustEntries(trustLine(e))).toEqual([e]);
    expect(trustLine({ key: A1, until: 5n })).toBe(`${A1} until=5`);
  });

  it('checkpointHeightOf reads the block line without trusting it; undefined when unreadable', () => {
    const body = 'ledger.example/log\n3\n' + Buffer.alloc(32).toString('base64') + '\nblock 42\ntime 2026-11-30T10:00:00.000Z\nprev ' + Buffer.alloc(32).toString('base64') + '\n';
    const note = `${body}\n\u2014 ledger.example/log ${Buffer.alloc(68, 1).toString('base64')}\n`;
    expect(checkpointHeightOf({ checkpoint: note })).toBe(42n);
    for (const input of [undefined, null, 42, {}, { checkpoint: 7 }, { checkpoint: 'not a note' }, { checkpoint: body }]) expect(checkpointHeightOf(input)).toBeUndefined();
  });
});

describe('keyFingerprint', () => {
  it('is SHA-256 of the key line in 16 groups of 4 hex digits, ignoring surrounding whitespace', () => {
    const hex = createHash('sha256').update(A1).digest('hex');
    const fp = keyFingerprint(A1);
    expect(fp.replaceAll(' ', '')).toBe(hex);
    expect(fp).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    expect(keyFingerprint(` ${A1}\n`)).toBe(fp);
    expect(keyFingerprint(A2)).not.toBe(fp);
  });
});

describe('choosing the pinned key', () => {
  it('takes the exact key, else one of the same log, else the first; nothing pinned gives undefined', () => {
    expect(choosePinnedKey(A2, [B1, A1, A2])).toBe(A2);
    expect(choosePinnedKey(key('ledger.example/log'), [B1, A1])).toBe(A1);
    expect(choosePinnedKey(key('third.example/log'), [B1, A1])).toBe(B1);
    expect(choosePinnedKey(42, [B1])).toBe(B1);
    expect(choosePinnedKey(A1, [])).toBeUndefined();
  });

  it('verdicts: failed checks are invalid whatever is pinned; passing ones are valid only when pinned', () => {
    expect(verdictOf(false, true)).toBe('invalid');
    expect(verdictOf(false, false)).toBe('invalid');
    expect(verdictOf(true, false)).toBe('unpinned');
    expect(verdictOf(true, true)).toBe('valid');
  });

  it('a malformed certificate is invalid, pinned or not, and never throws', () => {
    for (const input of [undefined, null, 'text', 42, {}, { logKey: A1 }, { logKey: 'x'.repeat(5000) }]) {
      for (const pinned of [[], [A1]]) {
        const r = verifyTrusted(input, { pinned });
        expect(r.verdict).toBe('invalid');
        expect(r.valid).toBe(false);
      }
    }
  });

  it('pinnedResult names the key the server pinned and never says unpinned', () => {
    const r = pinnedResult({ valid: true, checks: [] }, A1);
    expect(r).toEqual({ verdict: 'valid', valid: true, pinnedKey: { key: A1, fingerprint: keyFingerprint(A1) }, checks: [] });
    expect(pinnedResult({ valid: false, checks: [] }, A1).verdict).toBe('invalid');
  });
});
