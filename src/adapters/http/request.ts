/**
 * Request parsing shared by the feature routers: zod parsing that names the bad field, and JSON
 * bodies that are required, optional (actions without parameters) or forbidden.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { LogError } from '../../core/errors.js';
import { jsonBody } from './json.js';

/**
 * Parses `value`; on failure throws invalid_request naming the first bad field in `details.field`
 * (an unknown key is named itself, e.g. `authors.0.age`).
 */
export function parseField<S extends z.ZodType>(schema: S, value: unknown, where = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  const field = [where, ...path].filter((s) => s !== '').join('.');
  const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
  throw new LogError('invalid_request', field ? `${field}: ${message}` : message, { details: field ? { field } : {} });
}

/** Body parsers of one size limit. */
export function bodies(limit: string): { body: RequestHandler[]; optionalBody: RequestHandler } {
  const json = jsonBody(limit);
  /** A JSON body (required). */
  const body: RequestHandler[] = [
    (req: Request, _res: Response, next: NextFunction) => {
      if (!req.is('application/json')) throw new LogError('unsupported_media_type', 'send application/json');
      next();
    },
    json,
  ];
  /** A JSON body if one was sent: req.body stays undefined otherwise. */
  const optionalBody: RequestHandler = (req, res, next) => {
    if (req.get('content-length') === '0' || (req.get('content-length') === undefined && req.get('transfer-encoding') === undefined)) {
      req.body = undefined;
      return next();
    }
    if (!req.is('application/json')) throw new LogError('unsupported_media_type', 'send application/json or no body');
    json(req, res, next);
  };
  return { body, optionalBody };
}

/** Refuses any body but nothing or `{}` (after `optionalBody`). */
export function noBody(req: Request): void {
  if (req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body as object).length === 0)) {
    parseField(z.strictObject({}), req.body);
  }
}
