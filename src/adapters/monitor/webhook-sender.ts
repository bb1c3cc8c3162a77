/**
 * Webhook requests over node:http(s), under the capture SSRF rules (core/ip-ranges.ts): the URL
 * is checked, the host name is resolved once and every address checked, and the connection goes
 * to a checked address (the lookup is pinned, so DNS rebinding cannot swap it). Redirects are
 * not followed; the response body is read and dropped (at most 64 KiB).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkCaptureUrl, specialPurpose } from '../../core/ip-ranges.js';
import type { WebhookSender } from '../../app/monitor.js';
import { resolveHost } from '../net/dns.js';

export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly opts: { allowPrivate: boolean }) {}

  async send(url: string, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<{ status: number }> {
    const check = checkCaptureUrl(url, this.opts.allowPrivate);
    if (!check.ok) throw new Error(`webhook URL refused: ${check.reason}`);
    const ips = check.ipLiteral ? [check.host] : await resolveHost(check.host);
    const addresses = ips.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (addresses.length === 0) throw new Error(`${check.host} has no address`);
    if (!this.opts.allowPrivate) {
      for (const a of addresses) {
        const why = specialPurpose(a.address);
        if (why !== undefined) throw new Error(`webhook URL refused: ${check.host} resolves to ${a.address}, ${why}`);
      }
    }
    const pinned = addresses[0]!;
    const lookup: LookupFunction = (_host, options, cb) => {
      if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
      else cb(null, pinned.address, pinned.family);
    };
    const request = check.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        check.url,
        { method: 'POST', headers: { ...headers, 'content-length': String(body.length), 'user-agent': 'copyright-ledger-webhook/1' }, lookup, timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) },
        (res) => {
          let seen = 0;
          res.on('data', (chunk: Buffer) => {
            seen += chunk.length;
            if (seen > 65_536) res.destroy();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('close', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(e));
      req.end(body);
    });
  }
}
