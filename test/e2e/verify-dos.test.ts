/**
 * No anonymous request stalls the service: hostile POST /v1/verify bodies and bursts of PDF
 * certificates run on worker threads with bounded work, while /healthz keeps answering at once.
 *
 * The hostile certificate is the attack's: a syntactically valid certificate whose RFC 3161 token
 * carries decoy certificates, each with a 16384-bit RSA modulus and public exponent 2^64−1, named
 * like the TSA (the service's own token with decoys added) or like the issuer the TSA certificate
 * names (a token the attacker signs over the real checkpoint body with a key of their own, so an
 * unbounded chain builder runs one huge modPow per decoy: about 1 s per request before the
 * bounds). It is sent with a broken checkpoint signature (the timestamp must not even be read)
 * and with the genuine, valid checkpoint (the timestamp path runs and must stay bounded).
 *
 * Budgets (the acceptance criteria): each verify answers within 1 s, /healthz under 200 ms.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMESTAMP_NOT_CHECKED } from '../../src/core/certificate.js';
import { MAX_TOKEN_BYTES, MAX_TOKEN_CERTIFICATES } from '../../src/core/timestamp.js';
import { nodeSigningKey } from '../../src/adapters/tsa/builtin.js';
import { attackerToken, decoyLadenToken } from '../support/decoys.js';
import { killAllServers, makeTempDir, removeAllTempDirs, startServer, type ServerProc } from '../support/proc.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';

type Cert = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
interface Answer {
  status: number;
  ms: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  retryAfter: string | null;
  bytes?: Buffer;
}

const VERIFY_BUDGET_MS = 1_000;
const HEALTH_BUDGET_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// /healthz is polled over its own kept-alive connection, so the probe never waits for a socket
// of the burst it watches.
const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET /healthz: its status and latency in ms. */
function health(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    get(`${url}/healthz`, { agent: healthAgent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    }).on('error', reject);
  });
}

/** Polls /healthz back to back (10 ms apart) until `work` settles; returns every latency. */
async function healthDuring(url: string, work: () => Promise<unknown>): Promise<number[]> {
  await health(url); // the probe's connection is open before the burst starts
  let done = false;
  const running = work();
  void running.finally(() => (done = true)).catch(() => undefined);
  const times: number[] = [];
  do {
    const h = await health(url);
    expect(h.status).toBe(200);
    times.push(h.ms);
    await sleep(10);
  } while (!done);
  await running;
  return times;
}

async function timed(req: () => Promise<Response>, pdf = false): Promise<Answer> {
  const t0 = performance.now();
  const res = await req();
  const bytes = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - t0;
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? JSON.parse(bytes.toString('utf8')) : undefined;
  return { status: res.status, ms, body, retryAfter: res.headers.get('retry-after'), ...(pdf ? { bytes } : {}) };
}

