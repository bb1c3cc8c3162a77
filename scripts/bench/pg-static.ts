/**
 * A plain static file server for part (p)'s read fan-out: serves the files under BENCH_STATIC_ROOT
 * (a published TILES_DIR) on 127.0.0.1 at a free port, as any web server or CDN origin would —
 * no store, no service code, the tile files read from disk (the page cache) on each request.
 * Prints `{"url": …}` on stdout once listening; exits when its parent goes away (stdin closes).
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

const root = process.env.BENCH_STATIC_ROOT;
if (!root) throw new Error('BENCH_STATIC_ROOT is required');

const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!));
  if (path.includes('..')) {
    res.writeHead(400).end();
    return;
  }
  readFile(join(root, path)).then(
    (body) => {
      const immutable = path.startsWith('/tile/') && !path.includes('.p/');
      res.writeHead(200, { 'content-type': path === '/checkpoint' ? 'text/plain; charset=utf-8' : 'application/octet-stream', 'content-length': body.length, 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
      res.end(body);
    },
    () => res.writeHead(404).end(),
  );
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
