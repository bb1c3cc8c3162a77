/**
 * The page machinery shared by every certificate PDF (evidence and registration): Noto Sans SC
 * (SIL OFL 1.1) read once from PDF_FONT_DIR or the @expo-google-fonts/noto-sans-sc package, A4
 * pages with a double frame, sections and label/value rows that flow onto a new page when the
 * current one is full, "第 i 页 共 N 页" on every page, and the operator's signature over the
 * finished file (sign.ts).
 */
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { signPdf, type SignDetails } from './sign.js';
import type { PdfSigning } from './signing-key.js';

export const FONT_FILES = { regular: 'NotoSansSC_400Regular.ttf', bold: 'NotoSansSC_700Bold.ttf' } as const;

const require = createRequire(import.meta.url);
const fontCache = new Map<string, Promise<{ regular: Buffer; bold: Buffer }>>();

/** The two font files: from `dir` (PDF_FONT_DIR, both files side by side), else from the npm package. */
export function loadFonts(dir?: string): Promise<{ regular: Buffer; bold: Buffer }> {
  const key = dir ?? '';
  let p = fontCache.get(key);
  if (p === undefined) {
    p = (async () => {
      const at = (weight: 'regular' | 'bold'): string => {
        if (dir !== undefined) return join(dir, FONT_FILES[weight]);
        const pkg = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
        return join(pkg, weight === 'regular' ? '400Regular' : '700Bold', FONT_FILES[weight]);
      };
      const [regular, bold] = await Promise.all([readFile(at('regular')), readFile(at('bold'))]);
      return { regular, bold };
    })();
    p.catch(() => fontCache.delete(key));
    fontCache.set(key, p);
  }
  return p;
}

/** Why PDF_FONT_DIR cannot be used (a font file missing or unreadable), or undefined when both fonts are there. */
export async function fontDirProblem(dir: string): Promise<string | undefined> {
  for (const f of Object.values(FONT_FILES)) {
    try {
      await access(join(dir, f));
    } catch (e) {
      return `${join(dir, f)} cannot be read (${(e as { code?: string }).code ?? String(e)}); the folder must hold ${FONT_FILES.regular} and ${FONT_FILES.bold}`;
    }
  }
  return undefined;
}

// Palette and geometry (points; A4 is 595.28 x 841.89).
export const INK = '#1b2433';
export const MUTED = '#5b6677';
export const NAVY = '#17365d';
export const ACCENT = '#a4262c';
export const WARN = '#8a4b00';
export const RULE = '#c9d1dc';
export const TINT = '#f3f6fa';
export const WARN_TINT = '#fff4e0';
export const PAGE_W = 595.28;
export const PAGE_H = 841.89;
export const M = 42; // outer margin of the content
export const CONTENT_W = PAGE_W - 2 * M;
export const MONO = 'Courier';
const TOP = 40;
/** Lowest y content may reach; the page number sits below it. */
const BOTTOM = PAGE_H - 50;
const LABEL_W = 112;
const LABEL2_W = 96;
const HALF = CONTENT_W / 2;

export interface Cell {
  zh: string;
  en: string;
  value: string;
  mono?: boolean;
  size?: number;
  /** Longest the value may run (default 2 lines, 1 in a half-width cell); longer text is cut with "…". */
  lines?: number;
  /** Appended after the "…" when the value is cut (e.g. where the rest can be read). */
  cutNote?: string;
  color?: string;
}

/** "2026-11-30 19:45:16 北京时间 (UTC+08:00)" for an RFC 3339 instant; the input itself when it is not one. */
export function beijingTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const frac = /T\d{2}:\d{2}:\d{2}(\.\d+)/.exec(iso)?.[1] ?? '';
  const b = new Date(t + 8 * 3_600_000).toISOString();
  return `${b.slice(0, 10)} ${b.slice(11, 19)}${frac} 北京时间 (UTC+08:00)`;
}

/** Beijing time, then the instant in UTC as stored: "… 北京时间 (UTC+08:00)\n2026-11-30T11:45:16Z (UTC)". */
export function bothTimes(iso: string): string {
  return Number.isNaN(Date.parse(iso)) ? iso : `${beijingTime(iso)}\n${iso} (UTC)`;
}

/** True when `url` names this machine only (127.0.0.0/8, ::1, localhost): nobody else can open it. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '0:0:0:0:0:0:0:1';
}

export function clip(s: string, max: number): string {
  const chars = [...s.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : chars.slice(0, max - 1).join('') + '…';
}

/** An A4 certificate being laid out top to bottom; `y` is where the next block starts. */
export class CertificatePdf {
  y = TOP;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  private constructor(
    readonly doc: PDFKit.PDFDocument,
    /** Left of the page number on every page, e.g. "存证证书 dep_…". */
    private readonly footerLabel: string,
  ) {
    doc.on('data', (c: Buffer) => this.chunks.push(c));
    this.done = new Promise<Buffer>((resolve, reject) => {
      doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      doc.on('error', reject);
    });
    this.frame();
  }

