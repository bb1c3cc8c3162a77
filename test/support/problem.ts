/** Raw HTTP requests and RFC 9457 problem assertions for the bad-input tests. */
import { expect } from 'vitest';

export type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface Req {
  method?: string;
  path: string;
  /** Raw body; sent as is. */
  raw?: string | Buffer;
  /** JSON body (serialized). */
  body?: unknown;
  key?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function send(url: string, r: Req): Promise<Reply> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let body: string | Buffer | undefined = r.raw;
  if (r.body !== undefined) body = JSON.stringify(r.body);
  if (body !== undefined) headers['content-type'] = r.contentType ?? 'application/json';
  if (r.key !== undefined) headers.authorization = `Bearer ${r.key}`;
  const res = await fetch(url + r.path, { method: r.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Asserts an RFC 9457 problem with this status and code; returns its body. */
export function expectProblem(r: Reply, status: number, code: string): Json {
  if (status !== 503) expect(r.status, r.text).toBeLessThan(500);
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type'), r.text).toMatch(/^application\/problem\+json/);
  const p = r.json as Json;
  expect(typeof p.type, r.text).toBe('string');
  expect(typeof p.title, r.text).toBe('string');
  expect(typeof p.detail, r.text).toBe('string');
  expect((p.title as string).length).toBeGreaterThan(0);
  expect((p.detail as string).length).toBeGreaterThan(0);
  expect(p.status).toBe(status);
  expect(p.code).toBe(code);
  return p;
}
