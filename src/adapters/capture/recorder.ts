/**
 * Screen recording of a capture session without an external encoder: the captured tab's frames
 * (DevTools `Page.startScreencast`, JPEG) are painted onto a canvas in a second, network-less
 * browser context, and that canvas is recorded by the browser's own MediaRecorder as WebM (VP8).
 * The last frame is repainted every 200 ms, so the recording covers the whole session even while
 * the page does not change.
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

/** Runs inside the recorder page (plain text: this file is compiled without the DOM lib). */
const RECORDER_SCRIPT = `
(() => {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH; canvas.height = HEIGHT;
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
  const chunks = [];
  const rec = new MediaRecorder(canvas.captureStream(10), { mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 1500000 });
  rec.ondataavailable = (e) => { if (e.data.size > 0) chunks.push(e.data); };
  let last = null;
  const paint = () => { if (last) ctx.drawImage(last, 0, 0, canvas.width, canvas.height); else { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 1, 1); } };
  const timer = setInterval(paint, 200);
  window.__frame = async (b64) => {
    const img = new Image();
    img.src = 'data:image/jpeg;base64,' + b64;
    await img.decode().catch(() => undefined);
    last = img; paint();
  };
  window.__stop = () => new Promise((resolve) => {
    clearInterval(timer);
    paint();
    rec.onstop = async () => {
      const buf = new Uint8Array(await new Blob(chunks, { type: 'video/webm' }).arrayBuffer());
      let s = '';
      for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
      resolve(btoa(s));
    };
    rec.requestData();
    rec.stop();
  });
  rec.start(500);
})();
`;

export class SessionRecorder {
  private constructor(
    private readonly context: BrowserContext,
    private readonly recorder: Page,
    private readonly cdp: CDPSession,
  ) {}

  /** Starts recording `page` (a page of another context of `browser`). */
  static async start(browser: Browser, page: Page, size: { width: number; height: number }): Promise<SessionRecorder> {
    const context = await browser.newContext({ viewport: size, serviceWorkers: 'block' });
    // The recorder page never touches the network: every request it would make is aborted.
    await context.route('**/*', (route) => route.abort());
    const recorder = await context.newPage();
    await recorder.setContent('<!doctype html><html><body style="margin:0"></body></html>');
    await recorder.evaluate(RECORDER_SCRIPT.replace('WIDTH', String(size.width)).replace('HEIGHT', String(size.height)));
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Page.screencastFrame', (f: { data: string; sessionId: number }) => {
      void cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
      void recorder.evaluate(`window.__frame(${JSON.stringify(f.data)})`).catch(() => undefined);
    });
    await cdp.send('Page.startScreencast', { format: 'jpeg', quality: 70, maxWidth: size.width, maxHeight: size.height, everyNthFrame: 1 });
    return new SessionRecorder(context, recorder, cdp);
  }

  /** Stops and returns the WebM bytes. */
  async stop(): Promise<Uint8Array> {
    await this.cdp.send('Page.stopScreencast').catch(() => undefined);
    await this.cdp.detach().catch(() => undefined);
    const b64 = await this.recorder.evaluate<string>('window.__stop()');
    await this.context.close().catch(() => undefined);
    return Buffer.from(b64, 'base64');
  }
}
