/**
 * The SSRF guard of a web capture: an in-process HTTP proxy (plain HTTP forwarding and CONNECT
 * tunnels) the capture's browser must use for every connection. For each one it resolves the host
 * itself, refuses it unless every address is global unicast (core/ip-ranges.ts), and connects to
 * the address it checked — never resolving twice — so a redirect to a private address or a DNS
 * answer that changes between check and connect (rebinding) reaches nothing.
 *
 * It also records what the evidence needs: each host's resolved addresses, the address actually
 * connected to, the refusals with their reasons, and, for tunnels (https), the server's TLS
 * certificate chain, read over a separate TLS connection to the same checked address and SNI
 * name right after the tunnel opened (the tunnel itself is end-to-end TLS the proxy cannot read).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, isIP, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import { specialPurpose } from '../../core/ip-ranges.js';
import { resolveHost } from '../net/dns.js';

/** Resolves a host name to IP addresses (tests inject one; default: DNS with a time limit, net/dns.ts). */
export type Resolver = (host: string) => Promise<string[]>;

export interface ProxyOptions {
  /** CAPTURE_ALLOW_PRIVATE: tests only; special-purpose addresses are then reachable. */
  allowPrivate: boolean;
  resolver?: Resolver | undefined;
  /** Addresses treated as global unicast (tests only: a stand-in for a public server on loopback). */
  publicAddresses?: ReadonlySet<string> | undefined;
  /** Upstream connect timeout. */
  connectTimeoutMs?: number;
}

export interface ConnectionRecord {
  /** When the browser asked for it. */
  at: string;
  method: 'CONNECT' | 'HTTP';
  host: string;
  port: number;
  /** The addresses the host resolved to. */
  resolved: string[];
  /** The address connected to, when allowed. */
  ip?: string;
  /** Why it was refused, when it was. */
  refused?: string;
}

export interface TlsRecord {
  host: string;
  port: number;
  ip: string;
  protocol?: string;
  cipher?: string;
  /** The server's chain as it sent it, leaf first, PEM. */
  chainPem: string[];
  /** Whether Node's default CA store accepts the chain for `host`. */
  authorized: boolean;
  authorizationError?: string;
  error?: string;
}

export const systemResolver: Resolver = resolveHost;

