/**
 * Requests Node's HTTP parser rejects before express sees them (a request line or headers over
 * the size limit, malformed framing, a request that timed out) get an RFC 9457 problem like any
 * other bad request, instead of Node's bare status line: 431 for oversized headers, 413 for
 * oversized chunk extensions, 408 for a timeout, 400 otherwise, all with code `invalid_request`
 * (`payload_too_large` for 413). The connection is closed after it. As in Node's own handler,
 * nothing is written if a response on that connection has already started.
 */
import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERRORS } from '../../core/errors.js';

const ANSWERS: Record<string, { status: number; code: 'invalid_request' | 'payload_too_large'; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'invalid_request', detail: 'the request line or headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, code: 'payload_too_large', detail: 'the chunk extensions are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'invalid_request', detail: 'the request took too long to arrive' },
};
const NOT_HTTP = { status: 400, code: 'invalid_request', detail: 'the request is not valid HTTP/1.1' } as const;

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: { headersSent?: boolean } | null }) => {
    const responding = socket._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || responding) {
      socket.destroy();
      return;
    }
    const { status, code, detail } = ANSWERS[err.code ?? ''] ?? NOT_HTTP;
    const body = JSON.stringify({ type: `urn:copyright-ledger:problem:${code}`, title: ERRORS[code].title, status, detail, code });
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    socket.end(head + body, () => socket.destroy());
    // A peer that never reads must not keep the socket open.
    setTimeout(() => socket.destroy(), 5_000).unref();
  });
}
