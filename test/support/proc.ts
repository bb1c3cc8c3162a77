/**
 * Test helpers for end-to-end tests that run the real server as a child process
 * (`node --import tsx src/main.ts`), plus temp dirs and the in-process CLI.
 *
 * Every child started here is remembered until it exits; `killAllServers()` (call it from
 * afterAll) SIGKILLs whatever is left, and a process 'exit' hook does the same as a last resort,
 * so a failing test never leaves a server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { main as cliMain } from '../../src/adapters/cli/main.js';
import { GENEROUS_LIMITS } from './limits.js';

/** The project root (cwd of every child). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface TempDir {
  path: string;
  remove: () => Promise<void>;
}

const tempDirs = new Set<string>();

export async function makeTempDir(prefix = 'cl-e2e-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(path);
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true });
      tempDirs.delete(path);
    },
  };
}

/** Removes every temp dir made by makeTempDir that is still there. */
export async function removeAllTempDirs(): Promise<void> {
  await Promise.all([...tempDirs].map((p) => rm(p, { recursive: true, force: true })));
  tempDirs.clear();
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProc {
  child: ChildProcess;
  pid: number;
  url: string;
  /** The verifier key line from the listening record. */
  logKey: string;
  /** Tree size at start (from the listening record). */
  treeSize: number;
  dataDir: string;
  /** Resolves when the child has exited. */
  exited: Promise<ExitInfo>;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<ExitInfo>;
  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<ExitInfo>;
  /**
   * Calls `listener` with every JSON line the child prints on stdout after its listening line
   * (e.g. the `commit-halt` record of TEST_HALT_AT_COMMIT). Readline keeps stdout drained. Returns an unsubscribe.
   */
  onRecord(listener: (record: Record<string, unknown>) => void): () => void;
}

const live = new Set<ChildProcess>();

export interface StartOptions {
  dataDir: string;
  env?: Record<string, string>;
  /** How long to wait for the listening line (default 20 s). */
  timeoutMs?: number;
  /** Run with the default request budgets instead of GENEROUS_LIMITS (support/limits.ts). */
  defaultLimits?: boolean;
}

/**
 * Starts `node --import tsx src/main.ts` on PORT=0 and resolves once it printed its listening line.
 * Request budgets are out of reach (GENEROUS_LIMITS) unless `opts.defaultLimits`; `opts.env` overrides both.
 */
export async function startServer(opts: StartOptions): Promise<ServerProc> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Do not leak vitest/tsx loader state or a configured store into the child.
  delete env.NODE_OPTIONS;
  delete env.LOG_KEY_FILE;
  delete env.ADMIN_API_KEY;
  delete env.DATABASE_URL;
  for (const name of Object.keys(env)) if (name.startsWith('RATE_') || name === 'TRUST_PROXY') delete env[name];
  Object.assign(env, { PORT: '0', HOST: '127.0.0.1', DATA_DIR: opts.dataDir, LOG_LEVEL: 'info' }, opts.defaultLimits ? {} : GENEROUS_LIMITS, opts.env ?? {});
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<ExitInfo>((res) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      res({ code, signal });
    });
  });
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const lines = createInterface({ input: child.stdout! });
  const listeners = new Set<(record: Record<string, unknown>) => void>();
  try {
    const listening = await new Promise<{ url: string; logKey: string; treeSize: number }>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`server did not print its listening line within ${timeoutMs} ms\nstderr:\n${stderr}`)), timeoutMs);
      lines.on('line', (line) => {
        let rec: { msg?: unknown; url?: unknown; logKey?: unknown; treeSize?: unknown };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          return;
        }
        if (rec === null || typeof rec !== 'object') return;
        if (rec.msg === 'listening' && typeof rec.url === 'string') {
          clearTimeout(timer);
          res({ url: rec.url, logKey: String(rec.logKey), treeSize: Number(rec.treeSize) });
        }
        for (const l of listeners) l(rec as Record<string, unknown>);
      });
      void exited.then((x) => {
        clearTimeout(timer);
        rej(new Error(`server exited before listening (code ${x.code}, signal ${x.signal})\nstderr:\n${stderr}`));
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        rej(e);
      });
    });
    const signalAndWait = async (signal: NodeJS.Signals): Promise<ExitInfo> => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    };
    return {
      child,
      pid: child.pid!,
      ...listening,
      dataDir: opts.dataDir,
      exited,
      stderr: () => stderr,
      onRecord: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      kill: () => signalAndWait('SIGKILL'),
      stop: async (graceMs = 10_000) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await signalAndWait('SIGTERM');
        } finally {
          clearTimeout(timer);
        }
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
}

/** The line a server started with TEST_HALT_AT_COMMIT prints when it halts (src/adapters/commit-halt.ts). */
export interface CommitHaltRecord {
  msg: 'commit-halt';
  seq: number;
  phase: 'before-write' | 'after-write';
  height: number;
  /** First index of the halted batch: the tree size a restart finds if it was not written. */
  from: number;
  /** Tree size with the halted batch: what a restart finds if it was written. */
  treeSize: number;
}

/**
 * Waits for `server` (started with TEST_HALT_AT_COMMIT) to announce its halted commit and
 * SIGKILLs it on that line: the kill lands while the server is, by its own word, in the middle
 * of that write. Rejects (after killing it) if the server exits first or no halt comes within
 * `timeoutMs`.
 */
export function killAtCommitHalt(server: ServerProc, timeoutMs = 60_000): Promise<{ halt: CommitHaltRecord; exit: ExitInfo }> {
  return new Promise((resolve, reject) => {
    let halt: CommitHaltRecord | undefined;
    const unsubscribe = server.onRecord((rec) => {
      if (rec.msg !== 'commit-halt' || halt !== undefined) return;
      halt = rec as unknown as CommitHaltRecord;
      server.child.kill('SIGKILL');
    });
    const timer = setTimeout(() => {
      server.child.kill('SIGKILL');
    }, timeoutMs);
    void server.exited.then((exit) => {
      clearTimeout(timer);
      unsubscribe();
      if (halt !== undefined) resolve({ halt, exit });
      else reject(new Error(`the server exited (${JSON.stringify(exit)}) without announcing a commit halt within ${timeoutMs} ms\nstderr:\n${server.stderr()}`));
    });
  });
}

/** SIGKILLs every child started by startServer that has not exited, and waits for them. */
export async function killAllServers(): Promise<void> {
  const waits = [...live].map(
    (c) =>
      new Promise<void>((res) => {
        if (c.exitCode !== null || c.signalCode !== null) return res();
        c.once('exit', () => res());
        c.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
  live.clear();
}

process.once('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
  /** out and err joined, for matching. */
  text: string;
}

/** Runs the CLI in-process: `main(argv, io)` with lines collected. */
export async function runCli(argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cliMain(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err, text: [...out, ...err].join('\n') };
}

/** Runs a command as a child process and collects its output. */
export function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? PROJECT_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      live.delete(child);
      rej(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      res({ code, signal, stdout, stderr });
    });
  });
}
