/**
 * TILES_DIR: the service publishes its tiles, entry bundles and checkpoint into a directory, and a
 * plain static file server over that directory is a complete tlog-tiles log. The spec client
 * (test/support/tlog-tiles-client.ts, no code shared with src) reads it during and after a
 * deposit load, rebuilds the checkpoint root and checks inclusion proofs against the service's;
 * a restart publishes what was committed while nothing published and repairs lost files.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readdir, readFile, stat, truncate, unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';
import { startService } from '../../src/server.js';
import { createAccount, startTestService, tempDir, type TestService } from '../support/service.js';
import { hex, rootFromInclusionProof, sha256, TlogTilesClient } from '../support/tlog-tiles-client.js';

let dataDir: { path: string; remove: () => Promise<void> };
let tilesDir: { path: string; remove: () => Promise<void> };
let files: Server;
let filesUrl: string;
let service: TestService | undefined;
let apiKey: string;
let verifierKey: string;

/** A static file server over TILES_DIR: GET a path, get the file (checkpoint as text/plain), else 404. */
function staticServer(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(root + '/') || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (bytes) => res.writeHead(200, { 'content-type': path === '/checkpoint' ? 'text/plain; charset=utf-8' : 'application/octet-stream' }).end(bytes),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function start(withTiles: boolean): Promise<TestService> {
  return startTestService({ DATA_DIR: dataDir.path, ...(withTiles ? { TILES_DIR: tilesDir.path } : {}) });
}

async function depositBatch(url: string, n: number): Promise<void> {
  const items = Array.from({ length: n }, () => ({ sha256: randomBytes(32).toString('hex') }));
  const res = await fetch(`${url}/v1/deposits/batch`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
  expect(res.status).toBe(201);
  await res.arrayBuffer();
}

async function depositOne(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/deposits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ sha256: randomBytes(32).toString('hex') }) });
  expect(res.status).toBe(201);
  await res.arrayBuffer();
}

