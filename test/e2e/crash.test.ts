/**
 * Crash test (issue acceptance): the real server as a child process, SIGKILLed in the middle of a
 * write under concurrent deposits, restarted on the same DATA_DIR. Whatever was acknowledged (2xx)
 * before a crash must survive it unchanged, indices are never reused, the log keeps growing,
 * and the stopped store and the running server both pass `audit`.
 *
 * The moment of each kill is made to happen, not hoped for: each start sets TEST_HALT_AT_COMMIT,
 * so the server stops for good at a random commit (before or after it reaches the disk) and says
 * so on stdout, and the test kills it on that line (src/adapters/commit-halt.ts). No timer decides
 * whether a kill lands mid-write, so the test holds on a slow or busy machine.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  killAllServers,
  killAtCommitHalt,
  makeTempDir,
  removeAllTempDirs,
  runCli,
  startServer,
  type CommitHaltRecord,
  type ServerProc,
} from '../support/proc.js';

const CYCLES = 10;
const CLIENTS = 4;
/** The commit each start halts at: uniform in [HALT_AT[0], HALT_AT[1]] (bounds the deposits per cycle). */
const HALT_AT = [8, 20] as const;
/** Safety bound on requests per client per cycle (the halt and the kill come long before). */
const MAX_REQUESTS_PER_CLIENT = 1_000;
/** Think time between a client's requests, so the load lasts until the kill without piling up thousands of deposits. */
const THINK_MS = [5, 20] as const;

interface Acked {
  id: string;
  index: number;
  sha256: string;
  block: number;
  cycle: number;
  idempotencyKey?: string;
  externalId?: string;
}

interface DepositJson {
  id: string;
  index: number;
  sha256: string;
  block: number;
  certificateUrl: string;
}

const hex32 = () => randomBytes(32).toString('hex');

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

