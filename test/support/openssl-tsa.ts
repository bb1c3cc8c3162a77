/**
 * `openssl ts` as an external RFC 3161 TSA for tests: a test CA and a time-stamping certificate
 * (critical extendedKeyUsage timeStamping) made with `openssl req`/`x509` in a temp dir, an
 * `openssl ts -reply` config, and a loopback HTTP wrapper (127.0.0.1, port 0) whose behaviour
 * can be switched between answering, hanging and failing.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs openssl; resolves with stdout+stderr, rejects with them on a non-zero exit. */
export async function openssl(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout, stderr } = await exec('openssl', args, { cwd, maxBuffer: 16 << 20 });
    return stdout + stderr;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}`);
  }
}

export interface OpensslTsa {
  dir: string;
  /** PEM of the test CA (the trust anchor for `openssl ts -verify -CAfile`). */
  caFile: string;
  /** PEM of the TSA's own certificate. */
  certFile: string;
  /** Answers a DER TimeStampReq with a DER TimeStampResp via `openssl ts -reply`. */
  reply(query: Uint8Array): Promise<Uint8Array>;
  remove(): Promise<void>;
}

export interface OpensslTsaOptions {
  /** TSA key: `rsa` (2048), `ec` (P-256), `ec384` (P-384). Default rsa. */
  key?: 'rsa' | 'ec' | 'ec384';
  /** Include the CA certificate in tokens (openssl `certs`). Default true. */
  includeChain?: boolean;
  /** Common name of the TSA certificate. */
  name?: string;
}

let serial = 0;

/** Makes a CA, a time-stamping certificate and an `openssl ts` config in a new temp dir. */
export async function makeOpensslTsa(opts: OpensslTsaOptions = {}): Promise<OpensslTsa> {
  const dir = await mkdtemp(join(tmpdir(), 'cl-ossl-tsa-'));
  const key = opts.key ?? 'rsa';
  await writeFile(
    join(dir, 'ca.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = copyright-ledger test TSA root',
      '[v3_ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '[v3_tsa]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,nonRepudiation',
      'extendedKeyUsage = critical,timeStamping',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  await openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-config', 'ca.cnf', '-extensions', 'v3_ca'], dir);
  const newkey = key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${key === 'ec384' ? 'P-384' : 'P-256'}`];
  await openssl(['req', '-new', ...newkey, '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', `/O=copyright-ledger tests/CN=${opts.name ?? 'openssl test TSA'}`], dir);
  await openssl(['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + ++serial), '-out', 'tsa.pem', '-days', '30', '-extfile', 'ca.cnf', '-extensions', 'v3_tsa'], dir);
  await writeFile(join(dir, 'serial'), '01\n');
  await writeFile(
    join(dir, 'ts.cnf'),
    [
      '[tsa]',
      'default_tsa = tsa1',
      '[tsa1]',
      `serial = ${join(dir, 'serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${join(dir, 'tsa.pem')}`,
      ...(opts.includeChain === false ? [] : [`certs = ${join(dir, 'ca.pem')}`]),
      `signer_key = ${join(dir, 'tsa.key')}`,
      `signer_digest = ${key === 'ec384' ? 'sha384' : 'sha256'}`,
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'clock_precision_digits = 3',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  let n = 0;
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'tsa.pem'),
    async reply(query: Uint8Array) {
      const id = ++n;
      const q = join(dir, `q${id}.tsq`);
      const r = join(dir, `r${id}.tsr`);
      await writeFile(q, query);
      await openssl(['ts', '-reply', '-config', join(dir, 'ts.cnf'), '-queryfile', q, '-out', r]);
      const out = new Uint8Array(await readFile(r));
      await rm(q, { force: true });
      await rm(r, { force: true });
      return out;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export type TsaMode = 'ok' | 'hang' | 'error';

export interface TsaServer {
  url: string;
  /** Requests received so far. */
  requests: number;
  /** `ok` answers with openssl, `hang` never answers, `error` answers HTTP 500. */
  mode: TsaMode;
  close(): Promise<void>;
}

/** An HTTP RFC 3161 endpoint on 127.0.0.1, port 0, around `tsa`. */
export async function startTsaServer(tsa: OpensslTsa, mode: TsaMode = 'ok'): Promise<TsaServer> {
  const hanging = new Set<ServerResponse>();
  const state: TsaServer = { url: '', requests: 0, mode, close: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (state.mode === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (state.mode === 'error' || req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(500).end();
        return;
      }
      tsa.reply(new Uint8Array(Buffer.concat(chunks))).then(
        (reply) => res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': reply.length }).end(reply),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  state.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
