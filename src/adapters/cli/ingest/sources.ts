/** Where the works of an ingest come from: a directory walk or a JSONL manifest. */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { WorkMetadata } from '../../http/metadata.js';
import { MAX_EXTERNAL_ID, type Work } from './types.js';

/** Regular files under `root`, as sorted '/'-separated relative paths; symlinks are not followed. */
export async function walk(root: string, exclude: (abs: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    const subdirs: string[] = [];
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (exclude(abs)) continue;
      if (e.isDirectory()) subdirs.push(abs);
      else if (e.isFile()) out.push(relative(root, abs).split(sep).join('/'));
    }
    for (const d of subdirs) await visit(d);
  };
  await visit(root);
  return out.sort();
}

/** The works of a manifest (`{"path","metadata"?,"externalId"?}` lines); bad lines go to `failures`. */
export async function readManifest(path: string, failures: { path: string; reason: string }[]): Promise<Work[]> {
  const text = await readFile(path, 'utf8');
  const base = dirname(path);
  const works: Work[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `manifest line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      failures.push({ path: where, reason: 'not JSON' });
      continue;
    }
    const o = (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
    if (typeof o.path !== 'string' || o.path === '') {
      failures.push({ path: where, reason: '"path" is missing' });
      continue;
    }
    const w: Work = { path: o.path, abs: isAbsolute(o.path) ? o.path : join(base, o.path) };
    if (o.externalId !== undefined) {
      if (typeof o.externalId !== 'string' || o.externalId.length < 1 || o.externalId.length > MAX_EXTERNAL_ID) {
        failures.push({ path: o.path, reason: `${where}: externalId must be 1..${MAX_EXTERNAL_ID} characters` });
        continue;
      }
      w.externalId = o.externalId;
    }
    if (o.metadata !== undefined) {
      const r = WorkMetadata.safeParse(o.metadata);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        failures.push({ path: o.path, reason: `${where}: metadata.${issue.path.map(String).join('.')}: ${issue.message}` });
        continue;
      }
      w.metadata = o.metadata as Record<string, unknown>;
    }
    works.push(w);
  }
  return works;
}
