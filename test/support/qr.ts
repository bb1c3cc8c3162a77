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

/** The text of the QR code in the PDF at `pdfPath`, looked for from its last page back (pages rendered beside it at 150 dpi), or undefined. */
export async function decodePdfQr(pdfPath: string): Promise<string | undefined> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const pages = Number(/^Pages:\s+(\d+)$/m.exec((await run('pdfinfo', [pdfPath])).stdout)?.[1] ?? '1');
  for (let p = pages; p >= 1; p--) {
    const out = `${pdfPath.replace(/\.pdf$/, '')}.qr-${p}`;
    await run('pdftoppm', ['-png', '-r', '150', '-f', String(p), '-l', String(p), '-singlefile', pdfPath, out]);
    const found = await decodeQrPng(`${out}.png`);
    if (found !== undefined) return found;
  }
  return undefined;
}
