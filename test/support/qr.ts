/** Decodes the QR code on a rendered page (PNG) with jsqr + pngjs. */
import { readFile } from 'node:fs/promises';
import jsqrImport from 'jsqr';
import { PNG } from 'pngjs';

type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
// jsqr is CommonJS typed as an ES module: the function is the module or its default, by loader.
const m = jsqrImport as unknown as JsQR | { default: JsQR };
const jsQR: JsQR = typeof m === 'function' ? m : m.default;

/** The text of the QR code found in the PNG at `path`, or undefined. */
export async function decodeQrPng(path: string): Promise<string | undefined> {
  const png = PNG.sync.read(await readFile(path));
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data;
}
