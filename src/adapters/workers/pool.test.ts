import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { isLogError, type LogError } from '../../core/errors.js';
import { verifyAnyCertificate } from '../../core/registration.js';
import { PROJECT_ROOT } from '../../../test/support/proc.js';
import { nodeSha256 } from '../crypto/node.js';
import { MAX_VERIFY_DEPTH, WorkerPool } from './pool.js';

const junkCertificate = {
  format: 'copyright-ledger/certificate@v1',
  deposit: { id: 'dep_00000000000000000000', receivedAt: '2026-01-01T00:00:00.000Z' },
  work: { sha256: 'a'.repeat(64), metadata: { salt: '0'.repeat(32) } },
  entry: { index: 0, bytes: 'e30=' },
  proof: { treeSize: 1, hashes: [] },
  checkpoint: 'x\n\n— x AAAAAAA=\n',
  logKey: 'x+00000000+AQ==',
  timestamp: { rfc3161: 'AAAA', tsa: 'x' },
};
const trust = { verifierKey: 'example.com/log+00000000+AQ==', tsaCertificates: [Uint8Array.of(1, 2, 3)] };
const pdfInput = { certificate: { checkpoint: 'not a checkpoint' } as never, verifierKey: 'x', verifyUrl: 'http://localhost/verify/x', issuedAt: '2026-01-01T00:00:00.000Z' };

async function errorOf(p: Promise<unknown>): Promise<LogError> {
  try {
    await p;
  } catch (e) {
    if (isLogError(e)) return e;
    throw e;
  }
  throw new Error('expected a LogError');
}

const pools: WorkerPool[] = [];
const pool = (o: Partial<ConstructorParameters<typeof WorkerPool>[0]> = {}) => {
  const p = new WorkerPool({ threads: 1, queue: 8, verifyTimeoutMs: 30_000, pdfTimeoutMs: 30_000, ...o });
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('WorkerPool', () => {
  it('verifies on a thread exactly as on the event loop', async () => {
    const p = pool();
    for (const c of [junkCertificate, {}, [], 'text', null, { format: 'copyright-ledger/registration-certificate@v1' }]) {
      expect(await p.verify(c, trust)).toEqual(verifyAnyCertificate(c, { ...trust, sha256: nodeSha256 }));
    }
  });

  it(`refuses a value nested deeper than ${MAX_VERIFY_DEPTH} with invalid_request (a structured clone recurses), and keeps serving`, async () => {
    const p = pool();
    let deep: unknown = 1;
    for (let i = 0; i < 40_000; i++) deep = { a: deep };
    expect((await errorOf(p.verify({ ...junkCertificate, work: { metadata: deep } }, trust))).code).toBe('invalid_request');
    let ok: unknown = 1;
    for (let i = 0; i < MAX_VERIFY_DEPTH - 2; i++) ok = { a: ok };
    expect((await p.verify({ ...junkCertificate, work: { sha256: 'a'.repeat(64), metadata: ok } }, trust)).valid).toBe(false);
  });

  it('a full lane answers overloaded with retryAfter at once; the running task still completes', async () => {
    const p = pool({ threads: 1, queue: 0 });
    const first = p.certificatePdf(pdfInput).catch((e: unknown) => e);
    const second = await errorOf(p.certificatePdf(pdfInput));
    expect(second.code).toBe('overloaded');
    expect(second.details?.retryAfter).toBeGreaterThanOrEqual(1);
    // The first ran: its input is not a certificate of this service, a coded error from the thread.
    const ran = await first;
    expect(isLogError(ran) ? ran.code : ran).toBe('bad_format');
    // The lanes are separate: verification is not queued behind PDFs.
    expect((await p.verify({}, trust)).valid).toBe(false);
  });

  it('a task over its budget is dropped with overloaded + retryAfter; the other lane keeps working', async () => {
    const p = pool({ pdfTimeoutMs: 1 });
    const e = await errorOf(p.certificatePdf(pdfInput));
    expect(e.code).toBe('overloaded');
    expect(e.details?.retryAfter).toBe(1);
    expect((await p.verify({}, trust)).valid).toBe(false);
  });

  it('after close(), tasks answer overloaded (shutting down)', async () => {
    const p = pool();
    expect((await p.verify({}, trust)).valid).toBe(false);
    await p.close();
    expect((await errorOf(p.verify({}, trust))).code).toBe('overloaded');
  });

  for (const mode of ['close', 'idle']) {
    it(`worker threads never keep the process alive (${mode === 'close' ? 'after close()' : 'idle, without close()'})`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/pool-exit.ts', mode], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
      clearTimeout(timer);
      expect(code, err).toBe(0);
      expect(JSON.parse(out.trim())).toEqual({ valid: false, pdf: 'bad_format' });
    }, 60_000);
  }
});
