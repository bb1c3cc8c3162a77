/**
 * A WACZ 1.1.1 checker written from the specification (specs.webrecorder.net/wacz/1.1.1 and the
 * signing spec wacz-auth/0.1.0), independent of the service's writer: it reads the ZIP's central
 * directory itself, and checks the layout, that WARCs are stored uncompressed, that every
 * resource of datapackage.json exists with its byte count and SHA-256, that nothing but the two
 * package files is left unlisted, the digest file's hash and its ECDSA signature.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  bytes: Buffer;
}

/** Reads every entry of a ZIP (no ZIP64; the bundles are small). */
export function readZip(zip: Buffer): Map<string, ZipEntry> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a ZIP: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const csize = zip.readUInt32LE(at + 20);
    const usize = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + csize);
    const bytes = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined;
    if (!bytes) throw new Error(`${name}: unsupported method ${method}`);
    if (bytes.length !== usize) throw new Error(`${name}: size ${bytes.length} is not ${usize}`);
    out.set(name, { name, method, bytes });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

export interface WaczReport {
  entries: Map<string, ZipEntry>;
  datapackage: { resources: { path: string; hash: string; bytes: number; sm3?: string }[]; [k: string]: unknown };
  digest: { path: string; hash: string; signedData: Record<string, string> };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Throws naming the first violation; returns the parsed package on success. */
export function validateWacz(zip: Buffer): WaczReport {
  const entries = readZip(zip);
  const need = (p: string) => {
    const e = entries.get(p);
    if (!e) throw new Error(`missing ${p}`);
    return e;
  };
  const dpEntry = need('datapackage.json');
  const digestEntry = need('datapackage-digest.json');
  need('pages/pages.jsonl');
  const warcs = [...entries.keys()].filter((n) => n.startsWith('archive/'));
  if (warcs.length === 0) throw new Error('archive/ holds no WARC');
  for (const w of warcs) {
    if (!/\.warc(\.gz)?$/.test(w)) throw new Error(`${w}: not a .warc or .warc.gz`);
    if (entries.get(w)!.method !== 0) throw new Error(`${w}: WARCs must be stored uncompressed in the ZIP`);
  }
  if (![...entries.keys()].some((n) => n.startsWith('indexes/'))) throw new Error('indexes/ is empty');
  const pages = need('pages/pages.jsonl').bytes.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  if (pages[0]?.format !== 'json-pages-1.0') throw new Error('pages.jsonl: first line is not the json-pages-1.0 header');
  for (const p of pages.slice(1)) if (typeof p.url !== 'string' || typeof p.ts !== 'string' || Number.isNaN(Date.parse(p.ts))) throw new Error('pages.jsonl: a page lacks url or ts');

  const datapackage = JSON.parse(dpEntry.bytes.toString('utf8')) as WaczReport['datapackage'];
  if (datapackage.profile !== 'data-package') throw new Error('datapackage.json: profile is not data-package');
  if (datapackage.wacz_version !== '1.1.1') throw new Error('datapackage.json: wacz_version is not 1.1.1');
  const listed = new Set<string>();
  for (const r of datapackage.resources) {
    const e = entries.get(r.path);
    if (!e) throw new Error(`resource ${r.path} is not in the ZIP`);
    if (e.bytes.length !== r.bytes) throw new Error(`resource ${r.path}: ${e.bytes.length} bytes, listed ${r.bytes}`);
    if (r.hash !== `sha256:${sha256(e.bytes)}`) throw new Error(`resource ${r.path}: SHA-256 mismatch`);
    listed.add(r.path);
  }
  const unlisted = [...entries.keys()].filter((n) => !listed.has(n) && n !== 'datapackage.json' && n !== 'datapackage-digest.json' && !n.endsWith('/'));
  if (unlisted.length > 0) throw new Error(`files not listed in datapackage.json: ${unlisted.join(', ')}`);

  const digest = JSON.parse(digestEntry.bytes.toString('utf8')) as WaczReport['digest'];
  if (digest.path !== 'datapackage.json') throw new Error('digest: path is not datapackage.json');
  if (digest.hash !== `sha256:${sha256(dpEntry.bytes)}`) throw new Error('digest: hash does not match datapackage.json');
  const s = digest.signedData;
  const allowed = new Set(['hash', 'created', 'software', 'version', 'signature', 'publicKey']);
  for (const k of Object.keys(s)) if (!allowed.has(k)) throw new Error(`signedData: unexpected ${k} for an anonymous signature`);
  if (s.hash !== digest.hash) throw new Error('signedData.hash differs from the digest');
  const key = createPublicKey({ key: Buffer.from(s.publicKey!, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec') throw new Error('publicKey is not an ECDSA key');
  if (!verify('sha256', Buffer.from(s.hash!, 'utf8'), { key, dsaEncoding: 'der' }, Buffer.from(s.signature!, 'base64'))) throw new Error('signature does not verify');
  return { entries, datapackage, digest };
}
