/** The command line of `copyright-ledger ingest` (help.ts has its usage text). */
import { parseArgs } from 'node:util';
import { API_KEY_ENV, apiKeyOption, serverUrl, Usage } from '../usage.js';
import type { IngestOptions } from './types.js';

export interface IngestArgs extends IngestOptions {
  json: boolean;
}

/** Parses the arguments of `ingest`; `warn` gets the warning about a key given with --api-key. Throws Usage. */
export async function parseIngestArgs(args: string[], env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = () => {}): Promise<IngestArgs> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      'api-key': { type: 'string' },
      'api-key-file': { type: 'string' },
      concurrency: { type: 'string' },
      'hash-only': { type: 'boolean' },
      upload: { type: 'boolean' },
      state: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new Usage('ingest takes one directory or manifest.jsonl');
  if (values.server === undefined) throw new Usage('--server URL is required');
  const server = serverUrl(values.server);
  if (values['hash-only'] && values.upload) throw new Usage('give --hash-only or --upload, not both');
  const int = (v: string | undefined, name: string, def: number, max: number) => {
    if (v === undefined) return def;
    if (!/^[1-9][0-9]*$/.test(v) || Number(v) > max) throw new Usage(`--${name} takes 1..${max}`);
    return Number(v);
  };
  const concurrency = int(values.concurrency, 'concurrency', 16, 256);
  const batch = int(values.batch, 'batch', 1000, 1000);
  const apiKey = await apiKeyOption(values, env, warn);
  if (apiKey === undefined) throw new Usage(`an API key is required: env ${API_KEY_ENV}, or --api-key-file F`);
  return {
    source: positionals[0]!,
    server: server.toString(),
    apiKey,
    concurrency,
    upload: values.upload === true,
    batch,
    ...(values.state !== undefined ? { state: values.state } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    json: values.json === true,
  };
}
