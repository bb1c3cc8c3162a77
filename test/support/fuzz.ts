/**
 * Request generators for the HTTP fuzz test (test/e2e/fuzz.test.ts), built with fast-check.
 *
 * Routes come from the served OpenAPI document, so a route added later is fuzzed without touching
 * this file. Bodies start from the operation's JSON Schema (valid shapes) and are then mutated.
 * Ids are not generated as strings but as references into pools of real ids (`PoolRef`), resolved
 * when the request is sent, so the pools can grow from the answers of earlier requests.
 */
import fc from 'fast-check';

type Schema = Record<string, any>;

export type PoolKind = 'deposit' | 'registration' | 'account' | 'sha256' | 'number';

/** A value taken at send time from the pool of real ids of `kind` (n-th, modulo its size). */
export class PoolRef {
  constructor(
    readonly kind: PoolKind,
    readonly n: number,
  ) {}
  toString(): string {
    return `<${this.kind}#${this.n}>`;
  }
}

/** Arrays or objects nested `depth` levels deep: kept as a marker, written out only as text. */
export class Deep {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object',
  ) {}
  toJSON(): string {
    return `<${this.depth} nested ${this.kind}s>`;
  }
}

/** Real ids seen so far, per kind (bounded). */
export class Pools {
  private readonly values = new Map<PoolKind, string[]>();
  add(kind: PoolKind, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    const list = this.values.get(kind) ?? [];
    if (list.length < 500 && !list.includes(value)) list.push(value);
    this.values.set(kind, list);
  }
  get(ref: PoolRef): string {
    const list = this.values.get(ref.kind) ?? [];
    return list.length === 0 ? `missing-${ref.kind}` : list[ref.n % list.length]!;
  }
  size(kind: PoolKind): number {
    return this.values.get(kind)?.length ?? 0;
  }
  /** `value` as JSON text, with every PoolRef replaced by its pooled string and Deep written out. */
  toJsonText(value: unknown): string {
    if (value instanceof PoolRef) return JSON.stringify(this.get(value));
    if (value instanceof Deep) return value.kind === 'array' ? '['.repeat(value.depth) + '1' + ']'.repeat(value.depth) : '{"a":'.repeat(value.depth) + '1' + '}'.repeat(value.depth);
    if (Array.isArray(value)) return `[${value.map((v) => this.toJsonText(v)).join(',')}]`;
    if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${this.toJsonText(v)}`).join(',')}}`;
    return JSON.stringify(value) ?? 'null';
  }
}

export const poolRef = (kind: PoolKind) => fc.nat({ max: 1_000 }).map((n) => new PoolRef(kind, n));

const hex = (len: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: len, maxLength: len });

/** An object whose own key is `__proto__` (what JSON.parse makes of `{"__proto__": …}`). */
const protoKeyed = (v: unknown) => JSON.parse(`{"__proto__": ${JSON.stringify(v)}, "constructor": {"prototype": {"polluted": true}}}`) as unknown;

/** Strings a careless parser trips on (now and then a very long one). */
export const nastyString = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    '../../etc/passwd',
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e%2f',
    '\u0000',
    '%00',
    'null',
    'undefined',
    'NaN',
    '-1',
    '0',
    '1e309',
    '99999999999999999999999999999',
    '9007199254740993',
    '0x10',
    '\u202e\u2066evil',
    '💥🔥',
    '𝕏'.repeat(50),
    'ä'.repeat(3),
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '${jndi:ldap://x}',
    'acc_',
    'acc_' + 'A'.repeat(64),
    'dep_0',
  ) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)) },
);

/** Any JSON value a client might send where something else was expected. */
export const garbageValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 2, '', [], {}) },
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 30_000 }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => new Deep(d, k)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(protoKeyed) },
  { weight: 1, arbitrary: fc.constantFrom<PoolKind>('deposit', 'registration', 'account', 'sha256').chain(poolRef) },
);

