/**
 * `npm start`: the service on PORT (8080) with its data in DATA_DIR (./store).
 *
 * Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM); 2 when a setting cannot be used (an
 * invalid variable, an unusable or locked DATA_DIR, an unreadable key or CA file, the port
 * already in use), printed as one
 * line `copyright-ledger: VARIABLE: why` on stderr; 1 on any other failure to start or stop.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, logFnOf } from './adapters/logging.js';
import { startService, type Service } from './server.js';

function fatal(line: string, code: number): never {
  process.stderr.write(`copyright-ledger: ${line}\n`);
  process.exit(code);
}

let config: Config;
try {
  config = loadConfig();
} catch (e) {
  fatal(e instanceof ConfigError ? e.message : `invalid environment: ${e instanceof Error ? e.message : String(e)}`, 2);
}

const logger = createLogger(config.LOG_LEVEL);
const log = logFnOf(logger);

let service: Service;
try {
  service = await startService(config, logger);
} catch (e) {
  if (e instanceof ConfigError) fatal(e.message, 2);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') fatal(`PORT: ${config.HOST}:${config.PORT} is already in use`, 2);
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') fatal(`PORT/HOST: cannot listen on ${config.HOST}:${config.PORT} (${code})`, 2);
  fatal(`cannot start: ${e instanceof Error ? e.message : String(e)}`, 1);
}

logger.info({ url: service.url, dataDir: config.DATA_DIR, treeSize: Number(service.ledger.treeSize), logKey: service.ledger.verifierKey }, 'listening');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    service.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log('shutdown failed', e);
        process.exit(1);
      },
    );
  });
}
