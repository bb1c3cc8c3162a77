/**
 * A setting the service cannot use stops `npm start` with one line naming the variable on
 * stderr and exit code 2: no stack trace, no hang.
 */
import { createServer, type Server } from 'node:net';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';
import { startService } from '../../src/server.js';
import { killAllServers, makeTempDir, removeAllTempDirs, runProcess, startServer, type TempDir } from '../support/proc.js';

let tmp: TempDir;

beforeAll(async () => {
  tmp = await makeTempDir('cl-config-');
});
afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

/** Runs `node --import tsx src/main.ts` with `env` and waits for it to exit. */
async function start(env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.NODE_OPTIONS;
  delete base.LOG_KEY_FILE;
  delete base.ADMIN_API_KEY;
  delete base.PUBLIC_URL;
  const t0 = Date.now();
  const r = await runProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...base, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(tmp.path, 'store'), LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    timeoutMs: 30_000,
  });
  return { ...r, ms: Date.now() - t0 };
}

/** The run printed exactly one line, `copyright-ledger: VARIABLE: …`, exited 2 and printed no stack. */
function expectOneLine(r: Awaited<ReturnType<typeof start>>, variable: string, also?: RegExp) {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^copyright-ledger: ${variable}: `));
  if (also) expect(lines[0]).toMatch(also);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).not.toContain('"listening"');
}

describe('configuration errors', () => {
  it('PORT=abc', async () => {
    expectOneLine(await start({ PORT: 'abc' }), 'PORT', /expected a number 0–65535, got "abc"/);
  });

  it('DATA_DIR=/proc/nope fails within a few seconds', async () => {
    const r = await start({ DATA_DIR: '/proc/nope/store' });
    expectOneLine(r, 'DATA_DIR', /\/proc\/nope/);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('DATA_DIR under a regular file', async () => {
    const file = join(tmp.path, 'a-file');
    await writeFile(file, 'x');
    expectOneLine(await start({ DATA_DIR: join(file, 'store') }), 'DATA_DIR', /not a directory/);
  });

  it('LOG_LEVEL=bogus', async () => {
    expectOneLine(await start({ LOG_LEVEL: 'bogus' }), 'LOG_LEVEL', /"bogus"/);
  });

  it('NODE_ENV=production without PUBLIC_URL', async () => {
    expectOneLine(await start({ NODE_ENV: 'production' }), 'PUBLIC_URL', /NODE_ENV=production/);
  });

  it('an unreadable LOG_KEY_FILE', async () => {
    expectOneLine(await start({ LOG_KEY_FILE: join(tmp.path, 'no-such-key.pem') }), 'LOG_KEY_FILE', /ENOENT/);
    expectOneLine(await start({ LOG_KEY_FILE: tmp.path }), 'LOG_KEY_FILE', /EISDIR/);
  });

  it('a LOG_KEY_FILE that is a retired log key (after a rotation): nothing is written', async () => {
    const dataDir = join(tmp.path, 'rotated');
    const config = () => ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    await (await startService(config())).close();
    await rename(join(dataDir, 'log-key.pem'), join(dataDir, 'log-key.previous.pem'));
    const rotated = await startService(config());
    const height = rotated.ledger.latestBlock.height;
    await rotated.close();
    expectOneLine(await start({ DATA_DIR: dataDir, LOG_KEY_FILE: join(dataDir, 'log-key.previous.pem') }), 'LOG_KEY_FILE', /key in force/);
    const again = await startService(config());
    expect(again.ledger.latestBlock.height).toBe(height);
    expect(again.ledger.keys).toHaveLength(2);
    await again.close();
  }, 60_000);

  it('an unreadable TSA_CA_FILE', async () => {
    expectOneLine(await start({ TSA_CA_FILE: join(tmp.path, 'no-such-ca.pem'), DATA_DIR: join(tmp.path, 'store-ca') }), 'TSA_CA_FILE');
  });

  it('a DATA_DIR another server is using', async () => {
    const dataDir = join(tmp.path, 'store-shared');
    const first = await startServer({ dataDir });
    try {
      expectOneLine(await start({ DATA_DIR: dataDir }), 'DATA_DIR', /in use by another process/);
    } finally {
      await first.stop();
    }
  });

  it('a port already in use', async () => {
    const busy: Server = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', () => res()));
    try {
      const port = (busy.address() as { port: number }).port;
      expectOneLine(await start({ PORT: String(port), DATA_DIR: join(tmp.path, 'store-busy') }), 'PORT', /already in use/);
    } finally {
      await new Promise<void>((res) => busy.close(() => res()));
    }
  });
});
