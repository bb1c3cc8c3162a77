/**
 * The service under load, in its own process so the load generator does not share its event
 * loop: `node --import tsx scripts/bench/server.ts` with an IPC channel. Starts startService()
 * on 127.0.0.1:0 in a fresh temp dir, creates one account, reports {url, apiKey}; answers
 * 'stats'; on 'stop' (or when the parent goes away) closes the service, removes the dir and exits.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { Level } from 'level';
import { ConfigSchema } from '../../src/config.js';
import { startService, type Service } from '../../src/server.js';
import { createLogger } from '../../src/adapters/logging.js';
import { pino } from 'pino';
import { emptyStats, wrapBatch } from './instrument.js';
import { dirSize, tempDir } from './util.js';
import { chainedBatch, installPooledRandomBytes, installTsaInterval, parseWhatIfs } from './whatif.js';

export type ToServer = { cmd: 'stats' } | { cmd: 'stop' };
export type FromServer =
  | { type: 'ready'; url: string; apiKey: string; pid: number }
  | { type: 'stats'; treeSize: number; height: number; store: ReturnType<typeof emptyStats>; cpu: NodeJS.CpuUsage; uptime: number; monotonicUs?: number }
  | { type: 'stopped'; diskBytes: number }
  | { type: 'error'; message: string };

const send = (m: FromServer) => process.send?.(m);

// Bench-only what-ifs (BENCH_WHATIF, see whatif.ts), then count every synced batch the store
// makes (commits, entries per commit, time in db.batch).
const whatif = parseWhatIfs(process.env.BENCH_WHATIF);
const stats = emptyStats();
const proto = Level.prototype as unknown as { batch: (this: unknown, ...args: unknown[]) => unknown };
proto.batch = wrapBatch(whatif.has('chained-batch') ? chainedBatch(proto.batch) : proto.batch, stats);
if (whatif.has('pooled-random')) installPooledRandomBytes();
if (whatif.has('tsa-interval') && !(await installTsaInterval(1000))) process.stderr.write('[server] tsa-interval: no Timestamper in this src\n');

// BENCH_EXPRESS_DEPOSITS=1: the server serves createApp's app alone, so hash-only deposits go
// through express as they did before src/adapters/http/fast-deposit.ts (the 'before' of part (d)).
if (process.env.BENCH_EXPRESS_DEPOSITS === '1') {
  const http = createRequire(import.meta.url)('node:http') as { createServer: (l: unknown) => unknown };
  const original = http.createServer;
  http.createServer = (listener: unknown) => original((listener as { app?: unknown } | undefined)?.app ?? listener);
  syncBuiltinESMExports();
}

const dir = await tempDir('cl-bench-http-');
let service: Service | undefined;
let stopping: Promise<void> | undefined;

const stop = (): Promise<void> =>
  (stopping ??= (async () => {
    let diskBytes = 0;
    try {
      if (service) await service.close();
      diskBytes = (await dirSize(dir.path)).bytes;
    } finally {
      await dir.remove();
    }
    send({ type: 'stopped', diskBytes });
  })());

process.on('disconnect', () => void stop().finally(() => process.exit(0)));
process.on('SIGTERM', () => void stop().finally(() => process.exit(0)));

try {
  // The default deployment: rate limits on (budgets far above the load, so every request pays for
  // the limiter but none is refused) and one access-log line per request (pino at info, to /dev/null).
  const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'info', RATE_WRITE_PER_IP: '9999999999/1s', RATE_WRITE_PER_KEY: '9999999999/1s', ...(process.env.BENCH_TILES_DIR ? { TILES_DIR: process.env.BENCH_TILES_DIR } : {}), ...(process.env.BENCH_RATE_LIMITS === 'false' ? { RATE_LIMITS: 'false' } : {}), ...(JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') as Record<string, string>) });
  const logger = process.env.BENCH_ACCESS_LOG === '0' ? undefined : createLogger('info', pino.destination({ dest: '/dev/null', sync: true }));
  service = await startService(config, logger ?? ((msg, err) => process.stderr.write(`[server] ${msg} ${err instanceof Error ? err.message : String(err ?? '')}\n`)));
  const res = await fetch(`${service.url}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench', email: `bench${process.pid}@example.com`, kind: 'organisation' }),
  });
  if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${await res.text()}`);
  const { apiKey } = (await res.json()) as { apiKey: string };
  const ledger = service.ledger;
  process.on('message', (m: ToServer) => {
    if (m.cmd === 'stats') {
      send({ type: 'stats', treeSize: Number(ledger.treeSize), height: Number(ledger.latestBlock.height), store: structuredClone(stats), cpu: process.cpuUsage(), uptime: process.uptime(), monotonicUs: Number(process.hrtime.bigint() / 1000n) });
    } else if (m.cmd === 'stop') {
      void stop().finally(() => {
        process.disconnect?.();
        process.exit(0);
      });
    }
  });
  send({ type: 'ready', url: service.url, apiKey, pid: process.pid });
} catch (e) {
  send({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  await stop().catch(() => undefined);
  process.exit(1);
}