async function createAccount(url: string): Promise<{ apiKey: string; id: string }> {
  const res = await fetch(`${url}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Crash Tester', email: `crash-${hex32().slice(0, 8)}@example.com`, kind: 'organisation' }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { apiKey: string; account: { id: string } };
  return { apiKey: body.apiKey, id: body.account.id };
}

async function getJson<T>(url: string, apiKey?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Resolves once `cond()` holds, checking every 10 ms; rejects after `timeoutMs`. */
async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * One client: alternates single hash-only deposits and small batches until a request fails at
 * the connection level (the server was killed) or its bound is reached. Only answers read in
 * full with a 2xx status count as acknowledged.
 */
async function client(
  n: number,
  url: string,
  apiKey: string,
  cycle: number,
  acked: Acked[],
  unexpected: string[],
  stop: { now: boolean; interrupted: number },
): Promise<void> {
  const json = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && !stop.now; i++) {
    try {
      if (i % 2 === 0) {
        const sha256 = hex32();
        // Client 0 uses Idempotency-Key, so the claim's durability across crashes is checked too.
        const idempotencyKey = n === 0 ? `crash-${cycle}-${i}-${hex32().slice(0, 8)}` : undefined;
        const res = await fetch(`${url}/v1/deposits`, {
          method: 'POST',
          headers: idempotencyKey ? { ...json, 'idempotency-key': idempotencyKey } : json,
          body: JSON.stringify({ sha256 }),
        });
        const text = await res.text();
        if (res.status === 201) {
          const d = JSON.parse(text) as DepositJson;
          if (d.sha256 !== sha256) unexpected.push(`single deposit answered sha256 ${d.sha256} for ${sha256}`);
          acked.push({ id: d.id, index: d.index, sha256, block: d.block, cycle, ...(idempotencyKey ? { idempotencyKey } : {}) });
        } else if (res.status !== 503) unexpected.push(`POST /v1/deposits → ${res.status} ${text}`);
      } else {
        const size = 2 + ((i + n) % 3);
        // Client 1 gives externalIds, checked for idempotency after the crashes.
        const items = Array.from({ length: size }, (_, k) => ({
          sha256: hex32(),
          ...(n === 1 ? { externalId: `ext-${cycle}-${i}-${k}-${hex32().slice(0, 8)}` } : {}),
        }));
        const res = await fetch(`${url}/v1/deposits/batch`, { method: 'POST', headers: json, body: JSON.stringify({ items }) });
        const text = await res.text();
        if (res.status === 201) {
          const body = JSON.parse(text) as { deposits: DepositJson[] };
          if (body.deposits.length !== items.length) unexpected.push(`batch of ${items.length} answered ${body.deposits.length} deposits`);
          body.deposits.forEach((d, k) => {
            const item = items[k]!;
            if (d.sha256 !== item.sha256) unexpected.push(`batch item ${k} answered sha256 ${d.sha256} for ${item.sha256}`);
            acked.push({ id: d.id, index: d.index, sha256: item.sha256, block: d.block, cycle, ...(item.externalId ? { externalId: item.externalId } : {}) });
          });
        } else if (res.status !== 503) unexpected.push(`POST /v1/deposits/batch → ${res.status} ${text}`);
      }
    } catch {
      // Connection refused/reset or a cut-off body: the outcome is unknown, not acknowledged.
      stop.interrupted++;
      return;
    }
    await new Promise((r) => setTimeout(r, THINK_MS[0] + Math.random() * (THINK_MS[1] - THINK_MS[0])));
  }
}

describe('crash safety (SIGKILL mid-write under load, restart on the same DATA_DIR)', () => {
  it(`keeps every acknowledged deposit across ${CYCLES} SIGKILLs, reuses no index, and audits clean`, async () => {
    const data = await makeTempDir('cl-crash-data-');
    const certs = await makeTempDir('cl-crash-certs-');
    const acked: Acked[] = [];
    const unexpected: string[] = [];
    const halts: CommitHaltRecord[] = [];
    let logKey: string | undefined;
    let account: { apiKey: string; id: string } | undefined;
    let lastHeight = -1;
    let lastTreeSize = -1;
    let interruptedCycles = 0;

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const n = HALT_AT[0] + Math.floor(Math.random() * (HALT_AT[1] - HALT_AT[0] + 1));
      const halt = `${n}${Math.random() < 0.5 ? ':after-write' : ''}`;
      const server = await startServer({ dataDir: data.path, env: { NODE_ENV: 'test', TEST_HALT_AT_COMMIT: halt } });
      // Same key on every start; the tree never shrinks; the account still authenticates.
      logKey ??= server.logKey;
      expect(server.logKey).toBe(logKey);
      expect(server.treeSize).toBeGreaterThanOrEqual(Math.max(lastTreeSize, acked.length));
      const previous = halts.at(-1);
      if (previous !== undefined) {
        // The halted batch is in the restarted log exactly when it had reached the disk.
        expect(server.treeSize, JSON.stringify(previous)).toBe(previous.phase === 'after-write' ? previous.treeSize : previous.from);
      }
      account ??= await createAccount(server.url);
      const me = await getJson<{ account: { id: string } }>(`${server.url}/v1/accounts/me`, account.apiKey);
      expect(me.status).toBe(200);
      expect(me.body.account.id).toBe(account.id);
      const latest = await getJson<{ height: number; treeSize: number }>(`${server.url}/v1/blocks/latest`);
      expect(latest.body.treeSize).toBe(server.treeSize);
      expect(latest.body.height).toBeGreaterThanOrEqual(lastHeight);
      expect(latest.body.height).toBeGreaterThanOrEqual(acked.reduce((m, a) => Math.max(m, a.block), 0));
      lastHeight = latest.body.height;
      lastTreeSize = latest.body.treeSize;

      const killed = killAtCommitHalt(server);
      const stop = { now: false, interrupted: 0 };
      const ackedBefore = acked.length;
      const clients = Array.from({ length: CLIENTS }, (_, k) => client(k, server.url, account!.apiKey, cycle, acked, unexpected, stop));
      const { halt: record, exit } = await killed;
      stop.now = true;
      await Promise.all(clients);
      expect(exit.signal).toBe('SIGKILL');
      expect(record).toMatchObject({ seq: n, phase: halt.endsWith(':after-write') ? 'after-write' : 'before-write' });
      halts.push(record);
      // Nothing of the halted batch or later was acknowledged: the kill came mid-write.
      expect(acked.slice(ackedBefore).filter((a) => a.index >= record.from)).toEqual([]);
      // The kill came while the clients were still depositing (the halted batch's clients at least).
      interruptedCycles += stop.interrupted > 0 ? 1 : 0;
    }

    expect(unexpected).toEqual([]);
    expect(interruptedCycles).toBe(CYCLES);
    // The load was real: deposits were acknowledged in several cycles.
    // The load was real: every cycle had deposits acknowledged before its kill. (A client answered
    // in one commit can only be in a later one after reading that answer, so of the >= 7 commits
    // before each halt at most CLIENTS can have gone unanswered.)
    expect(new Set(acked.map((a) => a.cycle)).size).toBe(CYCLES);
    expect(acked.length).toBeGreaterThanOrEqual(CYCLES * (HALT_AT[0] - 1 - CLIENTS));

    // No index reused, no id reused.
    expect(new Set(acked.map((a) => a.index)).size).toBe(acked.length);
    expect(new Set(acked.map((a) => a.id)).size).toBe(acked.length);

    // Restart once more and check everything that was acknowledged.
    let server: ServerProc = await startServer({ dataDir: data.path });
    expect(server.logKey).toBe(logKey);
    const last = halts.at(-1)!;
    expect(server.treeSize, JSON.stringify(last)).toBe(last.phase === 'after-write' ? last.treeSize : last.from);
    const apiKey = account!.apiKey;
    const latest = (await getJson<{ height: number; treeSize: number; checkpoint: string }>(`${server.url}/v1/blocks/latest`)).body;
    expect(latest.treeSize).toBeGreaterThanOrEqual(acked.length);
    expect(latest.treeSize).toBeGreaterThan(Math.max(...acked.map((a) => a.index)));
    expect(latest.height).toBeGreaterThanOrEqual(Math.max(...acked.map((a) => a.block)));

    const problems: string[] = [];
    await pool(acked, 16, async (a) => {
      const dep = await getJson<DepositJson>(`${server.url}/v1/deposits/${a.id}`, apiKey);
      if (dep.status !== 200) return void problems.push(`${a.id}: GET deposit → ${dep.status}`);
      if (dep.body.sha256 !== a.sha256 || dep.body.index !== a.index || dep.body.block !== a.block) {
        problems.push(`${a.id}: stored ${JSON.stringify(dep.body)} differs from acknowledged ${JSON.stringify(a)}`);
      }
      const entry = await getJson<{ index: number; entry: string }>(`${server.url}/v1/log/entries/${a.index}`);
      if (entry.status !== 200) return void problems.push(`${a.id}: GET entry ${a.index} → ${entry.status}`);
      const e = JSON.parse(Buffer.from(entry.body.entry, 'base64').toString('utf8')) as { id: string; sha256: string; account: string };
      if (e.id !== a.id || e.sha256 !== a.sha256 || e.account !== account!.id) {
        problems.push(`entry ${a.index} is ${e.id}/${e.sha256}, acknowledged as ${a.id}/${a.sha256}`);
      }
      const cert = await getJson<{ entry: { index: number }; checkpoint: string; work: { sha256: string }; proof: { treeSize: number } }>(
        `${server.url}/v1/deposits/${a.id}/certificate`,
        apiKey,
      );
      if (cert.status !== 200) return void problems.push(`${a.id}: GET certificate → ${cert.status}`);
      // Proved against the block that first covered the entry, or a later one (a timestamped block).
      const certBlock = Number(/\nblock (\d+)\n/.exec(cert.body.checkpoint)?.[1]);
      if (cert.body.entry.index !== a.index || cert.body.work.sha256 !== a.sha256 || !(certBlock >= a.block) || !(cert.body.proof.treeSize > a.index)) {
        problems.push(
          `${a.id}: certificate (index ${cert.body.entry.index}, sha256 ${cert.body.work.sha256}, block ${certBlock}) differs from the acknowledgement (index ${a.index}, sha256 ${a.sha256}, block ${a.block})`,
        );
      }
      const file = join(certs.path, `${a.id}.json`);
      await writeFile(file, JSON.stringify(cert.body));
      const r = await runCli(['verify', file, '--key', logKey!]);
      if (r.code !== 0) problems.push(`${a.id}: verify exited ${r.code}:\n${r.text}`);
    });
    expect(problems).toEqual([]);

    // The per-account index and per-day counters are written in the deposits' own batches: the
    // account's list holds every entry of the log (all its deposits) once, newest first, and
    // the public statistics count each once.
    const listed: number[] = [];
    for (let after: string | undefined, n = 0; n < 10_000; n++) {
      const page = await getJson<{ deposits: { id: string; index: number }[]; next?: string }>(
        `${server.url}/v1/accounts/me/deposits?limit=100${after ? `&after=${after}` : ''}`,
        apiKey,
      );
      expect(page.status).toBe(200);
      listed.push(...page.body.deposits.map((d) => d.index));
      if ((after = page.body.next) === undefined) break;
    }
    expect(listed).toEqual(Array.from({ length: latest.treeSize }, (_, i) => latest.treeSize - 1 - i));
    const stats = (await getJson<{ deposits: { total: number; perDay: { count: number }[] } }>(`${server.url}/v1/stats/public`)).body;
    expect(stats.deposits.total).toBe(latest.treeSize);
    expect(stats.deposits.perDay.reduce((n, d) => n + d.count, 0)).toBe(latest.treeSize);

    // Idempotency claims survived the crashes: replays return the acknowledged deposit.
    const withKey = acked.filter((a) => a.idempotencyKey !== undefined).slice(0, 10);
    expect(withKey.length).toBeGreaterThan(0);
    for (const a of withKey) {
      const res = await fetch(`${server.url}/v1/deposits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': a.idempotencyKey! },
        body: JSON.stringify({ sha256: a.sha256 }),
      });
      expect(res.status).toBe(200);
      const d = (await res.json()) as DepositJson;
      expect({ id: d.id, index: d.index }).toEqual({ id: a.id, index: a.index });
    }
    const withExt = acked.filter((a) => a.externalId !== undefined).slice(0, 10);
    expect(withExt.length).toBeGreaterThan(0);
    const replay = await fetch(`${server.url}/v1/deposits/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: withExt.map((a) => ({ sha256: a.sha256, externalId: a.externalId })) }),
    });
    expect(replay.status).toBe(201);
    const replayed = ((await replay.json()) as { deposits: DepositJson[] }).deposits;
    expect(replayed.map((d) => [d.id, d.index])).toEqual(withExt.map((a) => [a.id, a.index]));

    // The log continues after the last restart: next index, next block height.
    const sha = hex32();
    const res = await fetch(`${server.url}/v1/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha256: sha }),
    });
    expect(res.status).toBe(201);
    const fresh = (await res.json()) as DepositJson;
    expect(fresh.index).toBe(latest.treeSize);
    expect(fresh.block).toBe(latest.height + 1);
    const after = (await getJson<{ height: number; treeSize: number; prevHash: string }>(`${server.url}/v1/blocks/latest`)).body;
    expect(after).toMatchObject({ height: latest.height + 1, treeSize: latest.treeSize + 1 });
    const prev = (await getJson<{ checkpoint: string }>(`${server.url}/v1/blocks/${latest.height}`)).body;
    expect(prev.checkpoint).toBe(latest.checkpoint);

    // Clean stop, then audit the store offline.
    const stopped = await server.stop();
    expect(stopped).toEqual({ code: 0, signal: null });
    const offline = await runCli(['audit', '--data-dir', data.path]);
    expect(offline.text).toContain(`audit ok: ${after.height + 1} blocks, ${after.treeSize} entries`);
    expect(offline.code).toBe(0);

    // And the running server over its public API.
    server = await startServer({ dataDir: data.path });
    const online = await runCli(['audit', '--server', server.url, '--key', logKey!]);
    expect(online.text).toContain(`audit ok: ${after.height + 1} blocks, ${after.treeSize} entries`);
    expect(online.code).toBe(0);
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    await certs.remove();
    await data.remove();
  }, 240_000);
});