/** Waits until the published checkpoint is the service's latest block. */
async function published(s: TestService, ms = 60_000): Promise<void> {
  const want = s.ledger.latestBlock.checkpoint;
  const end = Date.now() + ms;
  for (;;) {
    const text = await readFile(join(tilesDir.path, 'checkpoint'), 'utf8').catch(() => '');
    if (text === want) return;
    if (Date.now() > end) throw new Error(`TILES_DIR checkpoint is not block ${s.ledger.latestBlock.height} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The spec client over the static server: checkpoint signature, whole tree, and inclusion proofs equal to the service's. */
async function checkStatic(s: TestService, samples: number): Promise<bigint> {
  const client = new TlogTilesClient(filesUrl, verifierKey);
  const cp = await client.checkpoint();
  expect(cp.treeSize).toBe(s.ledger.treeSize);
  await client.checkTree(cp.treeSize, cp.rootHash);
  const size = cp.treeSize;
  for (let i = 0; i < samples; i++) {
    const m = i === 0 ? size - 1n : BigInt(Math.floor(Math.random() * Number(size)));
    const proof = await client.inclusionProof(m, size);
    const leaf = sha256(Uint8Array.of(0), await client.entryAt(size, m));
    expect(hex(rootFromInclusionProof(m, size, leaf, proof)!)).toBe(hex(cp.rootHash));
    const theirs = (await (await fetch(`${s.url}/v1/log/proof/inclusion?index=${m}&treeSize=${size}`)).json()) as { hashes: string[] };
    expect(theirs.hashes).toEqual(proof.map(hex));
  }
  return size;
}

/** Every file under `dir`, relative. */
async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(dir.length + 1));
}

beforeAll(async () => {
  dataDir = await tempDir('cl-tiles-data-');
  tilesDir = await tempDir('cl-tiles-pub-');
  files = await staticServer(tilesDir.path);
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await service?.stop();
  await new Promise<void>((r) => files?.close(() => r()));
  await dataDir?.remove();
  await tilesDir?.remove();
});

describe('TILES_DIR served by a static file server', () => {
  it('publishes every block under deposit load; the spec client rebuilds the root during and after it', async () => {
    service = await start(true);
    apiKey = (await createAccount(service.url)).apiKey;
    verifierKey = (await (await fetch(`${service.url}/v1/log/key`)).text()).trim();
    const url = service.url;
    // Load: batches and single deposits at once; meanwhile the client checks whatever checkpoint is published.
    let loading = true;
    const load = (async () => {
      try {
        await Promise.all([
          (async () => {
            for (let i = 0; i < 6; i++) await depositBatch(url, 5_000);
          })(),
          (async () => {
            for (let i = 0; i < 4; i++) await depositBatch(url, 3_333);
          })(),
          ...Array.from({ length: 4 }, async () => {
            for (let i = 0; i < 60; i++) await depositOne(url);
          }),
        ]);
      } finally {
        loading = false;
      }
    })();
    const seen = new Set<bigint>();
    while (loading) {
      const client = new TlogTilesClient(filesUrl, verifierKey);
      const cp = await client.checkpoint().catch(() => undefined);
      if (cp !== undefined && cp.treeSize > 0n) {
        // Tiles are written before the checkpoint that names them: the root always rebuilds.
        expect(hex(await client.rootHash(cp.treeSize))).toBe(hex(cp.rootHash));
        seen.add(cp.treeSize);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await load;
    expect(service.ledger.treeSize).toBe(30_000n + 13_332n + 240n);
    expect(seen.size).toBeGreaterThan(1);

    await published(service);
    await checkStatic(service, 16);
    // Full tiles are 8 KiB files, partial ones only for the current size, nothing half-written.
    const all = await listFiles(tilesDir.path);
    expect(all.filter((f) => f.startsWith('.tmp/'))).toEqual([]);
    expect(all).toContain('tile/0/169'); // 43,572 entries: 170 full level-0 tiles, a partial of 52
    expect(all).toContain('tile/0/170.p/52');
    expect(all).toContain('tile/1/000.p/170');
    expect(all.filter((f) => /^tile\/0\/000\.p\//.test(f))).toEqual([]);
    expect((await stat(join(tilesDir.path, 'tile/0/000'))).size).toBe(8192);
    // Public files a web server running as another user can read.
    expect((await stat(join(tilesDir.path, 'tile/0/000'))).mode & 0o777).toBe(0o644);
    expect((await stat(join(tilesDir.path, 'tile/0'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(tilesDir.path, 'checkpoint'))).mode & 0o777).toBe(0o644);
  }, 600_000);

  it('after a restart, publishes what was committed meanwhile and repairs lost or truncated files', async () => {
    await service!.stop();
    // Deposits while nothing publishes.
    service = await start(false);
    await depositBatch(service.url, 2_000);
    const size = service.ledger.treeSize;
    await service.stop();
    // Files lost from the directory: the client notices.
    await unlink(join(tilesDir.path, 'tile/0/001'));
    await unlink(join(tilesDir.path, 'tile/entries/005'));
    await truncate(join(tilesDir.path, 'tile/0/007'), 100);
    const broken = new TlogTilesClient(filesUrl, verifierKey);
    const old = await broken.checkpoint();
    expect(old.treeSize).toBeLessThan(size);
    await expect(broken.checkTree(old.treeSize, old.rootHash)).rejects.toThrow();

    service = await start(true);
    expect(service.ledger.treeSize).toBe(size);
    await published(service);
    expect(await checkStatic(service, 8)).toBe(size);
    // And it keeps publishing new blocks after the catch-up.
    await depositBatch(service.url, 300);
    await published(service);
    expect(await checkStatic(service, 4)).toBe(size + 300n);
    await service.stop();
    service = undefined;
  }, 600_000);

  it('refuses to start with a TILES_DIR it cannot write (ConfigError naming it)', async () => {
    const notADir = join(tilesDir.path, 'checkpoint', 'below-a-file');
    const dir = await tempDir('cl-tiles-bad-');
    try {
      const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'silent', TILES_DIR: notADir });
      await expect(startService(config)).rejects.toMatchObject({ name: 'ConfigError', variable: 'TILES_DIR' });
    } finally {
      await dir.remove();
    }
  });
});
