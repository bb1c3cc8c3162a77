/**
 * Pinned trust: a certificate is VALID only against a log key the verifier trusts, given out of
 * band (a key, a trust list of keys). The certificate's own `logKey` proves nothing by itself: a
 * rogue server signs its certificates with its own key under any origin it likes. Without a
 * pinned key every check still runs (against the carried key), but the verdict is `unpinned`,
 * never `valid`. The CLI, the standalone verifier and the offline page all decide through here.
 */
import { toHex, utf8 } from './bytes.js';
import type { Check, VerifyOptions } from './certificate.js';
import { LogError } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';
import { parseVerifierKey } from './note.js';
import { verifyAnyCertificate, type RegistrationCheck } from './registration.js';

/** `valid`: every check passed against a pinned key. `unpinned`: every check passed, but no pinned key names the log. `invalid`: a check failed. */
export type Verdict = 'valid' | 'invalid' | 'unpinned';

/** At most this many keys in a trust list (a log keeps a handful across rotations). */
export const MAX_TRUSTED_KEYS = 1000;

/**
 * Parses a trust list: one verifier key (`<name>+<key id>+<base64 key>`) per line; blank lines
 * and lines starting with `#` are ignored, as is a trailing `# comment` after a key. Keys MAY
 * belong to several logs and several keys of one log (rotation). Throws LogError('bad_format')
 * naming the first bad line, or when the list holds no key.
 */
export function parseTrustList(text: string): string[] {
  const keys: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    try {
      parseVerifierKey(line);
    } catch {
      throw new LogError('bad_format', `line ${i + 1} is not a verifier key of the form <origin>+<key id>+<base64 key>`);
    }
    if (!keys.includes(line)) keys.push(line);
  });
  if (keys.length === 0) throw new LogError('bad_format', 'the trust list holds no verifier key');
  if (keys.length > MAX_TRUSTED_KEYS) throw new LogError('bad_format', `the trust list holds more than ${MAX_TRUSTED_KEYS} keys`);
  return keys;
}

/**
 * The fingerprint people compare out of band: SHA-256 of the verifier key line (UTF-8, without
 * a line end), lowercase hex in 16 groups of 4, e.g. `3f2a 9c1e …`.
 */
export function keyFingerprint(key: string, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(utf8(key.trim()))).replace(/(.{4})(?=.)/g, '$1 ');
}

export interface TrustedVerifyOptions extends Omit<VerifyOptions, 'verifierKey'> {
  /** The verifier keys the user trusts (from --key, --key-file or a trust list). Empty: nothing is pinned. */
  pinned: readonly string[];
}

export interface TrustedResult {
  verdict: Verdict;
  /** True only when `verdict` is `valid`: an unpinned certificate is never reported as valid. */
  valid: boolean;
  /** The log key the certificate names, its fingerprint, and whether a pinned key equals it (absent when the certificate names no readable key). */
  logKey?: { key: string; fingerprint: string; pinned: boolean };
  checks: (Check | RegistrationCheck)[];
}

/** The pinned key to check `certKey` against: the equal one, else one of the same log name, else the first. Undefined when nothing is pinned. */
export function choosePinnedKey(certKey: unknown, pinned: readonly string[]): string | undefined {
  if (pinned.length === 0) return undefined;
  if (typeof certKey === 'string' && pinned.includes(certKey)) return certKey;
  const name = typeof certKey === 'string' ? certKey.split('+')[0] : undefined;
  return pinned.find((k) => k.split('+')[0] === name) ?? pinned[0];
}

/** The verdict of a certificate check result: `valid` needs every check passed and the key pinned. */
export function verdictOf(checksPassed: boolean, pinned: boolean): Verdict {
  if (!checksPassed) return 'invalid';
  return pinned ? 'valid' : 'unpinned';
}

/**
 * Verifies either certificate kind against the pinned keys. A certificate whose `logKey` is one
 * of `pinned` (the exact line: name, key id and key) is checked against it; one whose key is not
 * pinned while others are fails the `logKey` check (invalid); with nothing pinned every check
 * runs against the carried key and a fully passing certificate is `unpinned`. MUST NOT throw.
 */
export function verifyTrusted(input: unknown, opts: TrustedVerifyOptions): TrustedResult {
  const { pinned, ...rest } = opts;
  const certKey = typeof input === 'object' && input !== null ? (input as { logKey?: unknown }).logKey : undefined;
  const verifierKey = choosePinnedKey(certKey, pinned);
  const result = verifyAnyCertificate(input, { ...rest, ...(verifierKey !== undefined ? { verifierKey } : {}) });
  const isPinned = typeof certKey === 'string' && pinned.includes(certKey);
  const verdict = verdictOf(result.valid, isPinned);
  let logKey: TrustedResult['logKey'];
  if (typeof certKey === 'string' && certKey.length <= 1024) {
    try {
      parseVerifierKey(certKey);
      logKey = { key: certKey, fingerprint: keyFingerprint(certKey, rest.sha256), pinned: isPinned };
    } catch {
      // unreadable: the logKey check already failed
    }
  }
  return { verdict, valid: verdict === 'valid', ...(logKey ? { logKey } : {}), checks: result.checks };
}

/** A verification the verifier pinned itself (the HTTP API pins the log's own key history): the verdict and which key was pinned. */
export function pinnedResult<R extends { valid: boolean; checks: unknown[] }>(
  result: R,
  pinnedKey: string,
  sha256: Sha256 = portableSha256,
): { verdict: Exclude<Verdict, 'unpinned'>; valid: boolean; pinnedKey: { key: string; fingerprint: string }; checks: R['checks'] } {
  return {
    verdict: result.valid ? 'valid' : 'invalid',
    valid: result.valid,
    pinnedKey: { key: pinnedKey, fingerprint: keyFingerprint(pinnedKey, sha256) },
    checks: result.checks,
  };
}
