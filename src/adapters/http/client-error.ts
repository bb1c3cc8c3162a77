/**
 * Requests Node's HTTP parser rejects before express sees them (a request line or headers over
 * the size limit, malformed framing, a request that timed out) get an RFC 9457 problem like any
 * other bad request, instead of Node's bare status line: 431 for oversized headers, 408 for a
 * timeout, 400 otherwise, all with code `invalid_request`. The connection is closed after it.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { ERRORS } from '../../core/errors.js';

const statusOf = (code: string | undefined): number =>
  code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = statusOf(err.code);
    const reason = STATUS_CODES[status] ?? 'Bad Request';
    const detail =
      status === 431 ? 'the request line or headers are too large' : status === 408 ? 'the request took too long to arrive' : 'the request is not valid HTTP/1.1';
    const body = JSON.stringify({
      type: 'urn:copyright-ledger:problem:invalid_request',
      title: ERRORS.invalid_request.title,
      status,
      detail,
      code: 'invalid_request',
    });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
