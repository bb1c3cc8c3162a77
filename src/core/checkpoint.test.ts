import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex, utf8 } from './bytes.js';
import {
  blockHash,
  formatCheckpointBody,
  isValidTime,
  openCheckpoint,
  parseCheckpointBody,
  signCheckpoint,
  ZERO_HASH,
  type Checkpoint,
} from './checkpoint.js';
import { portableSha256 } from './hash.js';
import { createEd25519Signer, signNote } from './note.js';
import { codeOf } from '../../test/support/errors.js';

// CONTRACTS.md §2.2 example.
const ROOT = 'YSFJlawkz5Czl6kqMO+lGlvqEF2Wtrkwpxtp1IZq/cg=';
const PREV = 'VlJEeEaa0aQM175fdVTr88NYqyOHZNofX4N28rr0wBU=';
const CONTRACT_BODY =
  `localhost/copyright-ledger\n1\n${ROOT}\nblock 1\ntime 2026-11-26T21:48:51.349Z\nprev ${PREV}\n`;
const CONTRACT_NOTE =
  CONTRACT_BODY +
  '\n\u2014 localhost/copyright-ledger 1c56Z3Vq8lMw6/+1c9fECnJlx6H+8ExFfy+dDpKWTPaF4ZW57jJXvHv5oGDuIQr6h9WY4T9lh7yaDmvRGHavtwsekAA=\n';
const CONTRACT_KEY = 'localhost/copyright-ledger+d5ce7a67+AccNxOVz4fIhaPqEeClFeeYglqrZK5WUY7WytSQsoKp9';

const signer = createEd25519Signer('example.com/log', new Uint8Array(32).fill(7));

function sample(over: Partial<Checkpoint> = {}): Checkpoint {
  return {
    origin: 'example.com/log',
    treeSize: 42n,
    rootHash: new Uint8Array(32).fill(0xab),
    height: 3n,
    time: '2026-11-26T21:40:00.123Z',
    prevHash: new Uint8Array(32).fill(0xcd),
    ...over,
  };
}

