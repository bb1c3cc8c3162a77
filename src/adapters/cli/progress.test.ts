import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LINE_MS, progress, REDRAW_MS } from './progress.js';

function fakeStream(isTTY: boolean) {
  const writes: { at: number; text: string }[] = [];
  return { isTTY, writes, write: (t: string) => (writes.push({ at: Date.now(), text: t }), true) };
}

describe('progress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('on a terminal, redraws in place at least every 200 ms, also when no update came in between', () => {
    expect(REDRAW_MS).toBeLessThanOrEqual(200);
    const s = fakeStream(true);
    const bar = progress('ingest', s);
    bar.update(0, 1000);
    for (let t = 0; t < 2000; t += 50) {
      vi.advanceTimersByTime(50);
      if (t === 500) bar.update(400, 1000, 'done, 900 hashed');
    }
    // Every gap between two draws is at most 200 ms, over two seconds.
    const at = s.writes.map((w) => w.at);
    expect(at.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeLessThanOrEqual(200);
    expect(s.writes.every((w) => w.text.startsWith('\r') && w.text.endsWith('\u001b[K'))).toBe(true);
    expect(s.writes.at(-1)!.text).toContain('40.0% 400/1000 done, 900 hashed');
    bar.done(1000, 1000);
    expect(s.writes.at(-2)!.text).toContain('100.0% 1000/1000');
    expect(s.writes.at(-1)!.text).toBe('\n');
    // Stopped: no more draws.
    const n = s.writes.length;
    vi.advanceTimersByTime(1000);
    expect(s.writes.length).toBe(n);
  });

  it('elsewhere, writes plain lines periodically while the counts move, and the final one', () => {
    const s = fakeStream(false);
    const bar = progress('audit', s);
    bar.update(0, 100);
    expect(s.writes).toHaveLength(1);
    vi.advanceTimersByTime(LINE_MS * 2); // nothing moved: no new line
    expect(s.writes).toHaveLength(1);
    bar.update(50, 100);
    vi.advanceTimersByTime(LINE_MS);
    expect(s.writes).toHaveLength(2);
    expect(s.writes[1]!.text).toMatch(/^audit .* 50\.0% 50\/100 .*\n$/);
    bar.done(100, 100);
    expect(s.writes).toHaveLength(3);
    expect(s.writes.every((w) => !w.text.includes('\r'))).toBe(true);
  });

  it('stop() ends the timer without drawing', () => {
    const s = fakeStream(true);
    const bar = progress('x', s);
    bar.update(1, 2);
    bar.stop();
    const n = s.writes.length;
    vi.advanceTimersByTime(5000);
    expect(s.writes.length).toBe(n);
  });
});
