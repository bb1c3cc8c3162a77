/**
 * Which IP addresses a web capture may connect to: only global unicast addresses. Loopback,
 * private, link-local (the 169.254.169.254 cloud metadata service), multicast, unspecified,
 * shared (CGNAT), documentation, benchmarking and every other IANA special-purpose range are
 * refused, in IPv4 and IPv6, including IPv4 addresses embedded in IPv6 (mapped, compatible,
 * NAT64, 6to4, Teredo). Pure: the capture proxy and the URL check both use it.
 */

/** Parses a dotted-quad IPv4 address (exactly four decimal octets), else undefined. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

/** Parses an IPv6 address (RFC 4291 text, optional trailing dotted quad, no zone id), else undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.includes('%') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let v4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const total = left.length + right.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...left, ...new Array<string>(8 - total).fill('0'), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

interface Range {
  prefix: number[];
  bits: number;
  name: string;
}

const r = (prefix: number[], bits: number, name: string): Range => ({ prefix, bits, name });

/** IANA IPv4 Special-Purpose Address Registry (and multicast, reserved, broadcast). */
const V4_SPECIAL: readonly Range[] = [
  r([0], 8, 'this network (0.0.0.0/8)'),
  r([10], 8, 'private (10.0.0.0/8)'),
  r([100, 64], 10, 'shared address space / CGNAT (100.64.0.0/10)'),
  r([127], 8, 'loopback (127.0.0.0/8)'),
  r([169, 254], 16, 'link-local (169.254.0.0/16, cloud metadata)'),
  r([172, 16], 12, 'private (172.16.0.0/12)'),
  r([192, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'),
  r([192, 0, 2], 24, 'documentation (192.0.2.0/24)'),
  r([192, 31, 196], 24, 'AS112 (192.31.196.0/24)'),
  r([192, 52, 193], 24, 'AMT (192.52.193.0/24)'),
  r([192, 88, 99], 24, '6to4 relay anycast (192.88.99.0/24)'),
  r([192, 168], 16, 'private (192.168.0.0/16)'),
  r([192, 175, 48], 24, 'direct delegation AS112 (192.175.48.0/24)'),
  r([198, 18], 15, 'benchmarking (198.18.0.0/15)'),
  r([198, 51, 100], 24, 'documentation (198.51.100.0/24)'),
  r([203, 0, 113], 24, 'documentation (203.0.113.0/24)'),
  r([224], 4, 'multicast (224.0.0.0/4)'),
  r([240], 4, 'reserved (240.0.0.0/4, broadcast)'),
];

/** IPv6 ranges refused outright (IPv4-embedding ranges are handled apart). */
const V6_SPECIAL: readonly Range[] = [
  r([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'discard-only (100::/64)'),
  r([0x20, 0x01, 0x0d, 0xb8], 32, 'documentation (2001:db8::/32)'),
  r([0x20, 0x01, 0x00], 23, 'IETF protocol assignments (2001::/23)'),
  r([0x3f, 0xff], 20, 'documentation (3fff::/20)'),
  r([0x5f, 0x00], 16, 'segment routing (5f00::/16)'),
  r([0xfc], 7, 'unique local (fc00::/7)'),
  r([0xfe, 0x80], 10, 'link-local (fe80::/10)'),
  r([0xfe, 0xc0], 10, 'site-local (fec0::/10)'),
  r([0xff], 8, 'multicast (ff00::/8)'),
];

function inRange(addr: Uint8Array, range: Range): boolean {
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((addr[i] ?? 0) & mask) !== ((range.prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

const allZero = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);

/**
 * Why `ip` (IPv4 or IPv6 text) is not a global unicast address a capture may reach, or undefined
 * when it is. Text that is not an IP address is refused too.
 */
export function specialPurpose(ip: string): string | undefined {
  const v4 = parseIPv4(ip);
  if (v4) return specialV4(v4);
  const v6 = parseIPv6(ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip);
  if (!v6) return `"${ip}" is not an IP address`;
  if (allZero(v6, 0, 16)) return 'unspecified (::)';
  if (allZero(v6, 0, 15) && v6[15] === 1) return 'loopback (::1)';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible): judged as the IPv4 address.
  if (allZero(v6, 0, 10) && ((v6[10] === 0xff && v6[11] === 0xff) || (v6[10] === 0 && v6[11] === 0))) {
    const why = specialV4(v6.subarray(12));
    return why === undefined ? 'IPv4-mapped or -compatible IPv6 address (use the IPv4 address)' : `IPv4 in IPv6: ${why}`;
  }
  // NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16), Teredo (2001::/32): they reach IPv4 hosts.
  if (inRange(v6, r([0x00, 0x64, 0xff, 0x9b], 32, ''))) return 'NAT64 (64:ff9b::/96, 64:ff9b:1::/48)';
  if (inRange(v6, r([0x20, 0x02], 16, ''))) return '6to4 (2002::/16)';
  for (const range of V6_SPECIAL) if (inRange(v6, range)) return range.name;
  // Only global unicast (2000::/3) is left to allow.
  if ((v6[0]! & 0xe0) !== 0x20) return 'not global unicast (outside 2000::/3)';
  return undefined;
}

function specialV4(b: Uint8Array): string | undefined {
  for (const range of V4_SPECIAL) if (inRange(b, range)) return range.name;
  return undefined;
}

/** True for an IPv4 or IPv6 literal (IPv6 with or without brackets). */
export function isIpLiteral(host: string): boolean {
  return parseIPv4(host) !== undefined || parseIPv6(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host) !== undefined;
}

/** Longest URL a capture accepts. */
export const MAX_CAPTURE_URL_LENGTH = 2048;

/** A URL a capture may be asked for, or why not. Host names are resolved and checked later, by the caller. */
export type UrlCheck = { ok: true; url: URL; host: string; ipLiteral: boolean } | { ok: false; reason: string };

/**
 * Checks a capture URL before any network access: http or https only, no credentials, no
 * `localhost` names, and an IP literal host must be global unicast (unless `allowPrivate`).
 */
export function checkCaptureUrl(raw: string, allowPrivate = false): UrlCheck {
  if (raw.length > MAX_CAPTURE_URL_LENGTH) return { ok: false, reason: `the URL is over ${MAX_CAPTURE_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `scheme ${url.protocol} is not captured: only http and https` };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'URLs with credentials are not captured' };
  const host = url.hostname.toLowerCase();
  if (host === '') return { ok: false, reason: 'the URL has no host' };
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const ipLiteral = isIpLiteral(host);
  if (!allowPrivate) {
    // A fully qualified name's trailing dot (`localhost.`, `intranet.`) names the same host.
    const name = host.replace(/\.+$/, '');
    if (!ipLiteral && (name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.local') || name.endsWith('.internal') || !name.includes('.'))) {
      return { ok: false, reason: `host ${host} is a local name` };
    }
    if (ipLiteral) {
      const why = specialPurpose(bare);
      if (why !== undefined) return { ok: false, reason: `address ${bare} is ${why}` };
    }
  }
  return { ok: true, url, host: bare, ipLiteral };
}
