/** Helpers of the web capture tests: pages to capture, polling a capture, our own Chromium processes. */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface PageServer {
  server: Server;
  port: number;
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on `host` (port 0) that counts connections and answers with `handler`. */
export async function pageServer(host: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<PageServer> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  const out = { server, port: 0, url: '', connections: 0, close: async () => undefined } as PageServer;
  server.on('connection', (s: Socket) => {
    out.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  out.port = (server.address() as AddressInfo).port;
  out.url = `http://${host}:${out.port}`;
  out.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return out;
}

export interface CaptureView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  reason?: string;
  depositId?: string;
  certificateUrl?: string;
  bundleUrl?: string;
  bundleSha256?: string;
  entryIndex?: number;
  finalUrl?: string;
  title?: string;
}

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

export async function requestCapture(base: string, key: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${base}/v1/captures`, { method: 'POST', headers: { ...auth(key), 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Polls a capture until it is done or failed (or `timeoutMs` passes). */
export async function waitForCapture(base: string, key: string, id: string, timeoutMs = 120_000): Promise<CaptureView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${base}/v1/captures/${id}`, { headers: auth(key) });
    const view = (await res.json()) as CaptureView;
    if (view.status === 'done' || view.status === 'failed') return view;
    if (Date.now() > end) throw new Error(`capture ${id} still ${view.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Chromium browser processes started by this process (playwright spawns them as our direct children). */
export function ourChromiums(): number[] {
  let text = '';
  try {
    text = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when no process matches
  }
  return text
    .split('\n')
    .filter((l) => /chrom/i.test(l))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}
