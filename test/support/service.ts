/** Test helpers: a service on port 0 in a temp dir, cleaned up by the caller's `stop`. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema, type Config } from '../../src/config.js';
import { startService, type Service } from '../../src/server.js';
import { GENEROUS_LIMITS } from './limits.js';

export interface TestService extends Service {
  dataDir: string;
  /** Closes the service and removes its data dir. */
  stop(): Promise<void>;
}

export async function tempDir(prefix = 'cl-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Starts the service in-process. Request budgets are out of reach (GENEROUS_LIMITS, support/limits.ts)
 * unless `opts.defaultLimits`; `env` overrides both.
 */
export async function startTestService(env: Record<string, string> = {}, opts: { defaultLimits?: boolean } = {}): Promise<TestService> {
  const dir = await tempDir();
  const limits = opts.defaultLimits ? {} : GENEROUS_LIMITS;
  const config: Config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'silent', ...limits, ...env });
  const service = await startService(config);
  return {
    ...service,
    dataDir: dir.path,
    stop: async () => {
      await service.close();
      await dir.remove();
    },
  };
}

/** Creates an account over HTTP and returns its API key. */
export async function createAccount(url: string, overrides: Record<string, unknown> = {}): Promise<{ apiKey: string; id: string }> {
  const res = await fetch(`${url}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Test', email: `t${Math.random().toString(36).slice(2)}@example.com`, kind: 'individual', ...overrides }),
  });
  if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { apiKey: string; account: { id: string } };
  return { apiKey: body.apiKey, id: body.account.id };
}
