import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogError } from '../../core/errors.js';
import { parseBatchRequest } from './batch-request.js';
import { parseWith } from './problem.js';
import * as S from './schemas.js';

type Outcome = { ok: true; data: unknown } | { ok: false; code: string; message: string; details: unknown };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, data: f() };
  } catch (e) {
    if (!(e instanceof LogError)) throw e;
    return { ok: false, code: e.code, message: e.message, details: e.details };
  }
}

const hexChar = fc.constantFrom(...'0123456789abcdefABCDEFgx '.split(''));
const hexLike = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{64}$/),
  fc.array(hexChar, { minLength: 62, maxLength: 66 }).map((a) => a.join('')),
  fc.stringMatching(/^[0-9a-fA-F]{64}$/),
  fc.constant(''),
  fc.integer(),
);
const size = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(Number.MAX_SAFE_INTEGER + 1), fc.constant('5'), fc.constant(null));
const item = fc.record(
  {
    sha256: hexLike,
    sm3: hexLike,
    size,
    metadata: fc.constantFrom({ title: 'x' }, {}, 'no'),
    externalId: fc.constantFrom('ext-1', ''),
    other: fc.constant(1),
  },
  { requiredKeys: [] },
);

describe('parseBatchRequest', () => {
  it('answers exactly as parseWith(S.BatchRequest) for random bodies', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 0, maxLength: 4 }), fc.constantFrom('items', 'other', 'both', 'none'), (items, shape) => {
        const body = shape === 'items' ? { items } : shape === 'other' ? { other: items } : shape === 'both' ? { items, x: 1 } : items;
        const fast = outcome(() => parseBatchRequest(structuredClone(body)));
        const zod = outcome(() => parseWith(S.BatchRequest, structuredClone(body)));
        expect(fast).toEqual(zod);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with zod on bodies of mostly valid plain items (the fast path taken)', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
    const plainItem = fc.record({ sha256: hex, sm3: hex, size: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)) }, { requiredKeys: ['sha256'] });
    let ok = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 9, arbitrary: plainItem }, { weight: 1, arbitrary: item }), { minLength: 1, maxLength: 6 }), (items) => {
        const fast = outcome(() => parseBatchRequest(structuredClone({ items })));
        expect(fast).toEqual(outcome(() => parseWith(S.BatchRequest, structuredClone({ items }))));
        if (fast.ok) ok++;
      }),
      { numRuns: 2000 },
    );
    expect(ok).toBeGreaterThan(500);
  });

  it('keeps plain items as they are and sends anything else through zod', () => {
    const sha = 'ab'.repeat(32);
    const plain = { items: [{ sha256: sha }, { sha256: sha, sm3: 'cd'.repeat(32), size: 7 }] };
    expect(parseBatchRequest(plain).items[1]).toBe(plain.items[1]);
    expect(parseBatchRequest({ items: [{ sha256: sha.toUpperCase() }] }).items).toEqual([{ sha256: sha }]);
    expect(() => parseBatchRequest({ items: [] })).toThrow(/items/);
    expect(() => parseBatchRequest({ items: Array.from({ length: S.MAX_BATCH_ITEMS + 1 }, () => ({ sha256: sha })) })).toThrow(LogError);
    expect(() => parseBatchRequest(null)).toThrow(LogError);
    expect(() => parseBatchRequest({ items: [Object.assign(Object.create(null) as object, { sha256: sha })] })).not.toThrow();
  });
});
