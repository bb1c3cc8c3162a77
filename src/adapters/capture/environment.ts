/**
 * The environment report of a capture: what ran (browser, OS, tool versions and the SHA-256 of
 * the browser's files), where (the capture node), for whom (the operator account), how (the
 * steps, the fresh profile, the proxy rules) and how far the host clock was from the trusted time
 * source. JSON for machines and a self-contained HTML page for people.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { arch, hostname, platform, release, version as osVersion } from 'node:os';
import { createRequire } from 'node:module';

export interface ClockCheck {
  /** The trusted time source compared against. */
  source: string;
  /** Host clock minus source clock, milliseconds (undefined when it could not be measured). */
  offsetMs?: number;
  /** Measurement uncertainty (half the round trip plus the source's resolution), milliseconds. */
  uncertaintyMs?: number;
  note: string;
}

const fileHashes = new Map<string, { key: string; sha256: string }>();

/** SHA-256 of a file, cached by path, size and modification time (the browser binary is large). */
export async function fileSha256(path: string): Promise<string> {
  const st = await stat(path);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = fileHashes.get(path);
  if (hit?.key === key) return hit.sha256;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  const sha256 = h.digest('hex');
  fileHashes.set(path, { key, sha256 });
  return sha256;
}

/** The files that make up the browser: the launcher and, on Debian, the binary it execs. */
export async function browserFiles(executablePath: string): Promise<{ path: string; sha256: string }[]> {
  const paths = new Set<string>([await realpath(executablePath).catch(() => executablePath)]);
  const text = await readFile(executablePath, 'latin1').catch(() => '');
  if (text.startsWith('#!')) {
    // Debian's launcher script execs /usr/lib/chromium/chromium and sources /etc/chromium.d/*.
    const name = basename(executablePath);
    paths.add(`/usr/lib/${name}/${name}`);
    for (const f of await readdir(`/etc/${name}.d`).catch(() => [] as string[])) paths.add(`/etc/${name}.d/${f}`);
  }
  const out: { path: string; sha256: string }[] = [];
  for (const p of paths) {
    try {
      out.push({ path: p, sha256: await fileSha256(p) });
    } catch {
      // A path named by the launcher script that does not exist here is not part of the browser.
    }
  }
  return out;
}

const require = createRequire(import.meta.url);
function packageVersion(name: string): string {
  try {
    if (name.endsWith('.json')) return (require(name) as { version: string }).version;
    // Packages whose exports hide package.json: walk up from their entry point.
    for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const pkg = require(join(dir, 'package.json')) as { name?: string; version: string };
        if (pkg.name === name) return pkg.version;
      } catch {
        // not this folder
      }
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

/** Versions of the tools that made the bundle. */
export function toolVersions(): Record<string, string> {
  return {
    'copyright-ledger': packageVersion('../../../package.json'),
    node: process.version,
    'playwright-core': packageVersion('playwright-core'),
    warcio: packageVersion('warcio'),
    fflate: packageVersion('fflate'),
  };
}

/** SHA-256 of the tools' own files: the Node.js binary and the entry points of the capture libraries. */
export async function toolFiles(): Promise<{ path: string; sha256: string }[]> {
  const paths = [process.execPath];
  for (const name of ['playwright-core', 'warcio', 'fflate']) {
    try {
      paths.push(require.resolve(name));
    } catch {
      // not resolvable from here: left out
    }
  }
  const out: { path: string; sha256: string }[] = [];
  for (const p of paths) out.push({ path: p, sha256: await fileSha256(p).catch(() => 'unreadable') });
  return out;
}

export function osReport(): Record<string, string> {
  return { platform: platform(), release: release(), version: osVersion(), arch: arch() };
}

export function nodeIdentity(extra: Record<string, string>): Record<string, string> {
  return { hostname: hostname(), pid: String(process.pid), ...extra };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A human-readable page of the report: every field, as a nested definition list. */
export function environmentHtml(report: Record<string, unknown>): string {
  const render = (v: unknown): string => {
    if (v === null || v === undefined) return '—';
    if (Array.isArray(v)) return `<ol>${v.map((x) => `<li>${render(x)}</li>`).join('')}</ol>`;
    if (typeof v === 'object') return `<dl>${Object.entries(v as Record<string, unknown>).map(([k, x]) => `<dt>${esc(k)}</dt><dd>${render(x)}</dd>`).join('')}</dl>`;
    return `<code>${esc(String(v))}</code>`;
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Capture environment report · 取证环境报告</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}dt{font-weight:600;margin-top:.4em}dd{margin-left:1.5em}code{word-break:break-all}</style></head>
<body><h1>Capture environment report · 取证环境报告</h1>
<p>This page shows <code>capture/environment.json</code> of this bundle; both are listed with their SHA-256 and SM3 in <code>datapackage.json</code>.</p>
${render(report)}
</body></html>
`;
}
