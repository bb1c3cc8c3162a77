/** warc.ts: status lines and truncated bodies in the WARC of a capture. */
import { WARCParser } from 'warcio';
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/adapters/capture/browser.js';
import { buildWarc } from '../../src/adapters/capture/warc.js';

const base: Exchange = { url: 'https://example.com/a', method: 'GET', startedAt: Date.UTC(2026, 10, 30), requestHeaders: [], status: 200, statusText: '', responseHeaders: [['Content-Type', 'text/plain']], body: new TextEncoder().encode('hello'), resourceType: 'document' };

async function responses(exchanges: Exchange[]) {
  const { warc } = await buildWarc(exchanges, { software: 'test' });
  const out: { url: string; statusLine: string; truncated: string | null | undefined; original: string | null | undefined; body: number }[] = [];
  for await (const r of new WARCParser([warc])) {
    if (r.warcType !== 'response') continue;
    out.push({ url: r.warcTargetURI!, statusLine: `${r.httpHeaders!.statusCode} ${r.httpHeaders!.statusText}`, truncated: r.warcHeaders.headers.get('WARC-Truncated'), original: r.httpHeaders!.headers.get('X-Original-Content-Length'), body: (await r.readFully(true)).length });
  }
  return out;
}

describe('buildWarc', () => {
  it('takes the reason phrase from the status code when the browser gave none', async () => {
    const got = await responses([{ ...base, status: 404 }, { ...base, url: 'https://example.com/b', status: 200, statusText: 'Fine' }]);
    expect(got.map((r) => r.statusLine)).toEqual(['404 Not Found', '200 Fine']);
  });

  it('marks a body over the limit WARC-Truncated: length, with its size', async () => {
    const [r] = await responses([{ ...base, body: new Uint8Array(), truncated: 'length', originalLength: 123_456 }]);
    expect(r).toMatchObject({ truncated: 'length', original: '123456', body: 0 });
  });
});
