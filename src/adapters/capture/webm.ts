/**
 * A minimal WebM (Matroska) muxer for one VP8 video track: the EBML header, a Segment with Info
 * (millisecond timecodes, duration), Tracks, and Clusters of SimpleBlocks, a new Cluster at every
 * key frame (and at least every 30 s, the range of a block's 16-bit relative timecode). Element
 * sizes are written as 8-byte variable-length integers, which every Matroska reader accepts.
 */

export interface EncodedFrame {
  /** Presentation time in microseconds from the start. */
  timestampUs: number;
  key: boolean;
  data: Uint8Array;
}

const enc = new TextEncoder();

function id(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

function size8(n: number): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = 0x01;
  let v = BigInt(n);
  for (let i = 7; i >= 1; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function uint(n: number): Uint8Array {
  const bytes: number[] = [];
  let v = BigInt(n);
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  return Uint8Array.from(bytes);
}

function float64(x: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, x);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function el(hexId: string, body: Uint8Array | Uint8Array[]): Uint8Array {
  const data = Array.isArray(body) ? concat(body) : body;
  return concat([id(hexId), size8(data.length), data]);
}

/** The WebM file of VP8 frames `frames` (in presentation order, the first one a key frame). */
export function muxWebm(frames: readonly EncodedFrame[], width: number, height: number, writingApp: string): Uint8Array {
  if (frames.length === 0 || !frames[0]!.key) throw new Error('a WebM needs a first key frame');
  const ms = (us: number) => Math.round(us / 1000);
  const durationMs = Math.max(1, ms(frames[frames.length - 1]!.timestampUs) + 1);
  const header = el('1A45DFA3', [el('4286', uint(1)), el('42F7', uint(1)), el('42F2', uint(4)), el('42F3', uint(8)), el('4282', enc.encode('webm')), el('4287', uint(2)), el('4285', uint(2))]);
  const info = el('1549A966', [el('2AD7B1', uint(1_000_000)), el('4D80', enc.encode(writingApp)), el('5741', enc.encode(writingApp)), el('4489', float64(durationMs))]);
  const video = el('E0', [el('B0', uint(width)), el('BA', uint(height))]);
  const tracks = el('1654AE6B', el('AE', [el('D7', uint(1)), el('73C5', uint(1)), el('83', uint(1)), el('86', enc.encode('V_VP8')), el('9C', uint(0)), video]));
  const clusters: Uint8Array[] = [];
  let base = -1;
  let blocks: Uint8Array[] = [];
  const flush = () => {
    if (base >= 0 && blocks.length > 0) clusters.push(el('1F43B675', [el('E7', uint(base)), ...blocks]));
    blocks = [];
  };
  for (const f of frames) {
    const t = ms(f.timestampUs);
    if (base < 0 || f.key || t - base > 30_000) {
      flush();
      base = t;
    }
    const head = new Uint8Array(4);
    head[0] = 0x81; // track number 1 as a 1-byte vint
    new DataView(head.buffer).setInt16(1, t - base);
    head[3] = f.key ? 0x80 : 0x00;
    blocks.push(el('A3', [head, f.data]));
  }
  flush();
  return concat([header, el('18538067', [info, tracks, ...clusters])]);
}
