/**
 * Time and connection limits of the HTTP server (docs/SECURITY.md).
 *
 * - Headers must arrive within `headersTimeoutMs`.
 * - A whole request (headers and body) must arrive within MAX_UPLOAD_BYTES / MIN_UPLOAD_BYTES_PER_SEC
 *   plus a minute, and never less than 5 minutes: the largest upload at the slowest rate served
 *   is never cut, while Node's default (300 s, whatever the size) would cut it.
 * - While a request body is arriving, a connection that sends nothing for `bodyIdleMs` is closed
 *   (the socket's inactivity timeout, set per request and lifted once the body is in; an idle
 *   keep-alive connection is then closed after `keepAliveTimeout` as usual).
 * - At most `maxConnections` connections are open; more are closed as soon as they are accepted.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface ConnectionLimits {
  maxUploadBytes: number;
  minUploadBytesPerSec: number;
  bodyIdleMs: number;
  headersTimeoutMs: number;
  maxConnections: number;
  /** Called for each connection closed because MAX_CONNECTIONS were open. */
  onRefused?: () => void;
}

const MIN_REQUEST_TIMEOUT_MS = 300_000;

/** The whole-request time limit for the largest upload at the slowest rate served. */
export function requestTimeoutMs(maxUploadBytes: number, minUploadBytesPerSec: number): number {
  return Math.max(MIN_REQUEST_TIMEOUT_MS, Math.ceil(maxUploadBytes / minUploadBytesPerSec) * 1000 + 60_000);
}

export function applyConnectionLimits(server: Server, limits: ConnectionLimits): void {
  server.requestTimeout = requestTimeoutMs(limits.maxUploadBytes, limits.minUploadBytesPerSec);
  server.headersTimeout = Math.min(limits.headersTimeoutMs, server.requestTimeout);
  server.maxConnections = limits.maxConnections;
  if (limits.onRefused) server.on('drop', limits.onRefused);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // 'request' comes at the end of the headers; a request without a body is complete once the
    // parser has finished the chunk that carried them.
    setImmediate(() => {
      if (req.complete || res.writableFinished) return;
      const socket = req.socket;
      if (socket.destroyed) return;
      socket.setTimeout(limits.bodyIdleMs);
      // The body is in: no inactivity limit while the handler works; once the response has
      // finished, the keep-alive timeout Node set at that moment (restored here, since this may
      // run after Node's own finish handler).
      const clear = () => {
        if (!socket.destroyed) socket.setTimeout(res.writableFinished ? server.keepAliveTimeout : 0);
      };
      if (req.readableEnded) return clear();
      req.once('end', clear);
      res.once('finish', () => {
        if (req.complete) clear();
      });
    });
  });
}
