/** Capture settings at start-up: the private-address flag is announced, test hooks exist only under NODE_ENV=test. */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ConfigSchema } from '../../src/config.js';
import { startService } from '../../src/server.js';
import { tempDir } from '../support/service.js';

const dirs: { remove: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dirs) await d.remove();
});

async function start(env: Record<string, string>) {
  const dir = await tempDir();
  dirs.push(dir);
  const lines: string[] = [];
  const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'silent', ...env });
  const service = await startService(config, (m) => lines.push(m)).catch((e: unknown) => e as Error);
  return { service, lines };
}

describe('capture settings', () => {
  it('defaults: two browsers, five per account, two minutes, private addresses refused', () => {
    const c = ConfigSchema.parse({});
    expect([c.CAPTURE_CONCURRENCY, c.CAPTURE_QUEUE, c.CAPTURE_PER_ACCOUNT, c.CAPTURE_TIMEOUT_MS, c.CAPTURE_ALLOW_PRIVATE]).toEqual([2, 100, 5, 120_000, false]);
    expect(c.RATE_CAPTURE_PER_IP).toEqual({ quota: 20, windowSeconds: 3600 });
    for (const bad of [{ CAPTURE_CONCURRENCY: '0' }, { CAPTURE_TIMEOUT_MS: '10' }, { CAPTURE_TEST_HOSTS: 'no-equals' }, { CAPTURE_ALLOW_PRIVATE: 'maybe' }]) {
      expect(ConfigSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('logs a warning when CAPTURE_ALLOW_PRIVATE is on', async () => {
    const { service, lines } = await start({ NODE_ENV: 'test', CAPTURE_ALLOW_PRIVATE: '1' });
    expect(service).not.toBeInstanceOf(Error);
    expect(lines.some((l) => /WARNING: CAPTURE_ALLOW_PRIVATE/.test(l))).toBe(true);
    await (service as { close(): Promise<void> }).close();
    const quiet = await start({});
    expect(quiet.lines.some((l) => /CAPTURE_ALLOW_PRIVATE/.test(l))).toBe(false);
    await (quiet.service as { close(): Promise<void> }).close();
  });

  it('refuses the DNS and public-address test hooks and CAPTURE_ALLOW_PRIVATE outside NODE_ENV=test', async () => {
    const envs: Record<string, string>[] = [
      { CAPTURE_TEST_HOSTS: 'a.test=127.0.0.1' },
      { CAPTURE_TEST_PUBLIC: '127.0.0.2' },
      { CAPTURE_ALLOW_PRIVATE: 'true' },
      { CAPTURE_ALLOW_PRIVATE: 'true', NODE_ENV: 'production', PUBLIC_URL: 'https://ledger.example.com' },
    ];
    for (const env of envs) {
      const { service } = await start(env);
      expect(service, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((service as Error).message).toMatch(/refused unless NODE_ENV=test/);
    }
  });
});
