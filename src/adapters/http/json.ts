/**
 * JSON bodies. On top of express.json: a member named "__proto__" is refused anywhere in the
 * body, because JavaScript objects cannot carry it faithfully (schema copies turn it into a
 * prototype and drop it), so what we hash would differ from what the client sent.
 */
import express, { type RequestHandler } from 'express';
import { LogError } from '../../core/errors.js';

/** Path of the first "__proto__" member, iteratively (bodies may nest deeply). */
export function findProtoKey(root: unknown): string | undefined {
  const stack: { v: unknown; path: string }[] = [{ v: root, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (Object.hasOwn(v, '__proto__')) return path === '' ? '__proto__' : `${path}.__proto__`;
    for (const [k, x] of Object.entries(v)) stack.push({ v: x, path: path === '' ? k : `${path}.${k}` });
  }
  return undefined;
}

export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, strict: true, type: () => true });
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      const field = findProtoKey(req.body);
      if (field !== undefined) return next(new LogError('invalid_request', `${field}: "__proto__" is not allowed as a member name`, { details: { field } }));
      next();
    });
}

/** Parses a JSON text sent in a form field, with the same rules as JSON bodies; errors name `field`. */
export function parseJsonField(text: string, field: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LogError('invalid_request', `${field}: not valid JSON`, { details: { field } });
  }
  const bad = findProtoKey(value);
  if (bad !== undefined) {
    const at = `${field}.${bad}`;
    throw new LogError('invalid_request', `${at}: "__proto__" is not allowed as a member name`, { details: { field: at } });
  }
  return value;
}
