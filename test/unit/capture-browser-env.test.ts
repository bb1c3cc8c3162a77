/** What Chromium is given for a capture: a whitelisted environment and the sandbox unless running as root. */
import { describe, expect, it } from 'vitest';
import { browserEnv, chromiumArgs } from '../../src/adapters/capture/browser.js';

describe('capture browser environment', () => {
  it('passes only PATH, LANG, LC_ALL, TZ, FONTCONFIG_FILE, and HOME/TMPDIR in the capture folder', () => {
    const env = browserEnv('/tmp/cap-home', '/data/fonts.conf', {
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      HOME: '/root',
      ADMIN_API_KEY: 'secret',
      HTTPS_PROXY: 'http://proxy:3128',
      DATA_DIR: '/data',
    });
    expect(env).toEqual({ PATH: '/usr/bin', LANG: 'C.UTF-8', TZ: 'UTC', HOME: '/tmp/cap-home', TMPDIR: '/tmp/cap-home', FONTCONFIG_FILE: '/data/fonts.conf' });
  });

  it('runs sandboxed unless the service is root', () => {
    expect(chromiumArgs(0)).toContain('--no-sandbox');
    expect(chromiumArgs(1000)).not.toContain('--no-sandbox');
    expect(chromiumArgs(1000)).toContain('--headless');
  });
});
