import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromBase64, toBase64, toHex, utf8 } from './bytes.js';
import {
  createEd25519Signer,
  formatVerifierKey,
  isValidKeyName,
  keyId,
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  openNote,
  parseNoteUnverified,
  parseVerifierKey,
  signNote,
  signNoteBy,
  isSignedBy,
  type NoteSigner,
} from './note.js';
import { codeOf } from '../../test/support/errors.js';

// CONTRACTS.md §2.2 example block and its (throwaway) verifier key.
const CONTRACT_BODY =
  'localhost/copyright-ledger\n' +
  '1\n' +
  'YSFJlawkz5Czl6kqMO+lGlvqEF2Wtrkwpxtp1IZq/cg=\n' +
  'block 1\n' +
  'time 2026-11-26T21:48:51.349Z\n' +
  'prev VlJEeEaa0aQM175fdVTr88NYqyOHZNofX4N28rr0wBU=\n';
const CONTRACT_NOTE =
  CONTRACT_BODY +
  '\n' +
  '\u2014 localhost/copyright-ledger 1c56Z3Vq8lMw6/+1c9fECnJlx6H+8ExFfy+dDpKWTPaF4ZW57jJXvHv5oGDuIQr6h9WY4T9lh7yaDmvRGHavtwsekAA=\n';
const CONTRACT_KEY = 'localhost/copyright-ledger+d5ce7a67+AccNxOVz4fIhaPqEeClFeeYglqrZK5WUY7WytSQsoKp9';

// golang.org/x/mod/sumdb/note reference vector (an independent implementation).
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY_B64 = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 ‖ seed
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE =
  GO_TEXT +
  '\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

const seed = (n: number) => new Uint8Array(32).fill(n);
const alice = createEd25519Signer('example.com/alice', seed(1));
const bob = createEd25519Signer('example.com/bob', seed(2));

describe('contract example (CONTRACTS.md §2.2)', () => {
  it('verifies under the published verifier key and gives back the body', () => {
    const opened = openNote(CONTRACT_NOTE, CONTRACT_KEY);
    expect(opened.body).toBe(CONTRACT_BODY);
    expect(opened.signatures).toHaveLength(1);
    expect(toHex(opened.signatures[0]!.keyId)).toBe('d5ce7a67');
    expect(opened.unverified).toEqual([]);
  });

  it('also verifies from bytes', () => {
    expect(openNote(utf8(CONTRACT_NOTE), CONTRACT_KEY).body).toBe(CONTRACT_BODY);
  });

  it('fails if any single byte of the note is changed', () => {
    const bytes = utf8(CONTRACT_NOTE);
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x20, 0x80, 0xff]) {
        const mutated = bytes.slice();
        mutated[i] = mutated[i]! ^ mask;
        const code = codeOf(() => openNote(mutated, CONTRACT_KEY));
        expect(['bad_format', 'bad_signature'], `byte ${i} ^ ${mask}: ${code}`).toContain(code);
      }
    }
  });

  it('fails with bad_signature under another key', () => {
    expect(codeOf(() => openNote(CONTRACT_NOTE, alice.verifierKey))).toBe('bad_signature');
  });
});

describe('Go sumdb/note interop vector', () => {
  it('opens the Go note', () => {
    expect(openNote(GO_NOTE, GO_VKEY).body).toBe(GO_TEXT);
  });

  it('signs byte for byte like Go (Ed25519 is deterministic)', () => {
    const signer = createEd25519Signer('PeterNeumann', fromBase64(GO_SKEY_B64).slice(1));
    expect(signer.verifierKey).toBe(GO_VKEY);
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
  });
});

