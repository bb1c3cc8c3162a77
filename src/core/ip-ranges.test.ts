import { describe, expect, it } from 'vitest';
import { checkCaptureUrl, parseIPv6, specialPurpose } from './ip-ranges.js';

describe('special-purpose addresses', () => {
  it('refuses loopback, private, link-local, CGNAT, documentation, benchmarking, multicast, reserved and unspecified IPv4', () => {
    for (const ip of ['127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.127.255.255', '0.0.0.0', '192.0.0.8', '192.0.2.1', '198.51.100.7', '203.0.113.9', '198.18.0.1', '198.19.255.255', '224.0.0.1', '239.1.1.1', '240.0.0.1', '255.255.255.255', '192.88.99.1']) {
      expect(specialPurpose(ip), ip).toBeDefined();
    }
  });
  it('allows global unicast IPv4 and IPv6', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '2a00:1450:4001:82a::200e']) expect(specialPurpose(ip), ip).toBeUndefined();
  });
  it('refuses special IPv6, and IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4, Teredo)', () => {
    for (const ip of ['::', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:8.8.8.8', '::127.0.0.1', '64:ff9b::a00:1', '2002:a00:1::1', '2001::1', '2001:db8::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fec0::1', 'ff02::1', '100::1', '3fff::1', '5f00::1', '4000::1', 'fe80::1%eth0']) {
      expect(specialPurpose(ip), ip).toBeDefined();
    }
  });
  it('parses IPv6 text strictly', () => {
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toBeDefined();
    for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', 'g::1', '::ffff:1.2.3']) expect(parseIPv6(bad), bad).toBeUndefined();
    expect(specialPurpose('not an ip')).toMatch(/not an IP/);
  });
});

describe('capture URL check', () => {
  it('accepts public http(s) URLs', () => {
    for (const u of ['http://example.com/', 'https://example.com/a?b=c', 'http://8.8.8.8/', 'https://[2606:4700:4700::1111]/']) expect(checkCaptureUrl(u).ok, u).toBe(true);
  });
  it('refuses other schemes, credentials, local names and special addresses (including shorthand IPv4 the URL parser normalizes)', () => {
    for (const u of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'ftp://example.com/', 'http://u:p@example.com/', 'http://localhost/', 'http://a.localhost/', 'http://localhost./', 'http://a.localhost./', 'http://intranet./', 'http://printer.local./', 'http://intranet/', 'http://127.0.0.1/', 'http://0x7f000001/', 'http://2130706433/', 'http://127.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/', 'not a url', 'http://' + 'a'.repeat(2100) + '.com/']) {
      expect(checkCaptureUrl(u).ok, u).toBe(false);
    }
  });
  it('lets everything through when private addresses are allowed (tests only), but never other schemes', () => {
    expect(checkCaptureUrl('http://127.0.0.1:8080/', true).ok).toBe(true);
    expect(checkCaptureUrl('http://localhost/', true).ok).toBe(true);
    expect(checkCaptureUrl('file:///etc/passwd', true).ok).toBe(false);
  });
});