describe('graceful stop (SIGTERM)', () => {
  it('under load: every deposit acknowledged before or during the shutdown survives it', async () => {
    const data = await makeTempDir('cl-term-data-');
    let server = await startServer({ dataDir: data.path });
    const logKey = server.logKey;
    const account = await createAccount(server.url);
    const acked: Acked[] = [];
    const unexpected: string[] = [];
    const stop = { now: false, interrupted: 0 };
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n, server.url, account.apiKey, 0, acked, unexpected, stop));
    // SIGTERM once deposits are flowing (not after a fixed delay, which a busy machine can outlast or undercut)
    await until(() => acked.length >= 10 || unexpected.length > 0 || stop.interrupted > 0, 30_000);
    expect(unexpected).toEqual([]);
    // SIGTERM while the clients keep depositing (SIGKILL after 3 s: how fast it stops is the next test's).
    const exit = await server.stop(3_000);
    stop.now = true;
    await Promise.all(clients);
    expect(exit.code === 0 || exit.signal === 'SIGKILL', JSON.stringify(exit)).toBe(true);
    expect(unexpected).toEqual([]);
    expect(acked.length).toBeGreaterThan(0);

    server = await startServer({ dataDir: data.path });
    expect(server.logKey).toBe(logKey);
    expect(server.treeSize).toBeGreaterThanOrEqual(acked.length);
    const missing: string[] = [];
    await pool(acked, 16, async (a) => {
      const dep = await getJson<DepositJson>(`${server.url}/v1/deposits/${a.id}`, account.apiKey);
      if (dep.status !== 200 || dep.body.index !== a.index || dep.body.sha256 !== a.sha256) missing.push(`${a.id} → ${dep.status}`);
    });
    expect(missing).toEqual([]);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const audit = await runCli(['audit', '--data-dir', data.path, '--key', logKey]);
    expect(audit.code, audit.text).toBe(0);
    await data.remove();
  }, 120_000);

  it('exits with code 0 within 5 s even when a keep-alive connection was busy at the SIGTERM', async () => {
    const data = await makeTempDir('cl-term-busy-');
    const server = await startServer({ dataDir: data.path });
    const account = await createAccount(server.url);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const body = JSON.stringify({ sha256: hex32() });
      const { port, hostname } = new URL(server.url);
      // A deposit whose body is still arriving when the server is told to stop.
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: hostname,
            port,
            method: 'POST',
            path: '/v1/deposits',
            agent,
            headers: { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          server.child.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(10)), 200);
        }, 200);
      });
      const t0 = Date.now();
      const r = await answer;
      // Either it was still taken (durably) or refused as shutting down.
      expect([201, 503], r.text).toContain(r.status);
      const exit = await Promise.race([server.exited, new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 5_000))]);
      const took = Date.now() - t0;
      if (exit === 'timeout') await server.kill();
      expect(exit, `the server was still running ${took} ms after SIGTERM; stderr:\n${server.stderr()}`).toEqual({ code: 0, signal: null });
    } finally {
      agent.destroy();
      await server.kill();
      await data.remove();
    }
  }, 20_000);
});