export class CaptureProxy {
  readonly connections: ConnectionRecord[] = [];
  readonly tls: TlsRecord[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly tlsPending: Promise<void>[] = [];
  private readonly tlsSeen = new Set<string>();
  private closed = false;

  constructor(private readonly opts: ProxyOptions) {
    this.server = createServer((req, res) => void this.forward(req, res));
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.tunnel(req, socket, head));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Listens on 127.0.0.1, port chosen by the system; resolves to the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Refusals so far. */
  get refusals(): ConnectionRecord[] {
    return this.connections.filter((c) => c.refused !== undefined);
  }

  /** Gives pending certificate reads up to 5 s, then stops listening and cuts every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.race([Promise.allSettled(this.tlsPending), new Promise((r) => setTimeout(r, 5_000).unref())]);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled(this.tlsPending);
  }

  /**
   * Resolves `host` and returns the one checked address to connect to, or the reason it is
   * refused. Every resolved address must be allowed: a name that also points inside is refused.
   */
  async check(host: string): Promise<{ ip: string; resolved: string[] } | { refused: string; resolved: string[] }> {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    let resolved: string[];
    if (isIP(bare) !== 0) resolved = [bare];
    else {
      try {
        resolved = await (this.opts.resolver ?? systemResolver)(bare);
      } catch (e) {
        return { refused: `${bare} does not resolve (${(e as { code?: string }).code ?? 'error'})`, resolved: [] };
      }
    }
    if (resolved.length === 0) return { refused: `${bare} has no address`, resolved };
    if (!this.opts.allowPrivate) {
      for (const ip of resolved) {
        if (this.opts.publicAddresses?.has(ip)) continue;
        const why = specialPurpose(ip);
        if (why !== undefined) return { refused: `${bare} resolves to ${ip}: ${why}`, resolved };
      }
    }
    return { ip: resolved[0]!, resolved };
  }

  private record(c: Omit<ConnectionRecord, 'at'>): void {
    this.connections.push({ at: new Date().toISOString(), ...c });
  }

  /** Plain HTTP through the proxy: `GET http://host/path`. */
  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('capture proxy: absolute http URLs only\n');
      return;
    }
    const port = Number(target.port || 80);
    const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
    const checked = await this.check(host);
    // The browser gave up, or the capture ended, while the name resolved: connect nowhere.
    if (req.socket.destroyed || this.closed) {
      res.destroy();
      return;
    }
    if ('refused' in checked) {
      this.record({ method: 'HTTP', host, port, resolved: checked.resolved, refused: checked.refused });
      res.writeHead(403, { 'content-type': 'text/plain', 'x-capture-refused': '1' }).end(`capture proxy refused: ${checked.refused}\n`);
      return;
    }
    this.record({ method: 'HTTP', host, port, resolved: checked.resolved, ip: checked.ip });
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const up = httpRequest({ host: checked.ip, port, method: req.method, path: target.pathname + target.search, headers, setHost: false, timeout: this.opts.connectTimeoutMs ?? 15_000 }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.rawHeaders);
      upRes.pipe(res);
    });
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('capture proxy: upstream failed\n');
      else res.destroy();
    });
    req.pipe(up);
  }

  /** CONNECT host:port (https, websockets): a raw tunnel to the checked address. */
  private async tunnel(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(req.url ?? '');
    if (!m || Number(m[2]) > 65535) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
    const port = Number(m[2]);
    const checked = await this.check(host);
    // The browser gave up, or the capture ended, while the name resolved: connect nowhere.
    if (socket.destroyed || this.closed) {
      socket.destroy();
      return;
    }
    if ('refused' in checked) {
      this.record({ method: 'CONNECT', host, port, resolved: checked.resolved, refused: checked.refused });
      socket.end('HTTP/1.1 403 Forbidden\r\nX-Capture-Refused: 1\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.record({ method: 'CONNECT', host, port, resolved: checked.resolved, ip: checked.ip });
    const up = netConnect({ host: checked.ip, port, timeout: this.opts.connectTimeoutMs ?? 15_000 });
    this.sockets.add(up);
    up.on('close', () => this.sockets.delete(up));
    up.once('timeout', () => up.destroy());
    up.once('error', () => socket.destroy());
    up.once('connect', () => {
      up.setTimeout(0);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
      this.readCertificates(host, port, checked.ip);
    });
    socket.once('close', () => up.destroy());
  }

  /** Reads the TLS chain of host:port once per capture, over its own connection to the checked address. */
  private readCertificates(host: string, port: number, ip: string): void {
    const key = `${host}:${port}`;
    if (this.tlsSeen.has(key) || this.closed) return;
    this.tlsSeen.add(key);
    this.tlsPending.push(
      new Promise<void>((resolve) => {
        const record: TlsRecord = { host, port, ip, chainPem: [], authorized: false };
        this.tls.push(record);
        const s = tlsConnect({ host: ip, port, servername: isIP(host) === 0 ? host : undefined, rejectUnauthorized: false, timeout: 10_000 });
        this.sockets.add(s);
        const done = (error?: string) => {
          if (error !== undefined && record.chainPem.length === 0) record.error = error;
          this.sockets.delete(s);
          s.destroy();
          resolve();
        };
        s.once('secureConnect', () => {
          record.authorized = s.authorized;
          if (s.authorizationError) record.authorizationError = String(s.authorizationError);
          record.protocol = s.getProtocol() ?? undefined;
          record.cipher = s.getCipher()?.name;
          record.chainPem = chainOf(s.getPeerCertificate(true));
          done();
        });
        s.once('timeout', () => done('timeout'));
        s.once('error', (e) => done(e.message));
        s.once('close', () => done('closed'));
      }),
    );
  }
}

/** The peer's chain, leaf first, as PEM (stops at a self-signed root or a loop). */
function chainOf(leaf: DetailedPeerCertificate): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = leaf; c?.raw !== undefined && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    out.push(`-----BEGIN CERTIFICATE-----\n${c.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`);
  }
  return out;
}
