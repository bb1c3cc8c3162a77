/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Wherever a hash or signature covers JSON, it covers these bytes (CONTRACTS.md §1). The input is
 * a JavaScript value as `JSON.parse` would produce it; anything JSON cannot represent exactly is
 * rejected with LogError('bad_format') instead of being silently dropped or coerced, because a
 * silent change would make two parties hash different data while believing it the same.
 */
import { utf8 } from './bytes.js';
import { LogError } from './errors.js';

/** Nesting deeper than this is rejected (a coded error instead of a stack overflow). */
export const JCS_MAX_DEPTH = 1000;

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Canonical JSON text of `value` (RFC 8785 §3.2).
 *
 * - Objects: properties sorted by their names as arrays of UTF-16 code units (§3.2.3), no
 *   whitespace. Only plain objects (prototype `Object.prototype` or `null`) are accepted.
 * - Arrays keep their order.
 * - Numbers: ECMAScript Number-to-String (§3.2.2.3); `-0` serializes as `0`.
 * - Strings: escaped exactly as `JSON.stringify` does, which §3.2.2.2 matches.
 *
 * The input MUST be I-JSON data. This function MUST throw LogError('bad_format') for: non-finite
 * numbers, `undefined` (including as a property value or an array hole), functions, bigints,
 * symbols (as values or keys), non-enumerable own properties, strings or property names containing a lone surrogate, non-plain
 * objects (Date, Map, Uint8Array, class instances…), cycles, and nesting deeper than
 * {@link JCS_MAX_DEPTH}. It MUST NOT call `toJSON` or any other user code besides property getters.
 */
export function canonicalize(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, new Set<object>(), 0);
  return parts.join('');
}

/** UTF-8 bytes of {@link canonicalize}`(value)`; same preconditions and errors. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}

function fail(message: string): never {
  throw new LogError('bad_format', `JCS: ${message}`);
}

function writeString(s: string, out: string[]): void {
  if (LONE_SURROGATE.test(s)) fail('string contains a lone surrogate');
  out.push(JSON.stringify(s));
}

function compareCodeUnits(a: string, b: string): number {
  // String relational comparison in ECMAScript is by UTF-16 code units, as §3.2.3 requires.
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(value: unknown, out: string[], ancestors: Set<object>, depth: number): void {
  switch (typeof value) {
    case 'string':
      writeString(value, out);
      return;
    case 'number':
      if (!Number.isFinite(value)) fail('number is not finite');
      // String(-0) is "0", as §3.2.2.3 requires.
      out.push(String(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      // undefined, function, bigint, symbol
      fail(`cannot serialize a value of type ${typeof value}`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (depth >= JCS_MAX_DEPTH) fail('nesting too deep');
  if (ancestors.has(value)) fail('cyclic structure');
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail('sparse array');
      if (i > 0) out.push(',');
      const item: unknown = value[i];
      if (item === undefined) fail('undefined array element');
      write(item, out, ancestors, depth + 1);
    }
    out.push(']');
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail('not a plain object');
    const keys: string[] = [];
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string') fail('object has a symbol key');
      if (!Object.prototype.propertyIsEnumerable.call(value, key)) fail('object has a non-enumerable property');
      keys.push(key);
    }
    keys.sort(compareCodeUnits);
    const record = value as Record<string, unknown>;
    out.push('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const v = record[key];
      if (v === undefined) fail(`property ${JSON.stringify(key)} is undefined`);
      if (i > 0) out.push(',');
      writeString(key, out);
      out.push(':');
      write(v, out, ancestors, depth + 1);
    }
    out.push('}');
  }
  ancestors.delete(value);
}
