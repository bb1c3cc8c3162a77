/** `npm start`: the service on PORT (8080) with its data in DATA_DIR (./store). */
import { loadConfig } from './config.js';
import { startService } from './server.js';

const config = loadConfig();
const log = (msg: string, err?: unknown) => {
  if (config.LOG_LEVEL === 'silent') return;
  const line: Record<string, unknown> = { time: new Date().toISOString(), msg };
  if (err !== undefined) line.error = err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err);
  console.error(JSON.stringify(line));
};

const service = await startService(config, log);
if (config.LOG_LEVEL === 'info') {
  console.log(
    JSON.stringify({
      time: new Date().toISOString(),
      msg: 'listening',
      url: service.url,
      dataDir: config.DATA_DIR,
      treeSize: Number(service.ledger.treeSize),
      logKey: service.ledger.verifierKey,
    }),
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    service.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log('shutdown failed', e);
        process.exit(1);
      },
    );
  });
}
