/**
 * The one way an HTTP route is described in /openapi.json. Every router file exports its
 * operations built with `op({...})`; `buildDocument` merges them into one OpenAPI 3.1 document.
 *
 * - Schemas come from zod (`zodSchema`, or a zod schema given to `op`): a schema with
 *   `.meta({ id })` becomes `components.schemas.<id>` and is referred to by `$ref`; everything
 *   else is inlined. When a named schema differs between request (input) and response (output),
 *   the response keeps the name and the request form is `<id>Input`.
 * - Error answers refer to `components.responses` (problem+json `Problem`). `op` adds the ones
 *   every route of its kind can give: 401/403 with a bearer key, 400 when it parses parameters
 *   or a body, 413/415 with a body, 429 unless the route is exempt from rate limits.
 * - `security` is explicit on every operation: `[]` for public ones.
 */
import { z } from 'zod';
import { RATE_LIMIT_EXEMPT } from './limits.js';

export type Json = Record<string, unknown>;

/** A zod schema to be converted (request bodies and parameters: input; responses: output). */
export class ZodRef {
  constructor(
    readonly schema: z.ZodType,
    readonly io: 'input' | 'output',
  ) {}
}

export const zodSchema = (schema: z.ZodType, io: 'input' | 'output'): ZodRef => new ZodRef(schema, io);

/** Feature tags, in the order the document lists them. */
export const TAGS = {
  Service: 'Health, readiness, metrics and this document',
  Log: 'The public RFC 9162 log: checkpoints, entries, proofs and blocks',
  Timestamps: 'RFC 3161 trusted time: block timestamps and the built-in TSA',
  Accounts: 'Accounts, API keys, roles and storage usage',
  Deposits: 'Deposits of works and their evidence certificates',
  Captures: 'Web captures: a page recorded as a signed WACZ evidence bundle and deposited',
  Verification: 'Certificate verification',
  Downloads: 'The standalone verifier and the verify page to keep',
  Portal: 'The web portal’s browser bundles',
  Registrations: 'Registration applications and their certificates',
  Review: 'Review of registration applications and platform statistics',
  Registry: 'The public registry of registrations',
  Organisations: 'Organisations, their members and invitations',
  Licences: 'Licences of registered works, and the public licence check',
  Transfers: 'Transfers of rights in registered works (chain of title)',
  Pledges: 'Pledges of registered works',
  Archive: 'What exporters and mirrors read',
  Matches: 'Finding copies of deposited works: exact, perceptual image and text fingerprints (docs/ENFORCEMENT.md)',
  Monitoring: 'Platform monitoring batches and signed webhooks (docs/ENFORCEMENT.md)',
  Cases: 'Infringement cases, evidence packages and takedown notices (docs/ENFORCEMENT.md)',
} as const;
export type Tag = keyof typeof TAGS;

export const ERROR_RESPONSES = {
  400: { name: 'BadRequest', code: 'invalid_request', description: 'Malformed or out-of-range input; `field` names the first bad field (code invalid_request)' },
  401: { name: 'Unauthorized', code: 'unauthorized', description: 'Missing, unknown or revoked API key (code unauthorized)' },
  403: { name: 'Forbidden', code: 'forbidden', description: 'The account is disabled or its role may not do this (code forbidden), or a cookie-authenticated write lacks the CSRF token or comes from another origin (code csrf_failed)' },
  404: { name: 'NotFound', code: 'not_found', description: 'No such resource, or not yours to see (code not_found)' },
  409: { name: 'Conflict', code: 'conflict', description: 'Not allowed in the current state (code conflict)' },
  413: { name: 'PayloadTooLarge', code: 'payload_too_large', description: 'The body is too large (code payload_too_large)' },
  415: { name: 'UnsupportedMediaType', code: 'unsupported_media_type', description: 'The body or the asked-for answer has a media type this route does not take (code unsupported_media_type)' },
  429: { name: 'RateLimited', code: 'rate_limited', description: 'Over a request budget (code rate_limited); RateLimit-Policy and RateLimit name the budget (docs/LIMITS.md)' },
  503: { name: 'Overloaded', code: 'overloaded', description: 'Overloaded or shutting down (code overloaded); retry after Retry-After seconds' },
} as const;
export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/**
 * Error answers of an operation: a list of statuses (standard descriptions), or statuses mapped
 * to what they mean on this route (`false` drops one `op` would add).
 */
export type ErrorSpec = readonly ErrorStatus[] | Partial<Record<ErrorStatus, string | true | false>>;

/** `bearer`: an API key or the session cookie (auth.ts takes both); `session`: the session cookie only. */
export type Security = 'public' | 'bearer' | 'optional-bearer' | 'session';

type Shape = Record<string, z.ZodType>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  content?: Json;
  headers?: Json;
}

