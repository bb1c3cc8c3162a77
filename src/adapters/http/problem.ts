/** RFC 9457 problem+json rendering and zod → LogError translation. */
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { ERRORS, LogError, type ErrorCode } from '../../core/errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
}

export function sendProblem(res: Response, code: ErrorCode, detail: string, extra?: Record<string, unknown>): void {
  const info = ERRORS[code];
  const body: Problem & Record<string, unknown> = {
    type: `urn:copyright-ledger:problem:${info.httpCode}`,
    title: ERRORS[info.httpCode].title,
    status: info.status,
    detail,
    code: info.httpCode,
    ...extra,
  };
  const retryAfter = extra?.retryAfter;
  if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  res.status(info.status).type('application/problem+json').send(JSON.stringify(body));
}

/** Parses `value` with `schema`; on failure throws invalid_request naming the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = [where, ...issue.path.map(String)].filter((s) => s !== '').join('.');
  const detail = field ? `${field}: ${issue.message}` : issue.message;
  throw new LogError('invalid_request', detail, { details: field ? { field } : {} });
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** The last middleware: every error becomes problem+json; nothing leaks a stack. */
export function errorHandler(log: (msg: string, err: unknown, fields?: { reqId?: string }) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const fields = req.requestId !== undefined ? { reqId: req.requestId } : {};
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof LogError) {
      const info = ERRORS[err.code];
      if (info.status >= 500 && err.code !== 'overloaded') log('request failed', err, fields);
      sendProblem(res, err.code, err.message, { ...(err.details ?? {}) });
      return;
    }
    const bp = err as BodyParserError;
    switch (bp.type) {
      case 'entity.parse.failed':
        return sendProblem(res, 'invalid_request', 'the body is not valid JSON');
      case 'entity.too.large':
        return sendProblem(res, 'payload_too_large', 'the body is too large');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendProblem(res, 'unsupported_media_type', bp.message ?? 'unsupported encoding');
      case 'request.aborted':
        return sendProblem(res, 'invalid_request', 'the request was aborted');
      case 'request.size.invalid':
        return sendProblem(res, 'invalid_request', 'the body size does not match Content-Length');
    }
    if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500) {
      return sendProblem(res, 'invalid_request', bp.message ?? 'bad request');
    }
    log('unexpected error', err, fields);
    sendProblem(res, 'internal', 'internal error');
  };
}
