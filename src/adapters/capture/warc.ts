/**
 * WARC 1.1 of a capture, written with warcio: one `warcinfo` record, then for each exchange the
 * browser saw a `request` record and a `response` record (WARC-Concurrent-To links them). The
 * response payload is the body as the browser decoded it, so `Content-Encoding` and
 * `Transfer-Encoding` are dropped from the recorded headers and `Content-Length` is set to the
 * payload's length (the original values are kept as `X-Original-Content-Encoding` etc.). Each
 * record is serialized uncompressed; a CDXJ line per response indexes it for replay.
 */
import { createHash, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { getSurt, WARCRecord, WARCSerializer } from 'warcio';
import type { Exchange } from './browser.js';

export interface WarcResult {
  warc: Uint8Array;
  /** CDXJ lines (sorted), for indexes/index.cdx. */
  cdxj: string;
}

const DROP = new Set(['content-encoding', 'transfer-encoding', 'content-length']);

/** 14-digit WARC/CDX timestamp. */
export function ts14(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (bytes.length > 0) yield bytes;
}

export async function buildWarc(exchanges: readonly Exchange[], info: Record<string, string>, filename = 'data.warc'): Promise<WarcResult> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const cdx: string[] = [];
  const push = (b: Uint8Array) => {
    parts.push(b);
    offset += b.length;
  };
  const warcinfo = WARCRecord.createWARCInfo({ filename, warcVersion: 'WARC/1.1' }, info);
  push(await WARCSerializer.serialize(warcinfo, { gzip: false }));

  for (const x of exchanges) {
    if (!/^https?:/.test(x.url)) continue;
    const date = new Date(x.startedAt).toISOString();
    const responseId = `<urn:uuid:${randomUUID()}>`;
    const headers: [string, string][] = [];
    for (const [name, value] of x.responseHeaders) {
      const n = name.toLowerCase();
      if (DROP.has(n)) {
        if (n !== 'content-length') headers.push([`X-Original-${name}`, value]);
        continue;
      }
      headers.push([name, value]);
    }
    // A body over CAPTURE_MAX_RESPONSE_BYTES is not kept: the record says so (WARC-Truncated: length) and gives the size it had.
    if (x.truncated !== undefined && x.originalLength !== undefined) headers.push(['X-Original-Content-Length', String(x.originalLength)]);
    headers.push(['Content-Length', String(x.body.length)]);
    const response = WARCRecord.create(
      {
        url: x.url,
        date,
        type: 'response',
        warcVersion: 'WARC/1.1',
        warcHeaders: { 'WARC-Record-ID': responseId, ...(x.truncated !== undefined ? { 'WARC-Truncated': x.truncated } : x.bodyError !== undefined ? { 'WARC-Truncated': 'unspecified' } : {}) },
        httpHeaders: headers,
        statusline: `HTTP/1.1 ${x.status} ${x.statusText || STATUS_CODES[x.status] || 'Unknown'}`,
      },
      once(x.body),
    );
    const start = offset;
    push(await WARCSerializer.serialize(response, { gzip: false }));
    const mime = (x.responseHeaders.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '').split(';')[0]!.trim();
    cdx.push(
      `${getSurt(x.url)} ${ts14(x.startedAt)} ${JSON.stringify({
        url: x.url,
        mime,
        status: String(x.status),
        digest: 'sha256:' + createHash('sha256').update(x.body).digest('hex'),
        length: String(offset - start),
        offset: String(start),
        filename,
      })}`,
    );
    const path = new URL(x.url);
    const request = WARCRecord.create(
      {
        url: x.url,
        date,
        type: 'request',
        warcVersion: 'WARC/1.1',
        warcHeaders: { 'WARC-Concurrent-To': responseId },
        httpHeaders: x.requestHeaders.filter(([n]) => !n.startsWith(':')),
        statusline: `${x.method} ${path.pathname}${path.search} HTTP/1.1`,
      },
      once(x.requestBody ?? new Uint8Array()),
    );
    push(await WARCSerializer.serialize(request, { gzip: false }));
  }
  const warc = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    warc.set(p, at);
    at += p.length;
  }
  cdx.sort();
  return { warc, cdxj: cdx.join('\n') + (cdx.length > 0 ? '\n' : '') };
}
