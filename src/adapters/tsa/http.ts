/**
 * An external RFC 3161 TSA over HTTP (RFC 3161 §3.4): POST a DER TimeStampReq as
 * `application/timestamp-query`, read a DER TimeStampResp. The request asks for the TSA
 * certificate (certReq) and carries a random nonce, which the reply MUST echo.
 */
import { toHex } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import { parseTimestampTokenUnverified, tokenFromResponse } from '../../core/timestamp.js';
import type { Tsa } from '../../app/timestamps.js';
import { buildQuery, positiveSerial } from './tokens.js';

/** Largest reply read (a token with a certificate chain is a few KiB). */
export const MAX_REPLY_BYTES = 256 * 1024;

export interface HttpTsaOptions {
  /** Abort one request after this long (default 10 s). */
  timeoutMs?: number;
  random: (n: number) => Uint8Array;
  /** `fetch` to use (tests); default the global one. */
  fetch?: typeof fetch;
}

/** The URL without credentials, query or fragment: how logs name the TSA. */
export function tsaDisplayName(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function httpTsa(url: string, opts: HttpTsaOptions): Tsa {
  const name = tsaDisplayName(url);
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    name,
    async timestamp(digest: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
      if (digest.length !== 32) throw new LogError('invalid_request', 'digest must be 32 bytes');
      const nonce = positiveSerial(opts.random(8));
      const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body: buildQuery(digest, nonce, true),
        signal: AbortSignal.any(signals),
        redirect: 'error',
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new LogError('internal', `${name} answered HTTP ${res.status}`);
      }
      const length = Number(res.headers.get('content-length') ?? '0');
      if (length > MAX_REPLY_BYTES) {
        await res.body?.cancel().catch(() => undefined);
        throw new LogError('internal', `${name}: reply too large`);
      }
      const reply = new Uint8Array(await res.arrayBuffer());
      if (reply.length > MAX_REPLY_BYTES) throw new LogError('internal', `${name}: reply too large`);
      const info = parseTimestampTokenUnverified(tokenFromResponse(reply));
      if (info.nonce !== toHex(nonce)) throw new LogError('bad_format', `${name}: the reply does not echo our nonce`);
      return reply;
    },
  };
}
