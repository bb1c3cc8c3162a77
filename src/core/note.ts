/**
 * C2SP signed notes (https://c2sp.org/signed-note), Ed25519 signatures (type 0x01) only.
 *
 * A note is a UTF-8 text ending in "\n", a blank line, then one or more signature lines
 * `— <key name> <base64(4-byte key id ‖ signature)>\n`. The signed message is the text including
 * its final newline, not the blank line. Verification is synchronous, pure and portable
 * (@noble/curves); trust arrives as a verifier key string pinned by the caller.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, equalBytes, fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from './bytes.js';
import { LogError } from './errors.js';
import { portableSha256, type Sha256 } from './hash.js';

/** Signature type byte for Ed25519 in key ids and verifier keys. */
export const ED25519_SIG_TYPE = 0x01;
/** Notes longer than this many UTF-8 bytes are rejected (room for 16+ post-quantum signatures). */
export const MAX_NOTE_BYTES = 256 * 1024;
/** Notes with more signature lines than this are rejected (the spec asks for at least 16). */
export const MAX_NOTE_SIGNATURES = 100;
/** Notes with more lines claiming the trusted key than this are rejected before any is verified. */
export const MAX_NOTE_SIGNATURES_PER_KEY = 4;

const EM_DASH_PREFIX = '\u2014 ';
// Go's unicode.IsSpace: ASCII whitespace, U+0085, U+00A0 and the Unicode Z categories.
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000B-\u001F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const KEY_ID_HEX = /^[0-9a-f]{8}$/;

/** A verifier key, parsed. `keyId` is 4 bytes, `publicKey` 32 bytes. */
export interface ParsedVerifierKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * Something that signs notes with one Ed25519 key.
 *
 * `name` MUST be a valid key name (see {@link isValidKeyName}); `keyId` MUST be the 4-byte
 * {@link keyId} of `name` and the public key. `sign` MUST be synchronous, MUST return the 64-byte
 * RFC 8032 Ed25519 signature of exactly `message`, and MUST NOT modify `message`.
 */
export interface NoteSigner {
  name: string;
  keyId: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** One signature line: key name, 4-byte key id, and the signature bytes after the key id. */
export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

/** A note whose signature by the trusted key verified. */
export interface OpenedNote {
  /** The note text: includes its final "\n", excludes the blank separator line. */
  body: string;
  /** Signatures by the trusted key; all of them verified. Never empty. */
  signatures: NoteSignature[];
  /** Signature lines from other keys, in note order. NOT verified: MUST NOT be trusted. */
  unverified: NoteSignature[];
}

/** A note split into text and signature lines, no signature checked. */
export interface UnverifiedNote {
  body: string;
  signatures: NoteSignature[];
}

function bad(message: string): never {
  throw new LogError('bad_format', message);
}

/**
 * Key-name rule of the signed-note spec: non-empty, well-formed, no Unicode space, no '+'.
 * We also refuse control characters, which a note may not contain anyway.
 */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.includes('+') &&
    !UNICODE_SPACE.test(name) &&
    !CONTROL_EXCEPT_NEWLINE.test(name) &&
    !LONE_SURROGATE.test(name)
  );
}

function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) bad('invalid key name');
}

/**
 * The recommended key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ publicKey).
 * `name` MUST be a valid key name and `publicKey` MUST be 32 bytes, else LogError('bad_format').
 * `sha256` MAY be given to use a faster implementation.
 */
export function keyId(name: string, publicKey: Uint8Array, sha256: Sha256 = portableSha256): Uint8Array {
  checkKeyName(name);
  if (publicKey.length !== 32) bad('Ed25519 public key must be 32 bytes');
  return sha256(utf8(name), new Uint8Array([0x0a, ED25519_SIG_TYPE]), publicKey).slice(0, 4);
}

/**
 * `<name>+<8 lowercase hex key id>+<base64(0x01 ‖ publicKey)>`. Same preconditions as
 * {@link keyId}.
 */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  const id = keyId(name, publicKey);
  return `${name}+${toHex(id)}+${toBase64(concatBytes(new Uint8Array([ED25519_SIG_TYPE]), publicKey))}`;
}

/**
 * Parses a verifier key line, strictly: the text MUST be exactly
 * `<name>+<8 lowercase hex>+<canonical base64 of 33 bytes starting 0x01>` with no surrounding
 * whitespace or newline; the name MUST be valid, the key id MUST equal {@link keyId} of the name
 * and key, and the key MUST be a canonical encoding of an Ed25519 point not of small order
 * (a small-order key would let anyone forge signatures). Anything else throws
 * LogError('bad_format').
 */
