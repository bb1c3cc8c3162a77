/**
 * /openapi.json as a client sees it: the document a running service serves is valid OpenAPI 3.1
 * (redocly's recommended rules, 0 errors), every $ref resolves, every operation is complete, it
 * describes exactly the routes the express app serves, and a TypeScript client generated from it
 * with openapi-typescript type-checks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/core/errors.js';
import { application } from '../support/registration.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';

type Json = Record<string, unknown>;
type Doc = { openapi: string; paths: Record<string, Record<string, Json>>; components: Record<string, Record<string, Json>> };

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];
/** Probes that cannot answer a client error (never rate limited, no input). */
const NO_CLIENT_ERRORS = new Set(['getHealth', 'getReadiness', 'getMetrics']);

const ADMIN = 'openapi-test-admin-key-0123456789';
let service: TestService;
let doc: Doc;

beforeAll(async () => {
  service = await startTestService({ ADMIN_API_KEY: ADMIN });
  const res = await fetch(`${service.url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(async () => {
  await service?.stop();
});

function operationsOf(d: Doc): { path: string; method: string; op: Json }[] {
  return Object.entries(d.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m] !== undefined).map((method) => ({ path, method, op: item[method]! })));
}

/** Every `$ref` string in `v`, with where it was found. */
function refsIn(v: unknown, at = '#'): { ref: string; at: string }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => refsIn(x, `${at}/${i}`));
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => (k === '$ref' && typeof x === 'string' ? [{ ref: x, at }] : refsIn(x, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)));
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  slash?: boolean;
  name?: string;
}

/** `METHOD /path/{}` of every route in an express 5 app (`:param` and `*wildcard` alike), walking routers mounted at `/`. */
function servedRoutes(stack: Layer[]): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      expect(typeof layer.route.path, 'route paths are strings').toBe('string');
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push(`${m.toUpperCase()} ${(layer.route.path as string).replace(/[:*][A-Za-z0-9_]+/g, '{}')}`);
    } else if (layer.handle?.stack) {
      expect(layer.slash, `router ${layer.name} is mounted at /, so its route paths are whole paths`).toBe(true);
      out.push(...servedRoutes(layer.handle.stack));
    }
  }
  return out;
}

describe('/openapi.json', () => {
  it('passes redocly’s recommended rules with 0 errors (warnings are printed)', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity !== 'error');
    const show = (p: (typeof problems)[number]) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`;
    if (warnings.length > 0) console.warn(`redocly warnings (${warnings.length}):\n${warnings.map(show).join('\n')}`);
    expect(errors.map(show)).toEqual([]);
    // Only the probes that cannot fail with a 4xx may warn.
    expect(warnings.filter((w) => w.ruleId !== 'operation-4xx-response').map(show)).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('resolves every $ref inside the document, and names its schemas in components.schemas', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(50);
    const broken = refs.filter((r) => resolvePointer(doc, r.ref) === undefined).map((r) => `${r.ref} at ${r.at}`);
    expect(broken).toEqual([]);
    expect(refs.filter((r) => r.ref.includes('$defs'))).toEqual([]);
    expect(Object.keys(doc.components.schemas!)).toEqual(expect.arrayContaining(['Problem', 'Deposit', 'DepositRequest', 'Certificate', 'WorkMetadata', 'Account']));
  });

  it('has a Problem schema whose code enum is every code the service answers with, and a shared response per error status', () => {
    const problem = doc.components.schemas!.Problem as { required: string[]; properties: Record<string, { enum?: string[] }> };
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    expect(new Set(problem.properties.code!.enum)).toEqual(new Set(Object.values(ERRORS).map((e) => e.httpCode)));
    const responses = doc.components.responses!;
    for (const name of ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'PayloadTooLarge', 'UnsupportedMediaType', 'RateLimited', 'Overloaded']) {
      expect((responses[name] as { content: Json }).content['application/problem+json'], name).toEqual({ schema: { $ref: '#/components/schemas/Problem' } });
    }
    expect(doc.components.securitySchemes!.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('gives every operation a unique camelCase operationId, a tag, security, a success and its 4xx answers', () => {
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(60);
    const ids = ops.map((o) => o.op.operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(((doc as unknown as { tags: { name: string }[] }).tags ?? []).map((t) => t.name));
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect((op.tags as string[]).length, where).toBe(1);
      expect(tags.has((op.tags as string[])[0]!), where).toBe(true);
      const security = op.security as Json[];
      expect(Array.isArray(security), `${where}: security`).toBe(true);
      for (const req of security) for (const scheme of Object.keys(req)) expect(doc.components.securitySchemes![scheme], where).toBeDefined();
      const statuses = Object.keys(op.responses as Json);
      expect(statuses.some((s) => /^2/.test(s)), `${where}: a 2xx`).toBe(true);
      if (!NO_CLIENT_ERRORS.has(op.operationId as string)) expect(statuses.some((s) => /^4/.test(s)), `${where}: a 4xx`).toBe(true);
      if (security.some((r) => 'bearer' in r)) expect(statuses, `${where}: 401 with a key`).toContain('401');
      if (op.requestBody !== undefined || (op.parameters as unknown[] | undefined)?.length) {
        if (op.operationId !== 'getVerifyPage') expect(statuses, `${where}: 400 for bad input`).toContain('400');
      }
      for (const p of (op.parameters as { in: string; name: string }[] | undefined) ?? []) {
        if (p.in === 'path') expect(path, where).toContain(`{${p.name}}`);
      }
    }
    // Public and authenticated operations are told apart.
    const byId = Object.fromEntries(ops.map((o) => [o.op.operationId as string, o.op]));
    expect(byId.getCheckpoint!.security).toEqual([]);
    expect(byId.createDeposit!.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(byId.createAccount!.security).toEqual([{}, { bearer: [] }, { session: [] }]);
    expect(doc.components.securitySchemes!.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'cl_session' });
  });

  it('describes exactly the routes the express app serves', () => {
    const app = service.server.listeners('request')[0] as unknown as { router: { stack: Layer[] } };
    const served = new Set(servedRoutes(app.router.stack));
    expect(served.size).toBeGreaterThan(60);
    const documented = new Set(operationsOf(doc).map((o) => `${o.method.toUpperCase()} ${o.path.replace(/\{[^}]+\}/g, '{}')}`));
    const undocumented = [...served].filter((r) => !documented.has(r)).sort();
    const notServed = [...documented].filter((r) => !served.has(r)).sort();
    expect(undocumented, 'routes without an OpenAPI operation (add one with op() in the router’s *-openapi.ts)').toEqual([]);
    expect(notServed, 'operations no route serves').toEqual([]);
  });

  it('matches what the service answers: a problem for a bad request, a deposit for a good one', async () => {
    const bad = await fetch(`${service.url}/v1/log/entries/x`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await bad.json()) as Json;
    const problem = doc.components.schemas!.Problem as { required: string[]; properties: Record<string, { enum?: string[] }> };
    for (const k of problem.required) expect(body, k).toHaveProperty(k);
    expect(problem.properties.code!.enum).toContain(body.code);
    expect(Object.keys((doc.paths['/v1/log/entries/{index}']!.get!.responses as Json) ?? {})).toContain('400');
  });
});

describe('answers of the running service', () => {
  /** Checks that `res` is an answer the document gives for this operation, body and all. */
  async function conforms(method: string, path: string, res: Response): Promise<Json | string> {
    const where = `${method.toUpperCase()} ${path} → ${res.status}`;
    const op = doc.paths[path]?.[method];
    expect(op, where).toBeDefined();
    let answer = (op!.responses as Record<string, Json>)[String(res.status)];
    expect(answer, `${where} is not documented`).toBeDefined();
    if (typeof answer!.$ref === 'string') answer = resolvePointer(doc, answer!.$ref) as Json;
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const content = answer!.content as Record<string, { schema: Json }> | undefined;
    if (res.status === 204) {
      expect(content, where).toBeUndefined();
      return '';
    }
    expect(Object.keys(content ?? {}), where).toContain(type);
    if (!/json$/.test(type)) return res.text();
    const body = (await res.json()) as Json;
    const pointer = JSON.stringify({ $ref: `openapi.json#${resolveLocation(doc, content![type]!.schema)}` });
    const validate = ajv.compile(JSON.parse(pointer) as Json);
    expect(validate(body) ? [] : validate.errors, `${where}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
    return body;
  }
  /** The JSON pointer of a schema object inside the document (found by identity). */
  function resolveLocation(root: unknown, target: unknown, at = ''): string {
    const found = (function find(v: unknown, p: string): string | undefined {
      if (v === target) return p;
      if (typeof v !== 'object' || v === null) return undefined;
      for (const [k, x] of Object.entries(v)) {
        const r = find(x, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
        if (r !== undefined) return r;
      }
      return undefined;
    })(root, at);
    if (found === undefined) throw new Error('schema not in the document');
    return found;
  }
  let ajv: Ajv2020;
  beforeAll(() => {
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(doc as unknown as Json, 'openapi.json');
  });

  it('match the documented status, media type and schema', async () => {
    const u = service.url;
    const { apiKey } = await createAccount(u);
    const auth = { authorization: `Bearer ${apiKey}` };
    const jsonHeaders = { ...auth, 'content-type': 'application/json' };
    const call = (method: string, path: string, concrete: string, init: RequestInit = {}) => fetch(u + concrete, { method: method.toUpperCase(), ...init }).then((r) => conforms(method, path, r));

    await call('get', '/healthz', '/healthz');
    await call('get', '/readyz', '/readyz');
    await call('get', '/metrics', '/metrics');
    await call('get', '/openapi.json', '/openapi.json');
    await call('get', '/v1/log/checkpoint', '/v1/log/checkpoint');
    await call('get', '/v1/log/key', '/v1/log/key');
    await call('get', '/v1/log/keys', '/v1/log/keys');
    await call('post', '/v1/accounts', '/v1/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ann', email: 'ann@example.com', kind: 'individual' }) });
    await call('post', '/v1/accounts', '/v1/accounts', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ann', email: 'ann@example.com', kind: 'individual' }) });
    await call('post', '/v1/accounts', '/v1/accounts', { headers: { 'content-type': 'text/plain' }, body: 'x' });
    await call('get', '/v1/accounts/me', '/v1/accounts/me', { headers: auth });
    await call('get', '/v1/accounts/me', '/v1/accounts/me');
    await call('get', '/v1/accounts/me/usage', '/v1/accounts/me/usage', { headers: auth });
    const key = (await call('post', '/v1/accounts/me/keys', '/v1/accounts/me/keys', { headers: jsonHeaders, body: JSON.stringify({ label: 'CI' }) })) as { key: { id: string } };
    await call('get', '/v1/accounts/me/keys', '/v1/accounts/me/keys', { headers: auth });
    await call('delete', '/v1/accounts/me/keys/{keyId}', `/v1/accounts/me/keys/${key.key.id}`, { headers: auth });
    await call('get', '/v1/accounts/{id}/keys', '/v1/accounts/acc_x/keys', { headers: auth });

    const sha256 = 'c0'.repeat(32);
    const deposit = (await call('post', '/v1/deposits', '/v1/deposits', { headers: { ...jsonHeaders, 'idempotency-key': 'k1' }, body: JSON.stringify({ sha256, size: 1, metadata: { title: 'T' } }) })) as { id: string };
    await call('post', '/v1/deposits', '/v1/deposits', { headers: { ...jsonHeaders, 'idempotency-key': 'k1' }, body: JSON.stringify({ sha256, size: 1, metadata: { title: 'T' } }) });
    await call('post', '/v1/deposits', '/v1/deposits', { headers: jsonHeaders, body: JSON.stringify({ sha256: 'nope' }) });
    const form = new FormData();
    form.append('file', new Blob(['a work']), 'work.txt');
    form.append('metadata', JSON.stringify({ title: 'Uploaded' }));
    await call('post', '/v1/deposits', '/v1/deposits', { method: 'POST', headers: auth, body: form });
    await call('post', '/v1/deposits/batch', '/v1/deposits/batch', { headers: jsonHeaders, body: JSON.stringify({ items: [{ sha256: 'c1'.repeat(32), externalId: 'e1' }] }) });
    await call('get', '/v1/deposits', `/v1/deposits?sha256=${sha256}`);
    await call('get', '/v1/deposits/{id}', `/v1/deposits/${deposit.id}`, { headers: auth });
    await call('get', '/v1/deposits/{id}', '/v1/deposits/dep_00000000000000000000', { headers: auth });
    const cert = await call('get', '/v1/deposits/{id}/certificate', `/v1/deposits/${deposit.id}/certificate`, { headers: auth });
    await call('post', '/v1/verify', '/v1/verify', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(cert) });
    await call('post', '/v1/certificates', '/v1/certificates', { headers: jsonHeaders, body: JSON.stringify({ ids: [deposit.id, 'dep_00000000000000000000'] }) });
    await call('post', '/v1/certificates', '/v1/certificates', { headers: jsonHeaders, body: JSON.stringify({ ids: [] }) });
    await call('get', '/verify/{depositId}', `/verify/${deposit.id}`);
    await call('get', '/verify/{depositId}', '/verify/nope');

    await call('get', '/v1/log/entries/{index}', '/v1/log/entries/0');
    await call('get', '/v1/log/entries/{index}', '/v1/log/entries/999999');
    await call('get', '/v1/log/entries', '/v1/log/entries?start=0&count=2');
    await call('get', '/v1/log/proof/inclusion', '/v1/log/proof/inclusion?index=0');
    await call('get', '/v1/log/proof/consistency', '/v1/log/proof/consistency?from=1&to=2');
    await call('get', '/v1/blocks/latest', '/v1/blocks/latest');
    await call('get', '/v1/blocks/{height}', '/v1/blocks/1');
    await call('get', '/v1/tsa/certificate', '/v1/tsa/certificate');
    await call('post', '/v1/tsa', '/v1/tsa', { headers: { 'content-type': 'application/json' }, body: '{}' });
    await call('get', '/v1/registry/entries', '/v1/registry/entries');
    await call('get', '/v1/registry', '/v1/registry?q=song');
    await call('get', '/v1/organisations', '/v1/organisations', { headers: auth });
    await call('get', '/v1/invitations', '/v1/invitations', { headers: auth });
    await call('get', '/v1/registrations', '/v1/registrations', { headers: auth });
    await call('get', '/v1/stats', '/v1/stats', { headers: auth });
  });

  it('match for registrations, review, the registry and organisations', async () => {
    const u = service.url;
    const call = (method: string, path: string, concrete: string, key?: string, body?: unknown) =>
      fetch(u + concrete, {
        method: method.toUpperCase(),
        headers: { ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }).then((r) => conforms(method, path, r));
    const creator = await createAccount(u);
    const dep = (await call('post', '/v1/deposits', '/v1/deposits', creator.apiKey, { sha256: 'd0'.repeat(32) })) as { id: string };
    const draft = (await call('post', '/v1/registrations', '/v1/registrations', creator.apiKey, application([dep.id]))) as { id: string };
    await call('patch', '/v1/registrations/{id}', `/v1/registrations/${draft.id}`, creator.apiKey, { title: 'Starry Night II' });
    await call('post', '/v1/registrations/{id}/submit', `/v1/registrations/${draft.id}/submit`, creator.apiKey);
    await call('post', '/v1/registrations/{id}/submit', `/v1/registrations/${draft.id}/submit`, creator.apiKey);
    await call('get', '/v1/review/queue', '/v1/review/queue', ADMIN);
    await call('get', '/v1/review/queue', '/v1/review/queue', creator.apiKey);
    const approved = (await call('post', '/v1/registrations/{id}/approve', `/v1/registrations/${draft.id}/approve`, ADMIN)) as { number: string };
    await call('get', '/v1/registrations/{id}', `/v1/registrations/${draft.id}`, creator.apiKey);
    await call('get', '/v1/registrations', '/v1/registrations', creator.apiKey);
    const cert = await call('get', '/v1/registrations/{id}/certificate', `/v1/registrations/${draft.id}/certificate`, creator.apiKey);
    await call('post', '/v1/verify', '/v1/verify', undefined, cert);
    await call('post', '/v1/registrations/{id}/correct', `/v1/registrations/${draft.id}/correct`, ADMIN, { title: 'Starry Night III', reason: 'typo' });
    await call('get', '/v1/registry', `/v1/registry?number=${approved.number}`);
    await call('get', '/v1/registry', '/v1/registry?q=starry');
    await call('get', '/v1/registry/entries', '/v1/registry/entries');
    await call('get', '/v1/stats', '/v1/stats', ADMIN);

    const org = await createAccount(u, { kind: 'organisation' });
    const invited = (await call('post', '/v1/organisations/{id}/members', `/v1/organisations/${org.id}/members`, org.apiKey, { accountId: creator.id })) as { invitation: { id: string } };
    await call('get', '/v1/organisations/{id}/invitations', `/v1/organisations/${org.id}/invitations`, org.apiKey);
    await call('get', '/v1/invitations', '/v1/invitations', creator.apiKey);
    await call('post', '/v1/invitations/{id}/accept', `/v1/invitations/${invited.invitation.id}/accept`, creator.apiKey);
    await call('post', '/v1/invitations/{id}/accept', `/v1/invitations/${invited.invitation.id}/accept`, creator.apiKey);
    await call('get', '/v1/organisations', '/v1/organisations', creator.apiKey);
    await call('get', '/v1/organisations/{id}', `/v1/organisations/${org.id}`, creator.apiKey);
    await call('post', '/v1/organisations/{id}/members', `/v1/organisations/${org.id}/members`, org.apiKey, { accountId: creator.id, role: 'owner' });
    await call('get', '/v1/organisations/{id}/history', `/v1/organisations/${org.id}/history`, org.apiKey);
    await call('delete', '/v1/organisations/{id}/members/{accountId}', `/v1/organisations/${org.id}/members/${creator.id}`, org.apiKey);
    await call('post', '/v1/accounts/{id}/disable', `/v1/accounts/${creator.id}/disable`, ADMIN);
    await call('get', '/v1/accounts/me', '/v1/accounts/me', creator.apiKey);
    await call('post', '/v1/accounts/{id}/enable', `/v1/accounts/${creator.id}/enable`, ADMIN);
    await call('put', '/v1/accounts/{id}/role', `/v1/accounts/${creator.id}/role`, ADMIN, { role: 'platform' });
    await call('get', '/v1/accounts/{id}/keys', `/v1/accounts/${creator.id}/keys`, ADMIN);
  });

  it('match for licences, transfers, pledges and the chain of title', async () => {
    const u = service.url;
    const call = (method: string, path: string, concrete: string, key?: string, body?: unknown, accept?: string) =>
      fetch(u + concrete, {
        method: method.toUpperCase(),
        headers: { ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(accept !== undefined ? { accept } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }).then((r) => conforms(method, path, r));
    const owner = await createAccount(u);
    const platform = await createAccount(u, { kind: 'organisation' });
    const bank = await createAccount(u, { kind: 'organisation' });
    const dep = (await call('post', '/v1/deposits', '/v1/deposits', owner.apiKey, { sha256: 'e1'.repeat(32) })) as { id: string };
    const reg = (await call('post', '/v1/registrations', '/v1/registrations', owner.apiKey, { ...application([dep.id]), submit: true })) as { id: string };
    const { number } = (await call('post', '/v1/registrations/{id}/approve', `/v1/registrations/${reg.id}/approve`, ADMIN)) as { number: string };
    const offer = { registrationId: reg.id, licensee: { account: platform.id }, rights: ['reproduction'], exclusive: true, validFrom: '2026-01-01', validTo: '2026-12-31' };
    const lic = (await call('post', '/v1/licences', '/v1/licences', owner.apiKey, offer)) as { id: string };
    await call('post', '/v1/licences', '/v1/licences', owner.apiKey, { ...offer, rights: ['dance'] });
    await call('post', '/v1/licences/{id}/accept', `/v1/licences/${lic.id}/accept`, platform.apiKey);
    await call('post', '/v1/licences/{id}/accept', `/v1/licences/${lic.id}/accept`, platform.apiKey);
    await call('post', '/v1/licences', '/v1/licences', owner.apiKey, offer);
    await call('get', '/v1/licences', '/v1/licences', platform.apiKey);
    await call('get', '/v1/licences/{id}', `/v1/licences/${lic.id}`, platform.apiKey);
    await call('get', '/v1/licences/{id}/certificate', `/v1/licences/${lic.id}/certificate`, platform.apiKey);
    await call('get', '/v1/licences/check', `/v1/licences/check?number=${number}&licensee=${platform.id}&right=reproduction&at=2026-06-01`);
    await call('get', '/v1/licences/check', `/v1/licences/check?licensee=x&right=reproduction`);
    const pledge = (await call('post', '/v1/pledges', '/v1/pledges', owner.apiKey, { registrationId: reg.id, pledgee: { account: bank.id }, securedAmount: { amount: '10', currency: 'CNY' }, validFrom: '2026-01-01', validTo: '2027-01-01' })) as { id: string };
    await call('get', '/v1/pledges', '/v1/pledges', bank.apiKey);
    await call('get', '/v1/pledges/{id}', `/v1/pledges/${pledge.id}`, bank.apiKey);
    await call('get', '/v1/pledges/{id}/certificate', `/v1/pledges/${pledge.id}/certificate`, bank.apiKey);
    const trf = (await call('post', '/v1/transfers', '/v1/transfers', owner.apiKey, { registrationId: reg.id, to: { account: platform.id }, rights: 'all' })) as { id: string };
    await call('post', '/v1/transfers/{id}/accept', `/v1/transfers/${trf.id}/accept`, platform.apiKey);
    await call('post', '/v1/transfers/{id}/consent', `/v1/transfers/${trf.id}/consent`, bank.apiKey);
    await call('post', '/v1/pledges/{id}/release', `/v1/pledges/${pledge.id}/release`, bank.apiKey);
    await call('post', '/v1/transfers/{id}/accept', `/v1/transfers/${trf.id}/accept`, platform.apiKey);
    await call('get', '/v1/transfers', '/v1/transfers', platform.apiKey);
    await call('get', '/v1/transfers/{id}', `/v1/transfers/${trf.id}`, platform.apiKey);
    await call('get', '/v1/transfers/{id}/certificate', `/v1/transfers/${trf.id}/certificate`, platform.apiKey);
    const t2 = (await call('post', '/v1/transfers', '/v1/transfers', platform.apiKey, { registrationId: reg.id, to: { account: owner.id }, rights: ['reproduction'] })) as { id: string };
    await call('post', '/v1/transfers/{id}/cancel', `/v1/transfers/${t2.id}/cancel`, owner.apiKey);
    await call('post', '/v1/licences/{id}/revoke', `/v1/licences/${lic.id}/revoke`, platform.apiKey, { reason: 'ended' });
    await call('get', '/v1/registry/{number}', `/v1/registry/${number}`);
    await call('get', '/v1/registry/{number}', '/v1/registry/CL-2026-F-99999999');
    await call('get', '/v1/registry/{number}', '/v1/registry/nope');
  });
});

describe('a TypeScript client generated from /openapi.json', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('type-checks, and its types refuse what the API refuses', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cl-openapi-'));
    const api = astToString(await openapiTS(doc as never));
    expect(api).toContain('"/v1/deposits"');
    await writeFile(join(dir, 'api.ts'), api);
    await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
    await writeFile(
      join(dir, 'client.ts'),
      `import type { components, operations, paths } from './api.js';

type DepositRequest = paths['/v1/deposits']['post']['requestBody']['content']['application/json'];
type Deposit = paths['/v1/deposits']['post']['responses'][201]['content']['application/json'];
type NotFound = paths['/v1/deposits/{id}']['get']['responses'][404]['content']['application/problem+json'];
type Problem = components['schemas']['Problem'];
type EntryPath = operations['getEntry']['parameters']['path'];
type Lookup = operations['lookupDeposits']['parameters']['query'];
type Verified = operations['verifyCertificate']['responses'][200]['content']['application/json'];

export const request: DepositRequest = { sha256: 'ab'.repeat(32), size: 3, metadata: { title: 'A song', workType: 'musical', authors: [{ name: 'Li Bai' }] } };
export const entry: EntryPath = { index: '0' };
export const lookup: Lookup = { sha256: 'ab'.repeat(32) };
export const codes: Problem['code'][] = ['invalid_request', 'unauthorized', 'rate_limited', 'overloaded'];

/** A typed call, as a client would write it. */
export async function getDeposit(base: string, apiKey: string, id: string): Promise<Deposit | NotFound> {
  const res = await fetch(base + '/v1/deposits/' + encodeURIComponent(id), { headers: { authorization: 'Bearer ' + apiKey } });
  return (await res.json()) as Deposit | NotFound;
}
export function describe(d: Deposit): string {
  const block: number = d.block;
  return d.id + ' #' + d.index + ' in block ' + block + ' at ' + d.receivedAt;
}
export function failed(v: Verified): string[] {
  return v.checks.filter((c) => !c.ok).map((c) => c.name + ': ' + c.detail);
}
export const nf: NotFound['code'] = 'not_found';

// @ts-expect-error sha256 is required
export const missing: DepositRequest = { size: 1 };
// @ts-expect-error a deposit request is a strict object
export const extra: DepositRequest = { sha256: 'x', colour: 'red' };
// @ts-expect-error not a problem code
export const teapot: Problem['code'] = 'teapot';
// @ts-expect-error not a work type
export const badType: DepositRequest = { sha256: 'x', metadata: { workType: 'poem' } };
// @ts-expect-error the index is a decimal string
export const numericIndex: EntryPath = { index: 0 };
`,
    );
    const root = resolve(import.meta.dirname, '../..');
    const program = ts.createProgram([join(dir, 'client.ts')], {
      strict: true,
      noEmit: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.replace(dir, '') ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  });
});