/** POST /v1/verify with `cert` as JSON; the body is serialised once, before the requests. */
const postJson = (url: string, cert: unknown) => {
  const body = JSON.stringify(cert);
  return () => fetch(`${url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
};
/** POST /v1/verify with `cert` as the multipart file part "certificate". */
const postForm = (url: string, cert: unknown) => {
  const blob = new Blob([JSON.stringify(cert)], { type: 'application/json' });
  return () => {
    const f = new FormData();
    f.append('certificate', blob, 'certificate.json');
    return fetch(`${url}/v1/verify`, { method: 'POST', body: f });
  };
};

/** An answer the attack may get: 200 {valid:false}, a 4xx problem, or 503 overloaded with Retry-After; never another 5xx. */
function expectRefused(a: Answer): Check | undefined {
  if (a.status === 200) {
    expect(a.body.valid).toBe(false);
    return (a.body.checks as Check[]).find((c) => c.name === 'timestamp');
  }
  if (a.status === 503) {
    expect(a.body.code).toBe('overloaded');
    expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    return undefined;
  }
  expect(a.status).toBeGreaterThanOrEqual(400);
  expect(a.status).toBeLessThan(500);
  expect(typeof a.body.code).toBe('string');
  return undefined;
}

/** Checkpoint text with one letter of its signature changed (still canonical base64): the signature fails. */
function breakSignature(checkpoint: string): string {
  const lines = checkpoint.split('\n');
  const i = lines.findIndex((l) => l.startsWith('\u2014 '));
  const line = lines[i]!;
  const at = line.lastIndexOf(' ') + 20;
  lines[i] = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
  return lines.join('\n');
}

describe('hostile verification and PDF bursts against a running server', () => {
  let srv: ServerProc;
  let apiKey: string;
  let depositId: string;
  let cert: Cert;

  beforeAll(async () => {
    const dir = await makeTempDir('cl-dos-');
    srv = await startServer({ dataDir: dir.path });
    apiKey = (await createAccount(srv.url)).apiKey;
    const dep = await fetch(`${srv.url}/v1/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha256: 'ab'.repeat(32), metadata: { title: '春江花月夜 — bounded' } }),
    });
    expect(dep.status).toBe(201);
    depositId = ((await dep.json()) as { id: string }).id;
    // The built-in TSA stamps the block within about a second; the certificate then carries the token.
    for (let waited = 0; waited < 30_000; waited += 200) {
      const res = await fetch(`${srv.url}/v1/deposits/${depositId}/certificate`, { headers: { authorization: `Bearer ${apiKey}` } });
      cert = (await res.json()) as Cert;
      if (cert.timestamp !== undefined) break;
      await sleep(200);
    }
    expect(cert.timestamp, 'the certificate has an RFC 3161 timestamp').toBeDefined();
    // Warm both lanes' threads: the budgets are for a running service, not its first start.
    const warm = await timed(postJson(srv.url, cert));
    expect(warm.status).toBe(200);
    expect(warm.body.valid).toBe(true);
    const pdf = await timed(() => fetch(`${srv.url}/v1/deposits/${depositId}/certificate`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/pdf' } }), true);
    expect(pdf.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    healthAgent.destroy();
    await srv?.stop();
    await killAllServers();
    await removeAllTempDirs();
  });

  /** The service's own token with `decoys` decoys named like its TSA. */
  const ownTokenWith = (decoys: number) => decoyLadenToken(new Uint8Array(Buffer.from(cert.timestamp.rfc3161, 'base64')), decoys);
  /** A token signed by the attacker over the real checkpoint body, its chain's issuer matched only by `decoys` decoys. */
  const attackersToken = (decoys: number) => {
    const body = cert.checkpoint.slice(0, cert.checkpoint.indexOf('\n\n') + 1);
    const digest = new Uint8Array(createHash('sha256').update(body).digest());
    return attackerToken(digest, decoys, nodeSigningKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));
  };
  const hostile = (token: Uint8Array, validCheckpoint: boolean) => {
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES);
    return {
      ...cert,
      checkpoint: validCheckpoint ? cert.checkpoint : breakSignature(cert.checkpoint),
      timestamp: { ...cert.timestamp, rfc3161: Buffer.from(token).toString('base64') },
    };
  };

  /** Ten at once, half JSON, half multipart; each within budget while /healthz is polled. */
  async function burst(body: Cert): Promise<Answer[]> {
    const asJson = postJson(srv.url, body);
    const asForm = postForm(srv.url, body);
    let got: Answer[] = [];
    const health = await healthDuring(srv.url, async () => {
      got = await Promise.all(Array.from({ length: 10 }, (_, i) => timed(i % 2 ? asForm : asJson)));
    });
    expect(got).toHaveLength(10);
    expect(Math.max(...got.map((a) => a.ms)), `verify latencies ${got.map((a) => Math.round(a.ms)).join(', ')} ms`).toBeLessThan(VERIFY_BUDGET_MS);
    expect(Math.max(...health), `/healthz latencies ${health.map((t) => Math.round(t)).join(', ')} ms`).toBeLessThan(HEALTH_BUDGET_MS);
    return got;
  }

  it.each([
    ["the attacker's token", () => attackersToken(28)],
    ["the service's token", () => ownTokenWith(28)],
  ])('28 decoys in %s, checkpoint signature broken: the token is not read; ten at once each answer within 1 s, /healthz < 200 ms', async (_name, token) => {
    const body = hostile(token(), false);
    expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
    for (const a of await burst(body)) {
      const ts = expectRefused(a);
      if (ts) expect(ts).toEqual({ name: 'timestamp', ok: false, detail: `bad_signature: ${TIMESTAMP_NOT_CHECKED}` });
    }
  });

  it.each([
    [`28 decoys in the attacker's token (more than ${MAX_TOKEN_CERTIFICATES} certificates)`, () => attackersToken(28)],
    [`${MAX_TOKEN_CERTIFICATES - 2} decoys in the attacker's token (under the certificate cap: the candidate cap and the RSA bounds act)`, () => attackersToken(MAX_TOKEN_CERTIFICATES - 2)],
    ["28 decoys in the service's own token", () => ownTokenWith(28)],
    [`${MAX_TOKEN_CERTIFICATES - 2} decoys in the service's own token`, () => ownTokenWith(MAX_TOKEN_CERTIFICATES - 2)],
  ])('%s, valid checkpoint: the timestamp path runs and refuses it; ten at once each within 1 s, /healthz < 200 ms', async (_name, token) => {
    for (const a of await burst(hostile(token(), true))) {
      const ts = expectRefused(a);
      if (a.status === 200) {
        expect((a.body.checks as Check[]).find((c) => c.name === 'checkpointSignature')?.ok).toBe(true);
        expect(ts?.ok).toBe(false);
        expect(ts?.detail).toMatch(/^bad_(format|signature): /);
      }
    }
  });

  it('twenty PDF certificates at once: all valid PDFs, /healthz < 200 ms meanwhile', async () => {
    const getPdf = () => timed(() => fetch(`${srv.url}/v1/deposits/${depositId}/certificate`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/pdf' } }), true);
    let answers: Answer[] = [];
    const health = await healthDuring(srv.url, async () => {
      answers = await Promise.all(Array.from({ length: 20 }, getPdf));
    });
    expect(answers).toHaveLength(20);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.bytes!.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(a.bytes!.subarray(-8).toString('latin1')).toContain('%%EOF');
    }
    expect(Math.max(...health), `/healthz latencies ${health.map((t) => Math.round(t)).join(', ')} ms`).toBeLessThan(HEALTH_BUDGET_MS);
  }, 120_000);
});