/** A string for a schema string field, by its pattern, format or property name. */
function stringFor(schema: Schema, name: string): fc.Arbitrary<unknown> {
  const pattern = String(schema.pattern ?? '');
  if (/0-9a-f/i.test(pattern) && pattern.includes('64')) return fc.oneof(poolRef('sha256'), hex(64));
  if (pattern.startsWith('^acc_') || name === 'accountId' || name === 'onBehalfOf') return poolRef('account');
  if (pattern.includes('\\d{4}')) return fc.constantFrom('2025-06-01', '2024-01', '2023', '2025-13-45', '0000-00-00');
  if (schema.format === 'email') return fc.string({ unit: fc.constantFrom(...'abcxyz09'), minLength: 1, maxLength: 10 }).map((s) => `${s}@example.com`);
  if (name === 'deposits' || name === 'depositId' || name === 'id') return poolRef('deposit');
  if (name === 'number') return poolRef('number');
  const min = Math.min(schema.minLength ?? 0, 40);
  const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
  return fc.string({ unit: fc.oneof(fc.constantFrom(...'abc XYZ123-'), fc.constantFrom('星', '空', 'é')), minLength: Math.max(1, min), maxLength: Math.max(1, max) });
}

/** Values that fit `schema` (a JSON Schema from zod's toJSONSchema), resolving local $refs. */
export function fromSchema(schema: Schema, defs: Record<string, Schema>, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (depth > 8) return fc.constant({});
  if (typeof schema.$ref === 'string') {
    const target = defs[schema.$ref.split('/').pop()!];
    return target === undefined ? fc.constant({}) : fromSchema(target, defs, name, depth + 1);
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => fromSchema(s, defs, name, depth + 1)));
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) model[k] = fromSchema(s, defs, k, depth + 1);
      const requiredKeys = ((schema.required ?? []) as string[]).filter((k) => k in model);
      return fc.record(model, { requiredKeys });
    }
    case 'array': {
      const minLength = Math.min(schema.minItems ?? 0, 3);
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, 3));
      return fc.array(fromSchema(schema.items ?? {}, defs, name, depth + 1), { minLength, maxLength });
    }
    case 'string':
      return stringFor(schema, name);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1_000, -1_000_000), max: Math.min(schema.maximum ?? 1_000_000, 1_000_000) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const DELETE = Symbol('delete');

/** `value` with its `n`-th node (pre-order, modulo the node count) replaced by `by`, or removed. */
export function replaceAt(value: unknown, n: number, by: unknown): unknown {
  const nodes: { parent: unknown; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (nodes.push({ parent: v, key: i }), walk(x)));
    else if (v !== null && typeof v === 'object' && !(v instanceof PoolRef) && !(v instanceof Deep)) {
      for (const [k, x] of Object.entries(v)) {
        nodes.push({ parent: v, key: k });
        walk(x);
      }
    }
  };
  const copy = structuredCloneWithRefs(value);
  walk(copy);
  if (nodes.length === 0) return by === DELETE ? undefined : by;
  const { parent, key } = nodes[n % nodes.length]!;
  if (by === DELETE) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, unknown>)[key];
  } else Object.defineProperty(parent, key, { value: by, enumerable: true, writable: true, configurable: true });
  return copy;
}

function structuredCloneWithRefs(v: unknown): unknown {
  if (v instanceof PoolRef || v instanceof Deep || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(structuredCloneWithRefs);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: structuredCloneWithRefs(x), enumerable: true, writable: true, configurable: true });
  return out;
}

/** `valid` as is, or with one to three nodes replaced, removed, or an unknown key added. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const edit = fc.tuple(fc.nat(), fc.oneof({ weight: 4, arbitrary: garbageValue }, { weight: 1, arbitrary: fc.constant<unknown>(DELETE) }));
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    {
      weight: 4,
      arbitrary: fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([v, edits]) => edits.reduce((acc, [n, by]) => replaceAt(acc, n, by), v)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, nastyString, garbageValue).map(([v, k, g]) =>
        v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.defineProperty({ ...(v as object) }, k, { value: g, enumerable: true }) : v,
      ),
    },
  );
}

/** JSON texts that are not (quite) JSON, or JSON of the wrong shape (now and then a huge one). */
export const badJsonText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('', '{', '}', '{"a":}', "{'a':1}", '[1,2', 'nul', 'NaN', '1e999999', '"\\ud800"', '\ufeff{}', '{"a":1}garbage', '{"__proto__":{"x":1}}', 'null', '[]', '"text"', '0'),
  },
  {
    weight: 4,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).chain((v) => {
      const text = JSON.stringify(v) ?? 'null';
      return fc.nat({ max: text.length }).map((cut) => text.slice(0, cut));
    }),
  },
  { weight: 1, arbitrary: fc.nat({ max: 30_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)) },
  { weight: 1, arbitrary: fc.nat({ max: 30_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)) },
  { weight: 1, arbitrary: fc.nat({ max: 300_000 }).map((n) => JSON.stringify({ big: 'x'.repeat(n) })) },
);
