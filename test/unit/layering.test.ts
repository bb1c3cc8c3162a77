/** Layering rules: core is pure (runs in a browser), use cases never reach into adapters. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.test.ts'))
    .map((d) => relative(root, join(d.parentPath, d.name)));
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

describe('layering', () => {
  it('src/core imports only its own files, @noble/* and the @peculiar/asn1-* schemas (pure, synchronous, browser-safe)', () => {
    const files = sources('src/core');
    expect(files.length).toBeGreaterThan(5);
    const allowed = (i: string) => i.startsWith('./') || i.startsWith('@noble/') || /^@peculiar\/asn1-(schema|x509|cms|tsp|ecc|rsa)$/.test(i);
    const bad = files.flatMap((f) => imports(f).filter((i) => !allowed(i)).map((i) => `${f}: ${i}`));
    expect(bad).toEqual([]);
  });

  it('src/core uses no Node globals (Buffer, process, require)', () => {
    const bad = sources('src/core').filter((f) => /\b(Buffer|process|require)\s*[.(]/.test(readFileSync(join(root, f), 'utf8')));
    expect(bad).toEqual([]);
  });

  it('src/app imports only core and itself (no adapters, no node: I/O)', () => {
    const files = sources('src/app');
    expect(files.length).toBeGreaterThan(3);
    const bad = files.flatMap((f) => imports(f).filter((i) => !(i.startsWith('./') || i.startsWith('../core/'))).map((i) => `${f}: ${i}`));
    expect(bad).toEqual([]);
  });

  it('src/adapters/http reaches stored originals and hashing only through ports (no fs or crypto adapter imports)', () => {
    const files = sources('src/adapters/http');
    expect(files.length).toBeGreaterThan(5);
    const bad = files.flatMap((f) => imports(f).filter((i) => /(^|\/)(fs|crypto)\/[^/]+$/.test(i) && !i.startsWith('node:')).map((i) => `${f}: ${i}`));
    expect(bad).toEqual([]);
  });
});
