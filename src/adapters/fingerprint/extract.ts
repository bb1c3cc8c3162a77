/**
 * Fingerprints of a file's bytes (docs/ENFORCEMENT.md): images are decoded and normalised with
 * sharp (EXIF orientation applied, alpha flattened on white, greyscale, scaled to 32×32 for pHash
 * and 9×8 for dHash, ignoring the aspect ratio); UTF-8 text (HTML with its markup stripped) gets
 * a MinHash signature. Anything else has no fingerprint, only its SHA-256.
 */
import sharp from 'sharp';
import { dHash, DHASH_HEIGHT, DHASH_WIDTH, formatHash64, pHash, PHASH_SIDE } from '../../core/image-hash.js';
import { formatSignature, textSignature } from '../../core/text-minhash.js';

/** A fingerprint as stored and compared: an image's two hashes, or a text's MinHash signature. */
export type Fingerprint = { kind: 'image'; phash: string; dhash: string } | { kind: 'text'; minhash: string };

/** Largest image (pixels) decoded for a fingerprint. */
const MAX_PIXELS = 100_000_000;
/** Longest text (bytes) fingerprinted; longer texts are fingerprinted on their first part. */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;

async function grey(bytes: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const { data } = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'none', animated: false })
    .rotate()
    .flatten({ background: '#ffffff' })
    .greyscale()
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // greyscale() may still leave several channels on some inputs: keep the first.
  const channels = data.length / (width * height);
  if (channels === 1) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels]!;
  return out;
}

/** The image fingerprint of `bytes`, or undefined when sharp cannot decode them as an image. */
export async function imageFingerprint(bytes: Uint8Array): Promise<Fingerprint | undefined> {
  let format: string | undefined;
  try {
    format = (await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'none' }).metadata()).format;
  } catch {
    return undefined;
  }
  if (format === undefined) return undefined;
  try {
    const [p, d] = await Promise.all([grey(bytes, PHASH_SIDE, PHASH_SIDE), grey(bytes, DHASH_WIDTH, DHASH_HEIGHT)]);
    return { kind: 'image', phash: formatHash64(pHash(p)), dhash: formatHash64(dHash(d)) };
  } catch {
    return undefined;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Visible text of an HTML document: scripts, styles and tags removed, common entities decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The text of `bytes` when they are UTF-8 text (HTML stripped), else undefined. */
export function decodeText(bytes: Uint8Array): string | undefined {
  let part = bytes.length > MAX_TEXT_BYTES ? bytes.subarray(0, MAX_TEXT_BYTES) : bytes;
  // Do not cut a UTF-8 sequence in two.
  if (part.length < bytes.length) while (part.length > 0 && (part[part.length - 1]! & 0xc0) === 0x80) part = part.subarray(0, part.length - 1);
  if (part.length > 0 && (part[part.length - 1]! & 0x80) !== 0 && part.length < bytes.length) part = part.subarray(0, part.length - 1);
  let text: string;
  try {
    text = decoder.decode(part);
  } catch {
    return undefined;
  }
  if (text.includes('\u0000')) return undefined;
  return /^\s*(<!doctype html|<html|<head|<body)/i.test(text) ? htmlText(text) : text;
}

/** The text fingerprint of `text`, or undefined when it is too short. */
export function textFingerprint(text: string): Fingerprint | undefined {
  const sig = textSignature(text);
  return sig === undefined ? undefined : { kind: 'text', minhash: formatSignature(sig) };
}

/** The fingerprint of a file: an image's, else a text's, else undefined. */
export async function fingerprintBytes(bytes: Uint8Array): Promise<Fingerprint | undefined> {
  const image = await imageFingerprint(bytes);
  if (image !== undefined) return image;
  const text = decodeText(bytes);
  return text === undefined ? undefined : textFingerprint(text);
}
