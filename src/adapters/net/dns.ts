/**
 * Host name resolution for outgoing connections (capture proxy, webhooks): DNS queries over
 * c-ares (`dns.promises.Resolver`, 5 s per try, 2 tries) rather than `dns.lookup`, which runs
 * getaddrinfo on libuv's small thread pool with no time limit and can stall file I/O and crypto
 * behind slow names. At most MAX_CONCURRENT_LOOKUPS queries run at once; the rest wait their turn.
 * `localhost` (and `*.localhost`) answers loopback without a query, as getaddrinfo would.
 */
import { Resolver } from 'node:dns/promises';

export const DNS_TIMEOUT_MS = 5_000;
export const DNS_TRIES = 2;
export const MAX_CONCURRENT_LOOKUPS = 16;

let resolver: Resolver | undefined;
let active = 0;
const waiting: (() => void)[] = [];

async function slot<T>(f: () => Promise<T>): Promise<T> {
  if (active >= MAX_CONCURRENT_LOOKUPS) await new Promise<void>((r) => waiting.push(r));
  else active++;
  try {
    return await f();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else active--;
  }
}

/** IPv4 then IPv6 addresses of `host`; throws (with the DNS error's `code`) when neither query answers an address. */
export async function resolveHost(host: string): Promise<string[]> {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return ['127.0.0.1', '::1'];
  resolver ??= new Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
  const r = resolver;
  const [v4, v6] = await slot(() => Promise.allSettled([r.resolve4(name), r.resolve6(name)]));
  const out = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (out.length > 0) return out;
  const failure = [v4, v6].find((x): x is PromiseRejectedResult => x.status === 'rejected' && (x.reason as { code?: string }).code !== 'ENODATA');
  if (failure) throw failure.reason;
  throw Object.assign(new Error(`${host}: no address`), { code: 'ENODATA' });
}

/** Lookups running now and waiting (tests). */
export function lookupsInFlight(): { active: number; waiting: number } {
  return { active, waiting: waiting.length };
}
