/**
 * Access log (one pino line per request, with the request id the response carried and nothing
 * personal), Prometheus /metrics and /readyz.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/logging.js';
import { ServiceMetrics } from '../../src/adapters/metrics.js';
import { ConfigSchema } from '../../src/config.js';
import { startService, type Service } from '../../src/server.js';
import { api } from '../support/registration.js';
import { tempDir } from '../support/service.js';

interface AccessLine {
  level: number;
  time: string;
  msg: string;
  reqId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  account?: string;
}

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly enough to catch a malformed
 * document: every sample line is `name{labels} value`, every sample belongs to a family
 * announced by # HELP and # TYPE, histogram families have _bucket/_sum/_count with a +Inf bucket.
 */
function parsePrometheus(text: string): Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }> {
  const families = new Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>();
  const helpSeen = new Set<string>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
  const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) .*$`).exec(line))) {
      helpSeen.add(m[1]!);
      continue;
    }
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      if (families.has(m[1]!)) throw new Error(`family ${m[1]} announced twice`);
      families.set(m[1]!, { type: m[2]!, samples: [] });
      continue;
    }
    if (line.startsWith('#')) continue;
    m = sample.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, rawLabels, rawValue] = m;
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : rawValue === 'NaN' ? NaN : Number(rawValue);
    if (rawValue !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value: ${line}`);
    const labels: Record<string, string> = {};
    if (rawLabels) {
      for (const part of rawLabels.match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
        const lm = label.exec(part)!;
        labels[lm[1]!] = lm[2]!;
      }
    }
    const family = [name!, name!.replace(/_(bucket|sum|count|total|created)$/, '')].find((n) => families.has(n));
    if (family === undefined) throw new Error(`sample without # TYPE: ${line}`);
    if (!helpSeen.has(family)) throw new Error(`family without # HELP: ${family}`);
    families.get(family)!.samples.push({ name: name!, labels, value });
  }
  for (const [name, f] of families) {
    if (f.type !== 'histogram' || f.samples.length === 0) continue;
    if (!f.samples.some((s) => s.name === `${name}_bucket` && s.labels.le === '+Inf')) throw new Error(`${name}: no +Inf bucket`);
    if (!f.samples.some((s) => s.name === `${name}_sum`) || !f.samples.some((s) => s.name === `${name}_count`)) throw new Error(`${name}: no _sum/_count`);
  }
  return families;
}