describe('keyId / verifier keys', () => {
  it('key id is SHA-256(name ‖ "\\n" ‖ 0x01 ‖ key)[:4]', () => {
    const k = parseVerifierKey(CONTRACT_KEY);
    expect(k.name).toBe('localhost/copyright-ledger');
    expect(k.publicKey).toHaveLength(32);
    expect(toHex(keyId(k.name, k.publicKey))).toBe('d5ce7a67');
    expect(formatVerifierKey(k.name, k.publicKey)).toBe(CONTRACT_KEY);
  });

  it('parses a key whose base64 contains "+" (transparency-dev/formats vector)', () => {
    const k = parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6');
    expect(k.name).toBe('TEST');
    expect(toHex(k.keyId)).toBe('7997405c');
  });

  it('round-trips formatVerifierKey → parseVerifierKey', () => {
    const k = parseVerifierKey(alice.verifierKey);
    expect(k).toEqual({ name: alice.name, keyId: alice.keyId, publicKey: alice.publicKey });
  });

  it('rejects every proper substring and every single-byte change of a key (as Go does)', () => {
    const b = utf8(GO_VKEY);
    const dec = new TextDecoder();
    for (let i = 0; i <= b.length; i++) {
      for (let j = i + 1; j <= b.length; j++) {
        if (i === 0 && j === b.length) continue;
        expect(codeOf(() => parseVerifierKey(dec.decode(b.subarray(i, j))))).toBe('bad_format');
      }
    }
    for (let i = 0; i < b.length; i++) {
      const m = b.slice();
      m[i] = (m[i]! + 1) & 0xff;
      expect(codeOf(() => parseVerifierKey(dec.decode(m))), `byte ${i}`).toBe('bad_format');
    }
  });

  const pk = alice.publicKey;
  const typeAndKey = toBase64(concatBytes(new Uint8Array([1]), pk));
  const id = toHex(alice.keyId);
  // Keys with a matching id, so that only the point check can reject them.
  const withId = (raw: Uint8Array) => `x+${toHex(keyId('x', raw))}+${toBase64(concatBytes(new Uint8Array([1]), raw))}`;
  // y = p + 1 = 2^255 - 18: a non-canonical encoding of the point (0, 1).
  const nonCanonical = new Uint8Array(32).fill(0xff);
  nonCanonical[0] = 0xee;
  nonCanonical[31] = 0x7f;
  // y = 1: the identity, a small-order point.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  // y = 2: no x satisfies the curve equation.
  const offCurve = new Uint8Array(32);
  offCurve[0] = 2;
  const badKeys: [string, string][] = [
    ['empty', ''],
    ['trailing newline', `${alice.verifierKey}\n`],
    ['leading space', ` ${alice.verifierKey}`],
    ['uppercase hex id', `${alice.name}+${id.toUpperCase()}+${typeAndKey}`],
    ['wrong key id', `${alice.name}+00000000+${typeAndKey}`],
    ['short key id', `${alice.name}+${id.slice(1)}+${typeAndKey}`],
    ['name changed', `example.com/alicf+${id}+${typeAndKey}`],
    ['empty name', `+${id}+${typeAndKey}`],
    ['name with space', `a b+${id}+${typeAndKey}`],
    ['name with NBSP', `a\u00a0b+${id}+${typeAndKey}`],
    ['missing key', `${alice.name}+${id}`],
    ['empty key', `${alice.name}+${id}+`],
    ['base64 with a space', `${alice.name}+${id}+${typeAndKey.slice(0, 4)} ${typeAndKey.slice(4)}`],
    ['url-safe base64', `${alice.name}+${id}+${typeAndKey.replace(/\+/g, '-').replace(/\//g, '_')}`],
    ['type 0x02', `${alice.name}+${id}+${toBase64(concatBytes(new Uint8Array([2]), pk))}`],
    ['no type byte', `${alice.name}+${id}+${toBase64(pk)}`],
    ['33-byte key', `${alice.name}+${id}+${toBase64(concatBytes(new Uint8Array([1]), pk, new Uint8Array([0])))}`],
    ['non-canonical point', withId(nonCanonical)],
    ['identity (small order)', withId(identity)],
    ['not on the curve', withId(offCurve)],
  ];
  it.each(badKeys)('rejects a verifier key: %s', (_name, text) => {
    expect(codeOf(() => parseVerifierKey(text))).toBe('bad_format');
  });

  it('key name rules', () => {
    expect(isValidKeyName('example.com/log42')).toBe(true);
    expect(isValidKeyName('ünïcödé/😀')).toBe(true);
    for (const n of ['', 'a+b', 'a b', 'a\tb', 'a\u3000b', 'a\u2028b', 'a\u0001b', '\ud800']) {
      expect(isValidKeyName(n), JSON.stringify(n)).toBe(false);
    }
    expect(codeOf(() => keyId('a+b', alice.publicKey))).toBe('bad_format');
    expect(codeOf(() => keyId('a', new Uint8Array(31)))).toBe('bad_format');
  });
});

