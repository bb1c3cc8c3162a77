/**
 * Screen recording of a capture session without an external encoder: the captured tab's frames
 * (DevTools `Page.startScreencast`, JPEG, with their timestamps) are encoded to VP8 by the
 * browser's own WebCodecs `VideoEncoder` in a second, network-less context (a page served by a
 * playwright route at https://recorder.invalid/, since WebCodecs needs a secure context), and
 * muxed into WebM here (webm.ts). The screencast sends a frame when the page changes; the last
 * frame is repeated at the end so the recording spans the whole session.
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { muxWebm, type EncodedFrame } from './webm.js';

/** Runs inside the recorder page (plain text: this file is compiled without the DOM lib). */
const RECORDER_SCRIPT = `
(() => {
  const W = WIDTH, H = HEIGHT;
  const canvas = new OffscreenCanvas(W, H);
  const ctx = canvas.getContext('2d');
  const out = [];
  let failure = null;
  let count = 0;
  let lastKeyUs = -1e12;
  let lastUs = -1;
  let lastBitmap = null;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      let s = '';
      for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
      out.push({ timestampUs: chunk.timestamp, key: chunk.type === 'key', data: btoa(s) });
    },
    error: (e) => { failure = String(e); },
  });
  encoder.configure({ codec: 'vp8', width: W, height: H, bitrate: 1500000, framerate: 10 });
  const encode = (bitmap, us) => {
    if (us <= lastUs) us = lastUs + 1000;
    lastUs = us;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    if (bitmap) ctx.drawImage(bitmap, 0, 0, Math.min(W, bitmap.width), Math.min(H, bitmap.height), 0, 0, Math.min(W, bitmap.width), Math.min(H, bitmap.height));
    const frame = new VideoFrame(canvas, { timestamp: us });
    const key = count === 0 || us - lastKeyUs >= 2000000;
    if (key) lastKeyUs = us;
    encoder.encode(frame, { keyFrame: key });
    frame.close();
    count++;
  };
  window.__frame = async (b64, us) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
    lastBitmap = bitmap;
    encode(bitmap, us);
  };
  window.__stop = async (us) => {
    encode(lastBitmap, us);
    await encoder.flush();
    encoder.close();
    return JSON.stringify({ failure, frames: out });
  };
  encode(null, 0);
})();
`;

export class SessionRecorder {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly context: BrowserContext,
    private readonly recorder: Page,
    private readonly cdp: CDPSession,
    private readonly size: { width: number; height: number },
    private readonly startedAt: number,
  ) {}

  /** Starts recording `page` (a page of another context of `browser`). */
  static async start(browser: Browser, page: Page, size: { width: number; height: number }): Promise<SessionRecorder> {
    const context = await browser.newContext({ viewport: { width: 320, height: 200 }, serviceWorkers: 'block' });
    // The recorder never touches the network: its one page is answered by the route, the rest aborted.
    await context.route('**/*', (route) =>
      route.request().url() === 'https://recorder.invalid/' ? route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>recorder</title>' }) : route.abort(),
    );
    const recorder = await context.newPage();
    await recorder.goto('https://recorder.invalid/');
    await recorder.evaluate(RECORDER_SCRIPT.replace('WIDTH', String(size.width)).replace('HEIGHT', String(size.height)));
    const cdp = await page.context().newCDPSession(page);
    const self = new SessionRecorder(context, recorder, cdp, size, Date.now());
    cdp.on('Page.screencastFrame', (f: { data: string; sessionId: number; metadata?: { timestamp?: number } }) => {
      void cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
      const atMs = f.metadata?.timestamp !== undefined ? f.metadata.timestamp * 1000 : Date.now();
      const us = Math.max(0, Math.round((atMs - self.startedAt) * 1000));
      // In order: each frame is encoded after the previous one.
      self.chain = self.chain.then(() => recorder.evaluate(`window.__frame(${JSON.stringify(f.data)}, ${us})`)).catch(() => undefined);
    });
    await cdp.send('Page.startScreencast', { format: 'jpeg', quality: 80, maxWidth: size.width, maxHeight: size.height, everyNthFrame: 1 });
    return self;
  }

  /** Stops and returns the WebM bytes. */
  async stop(): Promise<Uint8Array> {
    await this.cdp.send('Page.stopScreencast').catch(() => undefined);
    await this.cdp.detach().catch(() => undefined);
    await this.chain;
    const us = Math.round((Date.now() - this.startedAt) * 1000);
    const result = JSON.parse(await this.recorder.evaluate<string>(`window.__stop(${us})`)) as { failure: string | null; frames: { timestampUs: number; key: boolean; data: string }[] };
    await this.context.close().catch(() => undefined);
    if (result.failure !== null) throw new Error(`screen recording failed: ${result.failure}`);
    const frames: EncodedFrame[] = result.frames.map((f) => ({ timestampUs: f.timestampUs, key: f.key, data: Buffer.from(f.data, 'base64') }));
    return muxWebm(frames, this.size.width, this.size.height, 'copyright-ledger capture');
  }
}
