/**
 * Pinned trust: a certificate is VALID only against a log key the verifier trusts, given out of
 * band (a key, a trust list of keys). The certificate's own `logKey` proves nothing by itself: a
 * rogue server signs its certificates with its own key under any origin it likes. Without a
 * pinned key every check still runs (against the carried key), but the verdict is `unpinned`,
 * never `valid`. The CLI, the standalone verifier and the verify page all decide through here.
 */
import { toHex, utf8 } from './bytes.js';
import type { Check, VerifyOptions } from './certificate.js';
import { LogError } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';
import { parseCheckpointBody } from './checkpoint.js';
import { parseNoteUnverified, parseVerifierKey } from './note.js';
import { verifyAnyCertificate, type RegistrationCheck } from './registration.js';

/** `valid`: every check passed against a pinned key. `unpinned`: every check passed, but no pinned key names the log. `invalid`: a check failed. */
export type Verdict = 'valid' | 'invalid' | 'unpinned';

/** At most this many keys in a trust list (a log keeps a handful across rotations). */
export const MAX_TRUSTED_KEYS = 1000;

/**
 * One trusted verifier key. `until`: the key is trusted only for checkpoints up to this block
 * height (a retired key, whose last block is the hand-over to the next key); absent: any height.
 */
export interface TrustedKey {
  key: string;
  until?: bigint;
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * Parses a trust list: one verifier key (`<name>+<key id>+<base64 key>`) per line, optionally
 * followed by `until=<height>` (decimal block height: the key is trusted for checkpoints up to
 * that block only); blank lines and lines starting with `#` are ignored, as is a trailing
 * `# comment`. Keys MAY belong to several logs and several keys of one log (rotation). A key
 * listed twice keeps the tighter bound. Throws LogError('bad_format') naming the first bad line,
 * or when the list holds no key.
 */
export function parseTrustEntries(text: string): TrustedKey[] {
  const entries: TrustedKey[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const [key, ...rest] = line.split(/\s+/) as [string, ...string[]];
    try {
      parseVerifierKey(key);
    } catch {
      throw new LogError('bad_format', `line ${i + 1} is not a verifier key of the form <origin>+<key id>+<base64 key>, optionally followed by until=<block height>`);
    }
    let until: bigint | undefined;
    for (const word of rest) {
      const m = /^until=(0|[1-9][0-9]{0,19})$/.exec(word);
      if (m === null || until !== undefined || BigInt(m[1]!) > U64_MAX) {
        throw new LogError('bad_format', `line ${i + 1}: after the key only until=<block height> (once) or a # comment may follow, got "${word.slice(0, 40)}"`);
      }
      until = BigInt(m[1]!);
    }
    const seen = entries.find((e) => e.key === key);
    if (seen === undefined) entries.push(until === undefined ? { key } : { key, until });
    else if (until !== undefined && (seen.until === undefined || until < seen.until)) seen.until = until;
  });
  if (entries.length === 0) throw new LogError('bad_format', 'the trust list holds no verifier key');
  if (entries.length > MAX_TRUSTED_KEYS) throw new LogError('bad_format', `the trust list holds more than ${MAX_TRUSTED_KEYS} keys`);
  return entries;
}

/** The keys of a trust list ({@link parseTrustEntries}), without their bounds. */
export function parseTrustList(text: string): string[] {
  return parseTrustEntries(text).map((e) => e.key);
}

/** One trust list line: the key, and `until=<height>` when bounded. */
export function trustLine(entry: TrustedKey): string {
  return entry.until === undefined ? entry.key : `${entry.key} until=${entry.until}`;
}

/** The block height a certificate's checkpoint names (its `block` line), read WITHOUT checking any signature; undefined when unreadable. */
export function checkpointHeightOf(input: unknown): bigint | undefined {
  const note = typeof input === 'object' && input !== null ? (input as { checkpoint?: unknown }).checkpoint : undefined;
  if (typeof note !== 'string') return undefined;
  try {
    return parseCheckpointBody(parseNoteUnverified(note).body).height;
  } catch {
    return undefined;
  }
}

/**
 * The fingerprint people compare out of band: SHA-256 of the verifier key line (UTF-8, without
 * a line end), lowercase hex in 16 groups of 4, e.g. `3f2a 9c1e …`.
 */
export function keyFingerprint(key: string, sha256: Sha256 = portableSha256): string {
  return toHex(sha256(utf8(key.trim()))).replace(/(.{4})(?=.)/g, '$1 ');
}

export interface TrustedVerifyOptions extends Omit<VerifyOptions, 'verifierKey'> {
  /** The verifier keys the user trusts (from --key, --key-file or a trust list), each possibly bounded by height. Empty: nothing is pinned. */
  pinned: readonly (string | TrustedKey)[];
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
  const { pinned: given, ...rest } = opts;
  const entries = given.map((p) => (typeof p === 'string' ? { key: p } : p));
  const pinned = entries.map((e) => e.key);
  const certKey = typeof input === 'object' && input !== null ? (input as { logKey?: unknown }).logKey : undefined;
  const verifierKey = choosePinnedKey(certKey, pinned);
  const result = verifyAnyCertificate(input, { ...rest, ...(verifierKey !== undefined ? { verifierKey } : {}) });
  const isPinned = typeof certKey === 'string' && pinned.includes(certKey);
  const bound = isPinned ? entries.find((e) => e.key === certKey)?.until : undefined;
  const checks: (Check | RegistrationCheck)[] = result.checks;
  let inRange = true;
  if (bound !== undefined) {
    const height = checkpointHeightOf(input);
    if (height !== undefined && height > bound) {
      inRange = false;
      const detail = `bad_signature: the pinned key is trusted only up to block ${bound} (until=${bound}: it was retired there), but this checkpoint is block ${height}`;
      const at = checks.findIndex((c) => c.name === 'logKey');
      if (at >= 0) checks[at] = { name: 'logKey', ok: false, detail };
      else checks.push({ name: 'logKey', ok: false, detail });
    } else if (height !== undefined) {
      const at = checks.findIndex((c) => c.name === 'logKey' && c.ok);
      if (at >= 0) checks[at] = { name: 'logKey', ok: true, detail: `matches the pinned key (trusted up to block ${bound}; this is block ${height})` };
    }
  }
  const verdict = verdictOf(result.valid && inRange, isPinned);
  let logKey: TrustedResult['logKey'];
  if (typeof certKey === 'string' && certKey.length <= 1024) {
    try {
      parseVerifierKey(certKey);
      logKey = { key: certKey, fingerprint: keyFingerprint(certKey, rest.sha256), pinned: isPinned };
    } catch {
      // unreadable: the logKey check already failed
    }
  }
  return { verdict, valid: verdict === 'valid', ...(logKey ? { logKey } : {}), checks };
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