  static async create(info: PDFKit.DocumentInfo, footerLabel: string, fontDir?: string): Promise<CertificatePdf> {
    const { regular, bold } = await loadFonts(fontDir);
    const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: true, bufferPages: true, compress: true, info, lang: 'zh-CN', displayTitle: true });
    doc.registerFont('sans', regular);
    doc.registerFont('sans-bold', bold);
    return new CertificatePdf(doc, footerLabel);
  }

  /** The double rule around the page, like a printed certificate. */
  private frame(): void {
    this.doc.lineWidth(1.6).strokeColor(NAVY).rect(18, 18, PAGE_W - 36, PAGE_H - 36).stroke();
    this.doc.lineWidth(0.5).strokeColor(NAVY).rect(23, 23, PAGE_W - 46, PAGE_H - 46).stroke();
  }

  newPage(): void {
    this.doc.addPage({ size: 'A4', margin: 0 });
    this.frame();
    this.y = TOP;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  ensure(height: number): void {
    if (this.y + height > BOTTOM) this.newPage();
  }

  /** A tinted section heading: Chinese, then the English in small capitals. Kept with `keep` points of what follows. */
  section(zh: string, en: string, keep = 40): void {
    this.ensure(23 + keep);
    const { doc } = this;
    this.y += 3;
    doc.rect(M, this.y, CONTENT_W, 16).fill(TINT);
    doc.rect(M, this.y, 3, 16).fill(NAVY);
    doc.font('sans-bold').fontSize(9.5).fillColor(NAVY).text(zh, M + 10, this.y + 2.2, { lineBreak: false });
    const w = doc.widthOfString(zh);
    doc.font('sans').fontSize(7.5).fillColor(MUTED).text(en.toUpperCase(), M + 16 + w, this.y + 4, { lineBreak: false, characterSpacing: 0.8 });
    this.y += 21;
  }

  /** `text` cut (with "…" and `note`) to at most `lines` lines of `width` in the current font. */
  fit(text: string, width: number, lines: number, note = ''): string {
    const { doc } = this;
    const opts = { width, lineGap: 0.5 };
    const limit = doc.heightOfString('Ag', opts) * lines + 0.5;
    if (doc.heightOfString(text, opts) <= limit) return text;
    const chars = [...text];
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (doc.heightOfString(chars.slice(0, mid).join('') + '…' + note, opts) <= limit) lo = mid;
      else hi = mid - 1;
    }
    return chars.slice(0, lo).join('').trimEnd() + '…' + note;
  }

  /** One row: a full-width cell, or two half-width cells side by side. Moves to a new page when it does not fit. */
  row(...cells: Cell[]): void {
    const { doc } = this;
    const laid = cells.map((c, i) => {
      const vx = cells.length === 1 ? M + LABEL_W : i === 0 ? M + LABEL_W : M + HALF + LABEL2_W;
      const width = cells.length === 1 ? M + CONTENT_W - vx : i === 0 ? HALF - LABEL_W - 6 : M + CONTENT_W - vx;
      const size = c.size ?? (c.mono ? 7.9 : 8.6);
      doc.font(c.mono ? MONO : 'sans').fontSize(size);
      const value = this.fit(c.value, width, c.lines ?? (cells.length === 1 ? 2 : 1), c.cutNote);
      const height = doc.heightOfString(value, { width, lineGap: 0.5 });
      // The English label goes under the Chinese one when both do not fit beside the value.
      const labelW = doc.font('sans').fontSize(7.8).widthOfString(c.zh) + 3 + doc.font('sans').fontSize(6.2).widthOfString(c.en);
      const stacked = c.en !== '' && labelW > vx - (M + 8 + i * HALF) - 6;
      return { c, vx, width, size, value, height, stacked };
    });
    const h = Math.max(12, ...laid.map((l) => Math.max(l.height + (l.c.mono ? 2.2 : 0), l.stacked ? 19 : 0)));
    this.ensure(h + 6);
    const top = this.y;
    laid.forEach((l, i) => {
      const lx = M + 8 + i * HALF;
      doc.font('sans').fontSize(7.8).fillColor(INK).text(l.c.zh, lx, top + 0.8, { lineBreak: false });
      const w = doc.widthOfString(l.c.zh);
      if (l.stacked) doc.font('sans').fontSize(6.2).fillColor(MUTED).text(l.c.en, lx, top + 10.5, { lineBreak: false });
      else if (l.c.en !== '') doc.font('sans').fontSize(6.2).fillColor(MUTED).text(l.c.en, lx + w + 3, top + 2.4, { lineBreak: false });
      doc.font(l.c.mono ? MONO : 'sans').fontSize(l.size).fillColor(l.c.color ?? INK);
      doc.text(l.value, l.vx, top + (l.c.mono ? 2.2 : 0), { width: l.width, lineGap: 0.5 });
    });
    this.y = top + h + 6;
    doc.moveTo(M + 8, this.y - 3).lineTo(M + CONTENT_W, this.y - 3).lineWidth(0.3).strokeColor(RULE).stroke();
  }

  /** A bilingual paragraph: Chinese in ink, the English below it in grey. */
  para(zh: string, en: string, opts: { x?: number; width?: number; size?: number; zhColor?: string } = {}): void {
    const { doc } = this;
    const x = opts.x ?? M + 8;
    const width = opts.width ?? M + CONTENT_W - x;
    const size = opts.size ?? 8.2;
    const zo = { width, lineGap: 1.2 };
    const eo = { width, lineGap: 0.6 };
    const h = doc.font('sans').fontSize(size).heightOfString(zh, zo) + 1 + doc.font('sans').fontSize(size - 0.8).heightOfString(en, eo);
    this.ensure(h + 5);
    doc.font('sans').fontSize(size).fillColor(opts.zhColor ?? INK).text(zh, x, this.y, zo);
    doc.font('sans').fontSize(size - 0.8).fillColor(MUTED).text(en, x, doc.y + 1, eo);
    this.y = doc.y + 5;
  }

  /** A shell command (or several lines of them) in a tinted box, one command per line so a copy still runs. */
  code(text: string, opts: { x?: number; width?: number } = {}): void {
    const { doc } = this;
    const x = opts.x ?? M + 22;
    const width = opts.width ?? M + CONTENT_W - x;
    doc.font(MONO).fontSize(6.8);
    const h = doc.heightOfString(text, { width: width - 12, lineGap: 0.8 });
    this.ensure(h + 12);
    doc.roundedRect(x, this.y - 1, width, h + 7, 3).fill(TINT);
    doc.font(MONO).fontSize(6.8).fillColor(INK).text(text, x + 6, this.y + 2.5, { width: width - 12, lineGap: 0.8 });
    this.y += h + 12;
  }

  /** A numbered step: its number in the margin, then a bilingual paragraph. */
  step(n: string, zh: string, en: string, width?: number): void {
    const x = M + 22;
    const { doc } = this;
    const w = width ?? M + CONTENT_W - x;
    const h = doc.font('sans').fontSize(8.2).heightOfString(zh, { width: w, lineGap: 1.2 });
    this.ensure(h + 30);
    doc.font('sans-bold').fontSize(9).fillColor(NAVY).text(n, M + 8, this.y - 0.5, { lineBreak: false });
    this.para(zh, en, { x, width: w });
  }

  /** A boxed warning in amber (e.g. a loopback verify URL, a self-issued time). */
  warning(zh: string, en: string): void {
    const { doc } = this;
    const x = M + 8;
    const width = CONTENT_W - 8;
    const zo = { width: width - 16, lineGap: 1.2 };
    const eo = { width: width - 16, lineGap: 0.6 };
    const h = doc.font('sans-bold').fontSize(8.2).heightOfString(zh, zo) + 1 + doc.font('sans').fontSize(7.4).heightOfString(en, eo);
    this.ensure(h + 16);
    doc.roundedRect(x, this.y, width, h + 10, 3).fill(WARN_TINT);
    doc.rect(x, this.y, 3, h + 10).fill(WARN);
    doc.font('sans-bold').fontSize(8.2).fillColor(WARN).text(zh, x + 10, this.y + 5, zo);
    doc.font('sans').fontSize(7.4).fillColor(WARN).text(en, x + 10, doc.y + 1, eo);
    this.y += h + 16;
  }

  /** A QR code of `text`, `size` points wide, top-left at (x, y). */
  qr(modules: { size: number; get(r: number, c: number): number | boolean }, x: number, y: number, size: number): void {
    const n = modules.size;
    const cell = size / n;
    const { doc } = this;
    doc.rect(x - 4, y - 4, size + 8, size + 8).fill('#ffffff');
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (modules.get(r, c)) doc.rect(x + c * cell, y + r * cell, cell + 0.02, cell + 0.02);
    doc.fill('#000000');
  }

  /** Numbers every page, attaches nothing more, ends the document and signs it (when `signing` is given). */
  async finish(signing: PdfSigning | undefined, details: SignDetails): Promise<Buffer> {
    const { doc } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const label = `第 ${i + 1} 页 共 ${range.count} 页   Page ${i + 1} of ${range.count}`;
      doc.font('sans').fontSize(7.5).fillColor(MUTED);
      doc.text(label, M + CONTENT_W - doc.widthOfString(label), PAGE_H - 40, { lineBreak: false });
      doc.text(this.footerLabel, M, PAGE_H - 40, { lineBreak: false });
    }
    doc.flushPages();
    doc.end();
    const pdf = await this.done;
    return signing === undefined ? pdf : signPdf(pdf, signing, details);
  }
}