describe('over budget or over queue: 503 overloaded with Retry-After, never a stall', () => {
  const services: TestService[] = [];
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  async function depositWithKey(env: Record<string, string>) {
    const svc = await startTestService(env);
    services.push(svc);
    const { apiKey } = await createAccount(svc.url);
    const res = await fetch(`${svc.url}/v1/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha256: 'cd'.repeat(32), metadata: { title: 'queue' } }),
    });
    const { id } = (await res.json()) as { id: string };
    const pdf = () => timed(() => fetch(`${svc.url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/pdf' } }), true);
    return { svc, pdf };
  }

  it('a full queue (one thread, WORKER_QUEUE=0) answers the surplus 503 at once; the admitted ones render', async () => {
    const { pdf } = await depositWithKey({ WORKER_THREADS: '1', WORKER_QUEUE: '0' });
    const got = await Promise.all(Array.from({ length: 8 }, pdf));
    const ok = got.filter((a) => a.status === 200);
    const busy = got.filter((a) => a.status === 503);
    expect(ok.length + busy.length, JSON.stringify(got.map((a) => [a.status, a.body]))).toBe(got.length);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const a of ok) expect(a.bytes!.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    for (const a of busy) {
      expect(a.body.code).toBe('overloaded');
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
  });

  it('a rendering over PDF_TIMEOUT_MS is dropped: 503 overloaded with Retry-After, and the service answers on', async () => {
    const { svc, pdf } = await depositWithKey({ PDF_TIMEOUT_MS: '100' });
    const a = await pdf();
    expect(a.status).toBe(503);
    expect(a.body.code).toBe('overloaded');
    expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const v = await timed(postJson(svc.url, { format: 'copyright-ledger/certificate@v1' }));
    expect(v.status).toBe(200);
    expect(v.body.valid).toBe(false);
  });
});
