/**
 * Registration numbers (issue 6 acceptance): 100 concurrent approvals get 100 distinct numbers
 * with no gaps; a SIGKILL in the middle of approvals leaves no number used twice or skipped,
 * and numbering continues after a restart. Then the stopped store passes `audit`.
 *
 * The kills are made to land mid-approval: each crash cycle starts the server with
 * TEST_HALT_AT_COMMIT, so it stops for good at a chosen approval's commit (before or after the
 * write) and says so on stdout, and the test kills it on that line (src/adapters/commit-halt.ts).
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllServers, killAtCommitHalt, makeTempDir, removeAllTempDirs, runCli, startServer, type ServerProc } from '../support/proc.js';
import { startTestService } from '../support/service.js';
import { account, api, deposit, submitted, type Actor } from '../support/registration.js';

const ADMIN_API_KEY = 'admin-key-for-number-tests-0000';

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

const seqOf = (n: string) => Number(n.split('-')[3]);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** Creates `n` submitted applications of `workType`, `parallel` at a time. */
async function applications(url: string, creator: Actor, n: number, workType: string, parallel = 20): Promise<string[]> {
  const dep = await deposit(url, creator.key);
  const ids: string[] = [];
  for (let i = 0; i < n; i += parallel) {
    ids.push(...(await Promise.all(range(i, Math.min(n, i + parallel) - 1).map(() => submitted(url, creator.key, [dep], { workType })))));
  }
  return ids;
}

