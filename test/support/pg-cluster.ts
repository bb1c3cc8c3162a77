/**
 * A throwaway PostgreSQL cluster for tests: initdb into a fresh temp dir, the server on
 * 127.0.0.1 only (a random free port, its unix socket inside the temp dir, trust auth, nothing
 * reachable from outside the machine), one database per call of `database()`.
 *
 * Running as root (CI containers), initdb and the server run as the `postgres` system user.
 * initdb runs with --no-sync (only the cluster creation skips fsync: the dir is thrown away);
 * the server runs with fsync and synchronous_commit on, as in production.
 *
 * A process 'exit' hook stops every server started here as a last resort, so a crashed test
 * file or benchmark never leaves one running. No vitest in here: the benchmark uses it too;
 * the test hooks are in pg.ts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PgCluster {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:<port>/<db> of a new, empty database. */
  database(): Promise<string>;
  /** Stops the server (pg_ctl stop -m fast) and removes the dir. */
  stop(): Promise<void>;
}

/** The bin dir of the newest PostgreSQL under /usr/lib/postgresql (PG_BIN overrides), or undefined. */
export function findPgBin(): string | undefined {
  const override = process.env.PG_BIN;
  if (override !== undefined && existsSync(join(override, 'initdb'))) return override;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** True when a PostgreSQL server can be started here (the binaries are installed). */
export const pgAvailable = findPgBin() !== undefined;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (PostgreSQL refuses root). */
function pgExec(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return isRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: '/' }) : run(bin, args, { cwd: '/' });
}

function pgExecSync(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd as string, argv as string[], { cwd: '/', stdio: 'ignore', timeout: 30_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const running = new Set<{ bin: string; dir: string }>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) {
      try {
        pgExecSync(join(c.bin, 'pg_ctl'), ['-D', join(c.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
}

/** Creates and starts a cluster. Throws when PostgreSQL is not installed. */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = findPgBin();
  if (bin === undefined) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; .ci/run installs Debian\'s postgresql)');
  const dir = await mkdtemp(join(tmpdir(), 'cl-pg-'));
  const data = join(dir, 'data');
  const entry = { bin, dir };
  installExitHook();
  try {
    if (isRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(dir, uid, gid);
    }
    await pgExec(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
    let port = 0;
    let lastError: unknown;
    // A free port can be taken between probing and binding: try a few.
    for (let attempt = 0; attempt < 5; attempt++) {
      port = await freePort();
      const opts = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=on', '-c synchronous_commit=on', '-c max_connections=60', '-c shared_buffers=16MB'].join(' ');
      try {
        running.add(entry);
        await pgExec(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
        lastError = undefined;
        break;
      } catch (e) {
        running.delete(entry);
        lastError = e;
      }
    }
    if (lastError !== undefined) throw lastError;
    let n = 0;
    const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return {
      port,
      dir,
      async database() {
        const name = `t${process.pid}_${++n}`;
        const client = new pg.Client({ connectionString: admin });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
        } finally {
          await client.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        if (!running.has(entry)) return;
        running.delete(entry);
        await pgExec(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    running.delete(entry);
    await pgExec(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
