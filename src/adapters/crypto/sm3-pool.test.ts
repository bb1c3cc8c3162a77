import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isLogError } from '../../core/errors.js';
import { Sm3Pool } from './sm3-pool.js';

const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

describe('Sm3Pool', () => {
  const pool = new Sm3Pool(2);
  afterAll(() => pool.close());

  async function feed(data: Uint8Array, chunk: number): Promise<string> {
    const job = pool.start();
    for (let i = 0; i < data.length; i += chunk) {
      const wait = job.update(data.subarray(i, i + chunk));
      if (wait !== undefined) await wait;
    }
    return job.digest();
  }

  it('matches node:crypto SM3 for empty input, the GB/T 32905 "abc" vector, and any chunking', async () => {
    expect(await feed(new Uint8Array(0), 1)).toBe(sm3(new Uint8Array(0)));
    expect(await feed(Buffer.from('abc'), 1)).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const data = randomBytes(9 * 1024 * 1024 + 7); // more than every slot of a job: backpressure
    for (const chunk of [65_536, 1_000_003, 2 * 1024 * 1024, data.length]) expect(await feed(data, chunk)).toBe(sm3(data));
  });

  it('runs jobs side by side without mixing them up, and reuses buffers', async () => {
    const inputs = Array.from({ length: 6 }, (_, i) => randomBytes(3 * 1024 * 1024 + i * 1000));
    const got = await Promise.all(inputs.map((d, i) => feed(d, 100_000 + i)));
    expect(got).toEqual(inputs.map(sm3));
    expect(await feed(inputs[0]!, 4096)).toBe(sm3(inputs[0]!));
  });

  it('hands every filled slot to the sink at its offset; digest waits for the sink; a failing sink fails the job', async () => {
    const data = randomBytes(7 * 1024 * 1024 + 123);
    const copy = Buffer.alloc(data.length);
    let writes = 0;
    const job = pool.start(async (bytes, position) => {
      await new Promise((r) => setTimeout(r, 5));
      copy.set(bytes, position);
      writes++;
    });
    for (let i = 0; i < data.length; i += 300_000) {
      const wait = job.update(data.subarray(i, i + 300_000));
      if (wait !== undefined) await wait;
    }
    expect(await job.digest()).toBe(sm3(data));
    expect(writes).toBe(4); // 2 MiB slots
    expect(Buffer.compare(copy, data)).toBe(0);

    const bad = pool.start(() => Promise.reject(new Error('disk full')));
    for (let i = 0; i < 3; i++) await bad.update(randomBytes(2 * 1024 * 1024))?.catch(() => undefined);
    await expect(bad.digest()).rejects.toThrow('disk full');
  });

  it('a cancelled job rejects further use and leaves the pool working', async () => {
    const job = pool.start();
    job.update(randomBytes(5 * 1024 * 1024))?.catch(() => undefined);
    job.cancel();
    await expect(job.digest()).rejects.toSatisfy((e: unknown) => isLogError(e, 'internal'));
    const data = randomBytes(1000);
    expect(await feed(data, 10)).toBe(sm3(data));
  });
});

describe('Sm3Pool and process exit', () => {
  it('idle workers never keep the process alive (warmed, used, then left alone)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'cl-sm3-exit-'));
    const file = join(dir, 'exit.mts');
    writeFileSync(
      file,
      `import { Sm3Pool } from ${JSON.stringify(new URL('./sm3-pool.ts', import.meta.url).pathname)};
       const pool = new Sm3Pool(2).warm();
       const job = pool.start();
       await job.update(new Uint8Array([97, 98, 99]));
       console.log(await job.digest());`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 45_000, cwd: new URL('../../..', import.meta.url).pathname });
    rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull(); // not killed by the timeout: it exited on its own
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });
});
