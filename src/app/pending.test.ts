import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fillIndex } from './pending.js';

describe('fillIndex', () => {
  it('writes the index where a record built with it would hold it, byte for byte', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 4 }), fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), (extra, history, index) => {
        const build = (i: bigint) => ({ id: 'x', extra, history: [...history, { at: 't', index: Number(i), note: '\u2028\ud800' }], certificate: { index: Number(i), record: extra } });
        const records = [
          { space: 's', key: 'k', value: JSON.stringify(build(0n)) },
          { space: 't', key: 'k', value: null },
        ];
        const filled = fillIndex(records, [{ record: 0, path: ['history', history.length, 'index'] }, { record: 0, path: ['certificate', 'index'] }], index);
        expect(filled).toEqual([{ space: 's', key: 'k', value: JSON.stringify(build(index)) }, records[1]]);
        // The template is left as it was.
        expect(records[0]!.value).toBe(JSON.stringify(build(0n)));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a slot that holds no number (a template that does not match its slots)', () => {
    expect(() => fillIndex([{ space: 's', key: 'k', value: '{"a":"x"}' }], [{ record: 0, path: ['a'] }], 3n)).toThrow(TypeError);
    expect(() => fillIndex([{ space: 's', key: 'k', value: null }], [{ record: 0, path: ['a'] }], 3n)).toThrow(TypeError);
  });
});
