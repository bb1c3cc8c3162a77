/** What the CLI's commands share: the usage error (exit 2) and reading a pinned verifier key. */
import { readFile } from 'node:fs/promises';
import { parseVerifierKey } from '../../core/note.js';

/** A usage error: the command line is wrong or an input cannot be read (exit 2). */
export class Usage extends Error {}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Usage(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** The verifier key of `--key` or `--key-file`, checked; undefined when neither is given. */
export async function keyOption(values: { key?: string | undefined; 'key-file'?: string | undefined }): Promise<string | undefined> {
  if (values.key !== undefined && values['key-file'] !== undefined) throw new Usage('give --key or --key-file, not both');
  const text = values.key ?? (values['key-file'] !== undefined ? (await readText(values['key-file'])).trim() : undefined);
  if (text === undefined) return undefined;
  try {
    parseVerifierKey(text);
  } catch {
    throw new Usage('the verifier key is not of the form <origin>+<key id>+<base64 key>');
  }
  return text;
}

/** The URL of `--server`. */
export function serverUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new Usage('--server takes a URL');
  }
}