describe('registration numbers', () => {
  it('100 concurrent approvals get 100 distinct, gap-free numbers; each category counts on its own', async () => {
    const svc = await startTestService({ ADMIN_API_KEY });
    try {
      const creator = await account(svc.url, ADMIN_API_KEY);
      const reviewers = await Promise.all(range(1, 4).map(() => account(svc.url, ADMIN_API_KEY, { role: 'reviewer' })));
      const art = await applications(svc.url, creator, 100, 'fine_art');
      const lit = await applications(svc.url, creator, 20, 'literary');
      const all = [...art.map((id) => ({ id, cat: 'F' })), ...lit.map((id) => ({ id, cat: 'A' }))].sort(() => Math.random() - 0.5);
      const results = await Promise.all(
        all.map(async ({ id, cat }, i) => {
          const res = await api(svc.url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewers[i % reviewers.length]!.key });
          expect(res.status, res.text).toBe(200);
          expect(res.body.number.split('-')[2]).toBe(cat);
          return { cat, number: res.body.number as string };
        }),
      );
      for (const [cat, n] of [['F', 100], ['A', 20]] as const) {
        const numbers = results.filter((r) => r.cat === cat).map((r) => r.number);
        expect(new Set(numbers).size).toBe(n);
        expect(numbers.map(seqOf).sort((a, b) => a - b)).toEqual(range(1, n));
        expect(new Set(numbers.map((x) => x.split('-')[1])).size).toBe(1);
      }
      // Every number resolves in the public registry, to the right application.
      const stats = (await api(svc.url, 'GET', '/v1/stats', { key: ADMIN_API_KEY })).body;
      expect(stats.registrations.issued).toBe(120);
      expect(stats.applications.byState.approved).toBe(120);
      expect(stats.applications.byState.submitted).toBe(0);
    } finally {
      await svc.stop();
    }
  }, 60_000);

  it('a SIGKILL mid-approval leaves no number used twice or skipped; numbering continues after restart; audit passes', async () => {
    const data = await makeTempDir('cl-regno-crash-');
    const env = { ADMIN_API_KEY, LOG_LEVEL: 'info' };
    let server: ServerProc = await startServer({ dataDir: data.path, env });
    const creator = await account(server.url, ADMIN_API_KEY);
    const reviewer = await account(server.url, ADMIN_API_KEY, { role: 'reviewer' });
    const N = 90;
    const ids = await applications(server.url, creator, N, 'fine_art', 30);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const acked = new Map<string, string>();
    /** The applications still submitted at the last `check`. */
    let submittedIds: string[] = [];

    /** Reads back every application, checks the numbering invariant, and returns how many are approved. */
    const check = async (url: string): Promise<number> => {
      const views = await Promise.all(ids.map(async (id) => (await api(url, 'GET', `/v1/registrations/${id}`, { key: creator.key })).body));
      const approved = views.filter((v) => v.state === 'approved');
      submittedIds = views.filter((v) => v.state === 'submitted').map((v) => v.id as string);
      expect(views.every((v) => v.state === 'approved' || v.state === 'submitted')).toBe(true);
      const seqs = approved.map((v) => seqOf(v.number)).sort((a, b) => a - b);
      expect(seqs, 'numbers are 1..k with no gaps and no duplicates').toEqual(range(1, approved.length));
      for (const v of views) {
        if (v.state === 'submitted') expect(v.number).toBeUndefined();
        // An acknowledged approval survived with the number it was acknowledged with.
        if (acked.has(v.id)) expect(v.number).toBe(acked.get(v.id));
      }
      for (const v of approved.slice(0, 10)) {
        const pub = await api(url, 'GET', `/v1/registry?number=${v.number}`);
        expect(pub.body.results).toHaveLength(1);
      }
      const stats = (await api(url, 'GET', '/v1/stats', { key: ADMIN_API_KEY })).body;
      expect(stats.registrations.issued).toBe(approved.length);
      expect(stats.applications.byState.approved).toBe(approved.length);
      expect(stats.applications.byState.submitted).toBe(N - approved.length);
      return approved.length;
    };

    // Each approval is one commit (numbers of a category are allocated one at a time), so halting
    // the n-th commit kills the server with exactly n-1 (before the write) or n (after it) of this
    // cycle's approvals on disk, while the rest are still waiting.
    let approvedSoFar = 0;
    let expected = 0;
    for (let cycle = 0; cycle < 4; cycle++) {
      const n = 2 + Math.floor(Math.random() * 7);
      const afterWrite = cycle % 2 === 1;
      server = await startServer({ dataDir: data.path, env: { ...env, NODE_ENV: 'test', TEST_HALT_AT_COMMIT: `${n}${afterWrite ? ':after-write' : ''}` } });
      approvedSoFar = await check(server.url);
      expect(approvedSoFar, 'the previous kill left exactly the approvals written before it').toBe(expected);
      const pending = submittedIds;
      const killed = killAtCommitHalt(server);
      const inflight = pending.map(async (id) => {
        try {
          const res = await api(server.url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
          if (res.status === 200) acked.set(id, res.body.number);
        } catch {
          // connection cut by the kill: outcome unknown
        }
      });
      const { halt, exit } = await killed;
      expect(exit.signal).toBe('SIGKILL');
      expect(halt).toMatchObject({ seq: n, phase: afterWrite ? 'after-write' : 'before-write' });
      await Promise.all(inflight);
      expected = approvedSoFar + (afterWrite ? n : n - 1);
      expect(expected - approvedSoFar, 'the kill landed in the middle of the approvals').toBeLessThan(pending.length);
    }
    server = await startServer({ dataDir: data.path, env });
    expect(await check(server.url)).toBe(expected);

    // Finish the rest without a crash: numbering continues from where it stopped.
    const before = await check(server.url);
    const rest = (await Promise.all(ids.map(async (id) => ({ id, v: (await api(server.url, 'GET', `/v1/registrations/${id}`, { key: creator.key })).body })))).filter((x) => x.v.state === 'submitted');
    const more = await Promise.all(rest.map(async ({ id }) => (await api(server.url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key })).body.number as string));
    expect(more.map(seqOf).sort((a, b) => a - b)).toEqual(range(before + 1, N));
    expect(await check(server.url)).toBe(N);

    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const audit = await runCli(['audit', '--data-dir', data.path]);
    expect(audit.text).toMatch(/audit ok/);
    expect(audit.code).toBe(0);
    await rm(data.path, { recursive: true, force: true });
  }, 180_000);
});
