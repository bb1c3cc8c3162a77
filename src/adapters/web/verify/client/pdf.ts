/**
 * Reads the JSON certificate attached to a PDF certificate, in the browser. The service's PDFs
 * (pdfkit) attach it as an `/EmbeddedFile` stream, FlateDecode-compressed, in a plain (not
 * object-stream) PDF; a signature only appends an incremental update. So: find every
 * `/Type /EmbeddedFile` object, take its stream (by a direct `/Length`, else up to
 * `endstream`), inflate it when it is FlateDecode, and keep those that parse as JSON.
 */
import { inflateSync, unzlibSync } from 'fflate';

export interface Attachment {
  /** The file name from the file specification (`/F (…)` or `/UF`), when found. */
  name: string | undefined;
  bytes: Uint8Array;
}

/** At most this many embedded files are read (a certificate PDF has one). */
const MAX_ATTACHMENTS = 16;
/** An attachment larger than this (inflated) is skipped: certificates are a few KiB. */
const MAX_INFLATED = 4 << 20;

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

function inflate(data: Uint8Array): Uint8Array {
  try {
    return unzlibSync(data);
  } catch {
    return inflateSync(data);
  }
}

/** The object number of the object whose dictionary is at `at` (`N G obj` just before it). */
function objectNumberBefore(text: string, at: number): string | undefined {
  const head = text.slice(Math.max(0, at - 2000), at);
  const all = [...head.matchAll(/(\d+)\s+\d+\s+obj\b/g)];
  return all.at(-1)?.[1];
}

/** The name of the file specification pointing at object `num` (`/EF << /F num 0 R >>`). */
function fileSpecName(text: string, num: string | undefined): string | undefined {
  if (num === undefined) return undefined;
  const ef = new RegExp(`/EF\\s*<<\\s*/F\\s+${num}\\s+0\\s+R`).exec(text);
  if (ef === null) return undefined;
  const start = text.lastIndexOf(' obj', ef.index);
  const spec = text.slice(start, ef.index + 400);
  const m = /\/(?:UF|F)\s*\(([^)]{1,200})\)/.exec(spec);
  return m?.[1];
}

/** Every embedded file of `pdf` (bytes of a PDF). Throws when `pdf` is not a PDF. */
export function pdfAttachments(pdf: Uint8Array): Attachment[] {
  const text = latin1(pdf);
  if (!text.startsWith('%PDF-')) throw new Error('not a PDF file');
  const out: Attachment[] = [];
  const re = /\/Type\s*\/EmbeddedFile\b/g;
  for (let m = re.exec(text); m !== null && out.length < MAX_ATTACHMENTS; m = re.exec(text)) {
    const dictStart = text.lastIndexOf('<<', m.index);
    const streamAt = text.indexOf('stream', m.index);
    if (dictStart < 0 || streamAt < 0) continue;
    const dict = text.slice(dictStart, streamAt);
    let dataStart = streamAt + 'stream'.length;
    if (text[dataStart] === '\r') dataStart++;
    if (text[dataStart] === '\n') dataStart++;
    const len = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict);
    const end = len !== null ? dataStart + Number(len[1]) : text.indexOf('endstream', dataStart);
    if (end < dataStart || end > pdf.length) continue;
    let bytes: Uint8Array = pdf.slice(dataStart, end);
    if (/\/Filter\s*(\[\s*)?\/FlateDecode/.test(dict)) {
      try {
        bytes = inflate(bytes);
      } catch {
        continue;
      }
    } else if (/\/Filter/.test(dict)) continue;
    if (bytes.length > MAX_INFLATED) continue;
    out.push({ name: fileSpecName(text, objectNumberBefore(text, dictStart)), bytes });
  }
  return out;
}

/** The certificate JSON attached to `pdf` (the first attachment that is a copyright-ledger certificate), or undefined. */
export function certificateFromPdf(pdf: Uint8Array): { name: string | undefined; text: string } | undefined {
  for (const a of pdfAttachments(pdf)) {
    const text = new TextDecoder().decode(a.bytes);
    try {
      const v = JSON.parse(text) as { format?: unknown };
      if (typeof v.format === 'string' && v.format.startsWith('copyright-ledger/')) return { name: a.name, text };
    } catch {
      // not JSON: another attachment
    }
  }
  return undefined;
}