export interface OpSpec {
  method: Method;
  /** OpenAPI path, parameters in braces: `/v1/deposits/{id}`. */
  path: string;
  /** camelCase and stable: generated clients name their functions after it. */
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  security: Security;
  params?: Shape;
  query?: Shape | z.ZodObject;
  headers?: Shape;
  /** A zod schema (application/json), or a request body built with `requestBody`. */
  body?: z.ZodType | { required: boolean; content: Json };
  /** Whether the body may be left out (actions whose parameters are optional). */
  bodyOptional?: boolean;
  /** Successful and other non-problem answers by status. */
  responses: Record<number, ResponseSpec>;
  errors?: ErrorSpec;
}

export interface Operation {
  method: Method;
  path: string;
  operation: Json;
}

const shapeOf = (s: Shape | z.ZodObject): Shape => (s instanceof z.ZodObject ? (s.shape as Shape) : s);

function parameters(where: 'path' | 'query' | 'header', shape: Shape): Json[] {
  return Object.entries(shape).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || !schema.safeParse(undefined).success,
    ...(schema.description !== undefined ? { description: schema.description } : {}),
    schema: zodSchema(schema, 'input'),
  }));
}

/** An application/json answer of `schema`. */
export const json = (schema: z.ZodType, description = 'OK', headers?: Json): ResponseSpec => ({
  description,
  content: { 'application/json': { schema: zodSchema(schema, 'output') } },
  ...(headers ? { headers } : {}),
});

/** An application/json object answer whose shape is documented elsewhere (`description` names the doc). */
export const jsonObject = (description: string): ResponseSpec => ({ description, content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } });

/** A text answer (`text/plain` unless `type`). */
export const text = (description: string, type = 'text/plain'): ResponseSpec => ({ description, content: { [type]: { schema: { type: 'string' } } } });

/** A binary answer of `type`. */
export const binary = (type: string, description: string): ResponseSpec => ({ description, content: { [type]: { schema: { type: 'string', format: 'binary' } } } });

/** An answer without a body (204). */
export const empty = (description: string): ResponseSpec => ({ description });

/** A request body of several media types, e.g. `{ 'application/json': zodSchema(X, 'input'), 'multipart/form-data': {...} }`. */
export const requestBody = (content: Record<string, ZodRef | Json>, required = true) => ({
  required,
  content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])),
});

/** One operation, described the same way for every router. */
export function op(spec: OpSpec): Operation {
  const parametersList = [
    ...parameters('path', spec.params ?? {}),
    ...parameters('query', spec.query ? shapeOf(spec.query) : {}),
    ...parameters('header', spec.headers ?? {}),
  ];
  const pathNames = [...spec.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const declared = Object.keys(spec.params ?? {});
  if (pathNames.join() !== declared.join()) throw new Error(`${spec.operationId}: path parameters ${pathNames.join()} but params ${declared.join()}`);

  const body = spec.body === undefined ? undefined : spec.body instanceof z.ZodType ? requestBody({ 'application/json': zodSchema(spec.body, 'input') }, spec.bodyOptional !== true) : spec.body;

  const auto: Partial<Record<ErrorStatus, true>> = {};
  if (spec.security !== 'public') Object.assign(auto, { 401: true, 403: true });
  if (parametersList.length > 0 || body !== undefined) auto[400] = true;
  if (body !== undefined) Object.assign(auto, { 413: true, 415: true });
  if (!RATE_LIMIT_EXEMPT.has(spec.path)) auto[429] = true;
  const given: Partial<Record<ErrorStatus, string | boolean>> = Array.isArray(spec.errors)
    ? Object.fromEntries((spec.errors as readonly ErrorStatus[]).map((s) => [s, true]))
    : ((spec.errors ?? {}) as Partial<Record<ErrorStatus, string | boolean>>);
  const errors = { ...auto, ...given };

  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) responses[status] = r;
  for (const status of Object.keys(ERROR_RESPONSES).map(Number) as ErrorStatus[]) {
    const e = errors[status];
    if (e === undefined || e === false || responses[status] !== undefined) continue;
    responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}`, ...(typeof e === 'string' ? { description: e } : {}) };
  }

  const security = { public: [], bearer: [{ bearer: [] }, { session: [] }], 'optional-bearer': [{}, { bearer: [] }, { session: [] }], session: [{ session: [] }] }[spec.security];
  return {
    method: spec.method,
    path: spec.path,
    operation: {
      operationId: spec.operationId,
      tags: [spec.tag],
      summary: spec.summary,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      security,
      ...(parametersList.length > 0 ? { parameters: parametersList } : {}),
      ...(body !== undefined ? { requestBody: body } : {}),
      responses,
    },
  };
}

// ---- assembling the document

/** Converts every ZodRef in `doc` and collects named schemas into `components.schemas`. */
function resolveSchemas(doc: Json): Record<string, unknown> {
  const refs: ZodRef[] = [];
  const collect = (v: unknown): void => {
    if (v instanceof ZodRef) refs.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
  };
  collect(doc);

  // Convert each (schema, io) once; remember every named definition per io.
  type Converted = { root: Json; defs: Record<string, Json> };
  const converted = new Map<z.ZodType, Partial<Record<'input' | 'output', Converted>>>();
  const variants = new Map<string, Partial<Record<'input' | 'output', string>>>();
  for (const r of refs) {
    const byIo = converted.get(r.schema) ?? {};
    if (byIo[r.io] !== undefined) continue;
    const { $schema: _s, $defs, ...root } = z.toJSONSchema(r.schema, { io: r.io, unrepresentable: 'any', reused: 'inline', target: 'draft-2020-12' }) as Json;
    const defs = ($defs ?? {}) as Record<string, Json>;
    for (const [name, def] of Object.entries(defs)) {
      if (name.startsWith('__')) throw new Error(`a recursive zod schema needs .meta({ id }) to be named in /openapi.json (got ${name})`);
      const seen = variants.get(name) ?? {};
      const text = JSON.stringify(def);
      if (seen[r.io] !== undefined && seen[r.io] !== text) throw new Error(`two different zod schemas have the id ${name}`);
      seen[r.io] = text;
      variants.set(name, seen);
    }
    byIo[r.io] = { root, defs };
    converted.set(r.schema, byIo);
  }

  const finalName = (name: string, io: 'input' | 'output'): string => {
    const v = variants.get(name)!;
    return v.input !== undefined && v.output !== undefined && v.input !== v.output && io === 'input' ? `${name}Input` : name;
  };
  const rewrite = (v: unknown, io: 'input' | 'output'): unknown => {
    if (Array.isArray(v)) return v.map((x) => rewrite(x, io));
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        if (k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/')) return [k, `#/components/schemas/${finalName(x.slice(8), io)}`];
        return [k, rewrite(x, io)];
      }),
    );
  };

  const schemas: Record<string, unknown> = {};
  for (const byIo of converted.values()) {
    for (const io of ['input', 'output'] as const) {
      for (const [name, def] of Object.entries(byIo[io]?.defs ?? {})) schemas[finalName(name, io)] = rewrite(def, io);
    }
  }
  const replace = (v: unknown): unknown => {
    if (v instanceof ZodRef) return rewrite(converted.get(v.schema)![v.io]!.root, v.io);
    if (Array.isArray(v)) return v.map(replace);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
  };
  Object.assign(doc, replace(doc));
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

