import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes.js';
import { canonicalBytes, canonicalize, JCS_MAX_DEPTH } from './jcs.js';
import { codeOf } from '../../test/support/errors.js';

function fromIeeeHex(hex: string): number {
  return new DataView(fromHex(hex).buffer).getFloat64(0);
}

describe('canonicalize: RFC 8785 examples', () => {
  it('§3.2.2 sample input gives the §3.2.3 output and the §3.2.4 UTF-8 bytes', () => {
    const input = JSON.parse(
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n' +
        '  "literals": [null, true, false]\n}',
    ) as unknown;
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    expect(canonicalize(input)).toBe(expected);
    expect(toHex(canonicalBytes(input))).toBe(
      (
        '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c ' +
        '22 6e 75 6d 62 65 72 73 22 3a 5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 ' +
        '65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 5d 2c 22 73 74 72 69 6e 67 22 ' +
        '3a 22 e2 82 ac 24 5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d'
      ).replace(/ /g, ''),
    );
  });

  it('§3.2.3 sorts property names by UTF-16 code units', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",' +
        '"\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as Record<string, string>;
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts by code units, not code points (U+FB33 sorts after a surrogate pair)', () => {
    expect(canonicalize({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it('cyberphone "weird" vector', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '1': 'One',
      '\u0080': 'Control\u007f',
      '\ud83d\ude02': 'Smiley',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '</script>': 'Browser Challenge',
    };
    expect(canonicalize(input)).toBe(
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley",' +
        '"\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  // RFC 8785 Appendix B: IEEE 754 bit pattern → expected serialization.
  const appendixB: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(appendixB)('Appendix B number %s → %s', (hex, want) => {
    expect(canonicalize(fromIeeeHex(hex))).toBe(want);
  });

  it.each(['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000'])(
    'Appendix B: %s (NaN/Infinity) is an error',
    (hex) => {
      expect(codeOf(() => canonicalize(fromIeeeHex(hex)))).toBe('bad_format');
    },
  );

  it('more numbers', () => {
    expect(canonicalize([1e21, 1e-7, -0, 333333333.33333329, 1e20, 0.1, -1.5, 100])).toBe(
      '[1e+21,1e-7,0,333333333.3333333,100000000000000000000,0.1,-1.5,100]',
    );
  });
});

describe('canonicalize: strings and structure', () => {
  it('escapes exactly like JSON.stringify (control characters lowercase \\u00xx)', () => {
    expect(canonicalize('\u0000\u0008\t\n\u000b\f\r\u001f "\\/\u007f\u2028')).toBe(
      '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u2028"',
    );
  });

  it('nested objects and arrays, empty containers, literals', () => {
    expect(canonicalize({ b: [], a: {}, c: [{ z: null, y: true }, false, 'x'] })).toBe(
      '{"a":{},"b":[],"c":[{"y":true,"z":null},false,"x"]}',
    );
  });

  it('accepts null-prototype objects and a JSON.parse "__proto__" key', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o['b'] = 1;
    o['a'] = 2;
    expect(canonicalize(o)).toBe('{"a":2,"b":1}');
    expect(canonicalize(JSON.parse('{"__proto__":1,"a":2}'))).toBe('{"__proto__":1,"a":2}');
  });

  it('canonicalBytes is UTF-8', () => {
    expect(toHex(canonicalBytes('é😀'))).toBe('22c3a9f09f988022');
  });

  it('is idempotent and agrees with JSON.parse for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const once = canonicalize(v);
        expect(canonicalize(JSON.parse(once))).toBe(once);
        expect(JSON.parse(once)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('canonicalize: rejections (bad_format)', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const nonEnumerable = {};
  Object.defineProperty(nonEnumerable, 'hidden', { value: 1, enumerable: false });
  class Thing {
    a = 1;
  }
  let deep: unknown = 1;
  for (let i = 0; i < JCS_MAX_DEPTH + 1; i++) deep = [deep];

  const cases: [string, unknown][] = [
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity in an array', [-Infinity]],
    ['undefined', undefined],
    ['undefined property', { a: undefined }],
    ['undefined array element', [undefined]],
    ['sparse array', sparse],
    ['function', () => 1],
    ['bigint', 1n],
    ['symbol', Symbol('x')],
    ['symbol key', { [Symbol('k')]: 1 }],
    ['non-enumerable property', nonEnumerable],
    ['lone high surrogate', '\ud800'],
    ['lone low surrogate', 'a\udc00b'],
    ['reversed pair', '\ude00\ud83d'],
    ['lone surrogate in a key', { '\ud800': 1 }],
    ['Date', new Date(0)],
    ['Uint8Array', new Uint8Array(2)],
    ['Map', new Map()],
    ['class instance', new Thing()],
    ['cycle', cyclic],
    ['too deep', deep],
  ];
  it.each(cases)('%s', (_name, value) => {
    expect(codeOf(() => canonicalize(value))).toBe('bad_format');
  });

  it('a shared (non-cyclic) sub-object is fine', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
