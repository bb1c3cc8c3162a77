/**
 * README.md, run: every ```sh block in order, in one bash script (strict mode: every command's
 * exit status is checked), in a temp working dir holding a copy of README.md, against a real
 * server (child process) on a random port with its data in ./store of that dir. What the test
 * does not run as written is listed in SUBSTITUTIONS below and in PRELUDE (shell-blocks.ts:
 * `npx copyright-ledger` runs the CLI from this source tree); `localhost:8080` becomes the
 * test server's address. Then: what the blocks wrote is what the README says, and every file
 * they wrote is ignored by .gitignore.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllServers, makeTempDir, PROJECT_ROOT, removeAllTempDirs, startServer } from '../support/proc.js';
import { childEnv, PRELUDE, shellBlocks } from '../support/shell-blocks.js';

const exec = promisify(execFile);

/**
 * README lines the test replaces, matched on their command (the text before a ` # comment`), each
 * to be found exactly once; `by` is the bash that runs instead.
 */
const SUBSTITUTIONS: { command: string; by: string; why: string }[] = [
  { command: 'npm install && npm start', by: ':', why: 'the checkout the test runs from is installed and built, and the test started its server before the blocks' },
  { command: 'npm install && npm test', by: ':', why: 'this test is part of npm test' },
  {
    command: 'npm start > server.log 2>&1 &',
    by: ':',
    why: 'the test started its server before the blocks: startServer (what npm start runs), on a random port, DATA_DIR ./store of the working dir',
  },
  {
    command: 'kill %1; wait',
    by: 'kill "$CL_TEST_SERVER_PID"; while kill -0 "$CL_TEST_SERVER_PID" 2>/dev/null; do sleep 0.1; done',
    why: 'stops the test server the same way (SIGTERM) and waits until it has exited',
  },
];

const commandOf = (line: string) => line.replace(/\s+#.*$/, '').trim();

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

describe('README.md', () => {
  it('every shell example runs as written, in order, against a fresh server', async () => {
    const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const blocks = shellBlocks(readme);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const tmp = await makeTempDir('cl-readme-');
    await copyFile(join(PROJECT_ROOT, 'README.md'), join(tmp.path, 'README.md'));
    const server = await startServer({ dataDir: join(tmp.path, 'store'), defaultLimits: true, timeoutMs: 60_000 });
    const hostPort = new URL(server.url).host;

    const used = new Map<string, number>();
    const script = [PRELUDE, `trap 'echo "FAILED (exit $?) at: $BASH_COMMAND" >&2' ERR`];
    for (const [n, b] of blocks.entries()) {
      const lines = b.code.split('\n').map((line) => {
        const sub = SUBSTITUTIONS.find((s) => s.command === commandOf(line));
        if (sub === undefined) return line;
        used.set(sub.command, (used.get(sub.command) ?? 0) + 1);
        return `${sub.by}   # substituted by the test for: ${line.trim()}`;
      });
      script.push(`echo "### block ${n + 1} (${b.section.replace(/["$`\\]/g, '')})"`, ...lines);
    }
    for (const s of SUBSTITUTIONS) expect(used.get(s.command), `README line "${s.command}" (substituted: ${s.why})`).toBe(1);
    expect(readme).toContain('localhost:8080');
    const text = script.join('\n').replaceAll('localhost:8080', hostPort);

    const r = await exec('bash', ['-c', text], {
      cwd: tmp.path,
      env: { ...childEnv(), CL_TEST_SERVER_PID: String(server.pid) },
      maxBuffer: 16 << 20,
      timeout: 300_000,
    }).catch((e: { code?: number; stdout?: string; stderr?: string }) => {
      throw new Error(`README example failed (exit ${e.code}):\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}\n--- script\n${text}`);
    });
    const out = r.stdout;

    // The server stopped cleanly where the README stops it.
    await server.exited;
    expect(server.child.exitCode, server.stderr()).toBe(0);

    // The quick start: the certificate of README.md's SHA-256, the log key of this server.
    const readmeSha = createHash('sha256').update(await readFile(join(tmp.path, 'README.md'))).digest('hex');
    const cert = JSON.parse(await readFile(join(tmp.path, 'cert.json'), 'utf8')) as { deposit: { id: string }; work: { sha256: string } };
    expect(cert.work.sha256).toBe(readmeSha);
    expect((await readFile(join(tmp.path, 'log.key'), 'utf8')).trim()).toBe(server.logKey);
    // The upload: the PDF is the uploaded poem's certificate, not the README deposit's.
    const pdf = (await exec('pdftotext', ['-enc', 'UTF-8', join(tmp.path, 'certificate.pdf'), '-'])).stdout;
    const ids = [...pdf.matchAll(/dep_[0-9a-z]+/g)].map((m) => m[0]);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain(cert.deposit.id);
    // Ingest: both works, one certificate each.
    expect(out).toMatch(/ingest done: 2 works, 2 deposited/);
    for (const name of ['README.md', 'poem.txt']) expect((await stat(join(tmp.path, 'certificates', `${name}.certificate.json`))).size).toBeGreaterThan(0);
    // Export, then three audits (server, archive, stopped store) and the offline export.
    expect([...out.matchAll(/^audit ok: \d+ blocks, (\d+) entries$/gm)].map((m) => Number(m[1]))).toEqual([4, 4, 4]);
    expect([...out.matchAll(/^exported \d+ blocks, 4 entries/gm)]).toHaveLength(2);

    // Everything the examples wrote is ignored by git.
    const written = (await readdir(tmp.path, { withFileTypes: true })).filter((e) => e.name !== 'README.md').map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    expect(written).toEqual(expect.arrayContaining(['cert.json', 'log.key', 'certificate.pdf', 'copyright-ledger-verify.mjs', 'store/', 'certificates/', 'works/']));
    const ignored = await exec('git', ['-C', PROJECT_ROOT, 'check-ignore', '--no-index', ...written]).then(
      (x) => x.stdout.trim().split('\n'),
      (e: { stdout?: string }) => (e.stdout ?? '').trim().split('\n'),
    );
    expect(written.filter((f) => !ignored.includes(f))).toEqual([]);
    await tmp.remove();
  }, 600_000);
});