describe('signNote / openNote', () => {
  it('round-trips any well-formed body', () => {
    const line = fc
      .string({ unit: 'grapheme', maxLength: 40 })
      .filter((s) => !/[\u0000-\u001f]/.test(s));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const body = lines.join('\n') + '\n';
        const note = signNote(body, alice);
        const opened = openNote(note, alice.verifierKey);
        expect(opened.body).toBe(body);
        expect(codeOf(() => openNote(note, bob.verifierKey))).toBe('bad_signature');
      }),
      { numRuns: 100 },
    );
  });

  it('body may contain blank lines; the last blank line separates the signatures', () => {
    for (const body of ['a\n\nb\n', 'a\n\n', '\n', 'a\n\n\n']) {
      expect(openNote(signNote(body, alice), alice.verifierKey).body).toBe(body);
    }
  });

  it('signature line format', () => {
    const note = signNote('hello\n', alice);
    const sigLine = note.split('\n')[2]!;
    expect(sigLine.startsWith('\u2014 example.com/alice ')).toBe(true);
    const blob = fromBase64(sigLine.split(' ')[2]!);
    expect(blob).toHaveLength(68);
    expect(blob.slice(0, 4)).toEqual(alice.keyId);
  });

  it('ignores signatures by other keys, before or after ours', () => {
    const body = 'hello\n';
    const aliceLine = signNote(body, alice).slice(body.length + 1);
    const bobLine = signNote(body, bob).slice(body.length + 1);
    for (const note of [`${body}\n${bobLine}${aliceLine}`, `${body}\n${aliceLine}${bobLine}`]) {
      const opened = openNote(note, alice.verifierKey);
      expect(opened.signatures).toHaveLength(1);
      expect(opened.unverified.map((s) => s.name)).toEqual(['example.com/bob']);
    }
  });

  it('ignores a signature sharing only the name or only the key id with the trusted key', () => {
    const body = 'hello\n';
    const impostorName = createEd25519Signer(alice.name, seed(3)); // same name, other id
    const sameIdOtherName: NoteSigner = { name: 'example.com/mallory', keyId: alice.keyId, sign: bob.sign };
    const good = signNote(body, alice).slice(body.length + 1);
    const n1 = signNote(body, impostorName).slice(body.length + 1);
    const n2 = signNote(body, sameIdOtherName).slice(body.length + 1);
    const opened = openNote(`${body}\n${n1}${n2}${good}`, alice.verifierKey);
    expect(opened.signatures).toHaveLength(1);
    expect(opened.unverified).toHaveLength(2);
    // Without the good one: no signature by the key.
    expect(codeOf(() => openNote(`${body}\n${n1}${n2}`, alice.verifierKey))).toBe('bad_signature');
  });

  it('rejects the note if a signature claiming the trusted key fails, even next to a good one', () => {
    const body = 'hello\n';
    const forged: NoteSigner = { name: alice.name, keyId: alice.keyId, sign: bob.sign };
    const good = signNote(body, alice).slice(body.length + 1);
    const bad = signNote(body, forged).slice(body.length + 1);
    expect(codeOf(() => openNote(`${body}\n${good}${bad}`, alice.verifierKey))).toBe('bad_signature');
    expect(codeOf(() => openNote(`${body}\n${bad}`, alice.verifierKey))).toBe('bad_signature');
  });

  it('a matching signature of the wrong length is bad_signature', () => {
    const short = `hello\n\n\u2014 ${alice.name} ${toBase64(concatBytes(alice.keyId, new Uint8Array(63)))}\n`;
    expect(codeOf(() => openNote(short, alice.verifierKey))).toBe('bad_signature');
  });

  it('rejects a non-canonical (s >= L) signature (strict RFC 8032)', () => {
    const body = 'hello\n';
    const sig = alice.sign(utf8(body));
    // s' = s + L is accepted by lax verifiers; RFC 8032 requires rejecting it.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    let s2 = s + L;
    const mall = sig.slice();
    for (let i = 0; i < 32; i++) {
      mall[32 + i] = Number(s2 & 0xffn);
      s2 >>= 8n;
    }
    const note = `${body}\n\u2014 ${alice.name} ${toBase64(concatBytes(alice.keyId, mall))}\n`;
    expect(codeOf(() => openNote(note, alice.verifierKey))).toBe('bad_signature');
  });

  it('accepts a parsed verifier key', () => {
    expect(openNote(CONTRACT_NOTE, parseVerifierKey(CONTRACT_KEY)).body).toBe(CONTRACT_BODY);
  });

  it('refuses to sign a malformed body or with a malformed signer', () => {
    expect(codeOf(() => signNote('no newline', alice))).toBe('bad_format');
    expect(codeOf(() => signNote('', alice))).toBe('bad_format');
    expect(codeOf(() => signNote('a\rb\n', alice))).toBe('bad_format');
    expect(codeOf(() => signNote('tab\there\n', alice))).toBe('bad_format');
    expect(codeOf(() => signNote('\ud800\n', alice))).toBe('bad_format');
    expect(codeOf(() => signNote('x'.repeat(MAX_NOTE_BYTES) + '\n', alice))).toBe('bad_format');
    expect(codeOf(() => signNote('a\n', { ...alice, name: 'a b' }))).toBe('bad_format');
    expect(codeOf(() => signNote('a\n', { ...alice, keyId: new Uint8Array(3) }))).toBe('bad_format');
    expect(codeOf(() => signNote('a\n', { ...alice, sign: () => new Uint8Array(63) }))).toBe('bad_format');
  });
});

