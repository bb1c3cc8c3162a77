import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../core/bytes.js';
import { openCheckpoint, signCheckpoint } from '../../core/checkpoint.js';
import { isLogError } from '../../core/errors.js';
import { portableSha256 } from '../../core/hash.js';
import { openNote, parseVerifierKey, signNote } from '../../core/note.js';
import { createSm3, DEFAULT_ORIGIN, KEY_FILE_NAME, loadOrCreateSigner, nodeSha256, readVerifierKey, sm3Hex } from './node.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isLogError(e) ? e.code : `not a LogError: ${String(e)}`;
  }
  return undefined;
}

const ORIGIN = 'localhost/copyright-ledger';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cl-crypto-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hashes', () => {
  it('nodeSha256 matches the portable SHA-256 and returns a plain fresh Uint8Array', () => {
    const parts = [utf8('abc'), new Uint8Array(0), utf8('def')];
    const h = nodeSha256(...parts);
    expect(h.constructor).toBe(Uint8Array);
    expect(h).toHaveLength(32);
    expect(h).toEqual(portableSha256(...parts));
    expect(toHex(nodeSha256())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(nodeSha256(utf8('x'))).not.toBe(nodeSha256(utf8('x')));
  });

  it('SM3 (GB/T 32905-2016 example 1: "abc")', () => {
    expect(sm3Hex(utf8('abc'))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const h = createSm3();
    for (let i = 0; i < 16; i++) h.update(utf8('abcd'));
    // Example 2: "abcd" x 16 (512 bits).
    expect(h.digest('hex')).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });
});

describe('loadOrCreateSigner', () => {
  it('creates the key with mode 0600 on first start and reloads the same key', async () => {
    const dataDir = join(dir, 'data'); // does not exist yet
    const s1 = await loadOrCreateSigner({ origin: ORIGIN, dataDir });
    const path = join(dataDir, KEY_FILE_NAME);
    const st = await stat(path);
    if (process.platform !== 'win32') expect(st.mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await readdir(dataDir)).toEqual([KEY_FILE_NAME]); // no temp file left behind

    const s2 = await loadOrCreateSigner({ origin: ORIGIN, dataDir });
    expect(s2.verifierKey).toBe(s1.verifierKey);
    expect(s2.publicKey).toEqual(s1.publicKey);

    const parsed = parseVerifierKey(s1.verifierKey);
    expect(parsed.name).toBe(ORIGIN);
    expect(parsed.publicKey).toEqual(s1.publicKey);
    expect(parsed.keyId).toEqual(s1.keyId);
  });

  it('never overwrites an existing key', async () => {
    const s1 = await loadOrCreateSigner({ origin: ORIGIN, dataDir: dir });
    const before = await readFile(join(dir, KEY_FILE_NAME), 'utf8');
    await loadOrCreateSigner({ origin: ORIGIN, dataDir: dir });
    expect(await readFile(join(dir, KEY_FILE_NAME), 'utf8')).toBe(before);
    expect((await loadOrCreateSigner({ origin: ORIGIN, dataDir: dir })).verifierKey).toBe(s1.verifierKey);
  });

  it('concurrent first starts agree on one key', async () => {
    const signers = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateSigner({ origin: ORIGIN, dataDir: dir })),
    );
    expect(new Set(signers.map((s) => s.verifierKey)).size).toBe(1);
    expect(await readdir(dir)).toEqual([KEY_FILE_NAME]);
  });

  it('signs notes and checkpoints that the core verifies', async () => {
    const signer = await loadOrCreateSigner({ origin: ORIGIN, dataDir: dir });
    const body = 'hello\nworld\n';
    const note = signNote(body, signer);
    expect(openNote(note, signer.verifierKey).body).toBe(body);
    const sig = signer.sign(utf8(body));
    expect(sig.constructor).toBe(Uint8Array);
    expect(sig).toHaveLength(64);

    const cp = {
      origin: ORIGIN,
      treeSize: 5n,
      rootHash: nodeSha256(utf8('root')),
      height: 2n,
      time: '2026-11-26T21:48:51.349Z',
      prevHash: nodeSha256(utf8('prev')),
    };
    expect(openCheckpoint(signCheckpoint(cp, signer), signer.verifierKey).checkpoint).toEqual(cp);
  });

  it('reads LOG_KEY_FILE and never writes next to it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyFile = join(dir, 'my.pem');
    await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const dataDir = join(dir, 'data');
    const signer = await loadOrCreateSigner({ origin: ORIGIN, dataDir, keyFile });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    expect(signer.publicKey).toEqual(new Uint8Array(spki.subarray(spki.length - 32)));
    expect(await readdir(dir)).toEqual(['my.pem']);
    expect(openNote(signNote('x\n', signer), signer.verifierKey).body).toBe('x\n');
  });

  it('rejects a missing key file, a non-Ed25519 key, garbage, and a bad origin', async () => {
    expect(await codeOf(loadOrCreateSigner({ origin: ORIGIN, dataDir: dir, keyFile: join(dir, 'nope.pem') }))).toBe(
      'internal',
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    await writeFile(join(dir, 'ec.pem'), ec);
    expect(await codeOf(loadOrCreateSigner({ origin: ORIGIN, dataDir: dir, keyFile: join(dir, 'ec.pem') }))).toBe(
      'bad_format',
    );
    await writeFile(join(dir, KEY_FILE_NAME), 'not a key');
    expect(await codeOf(loadOrCreateSigner({ origin: ORIGIN, dataDir: dir }))).toBe('bad_format');
    expect(await readFile(join(dir, KEY_FILE_NAME), 'utf8')).toBe('not a key');
    expect(await codeOf(loadOrCreateSigner({ origin: 'bad origin', dataDir: join(dir, 'x') }))).toBe('bad_format');
    expect(await readdir(dir)).not.toContain('x');
  });
});

describe('readVerifierKey', () => {
  it('gives the verifier key of an existing key without creating one', async () => {
    expect(await readVerifierKey(dir)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
    const signer = await loadOrCreateSigner({ origin: DEFAULT_ORIGIN, dataDir: dir });
    expect(await readVerifierKey(dir)).toBe(signer.verifierKey);
    const other = await readVerifierKey(dir, { origin: 'example.com/log' });
    expect(parseVerifierKey(other!).publicKey).toEqual(signer.publicKey);
    expect(await readVerifierKey(join(dir, 'elsewhere'), { keyFile: join(dir, KEY_FILE_NAME) })).toBe(
      signer.verifierKey,
    );
  });
});
