/**
 * Chinese text in browser screenshots. A bare Debian has no CJK font, so Chromium draws Chinese
 * as empty boxes; the PDF code already ships Noto Sans SC (@expo-google-fonts/noto-sans-sc).
 * `useCjkFonts()` writes a fontconfig file that adds that package's folder to the system
 * configuration and points FONTCONFIG_FILE at it, so a browser launched afterwards (it inherits
 * the environment) finds the font. Returns a function that removes the file and restores the
 * environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function useCjkFonts(): () => void {
  const require = createRequire(import.meta.url);
  const fonts = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
  const dir = mkdtempSync(join(tmpdir(), 'cl-fonts-'));
  const file = join(dir, 'fonts.conf');
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  writeFileSync(
    file,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${esc(fonts)}</dir>\n  <cachedir>${esc(join(dir, 'cache'))}</cachedir>\n</fontconfig>\n`,
  );
  const before = process.env.FONTCONFIG_FILE;
  process.env.FONTCONFIG_FILE = file;
  return () => {
    if (before === undefined) delete process.env.FONTCONFIG_FILE;
    else process.env.FONTCONFIG_FILE = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