describe('malformed notes (bad_format)', () => {
  const body = 'hello\n';
  const good = signNote(body, alice);
  const sigLine = good.slice(body.length + 1, -1); // without its newline
  const blob = sigLine.split(' ')[2]!;
  const cases: [string, string | Uint8Array][] = [
    ['empty', ''],
    ['no blank line', `${body}${sigLine}\n`],
    ['no signature lines', `${body}\n`],
    ['missing final newline', `${body}\n${sigLine}`],
    ['blank line after signatures', `${body}\n${sigLine}\n\n`],
    ['hyphen instead of em dash', `${body}\n- ${alice.name} ${blob}\n`],
    ['en dash instead of em dash', `${body}\n\u2013 ${alice.name} ${blob}\n`],
    ['em dash without space', `${body}\n\u2014${alice.name} ${blob}\n`],
    ['double space', `${body}\n\u2014 ${alice.name}  ${blob}\n`],
    ['trailing space', `${body}\n\u2014 ${alice.name} ${blob} \n`],
    ['no signature', `${body}\n\u2014 ${alice.name}\n`],
    ['extra field', `${body}\n\u2014 ${alice.name} ${blob} x\n`],
    ['name with "+"', `${body}\n\u2014 a+b ${blob}\n`],
    ['empty name', `${body}\n\u2014  ${blob}\n`],
    ['bad base64', `${body}\n\u2014 ${alice.name} ${blob.slice(1)}\n`],
    ['unpadded base64', `${body}\n\u2014 ${alice.name} ${blob.replace(/=+$/, '')}\n`],
    ['4-byte signature', `${body}\n\u2014 ${alice.name} ${toBase64(alice.keyId)}\n`],
    ['CRLF line endings', good.replace(/\n/g, '\r\n')],
    ['NUL in body', `hel\u0000lo\n\n${sigLine}\n`],
    ['lone surrogate', `hel\ud800lo\n\n${sigLine}\n`],
    ['invalid UTF-8 bytes', concatBytes(utf8('hel'), new Uint8Array([0xc3, 0x28]), utf8(`lo\n\n${sigLine}\n`))],
    ['byte-order mark', concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), utf8(good))],
    ['too large', `${'x'.repeat(MAX_NOTE_BYTES)}\n\n${sigLine}\n`],
    ['too many signatures', `${body}\n${`${sigLine}\n`.repeat(MAX_NOTE_SIGNATURES + 1)}`],
  ];
  it.each(cases)('%s', (_name, note) => {
    expect(codeOf(() => openNote(note, alice.verifierKey))).toBe('bad_format');
    expect(codeOf(() => parseNoteUnverified(note))).toBe('bad_format');
  });

  it('accepts 16 signatures (the spec minimum)', () => {
    const others = Array.from({ length: 15 }, (_, i) => createEd25519Signer(`w${i}`, seed(10 + i)));
    const lines = others.map((s) => signNote(body, s).slice(body.length + 1)).join('');
    expect(openNote(`${body}\n${lines}${sigLine}\n`, alice.verifierKey).unverified).toHaveLength(15);
  });

  it('a malformed verifier key is bad_format', () => {
    expect(codeOf(() => openNote(good, 'nonsense'))).toBe('bad_format');
  });
});

describe('signNoteBy (a key hand-over: two keys sign one text)', () => {
  const body = 'localhost/copyright-ledger\n7\n';
  const outgoing = createEd25519Signer('localhost/copyright-ledger', new Uint8Array(32).fill(41));
  const incoming = createEd25519Signer('localhost/copyright-ledger', new Uint8Array(32).fill(42));

  it('opens under each key, the other signature left unverified; one signer gives signNote exactly', () => {
    const note = signNoteBy(body, [outgoing, incoming]);
    expect(openNote(note, outgoing.verifierKey).unverified).toHaveLength(1);
    expect(openNote(note, incoming.verifierKey).unverified).toHaveLength(1);
    expect(parseNoteUnverified(note).signatures.map((s) => toHex(s.keyId))).toEqual([toHex(outgoing.keyId), toHex(incoming.keyId)]);
    expect(signNoteBy(body, [outgoing])).toBe(signNote(body, outgoing));
    expect(isSignedBy(note, incoming.verifierKey)).toBe(true);
    expect(isSignedBy(signNote(body, outgoing), incoming.verifierKey)).toBe(false);
    expect(isSignedBy('not a note', incoming.verifierKey)).toBe(false);
  });

  it('refuses no signer and the same key twice', () => {
    expect(codeOf(() => signNoteBy(body, []))).toBe('bad_format');
    expect(codeOf(() => signNoteBy(body, [outgoing, outgoing]))).toBe('bad_format');
  });
});
