/** scrypt password hashing: the parameters PORTAL.md fixes, salts, checks, and the dummy check for unknown accounts. */
import { describe, expect, it } from 'vitest';
import { SCRYPT, ScryptPasswordHasher } from './password.js';

describe('ScryptPasswordHasher', () => {
  it('hashes with N=2^15, r=8, p=1, a 16-byte salt and a 32-byte key, salted anew each time, and checks', async () => {
    const h = new ScryptPasswordHasher();
    const a = await h.hash('correct horse battery');
    const b = await h.hash('correct horse battery');
    expect(a).toMatchObject({ algorithm: 'scrypt', N: 32768, r: 8, p: 1 });
    expect(Buffer.from(a.salt, 'base64url')).toHaveLength(SCRYPT.saltBytes);
    expect(Buffer.from(a.hash, 'base64url')).toHaveLength(32);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(JSON.stringify(a)).not.toContain('horse');
    expect(await h.verify('correct horse battery', a)).toBe(true);
    expect(await h.verify('correct horse batterY', a)).toBe(false);
    expect(await h.verify('', a)).toBe(false);
    // Unicode is normalised: the same text typed as composed or decomposed characters matches.
    const c = await h.hash('caf\u00e9 password');
    expect(await h.verify('cafe\u0301 password', c)).toBe(true);
  }, 60_000);

  it('answers false without a stored password, after the same work', async () => {
    const h = new ScryptPasswordHasher();
    expect(await h.verify('anything at all', undefined)).toBe(false);
    expect(await h.verify('anything at all', undefined)).toBe(false);
  }, 60_000);
});
