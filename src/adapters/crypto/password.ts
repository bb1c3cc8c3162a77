/**
 * Password hashing with scrypt (node:crypto, run on libuv's thread pool, never on the event
 * loop): N = 2^15, r = 8, p = 1, a 16-byte random salt, a 32-byte key. Checks compare in constant
 * time; a check without a stored password spends the same scrypt on a dummy record.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher, PasswordRecord } from '../../app/ports.js';

export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;
/** scrypt needs 128·N·r bytes (32 MiB here); Node's default ceiling is exactly that, so allow twice it. */
const MAXMEM = 256 * SCRYPT.N * SCRYPT.r;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }, keyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, { N: params.N, r: params.r, p: params.p, maxmem: Math.max(MAXMEM, 256 * params.N * params.r) }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export class ScryptPasswordHasher implements PasswordHasher {
  private dummy: Promise<PasswordRecord> | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  async hash(password: string): Promise<PasswordRecord> {
    const salt = randomBytes(SCRYPT.saltBytes);
    const key = await derive(password, salt, SCRYPT, SCRYPT.keyBytes);
    return { algorithm: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64url'), hash: key.toString('base64url'), setAt: new Date(this.now()).toISOString() };
  }

  async verify(password: string, stored: PasswordRecord | undefined): Promise<boolean> {
    const record = stored ?? (await (this.dummy ??= this.hash(randomBytes(24).toString('base64url'))));
    const expected = Buffer.from(record.hash, 'base64url');
    const key = await derive(password, Buffer.from(record.salt, 'base64url'), record, expected.length);
    return timingSafeEqual(key, expected) && stored !== undefined;
  }
}
