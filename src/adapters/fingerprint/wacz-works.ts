/**
 * The works inside a capture's WACZ bundle, for matching: every WARC `response` record whose
 * payload is an image or an HTML/plain-text page (the page's visible text), at most
 * MAX_WORKS of them.
 */
import { unzipSync } from 'fflate';
import { WARCParser } from 'warcio';
import type { CapturedWork } from '../../app/matches.js';

const MAX_WORKS = 200;
const MAX_WORK_BYTES = 50 * 1024 * 1024;

export async function captureWorks(bundle: Uint8Array): Promise<CapturedWork[]> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bundle, { filter: (f) => f.name.startsWith('archive/') && /\.warc(\.gz)?$/.test(f.name) });
  } catch {
    return [];
  }
  const out: CapturedWork[] = [];
  for (const warc of Object.values(files)) {
    const parser = new WARCParser([warc]);
    for await (const record of parser) {
      if (out.length >= MAX_WORKS) return out;
      if (record.warcType !== 'response') {
        await record.readFully(false);
        continue;
      }
      const type = (record.httpHeaders?.headers.get('content-type') ?? '').toLowerCase();
      const wanted = type.startsWith('image/') || type.startsWith('text/html') || type.startsWith('text/plain');
      const bytes = await record.readFully(true);
      if (!wanted || bytes.length === 0 || bytes.length > MAX_WORK_BYTES) continue;
      out.push({ url: record.warcTargetURI ?? '', contentType: type, bytes });
    }
  }
  return out;
}