const RETRY_AFTER = { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } };

function errorResponses(): Json {
  return Object.fromEntries(
    Object.values(ERROR_RESPONSES).map((e) => [
      e.name,
      {
        description: e.description,
        ...(e.code === 'rate_limited'
          ? {
              headers: {
                'Retry-After': RETRY_AFTER,
                'RateLimit-Policy': { description: 'The budgets that apply: `"<name>";q=<quota>;w=<window seconds>`', schema: { type: 'string' } },
                RateLimit: { description: 'What is left of each: `"<name>";r=<remaining>;t=<seconds to reset>`', schema: { type: 'string' } },
              },
            }
          : e.code === 'overloaded'
            ? { headers: { 'Retry-After': RETRY_AFTER } }
            : {}),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    ]),
  );
}

export interface DocumentSpec {
  info: Json;
  operations: readonly Operation[];
  /** The RFC 9457 problem schema every error answer carries (named `Problem`). */
  problem: z.ZodType;
}

/**
 * The OpenAPI 3.1 document of `operations`. Throws on a repeated path and method or operationId,
 * so two routers cannot describe the same route.
 */
export function buildDocument(spec: DocumentSpec): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const ids = new Set<string>();
  for (const { method, path, operation } of spec.operations) {
    const id = operation.operationId as string;
    if (ids.has(id)) throw new Error(`operationId ${id} is used twice`);
    ids.add(id);
    const item = (paths[path] ??= {});
    if (item[method] !== undefined) throw new Error(`${method.toUpperCase()} ${path} is described twice`);
    item[method] = operation;
  }
  const used = new Set(spec.operations.map((o) => (o.operation.tags as Tag[])[0]!));
  const doc: Json = {
    openapi: '3.1.0',
    info: spec.info,
    servers: [{ url: '/', description: 'This service' }],
    tags: (Object.keys(TAGS) as Tag[]).filter((t) => used.has(t)).map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {},
    // The problem schema is named through the same conversion as every other schema.
    'x-problem': zodSchema(spec.problem, 'output'),
  };
  const schemas = resolveSchemas(doc);
  delete doc['x-problem'];
  if (schemas.Problem === undefined) throw new Error('the problem schema must have .meta({ id: "Problem" })');
  doc.components = {
    schemas,
    responses: errorResponses(),
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An API key (from POST /v1/accounts or POST /v1/accounts/me/keys); wins over the session cookie when both are sent' },
      session: {
        type: 'apiKey',
        in: 'cookie',
        name: 'cl_session',
        description: 'The session cookie of POST /v1/session (named __Host-cl_session when PUBLIC_URL is https). POST, PUT, PATCH and DELETE must also send the session\'s CSRF token in X-CSRF-Token (and no foreign Origin), else 403 csrf_failed',
      },
    },
  };
  return doc;
}
