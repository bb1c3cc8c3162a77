/**
 * docs/OPERATIONS.md, run: every ```sh block in order, against a real server (child process) on
 * a random port in a temp dir. `ops: env` blocks are replaced by the test's variables and
 * `ops: start` blocks by startServer (what `npm start` runs after its build), both checked to
 * read as the test expects; every other block runs literally in bash.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccount } from '../support/service.js';
import { killAllServers, makeTempDir, PROJECT_ROOT, removeAllTempDirs, startServer, type ServerProc } from '../support/proc.js';
import { childEnv, PRELUDE, shellBlocks } from '../support/shell-blocks.js';

const exec = promisify(execFile);

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

describe('docs/OPERATIONS.md', () => {
  it('every command runs: start, monitor, back up, restore, rotate the key, export and exit', async () => {
    const blocks = shellBlocks(await readFile(join(PROJECT_ROOT, 'docs/OPERATIONS.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(10);
    const tmp = await makeTempDir('cl-ops-');
    const env: Record<string, string> = { DATA_DIR: join(tmp.path, 'store'), BACKUP: join(tmp.path, 'backup'), SERVER: '', PID: '' };
    let server: ServerProc | undefined;
    let deposits = 0;
    let treeSizeAtBackup = -1;
    let keysBefore: string[] = [];
    const transcript: string[] = [];
    for (const b of blocks) {
      if (b.mark === 'env') {
        expect(b.code).toMatch(/^export DATA_DIR=.*\nexport SERVER=.*\nexport BACKUP=.*$/);
        continue;
      }
      if (b.mark === 'start') {
        expect(b.code).toBe('DATA_DIR=$DATA_DIR PORT=8080 npm start &\nPID=$!');
        expect(server, `${b.section}: a server is already running`).toBeUndefined();
        server = await startServer({ dataDir: env.DATA_DIR!, timeoutMs: 60_000 });
        Object.assign(env, { SERVER: server.url, PID: String(server.pid) });
        // Some deposits, so every step has a log to work on.
        const { apiKey } = await createAccount(server.url);
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${server.url}/v1/deposits`, {
            method: 'POST',
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ sha256: (deposits++).toString(16).padStart(64, 'c') }),
          });
          expect(res.status).toBe(201);
        }
        if (b.section.startsWith('Restore')) expect(server.treeSize, 'the restored store has the backed-up log').toBe(treeSizeAtBackup);
        continue;
      }
      if (b.mark === 'stop' && b.section.startsWith('Back up')) treeSizeAtBackup = Number(((await (await fetch(`${env.SERVER}/healthz`)).json()) as { treeSize: number }).treeSize);
      if (b.section.startsWith('Rotate') && b.mark === 'stop') keysBefore = [(await (await fetch(`${env.SERVER}/v1/log/key`)).text()).trim()];
      const r = await exec('bash', ['-c', PRELUDE + b.code], { cwd: tmp.path, env: { ...childEnv(), ...env }, maxBuffer: 16 << 20, timeout: 120_000 }).catch(
        (e: { code?: number; stdout?: string; stderr?: string }) => {
          throw new Error(`${b.section}: block failed (exit ${e.code}):\n${b.code}\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}`);
        },
      );
      transcript.push(`## ${b.section}\n$ ${b.code}\n${r.stdout}`);
      if (b.mark === 'stop') {
        await server!.exited;
        expect(server!.child.exitCode, 'SIGTERM shuts down cleanly').toBe(0);
        server = undefined;
      }
    }
    const all = transcript.join('\n');
    // What the blocks printed: each step did its job.
    // Audits: monitor (--server), the online export (--archive), the stopped store, the restored
    // store, after the rotation (--server), the final archive. Each start added 3 deposits.
    expect([...all.matchAll(/audit ok: \d+ blocks, (\d+) entries/g)].map((m) => Number(m[1]))).toEqual([6, 6, 6, 6, 12, 12]);
    expect(all).toContain('manifest ok');
    expect(treeSizeAtBackup).toBe(6);
    // The rotation happened: the final archive's key history has the key from before and a new one.
    const keys = JSON.parse(await readFile(join(env.BACKUP!, 'final', 'log-keys.json'), 'utf8')) as { keys: { key: string; firstHeight: number; lastHeight?: number }[] };
    expect(keys.keys).toHaveLength(2);
    expect(keys.keys[0]!.key).toBe(keysBefore[0]);
    expect(keys.keys[0]!.lastHeight).toBe(keys.keys[1]!.firstHeight);
    await tmp.remove();
  }, 600_000);
});