describe('access log, metrics, readiness', () => {
  let svc: Service;
  let dir: { path: string; remove: () => Promise<void> };
  const lines: string[] = [];
  const access = () => lines.map((l) => JSON.parse(l) as AccessLine).filter((l) => l.msg === 'request');

  beforeAll(async () => {
    dir = await tempDir('cl-obs-');
    const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'info', TSA_MIN_INTERVAL_MS: '0' });
    svc = await startService(config, createLogger('info', { write: (s: string) => void lines.push(s) }));
  });
  afterAll(async () => {
    await svc.close();
    await dir.remove();
  });

  it('writes one line per request with the request id the response carried, the route pattern and the account, and nothing personal', async () => {
    const email = `secret-${randomBytes(4).toString('hex')}@example.com`;
    const created = await api(svc.url, 'POST', '/v1/accounts', { body: { name: 'Zhang Wei Private', email, kind: 'individual' } });
    expect(created.status).toBe(201);
    const key = created.body.apiKey as string;
    const accountId = created.body.account.id as string;
    const sha = randomBytes(32).toString('hex');
    const dep = await api(svc.url, 'POST', '/v1/deposits', { key, body: { sha256: sha, metadata: { title: 'Private Title' } } });
    expect(dep.status).toBe(201);

    const before = access().length;
    const ids: string[] = [];
    const calls: [string, string, Record<string, string>][] = [
      ['GET', `/v1/deposits/${dep.body.id}`, { authorization: `Bearer ${key}` }],
      ['GET', `/v1/deposits?sha256=${sha}`, {}],
      ['GET', '/v1/log/entries/0', { 'x-request-id': 'client-chosen.id_1' }],
      ['GET', '/v1/log/entries/999999', { 'x-request-id': 'bad id with spaces' }],
      ['GET', '/no/such/route', { 'x-request-id': 'x'.repeat(65) }],
      ['GET', '/healthz', {}],
      ['GET', '/v1/accounts/me', { authorization: `Bearer ${key}` }],
      ['GET', '/v1/accounts/me', { authorization: 'Bearer wrong-key-0123456789' }],
    ];
    for (const [method, path, headers] of calls) {
      const r = await fetch(svc.url + path, { method, headers });
      await r.arrayBuffer();
      const id = r.headers.get('x-request-id');
      expect(id, path).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      ids.push(id!);
    }
    expect(ids[2]).toBe('client-chosen.id_1'); // a sane incoming id is echoed
    expect(ids[3]).not.toBe('bad id with spaces'); // others are replaced
    expect(ids[4]).not.toBe('x'.repeat(65));
    expect(new Set(ids).size).toBe(ids.length);

    // The line is written when the response ends: give the last one a moment.
    for (let i = 0; i < 50 && access().length < before + calls.length; i++) await new Promise((r) => setTimeout(r, 20));
    const got = access().slice(before);
    expect(got).toHaveLength(calls.length);
    expect(got.map((l) => l.reqId)).toEqual(ids);
    expect(got.map((l) => l.route)).toEqual([
      '/v1/deposits/:id',
      '/v1/deposits',
      '/v1/log/entries/:index',
      '/v1/log/entries/:index',
      'unmatched',
      '/healthz',
      '/v1/accounts/me',
      '/v1/accounts/me',
    ]);
    expect(got.map((l) => l.status)).toEqual([200, 200, 200, 404, 404, 200, 200, 401]);
    expect(got[0]!.account).toBe(accountId);
    expect(got[6]!.account).toBe(accountId);
    expect(got[1]!.account).toBeUndefined();
    for (const l of got) {
      expect(l.method).toBe('GET');
      expect(typeof l.ms).toBe('number');
      expect(l.level).toBe(30);
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
    }

    // Nothing personal or secret anywhere in the log: not the key, the e-mail, the name, the metadata or the query.
    const all = lines.join('\n');
    for (const secret of [key, email, 'Zhang Wei Private', 'Private Title', sha, 'wrong-key-0123456789']) expect(all).not.toContain(secret);
  });

  it('serves /metrics as Prometheus text with the ledger, HTTP and process series', async () => {
    const { apiKey } = (await api(svc.url, 'POST', '/v1/accounts', { body: { name: 'M', email: 'm@example.com', kind: 'individual' } })).body as { apiKey: string };
    for (let i = 0; i < 3; i++) expect((await api(svc.url, 'POST', '/v1/deposits', { key: apiKey, body: { sha256: randomBytes(32).toString('hex') } })).status).toBe(201);
    const batch = await api(svc.url, 'POST', '/v1/deposits/batch', { key: apiKey, body: { items: [1, 2, 3, 4].map(() => ({ sha256: randomBytes(32).toString('hex') })) } });
    expect(batch.status).toBe(201);
    const dep = (await api(svc.url, 'POST', '/v1/deposits', { key: apiKey, body: { sha256: randomBytes(32).toString('hex') } })).body as { id: string };
    expect((await api(svc.url, 'GET', `/v1/deposits/${dep.id}/certificate`, { key: apiKey })).status).toBe(200);
    expect((await api(svc.url, 'GET', '/v1/log/proof/consistency?from=1&to=2')).status).toBe(200);
    // Wait for the timestamp worker to stamp the newest block, so the TSA lag has a value.
    for (let i = 0; i < 100 && svc.timestamper?.status().lastStamped !== svc.ledger.latestBlock.height; i++) await new Promise((r) => setTimeout(r, 50));

    const res = await fetch(`${svc.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(await res.text());
    const value = (family: string, sample: string, labels: Record<string, string> = {}) =>
      families
        .get(family)
        ?.samples.filter((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((a, s) => a + s.value, 0);

    expect(families.get('ledger_deposits_total')?.type).toBe('counter');
    expect(value('ledger_deposits_total', 'ledger_deposits_total')).toBeGreaterThanOrEqual(8);
    expect(families.get('ledger_batch_entries')?.type).toBe('histogram');
    expect(value('ledger_batch_entries', 'ledger_batch_entries_count')).toBeGreaterThanOrEqual(1);
    expect(value('ledger_batch_entries', 'ledger_batch_entries_sum')).toBeGreaterThanOrEqual(8);
    expect(families.get('ledger_commit_seconds')?.type).toBe('histogram');
    expect(value('ledger_commit_seconds', 'ledger_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(families.get('ledger_queue_entries')?.type).toBe('gauge');
    expect(value('ledger_queue_entries', 'ledger_queue_entries')).toBe(0);
    expect(families.get('ledger_proof_seconds')?.type).toBe('histogram');
    expect(value('ledger_proof_seconds', 'ledger_proof_seconds_count', { kind: 'inclusion' })).toBeGreaterThanOrEqual(1);
    expect(value('ledger_proof_seconds', 'ledger_proof_seconds_count', { kind: 'consistency' })).toBeGreaterThanOrEqual(1);
    expect(families.get('ledger_tsa_lag_seconds')?.type).toBe('gauge');
    expect(value('ledger_tsa_lag_seconds', 'ledger_tsa_lag_seconds')).toBe(0);
    expect(families.get('http_rate_limited_total')?.type).toBe('counter');
    expect(families.get('http_requests_total')?.type).toBe('counter');
    expect(value('http_requests_total', 'http_requests_total', { method: 'POST', route: '/v1/deposits', status: '201' })).toBeGreaterThanOrEqual(4);
    expect(families.get('http_request_duration_seconds')?.type).toBe('histogram');
    expect(value('http_request_duration_seconds', 'http_request_duration_seconds_count', { route: '/v1/deposits/batch' })).toBe(1);
    // Default process metrics.
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
    // Routes are patterns, never raw URLs with ids.
    expect(families.get('http_requests_total')!.samples.some((s) => s.labels.route?.includes('dep_'))).toBe(false);
  });

  it('counts 429 answers per route, and keeps separate registries for separate services', async () => {
    const a = new ServiceMetrics({ defaultMetrics: false });
    const b = new ServiceMetrics({ defaultMetrics: false });
    a.observeRequest({ method: 'POST', route: '/v1/accounts', status: 429, seconds: 0.001 });
    a.observeRequest({ method: 'POST', route: '/v1/accounts', status: 429, seconds: 0.001 });
    a.observeRequest({ method: 'POST', route: '/v1/accounts', status: 201, seconds: 0.001 });
    const fa = parsePrometheus((await a.render()).text);
    const fb = parsePrometheus((await b.render()).text);
    expect(fa.get('http_rate_limited_total')!.samples.find((s) => s.labels.route === '/v1/accounts')?.value).toBe(2);
    expect(fb.get('http_rate_limited_total')!.samples.find((s) => s.labels.route === '/v1/accounts')).toBeUndefined();
  });

  it('/readyz answers 200 while serving and 503 problem+json once the sequencer stops', async () => {
    const ok = await fetch(`${svc.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ready' });
    await svc.ledger.close(); // what close() does first after it stops listening
    const down = await fetch(`${svc.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await down.json()) as { code: string }).code).toBe('overloaded');
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200); // alive, not ready
  });
});

describe('LOG_LEVEL', () => {
  it('error writes no access lines; silent writes nothing', async () => {
    for (const level of ['error', 'silent'] as const) {
      const dir = await tempDir('cl-obs-');
      const lines: string[] = [];
      const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: level });
      const svc = await startService(config, createLogger(level, { write: (s: string) => void lines.push(s) }));
      try {
        expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${svc.url}/nope`)).status).toBe(404);
      } finally {
        await svc.close();
        await dir.remove();
      }
      expect(lines.filter((l) => l.includes('"request"'))).toEqual([]);
    }
  });
});
