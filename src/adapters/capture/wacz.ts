/**
 * WACZ 1.1.1 packaging (specs.webrecorder.net/wacz/1.1.1) with an anonymous signature per the
 * WACZ signing spec (specs.webrecorder.net/wacz-auth/0.1.0):
 *
 *   archive/data.warc            the WARC (stored, not compressed, as the spec requires)
 *   indexes/index.cdx            CDXJ index of the WARC
 *   pages/pages.jsonl            the captured page
 *   capture/…                    screenshot, PDF, recording, DOM, network log, environment report
 *   README.md                    how to verify the bundle offline and open it in ReplayWeb.page
 *   datapackage.json             every file above with its size, SHA-256 (`hash`) and SM3 (`sm3`)
 *   datapackage-digest.json      SHA-256 of datapackage.json and its ECDSA P-256 signature
 *
 * Every zip entry is stored uncompressed (method 0), so readers can range-request any file.
 * The signature is ECDSA P-256 with SHA-256 over the UTF-8 bytes of the `hash` string
 * ("sha256:<hex>"), DER-encoded then base64; `publicKey` is the base64 DER SubjectPublicKeyInfo.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { toHex } from '../../core/bytes.js';
import { sm3 } from '../../core/sm3.js';

export const WACZ_VERSION = '1.1.1';

export interface WaczFile {
  /** Path inside the zip, e.g. `capture/screenshot.png`. */
  path: string;
  bytes: Uint8Array;
}

export interface WaczInput {
  title: string;
  mainPageUrl: string;
  mainPageDate: string;
  created: string;
  software: string;
  version: string;
  /** Everything but datapackage.json and datapackage-digest.json. */
  files: WaczFile[];
  /** Extra top-level members of datapackage.json (the capture's facts). */
  extra?: Record<string, unknown>;
  key: KeyObject;
}

export interface DataPackage {
  profile: 'data-package';
  wacz_version: string;
  title: string;
  created: string;
  modified: string;
  software: string;
  mainPageURL: string;
  mainPageDate: string;
  resources: { name: string; path: string; hash: string; sm3: string; bytes: number }[];
  [k: string]: unknown;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The resource name the data package spec allows (lowercase, `-._/` and digits). */
function resourceName(path: string): string {
  return path.toLowerCase().replace(/[^-a-z0-9._/]/g, '-');
}

export function buildWacz(input: WaczInput): { wacz: Uint8Array; datapackage: DataPackage } {
  const datapackage: DataPackage = {
    profile: 'data-package',
    wacz_version: WACZ_VERSION,
    title: input.title,
    created: input.created,
    modified: input.created,
    software: `${input.software} ${input.version}`,
    mainPageURL: input.mainPageUrl,
    mainPageDate: input.mainPageDate,
    resources: input.files.map((f) => ({ name: resourceName(f.path), path: f.path, hash: `sha256:${sha256Hex(f.bytes)}`, sm3: `sm3:${toHex(sm3(f.bytes))}`, bytes: f.bytes.length })),
    ...(input.extra ?? {}),
  };
  const dpBytes = utf8(JSON.stringify(datapackage, null, 2));
  const hash = `sha256:${sha256Hex(dpBytes)}`;
  const signature = sign('sha256', utf8(hash), { key: input.key, dsaEncoding: 'der' }).toString('base64');
  const publicKey = createPublicKey(input.key).export({ type: 'spki', format: 'der' }).toString('base64');
  const digest = {
    path: 'datapackage.json',
    hash,
    signedData: { hash, created: input.created, software: input.software, version: input.version, signature, publicKey },
  };
  const files: Zippable = {};
  const mtime = new Date(input.created);
  for (const f of input.files) files[f.path] = [f.bytes, { level: 0, mtime }];
  files['datapackage.json'] = [dpBytes, { level: 0, mtime }];
  files['datapackage-digest.json'] = [utf8(JSON.stringify(digest, null, 2)), { level: 0, mtime }];
  return { wacz: zipSync(files, { level: 0 }), datapackage };
}

/**
 * The key that signs WACZ bundles: an ECDSA P-256 PKCS#8 PEM at DATA_DIR/capture-signing-key.pem,
 * generated (0600) on first use.
 */
export async function loadWaczSigningKey(dataDir: string): Promise<KeyObject> {
  const path = join(dataDir, 'capture-signing-key.pem');
  try {
    return createPrivateKey(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' }).catch(async (e: { code?: string }) => {
    if (e.code !== 'EEXIST') throw e;
  });
  return createPrivateKey(await readFile(path, 'utf8'));
}
