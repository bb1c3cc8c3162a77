/**
 * The log served as C2SP tlog-tiles by the running service (src/adapters/http/tiles.ts), read by
 * a client written from the specs (test/support/tlog-tiles-client.ts, no code shared with src):
 * the checkpoint's signature, the root recomputed from tiles at the tree sizes that exercise the
 * edge widths (0, 1, 255, 256, 257) and past a full level-1 tile (> 65,536 entries), entry bundles
 * against level-0 tiles, inclusion proofs from tiles against the service's own, caching headers,
 * ETag and HEAD, and strict 400/404 answers.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { hex, rootFromInclusionProof, sha256, TlogTilesClient } from '../support/tlog-tiles-client.js';

let service: TestService;
let apiKey: string;
let verifierKey: string;

beforeAll(async () => {
  service = await startTestService();
  apiKey = (await createAccount(service.url)).apiKey;
  verifierKey = (await (await fetch(`${service.url}/v1/log/key`)).text()).trim();
}, 60_000);
afterAll(async () => {
  await service?.stop();
});

/** Deposits `count` random hashes in batches of at most 10,000. */
async function deposit(count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const n = Math.min(10_000, count - done);
    const items = Array.from({ length: n }, () => ({ sha256: randomBytes(32).toString('hex') }));
    const res = await fetch(`${service.url}/v1/deposits/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(res.status, await res.clone().text().then((t) => t.slice(0, 200))).toBe(201);
    await res.arrayBuffer();
    done += n;
  }
}

/**
 * Reads the checkpoint with the spec client, checks the whole tree against its root, and checks
 * inclusion proofs built from tiles (of `samples` entries: the first, the last and random ones)
 * against the root and against GET /v1/log/proof/inclusion.
 */
async function checkWithClient(expectedSize: number, samples = 8): Promise<TlogTilesClient> {
  const client = new TlogTilesClient(service.url, verifierKey);
  const cp = await client.checkpoint();
  expect(cp.treeSize).toBe(BigInt(expectedSize));
  expect(cp.origin).toBe(verifierKey.split('+')[0]);
  expect(cp.extensions[0]).toMatch(/^block \d+$/);
  await client.checkTree(cp.treeSize, cp.rootHash);
  const size = cp.treeSize;
  if (size > 0n) {
    const picks = new Set<bigint>([0n, size - 1n]);
    while (picks.size < Math.min(samples, expectedSize)) picks.add(BigInt(Math.floor(Math.random() * expectedSize)));
    for (const m of picks) {
      const proof = await client.inclusionProof(m, size);
      const leaf = sha256(Uint8Array.of(0), await client.entryAt(size, m));
      expect(hex(leaf)).toBe(hex(await client.leafHashAt(size, m)));
      expect(hex(rootFromInclusionProof(m, size, leaf, proof) ?? new Uint8Array())).toBe(hex(cp.rootHash));
      const theirs = (await (await fetch(`${service.url}/v1/log/proof/inclusion?index=${m}&treeSize=${size}`)).json()) as { leafHash: string; hashes: string[] };
      expect(theirs.leafHash).toBe(hex(leaf));
      expect(theirs.hashes).toEqual(proof.map(hex));
    }
  }
  // The service serves every partial tile a checkpoint needs: no fallback to a full tile.
  expect(client.stats.fallbacks).toBe(0);
  return client;
}

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`${service.url}${path}`, { method, headers });
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

describe('C2SP tlog-tiles served by the service', () => {
  it('serves the empty tree: a checkpoint of size 0 and no tiles', async () => {
    const client = await checkWithClient(0);
    expect(hex(await client.rootHash(0n))).toBe(hex(sha256()));
    for (const p of ['/tile/0/000', '/tile/0/000.p/1', '/tile/entries/000', '/tile/entries/000.p/1', '/tile/1/000.p/1']) {
      const { res } = await get(p);
      expect(res.status, p).toBe(404);
    }
  });

  it('rebuilds the root at the edge widths 1, 255, 256 and 257', async () => {
    let size = 0;
    for (const target of [1, 255, 256, 257]) {
      await deposit(target - size);
      size = target;
      await checkWithClient(size, 12);
    }
    // At 256: one full level-0 tile and a partial level-1 tile of width 1 (its Merkle root); at 257 a partial of width 1 again.
    const full = await get('/tile/0/000');
    expect(full.body.length).toBe(8192);
    const l1 = await get('/tile/1/000.p/1');
    expect(l1.res.status).toBe(200);
    expect(l1.body.length).toBe(32);
    expect((await get('/tile/0/001.p/1')).body.length).toBe(32);
    expect((await get('/tile/entries/001.p/1')).res.status).toBe(200);
    // A partial request of a full tile is its prefix: a tile's first W hashes never change.
    const prefix = await get('/tile/0/000.p/255');
    expect(prefix.res.status).toBe(200);
    expect(hex(prefix.body)).toBe(hex(full.body.subarray(0, 255 * 32)));
    const bundle = await get('/tile/entries/000.p/3');
    const fullBundle = await get('/tile/entries/000');
    expect(hex(fullBundle.body.subarray(0, bundle.body.length))).toBe(hex(bundle.body));
    // Not yet: a full tile that is partial, a width beyond what is there, a tile past the tree.
    for (const p of ['/tile/0/001', '/tile/0/001.p/2', '/tile/entries/001', '/tile/entries/001.p/2', '/tile/1/000', '/tile/1/000.p/2', '/tile/2/000.p/1', '/tile/0/x001/000', '/tile/entries/x999/x999/999']) {
      const { res, body } = await get(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('content-type'), p).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('cache-control'), p).toBe('no-store');
      expect(JSON.parse(new TextDecoder().decode(body)).code, p).toBe('not_found');
    }
  }, 120_000);

  it('rebuilds the root past a full level-1 tile (> 65,536 entries) and checks proofs of random entries', async () => {
    await deposit(70_000);
    const client = await checkWithClient(70_257, 24);
    // 274 full or partial level-0 tiles, 2 level-1 tiles, 1 level-2 tile.
    expect(client.stats.requests).toBeGreaterThan(274 * 2);
    const l1 = await get('/tile/1/000');
    expect(l1.res.status).toBe(200);
    expect(l1.body.length).toBe(8192);
    expect(l1.res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/tile/1/001.p/18')).body.length).toBe(18 * 32);
    expect((await get('/tile/2/000.p/1')).body.length).toBe(32);
    expect((await get('/tile/1/001.p/19')).res.status).toBe(404);
  }, 600_000);

  it('sends the caching headers, an ETag that answers 304, and answers HEAD without a body', async () => {
    const cp = await get('/checkpoint');
    expect(cp.res.status).toBe(200);
    expect(cp.res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(cp.res.headers.get('cache-control')).toBe('no-cache');
    // /checkpoint is the same note as the existing /v1/log/checkpoint, which keeps its contract.
    const v1 = await fetch(`${service.url}/v1/log/checkpoint`);
    expect(await v1.text()).toBe(new TextDecoder().decode(cp.body));
    expect(v1.headers.get('cache-control')).toBeNull();

    const full = await get('/tile/0/000');
    expect(full.res.headers.get('content-type')).toBe('application/octet-stream');
    expect(full.res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const partial = await get('/tile/0/000.p/7');
    expect(partial.res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(partial.res.headers.get('content-type')).toBe('application/octet-stream');
    const bundle = await get('/tile/entries/000');
    expect(bundle.res.headers.get('content-type')).toBe('application/octet-stream');
    expect(bundle.res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    for (const [path, etagged] of [['/tile/0/000', full], ['/checkpoint', cp], ['/tile/0/000.p/7', partial]] as const) {
      const etag = etagged.res.headers.get('etag');
      expect(etag, path).toMatch(/^"[A-Za-z0-9_-]+"$/);
      // fetch adds "cache-control: no-cache" to conditional requests unless one is given.
      const again = await get(path, { 'if-none-match': etag!, 'cache-control': 'max-age=0' });
      expect(again.res.status, path).toBe(304);
      expect(again.body.length, path).toBe(0);
      const other = await get(path, { 'if-none-match': '"something-else"', 'cache-control': 'max-age=0' });
      expect(other.res.status, path).toBe(200);
    }
    // A request that sends credentials keeps the service's no-store, as every such answer does (docs/SECURITY.md).
    expect((await get('/tile/0/000', { authorization: `Bearer ${apiKey}` })).res.headers.get('cache-control')).toBe('no-store');
    expect((await get('/checkpoint', { authorization: `Bearer ${apiKey}` })).res.headers.get('cache-control')).toBe('no-store');
    const head = await get('/tile/0/000', {}, 'HEAD');
    expect(head.res.status).toBe(200);
    expect(head.res.headers.get('content-length')).toBe('8192');
    expect(head.body.length).toBe(0);
    expect((await get('/tile/0/999', {}, 'HEAD')).res.status).toBe(404);
  });

  it('refuses malformed tile paths with 400 invalid_request, never 5xx', async () => {
    const bad = [
      '/tile/00/000', // level with a leading zero
      '/tile/64/000', // level beyond 63
      '/tile/-1/000',
      '/tile/a/000',
      '/tile/0/0', // index not 3 digits
      '/tile/0/0000',
      '/tile/0/x000/001', // non-canonical leading x000
      '/tile/0/001/002', // an inner group without x
      '/tile/0/x001', // the last group with x
      '/tile/0/x01/002',
      '/tile/0/000.p/0', // width 0
      '/tile/0/000.p/256', // width 256 is the full tile
      '/tile/0/000.p/007', // leading zeros
      '/tile/0/000.p/', // no width
      '/tile/0/000.p/1/2',
      '/tile/0/000/', // trailing slash
      '/tile/0/%30%30%30', // percent-encoded digits
      '/tile/0/ 000',
      '/tile/entries/00',
      '/tile/entries/000.p/300',
      '/tile/entries/x000/000',
      '/TILE/0/000',
      '/tile/0/000.P/5',
      '/tile/1/999999999999999999999999999',
    ];
    for (const p of bad) {
      const { res, body } = await get(p);
      expect(res.status, p).toBe(400);
      expect(res.headers.get('content-type'), p).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(new TextDecoder().decode(body)) as { code: string; detail: string };
      expect(problem.code, p).toBe('invalid_request');
      expect(problem.detail, p).toMatch(/tlog-tiles path/);
    }
    // Huge but well-formed indexes are simply not there (no store read, no overflow).
    for (const p of ['/tile/0/x999/x999/x999/x999/x999/x999/x999/999', '/tile/63/x999/x999/x999/x999/x999/x999/x999/x999/999.p/255', '/tile/entries/x018/x446/x744/x073/x709/x551/615']) {
      const { res } = await get(p);
      expect(res.status, p).toBe(404);
    }
  });
});