export function parseVerifierKey(text: string): ParsedVerifierKey {
  const plus1 = text.indexOf('+');
  if (plus1 < 0) bad('verifier key: missing "+"');
  const plus2 = text.indexOf('+', plus1 + 1);
  if (plus2 < 0) bad('verifier key: missing second "+"');
  const name = text.slice(0, plus1);
  const idHex = text.slice(plus1 + 1, plus2);
  const keyB64 = text.slice(plus2 + 1);
  checkKeyName(name);
  if (!KEY_ID_HEX.test(idHex)) bad('verifier key: key id must be 8 lowercase hex digits');
  const raw = fromBase64(keyB64);
  if (raw.length !== 33 || raw[0] !== ED25519_SIG_TYPE) bad('verifier key: not an Ed25519 key');
  const publicKey = raw.slice(1);
  if (!isStrictPublicKey(publicKey)) bad('verifier key: invalid or small-order Ed25519 point');
  const id = fromHex(idHex, 4);
  if (!equalBytes(id, keyId(name, publicKey))) bad('verifier key: key id does not match key');
  return { name, keyId: id, publicKey };
}

/** Canonical encoding (RFC 8032 §5.1.3) of a point not of small order. */
function isStrictPublicKey(publicKey: Uint8Array): boolean {
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

function checkText(text: string): void {
  if (LONE_SURROGATE.test(text)) bad('note: not valid UTF-8 (lone surrogate)');
  if (CONTROL_EXCEPT_NEWLINE.test(text)) bad('note: control character');
}

/**
 * Signs `body` as a one-signature note: `body + "\n" + "— <name> <base64(keyId ‖ sig)>\n"`.
 *
 * `body` MUST be non-empty, MUST end with "\n", MUST be well-formed (no lone surrogates) and
 * MUST NOT contain control characters other than "\n"; the signer MUST satisfy
 * {@link NoteSigner}. Violations throw LogError('bad_format'). The result MUST open with
 * {@link openNote} under the signer's verifier key and give back exactly `body`.
 */
export function signNote(body: string, signer: NoteSigner): string {
  return signNoteBy(body, [signer]);
}

/**
 * Signs `body` with several keys: one signature line per signer, in the given order (a key
 * hand-over: the outgoing and the incoming key sign the same text). Same preconditions as
 * {@link signNote}; `signers` MUST be non-empty and MUST NOT repeat a (name, key id) pair
 * (else LogError('bad_format')). The result opens with {@link openNote} under each signer's key.
 */
export function signNoteBy(body: string, signers: readonly NoteSigner[]): string {
  if (!body.endsWith('\n')) bad('note body must end with a newline');
  checkText(body);
  if (signers.length === 0 || signers.length > MAX_NOTE_SIGNATURES) bad('a note needs 1 to 100 signers');
  const message = utf8(body);
  if (message.length + 2048 * signers.length > MAX_NOTE_BYTES) bad('note body too long');
  const seen = new Set<string>();
  let lines = '';
  for (const signer of signers) {
    checkKeyName(signer.name);
    if (signer.keyId.length !== 4) bad('signer key id must be 4 bytes');
    const id = `${signer.name}+${toHex(signer.keyId)}`;
    if (seen.has(id)) bad(`two signatures by ${id}`);
    seen.add(id);
    const sig = signer.sign(message);
    if (sig.length !== 64) bad('signer returned a signature that is not 64 bytes');
    lines += `${EM_DASH_PREFIX}${signer.name} ${toBase64(concatBytes(signer.keyId, sig))}\n`;
  }
  return `${body}\n${lines}`;
}

/** True when `note` opens under `verifierKey` ({@link openNote} succeeds); never throws. */
export function isSignedBy(note: string | Uint8Array, verifierKey: string | ParsedVerifierKey): boolean {
  try {
    openNote(note, verifierKey);
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits a note into its text and signature lines WITHOUT verifying any signature: the result
 * MUST NOT be trusted. Throws LogError('bad_format') unless the note is well-formed: valid UTF-8
 * (bytes are decoded strictly), at most {@link MAX_NOTE_BYTES} bytes, no control character but
 * "\n", text ending in "\n", a blank line, then 1..{@link MAX_NOTE_SIGNATURES} lines
 * `— <valid key name> <canonical base64 of at least 5 bytes>` each ending in "\n".
 * The text is separated from the signatures by the LAST blank line, as the spec says.
 */
export function parseNoteUnverified(note: string | Uint8Array): UnverifiedNote {
  let text: string;
  if (typeof note === 'string') {
    // UTF-8 never takes fewer bytes than UTF-16 code units: refuse huge strings before encoding.
    if (note.length > MAX_NOTE_BYTES) bad('note too long');
    checkText(note);
    if (utf8(note).length > MAX_NOTE_BYTES) bad('note too long');
    text = note;
  } else {
    if (note.length > MAX_NOTE_BYTES) bad('note too long');
    text = fromUtf8(note);
    // TextDecoder drops a leading byte-order mark; refuse it rather than hash different bytes.
    if (note[0] === 0xef && note[1] === 0xbb && note[2] === 0xbf) bad('note: byte-order mark');
    checkText(text);
  }
  const split = text.lastIndexOf('\n\n');
  if (split < 0) bad('note: no blank line before the signatures');
  const body = text.slice(0, split + 1);
  const sigText = text.slice(split + 2);
  if (sigText.length === 0 || !sigText.endsWith('\n')) bad('note: signature block must end with a newline');
  const lines = sigText.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) bad('note: too many signatures');
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    if (!line.startsWith(EM_DASH_PREFIX)) bad('note: signature line must start with "— "');
    const rest = line.slice(EM_DASH_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) bad('note: signature line needs a key name and a signature');
    const name = rest.slice(0, space);
    checkKeyName(name);
    const sig = fromBase64(rest.slice(space + 1));
    if (sig.length < 5) bad('note: signature too short');
    signatures.push({ name, keyId: sig.slice(0, 4), signature: sig.slice(4) });
  }
  return { body, signatures };
}

function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    // zip215: false = strict RFC 8032 verification (canonical encodings only).
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Parses a note and verifies it under one trusted key.
 *
 * `verifierKey` is a verifier key line (parsed with {@link parseVerifierKey}) or an already
 * parsed key. Signature lines whose name or key id differs from the key are ignored (returned in
 * `unverified`). Every line matching both name and key id MUST verify (strict RFC 8032 Ed25519
 * over the body bytes, final newline included), and at least one MUST exist; otherwise this
 * throws LogError('bad_signature'). A malformed note or key, or more than
 * {@link MAX_NOTE_SIGNATURES_PER_KEY} lines claiming the key, throws LogError('bad_format').
 */
export function openNote(note: string | Uint8Array, verifierKey: string | ParsedVerifierKey): OpenedNote {
  const key = typeof verifierKey === 'string' ? parseVerifierKey(verifierKey) : verifierKey;
  const parsed = parseNoteUnverified(note);
  const message = utf8(parsed.body);
  const signatures: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const claiming = parsed.signatures.filter((s) => s.name === key.name && equalBytes(s.keyId, key.keyId)).length;
  if (claiming > MAX_NOTE_SIGNATURES_PER_KEY) bad(`note: ${claiming} signatures claim ${key.name}, at most ${MAX_NOTE_SIGNATURES_PER_KEY} are checked`);
  for (const s of parsed.signatures) {
    if (s.name !== key.name || !equalBytes(s.keyId, key.keyId)) {
      unverified.push(s);
      continue;
    }
    if (!verifyEd25519(s.signature, message, key.publicKey)) {
      throw new LogError('bad_signature', `note: signature by ${key.name} does not verify`);
    }
    signatures.push(s);
  }
  if (signatures.length === 0) {
    throw new LogError('bad_signature', `note: no signature by ${key.name}+${toHex(key.keyId)}`);
  }
  return { body: parsed.body, signatures, unverified };
}

/**
 * A portable in-memory signer from a 32-byte Ed25519 secret key (RFC 8032 seed), for tests,
 * fakes and tools. `name` MUST be a valid key name and `secretKey` 32 bytes
 * (else LogError('bad_format')). Servers SHOULD use the node:crypto signer (faster).
 */
export function createEd25519Signer(
  name: string,
  secretKey: Uint8Array,
): NoteSigner & { publicKey: Uint8Array; verifierKey: string } {
  if (secretKey.length !== 32) bad('Ed25519 secret key must be 32 bytes');
  const sk = secretKey.slice();
  const publicKey = ed25519.getPublicKey(sk);
  return {
    name,
    keyId: keyId(name, publicKey),
    publicKey,
    verifierKey: formatVerifierKey(name, publicKey),
    sign: (message) => ed25519.sign(message, sk),
  };
}