describe('contract example', () => {
  it('parses: tree size 1, block 1', () => {
    const c = parseCheckpointBody(CONTRACT_BODY);
    expect(c).toEqual({
      origin: 'localhost/copyright-ledger',
      treeSize: 1n,
      rootHash: fromBase64(ROOT),
      height: 1n,
      time: '2026-11-26T21:48:51.349Z',
      prevHash: fromBase64(PREV),
    });
    expect(formatCheckpointBody(c)).toBe(CONTRACT_BODY);
  });

  it('opens under the published key', () => {
    const { checkpoint, body } = openCheckpoint(CONTRACT_NOTE, CONTRACT_KEY);
    expect(body).toBe(CONTRACT_BODY);
    expect(checkpoint.treeSize).toBe(1n);
    expect(checkpoint.height).toBe(1n);
  });

  it('blockHash is SHA-256 of the body bytes', () => {
    expect(blockHash(CONTRACT_BODY)).toEqual(portableSha256(utf8(CONTRACT_BODY)));
    expect(toHex(blockHash(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    let called = false;
    const spy = (...parts: Uint8Array[]) => {
      called = true;
      return portableSha256(...parts);
    };
    expect(blockHash(CONTRACT_BODY, spy)).toEqual(blockHash(CONTRACT_BODY));
    expect(called).toBe(true);
  });
});

describe('format / parse', () => {
  it('formats exactly six lines', () => {
    expect(formatCheckpointBody(sample({ rootHash: fromBase64(ROOT), prevHash: ZERO_HASH, height: 0n, treeSize: 0n }))).toBe(
      `example.com/log\n0\n${ROOT}\nblock 0\ntime 2026-11-26T21:40:00.123Z\nprev ${toBase64(new Uint8Array(32))}\n`,
    );
    expect(ZERO_HASH).toEqual(new Uint8Array(32));
  });

  it('round-trips', () => {
    const arb = fc.record({
      origin: fc.constantFrom('example.com/log', 'localhost/copyright-ledger', 'ünï/😀'),
      treeSize: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      height: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      time: fc
        .integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) })
        .map((ms) => new Date(ms).toISOString()),
      prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const body = formatCheckpointBody(c);
        expect(parseCheckpointBody(body)).toEqual(c);
        expect(formatCheckpointBody(parseCheckpointBody(body))).toBe(body);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts the u64 bounds', () => {
    const max = (1n << 64n) - 1n;
    const c = parseCheckpointBody(formatCheckpointBody(sample({ treeSize: max, height: max })));
    expect(c.treeSize).toBe(max);
  });

  it('time validation', () => {
    expect(isValidTime('2024-02-29T23:59:59.999Z')).toBe(true);
    for (const t of [
      '2025-02-29T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-01T00:00:00.000Z',
      '2026-01-32T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T23:60:00.000Z',
      '2026-01-01T23:59:60.000Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.1234Z',
      '2026-01-01T00:00:00.123+00:00',
      '2026-01-01t00:00:00.123z',
      '2026-01-01 00:00:00.123Z',
      '+02026-01-01T00:00:00.000Z',
      '２０２６-01-01T00:00:00.000Z',
    ]) {
      expect(isValidTime(t), t).toBe(false);
    }
  });
});

describe('parseCheckpointBody rejects (bad_format)', () => {
  const L = CONTRACT_BODY.slice(0, -1).split('\n');
  const body = (lines: string[]) => lines.join('\n') + '\n';
  const replace = (i: number, v: string) => body(L.map((l, j) => (j === i ? v : l)));
  const shortHash = toBase64(new Uint8Array(31));
  const longHash = toBase64(new Uint8Array(33));
  const cases: [string, string][] = [
    ['empty', ''],
    ['no final newline', CONTRACT_BODY.slice(0, -1)],
    ['missing origin', body(L.slice(1))],
    ['missing tree size', body([L[0]!, ...L.slice(2)])],
    ['missing prev line', body(L.slice(0, 5))],
    ['missing time line', body([...L.slice(0, 4), L[5]!])],
    ['only the three standard lines', body(L.slice(0, 3))],
    ['extra line at the end', body([...L, 'extra'])],
    ['extra blank line at the end', CONTRACT_BODY + '\n'],
    ['blank line in the middle', body([...L.slice(0, 3), '', ...L.slice(3)])],
    ['empty origin', replace(0, '')],
    ['origin with a space', replace(0, 'local host')],
    ['origin with "+"', replace(0, 'a+b')],
    ['tree size with leading zero', replace(1, '01')],
    ['tree size "00"', replace(1, '00')],
    ['tree size negative', replace(1, '-1')],
    ['tree size with plus sign', replace(1, '+1')],
    ['tree size hex', replace(1, '0x1')],
    ['tree size exponent', replace(1, '1e3')],
    ['tree size with a space', replace(1, ' 1')],
    ['tree size 2^64', replace(1, (1n << 64n).toString())],
    ['root 31 bytes', replace(2, shortHash)],
    ['root 33 bytes', replace(2, longHash)],
    ['root hex', replace(2, 'ab'.repeat(32))],
    ['root unpadded', replace(2, ROOT.slice(0, -1))],
    ['root url-safe', replace(2, ROOT.replace('+', '-').replace('/', '_'))],
    ['block leading zero', replace(3, 'block 01')],
    ['block 2^64', replace(3, `block ${1n << 64n}`)],
    ['block without number', replace(3, 'block ')],
    ['block two spaces', replace(3, 'block  1')],
    ['block keyword case', replace(3, 'Block 1')],
    ['block trailing space', replace(3, 'block 1 ')],
    ['time without millis', replace(4, 'time 2026-11-26T21:48:51Z')],
    ['time with offset', replace(4, 'time 2026-11-26T21:48:51.349+00:00')],
    ['time not a real date', replace(4, 'time 2026-02-30T21:48:51.349Z')],
    ['time garbage', replace(4, 'time yesterday')],
    ['prev 31 bytes', replace(5, `prev ${shortHash}`)],
    ['prev missing value', replace(5, 'prev')],
    ['prev keyword wrong', replace(5, `previous ${PREV}`)],
    ['extensions reordered (time, block)', body([L[0]!, L[1]!, L[2]!, L[4]!, L[3]!, L[5]!])],
    ['extensions reordered (prev first)', body([L[0]!, L[1]!, L[2]!, L[5]!, L[3]!, L[4]!])],
    ['standard lines reordered', body([L[0]!, L[2]!, L[1]!, ...L.slice(3)])],
    ['CRLF', CONTRACT_BODY.replace(/\n/g, '\r\n')],
  ];
  it.each(cases)('%s', (_name, text) => {
    expect(codeOf(() => parseCheckpointBody(text))).toBe('bad_format');
  });
});

describe('formatCheckpointBody rejects (bad_format)', () => {
  const cases: [string, Partial<Checkpoint>][] = [
    ['empty origin', { origin: '' }],
    ['origin with newline', { origin: 'a\nb' }],
    ['origin with space', { origin: 'a b' }],
    ['negative tree size', { treeSize: -1n }],
    ['tree size 2^64', { treeSize: 1n << 64n }],
    ['negative height', { height: -1n }],
    ['short root', { rootHash: new Uint8Array(31) }],
    ['long prev', { prevHash: new Uint8Array(33) }],
    ['bad time', { time: '2026-11-26T21:40:00Z' }],
    ['number tree size', { treeSize: 1 as unknown as bigint }],
  ];
  it.each(cases)('%s', (_name, over) => {
    expect(codeOf(() => formatCheckpointBody(sample(over)))).toBe('bad_format');
  });
});

describe('openCheckpoint / signCheckpoint', () => {
  it('sign then open', () => {
    const c = sample();
    const note = signCheckpoint(c, signer);
    const opened = openCheckpoint(note, signer.verifierKey);
    expect(opened.checkpoint).toEqual(c);
    expect(opened.body).toBe(formatCheckpointBody(c));
    expect(blockHash(opened.body)).toEqual(portableSha256(utf8(formatCheckpointBody(c))));
  });

  it('wrong key: bad_signature', () => {
    const other = createEd25519Signer('example.com/log', new Uint8Array(32).fill(8));
    expect(codeOf(() => openCheckpoint(signCheckpoint(sample(), signer), other.verifierKey))).toBe(
      'bad_signature',
    );
  });

  it('origin different from the key name: bad_format', () => {
    const body = formatCheckpointBody(sample({ origin: 'example.com/other' }));
    expect(codeOf(() => openCheckpoint(signNote(body, signer), signer.verifierKey))).toBe('bad_format');
    expect(codeOf(() => signCheckpoint(sample({ origin: 'example.com/other' }), signer))).toBe('bad_format');
  });

  it('a validly signed but malformed body: bad_format', () => {
    const body = formatCheckpointBody(sample()).replace('block 3', 'block 03');
    expect(codeOf(() => openCheckpoint(signNote(body, signer), signer.verifierKey))).toBe('bad_format');
  });

  it('a tampered note fails', () => {
    const note = signCheckpoint(sample(), signer);
    expect(codeOf(() => openCheckpoint(note.replace('block 3', 'block 4'), signer.verifierKey))).toBe(
      'bad_signature',
    );
  });
});
