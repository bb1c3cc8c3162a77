/**
 * `verify <certificate.json> [--file F] [--key K | --key-file F] [--tsa-cert F]... [--json]`:
 * offline, no network. One module for `copyright-ledger verify` and the dependency-free
 * `copyright-ledger-verify.mjs` (standalone-verify.ts), so the two cannot drift. It MUST run on
 * Node >= 18 with node builtins only (no node:crypto one-shot `hash`, no import.meta.dirname).
 *
 * Trust: VALID only against a pinned log key: `--key`, `--key-file` (a trust list: one key per
 * line, `#` comments), else the trust list file named by COPYRIGHT_LEDGER_TRUSTED_KEYS.
 * Exit codes (CONTRACTS.md §7): 0 valid against a pinned key, 1 invalid, 2 usage error, 3 every
 * check passed but the certificate's log key is not pinned (never reported as valid).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { toHex } from '../../core/bytes.js';
import type { Sha256 } from '../../core/hash.js';
import { Sm3 } from '../../core/sm3.js';
import { verifyTrusted, type TrustedKey, type TrustedResult } from '../../core/trust.js';
import { readTsaCertificates } from './tsa-cert.js';
import { CannotRun, keyOption, readText, readTrustList, Usage, type Io } from './usage.js';

/** The environment variable naming a trust list file (one verifier key per line). */
export const TRUSTED_KEYS_ENV = 'COPYRIGHT_LEDGER_TRUSTED_KEYS';

export const VERIFY_SYNOPSIS = 'verify <certificate.json> [--file F] [--key <verifier key> | --key-file F] [--tsa-cert F]... [--json]';

export const VERIFY_HELP = `checks an evidence, registration or operation (licence, transfer, pledge) certificate
offline, with no network:
the checkpoint signature, the Merkle inclusion proof, the entry, the work's hashes and metadata,
the RFC 3161 timestamp, and with --file the work file's SHA-256 / SM3 / size.

  --file F        the work's file, hashed locally and compared with the certificate
  --key K         the log's verifier key you trust (<origin>+<key id>+<base64 key>)
  --key-file F    a trust list: one verifier key per line, # comments (several keys of one log
                  after key rotation are fine); \`<key> until=<block>\` trusts a retired key only
                  for checkpoints up to that block
  --tsa-cert F    pin the TSA certificate or CA the timestamp must chain to (PEM or DER; repeat)
  --json          print the verdict and every check as JSON
  ${TRUSTED_KEYS_ENV}=F
                  a trust list file used when neither --key nor --key-file is given

exit 0 VALID against a pinned key, 1 INVALID, 2 usage error, 3 every check passed but the log
key is NOT pinned (compare its fingerprint with the one the log's operator publishes)`;

const VERIFY_OPTIONS = {
  file: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
  'tsa-cert': { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

/** SHA-256 on node:crypto's createHash (present on every Node the verifier supports). */
const sha256: Sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** An SM3 hasher: node:crypto's when OpenSSL has SM3, else the pure one in core. */
function sm3Hasher(): { update(b: Uint8Array): void; hex(): string } {
  try {
    const h = createHash('sm3');
    return { update: (b) => void h.update(b), hex: () => h.digest('hex') };
  } catch {
    const h = new Sm3();
    return { update: (b) => void h.update(b), hex: () => toHex(h.digest()) };
  }
}

/** SHA-256, SM3 and size of a file in one streaming pass. A missing or unreadable file: CannotRun (exit 2, no usage). */
export async function hashFile(path: string): Promise<{ sha256: string; sm3: string; size: number }> {
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new CannotRun(`cannot read ${path}: ${(e as Error).message}`);
  }
  const sha = createHash('sha256');
  const sm3 = sm3Hasher();
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      sha.update(chunk as Buffer);
      sm3.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    throw new CannotRun(`cannot read ${path}: ${(e as Error).message}`);
  }
  return { sha256: sha.digest('hex'), sm3: sm3.hex(), size };
}

/**
 * The keys the user pins: `--key` (one key), else `--key-file` (a trust list), else the trust
 * list named by COPYRIGHT_LEDGER_TRUSTED_KEYS, else none. Explicit options win over the
 * environment; giving both options is a usage error.
 */
export async function pinnedKeys(
  values: { key?: string | undefined; 'key-file'?: string | undefined },
  env: Record<string, string | undefined>,
): Promise<TrustedKey[]> {
  const given = await keyOption(values);
  if (given !== undefined) return given;
  const listFile = env[TRUSTED_KEYS_ENV];
  if (listFile !== undefined && listFile !== '') return readTrustList(listFile, TRUSTED_KEYS_ENV);
  return [];
}

/** The exit code of a verdict (CONTRACTS.md §7). */
export function exitCodeOf(result: TrustedResult): number {
  return result.verdict === 'valid' ? 0 : result.verdict === 'unpinned' ? 3 : 1;
}

/** The human-readable report: one line per check, then the verdict (and, unpinned, the key to compare). */
export function renderVerifyReport(result: TrustedResult): string[] {
  const lines = result.checks.map((c) => {
    const mark = !c.ok ? 'FAIL' : c.name === 'logKey' && result.logKey?.pinned !== true ? 'WARN' : 'ok  ';
    return `${mark} ${c.name.padEnd(20)} ${c.detail}`;
  });
  if (result.verdict === 'valid') {
    lines.push('VALID: every check passed');
  } else if (result.verdict === 'invalid') {
    lines.push(`INVALID: ${result.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')} failed`);
  } else {
    const k = result.logKey;
    lines.push(
      'NOT PINNED: every check passed against the key the certificate carries, but that log key is not',
      '  one you trust, so nothing shows the certificate comes from the log you think it does.',
      ...(k ? [`  log key      ${k.key}`, `  fingerprint  SHA-256 ${k.fingerprint}`] : []),
      '  Compare the fingerprint with the one the log operator publishes, then pin the key with',
      `  --key '<key>', --key-file F or ${TRUSTED_KEYS_ENV}=F.`,
    );
  }
  return lines;
}

/**
 * Runs `verify` with `args` (after the word `verify`). Returns the exit code; throws Usage on a
 * usage error (the caller prints it and exits 2). `env` supplies COPYRIGHT_LEDGER_TRUSTED_KEYS.
 */
export async function verifyCommand(args: string[], io: Io, env: Record<string, string | undefined> = process.env): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: VERIFY_OPTIONS });
  if (positionals.length !== 1) throw new Usage('verify takes one certificate file');
  const pinned = await pinnedKeys(values, env);
  const text = await readText(positionals[0]!);
  let cert: unknown;
  try {
    cert = JSON.parse(text);
  } catch {
    cert = text; // not JSON: the format check reports it
  }
  const file = values.file === undefined ? undefined : await hashFile(values.file);
  // --tsa-cert pins the TSA certificate or CA the timestamp check must chain to (docs/TIMESTAMPS.md).
  const tsaCertificates = await readTsaCertificates(values['tsa-cert'] ?? [], (m) => new Usage(m));
  const result = verifyTrusted(cert, { pinned, ...(file ? { file } : {}), sha256, tsaCertificates });
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else for (const line of renderVerifyReport(result)) io.out(line);
  return exitCodeOf(result);
}
