/**
 * One error class for the whole domain, with a string-union `code`.
 *
 * The table below is the single place that says what each code means, which HTTP status an
 * adapter answers with and which exit code the CLI returns. Core and use cases only ever throw
 * `LogError`; only adapters read the `status` and `exit` columns.
 */

export type ErrorCode =
  // Contract §6 codes, served over HTTP.
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'overloaded'
  // Cookie-authenticated unsafe request without the session's CSRF token, or from a foreign Origin.
  | 'csrf_failed'
  // Verification failures (core). Over HTTP these are 400 invalid_request.
  | 'invalid_proof'
  | 'root_mismatch'
  | 'bad_signature'
  | 'bad_format'
  | 'corrupt_store'
  | 'internal';

export interface ErrorInfo {
  /** HTTP status an adapter MUST answer with. */
  status: number;
  /** Process exit code the CLI MUST use. */
  exit: number;
  title: string;
  /** The contract code sent over HTTP (verification codes collapse to invalid_request). */
  httpCode: ErrorCode;
}

export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = {
  invalid_request: { status: 400, exit: 2, title: 'Invalid request', httpCode: 'invalid_request' },
  unauthorized: { status: 401, exit: 2, title: 'Unauthorized', httpCode: 'unauthorized' },
  forbidden: { status: 403, exit: 2, title: 'Forbidden', httpCode: 'forbidden' },
  not_found: { status: 404, exit: 2, title: 'Not found', httpCode: 'not_found' },
  conflict: { status: 409, exit: 2, title: 'Conflict', httpCode: 'conflict' },
  payload_too_large: { status: 413, exit: 2, title: 'Payload too large', httpCode: 'payload_too_large' },
  unsupported_media_type: { status: 415, exit: 2, title: 'Unsupported media type', httpCode: 'unsupported_media_type' },
  rate_limited: { status: 429, exit: 2, title: 'Too many requests', httpCode: 'rate_limited' },
  overloaded: { status: 503, exit: 2, title: 'Overloaded, retry later', httpCode: 'overloaded' },
  csrf_failed: { status: 403, exit: 2, title: 'CSRF check failed', httpCode: 'csrf_failed' },
  invalid_proof: { status: 400, exit: 1, title: 'Invalid proof', httpCode: 'invalid_request' },
  root_mismatch: { status: 400, exit: 1, title: 'Root mismatch', httpCode: 'invalid_request' },
  bad_signature: { status: 400, exit: 1, title: 'Bad signature', httpCode: 'invalid_request' },
  bad_format: { status: 400, exit: 1, title: 'Malformed data', httpCode: 'invalid_request' },
  corrupt_store: { status: 500, exit: 1, title: 'Store is corrupt', httpCode: 'internal' },
  internal: { status: 500, exit: 3, title: 'Internal error', httpCode: 'internal' },
};

export class LogError extends Error {
  override readonly name = 'LogError';
  readonly code: ErrorCode;
  /** Extra machine-readable facts (e.g. `{ field: 'sha256' }`, `{ retryAfter: 1 }`). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

export function isLogError(e: unknown, code?: ErrorCode): e is LogError {
  return e instanceof LogError && (code === undefined || e.code === code);
}
