/**
 * What the CLI's commands share: the two ways a command cannot run (exit 2), reading a pinned
 * verifier key, the server URL and the API key options.
 */
import { readFile } from 'node:fs/promises';
import { parseTrustEntries, type TrustedKey } from '../../core/trust.js';

/** A usage error: the command line is wrong (exit 2, the command's usage follows the message). */
export class Usage extends Error {}

/** The command cannot run: an input it cannot read, a server it cannot reach (exit 2, one line). */
export class CannotRun extends Error {}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** An error's message; for a failed fetch, with its cause (e.g. `connect ECONNREFUSED 127.0.0.1:8080`). */
export function errorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error && e.message === 'fetch failed' ? `${e.message}: ${cause.message}` : e.message;
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CannotRun(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * The keys of `--key` (one key) or `--key-file` (a trust list: one key per line, `# comments`,
 * `until=<height>` bounds, as `verify --key-file` takes), checked; undefined when neither is given.
 */
export async function keyOption(values: { key?: string | undefined; 'key-file'?: string | undefined }): Promise<TrustedKey[] | undefined> {
  if (values.key !== undefined && values['key-file'] !== undefined) throw new Usage('give --key or --key-file, not both');
  if (values.key !== undefined) {
    try {
      return parseTrustEntries(values.key);
    } catch {
      throw new Usage('--key is not a verifier key of the form <origin>+<key id>+<base64 key>');
    }
  }
  return values['key-file'] === undefined ? undefined : readTrustList(values['key-file'], '--key-file');
}

/** Reads a trust list file; `what` names where it came from (an option, a variable) in errors. */
export async function readTrustList(path: string, what: string): Promise<TrustedKey[]> {
  const text = await readText(path);
  try {
    return parseTrustEntries(text);
  } catch (e) {
    throw new Usage(`${what} ${path}: ${(e as Error).message}`);
  }
}

/** The URL of `--server`. */
export function serverUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Usage('--server takes a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Usage('--server takes an http(s) URL');
  return url;
}

/** Environment variable the API key is read from when no option gives it. */
export const API_KEY_ENV = 'COPYRIGHT_LEDGER_API_KEY';

/**
 * The API key: `--api-key-file F` (its first line), `--api-key K` (with a warning: other users
 * see a command line in `ps`), or env COPYRIGHT_LEDGER_API_KEY. Undefined when none is given.
 */
export async function apiKeyOption(
  values: { 'api-key'?: string | undefined; 'api-key-file'?: string | undefined },
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): Promise<string | undefined> {
  if (values['api-key'] !== undefined && values['api-key-file'] !== undefined) throw new Usage('give --api-key-file or --api-key, not both');
  if (values['api-key-file'] !== undefined) {
    const key = (await readText(values['api-key-file'])).split(/\r?\n/, 1)[0]!.trim();
    if (key === '') throw new CannotRun(`${values['api-key-file']} holds no API key`);
    return key;
  }
  if (values['api-key'] !== undefined) {
    warn(`copyright-ledger: warning: --api-key is visible to other users of this machine (ps); use ${API_KEY_ENV} or --api-key-file`);
    if (values['api-key'] === '') throw new Usage('--api-key is empty');
    return values['api-key'];
  }
  const fromEnv = env[API_KEY_ENV];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** True when the arguments ask for help (`-h` or `--help` before any `--`). */
export function helpRequested(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
