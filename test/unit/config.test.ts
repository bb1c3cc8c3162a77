/** Config errors name the variable; a secret's value never appears in them (they go to stderr, then to logs). */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig errors', () => {
  it('name a bad ADMIN_API_KEY without printing it, while ordinary values are echoed', () => {
    let err: unknown;
    try {
      loadConfig({ ADMIN_API_KEY: 'hunter2-secret' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^ADMIN_API_KEY: .*16 characters/);
    expect((err as Error).message).not.toContain('hunter2');
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT: .*got "abc"/);
  });
});
