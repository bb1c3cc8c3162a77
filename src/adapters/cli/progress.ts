/**
 * A progress line on stderr. On a terminal it is redrawn in place every REDRAW_MS (so rate, ETA
 * and counts move even between updates); elsewhere (a pipe, a log file) a plain line is written
 * every LINE_MS while the figures change, and one at the end.
 */
export interface Progress {
  /** The latest figures; drawn at the next tick. `detail` is shown after the counts. */
  update(done: number, total: number, detail?: string): void;
  /** The final figures: drawn at once, and the timer stops. */
  done(done: number, total: number, detail?: string): void;
  /** Stops the timer without drawing (the command failed). */
  stop(): void;
}

export const REDRAW_MS = 150;
export const LINE_MS = 5000;

/** No progress at all (`--json`, tests). */
export const noProgress: Progress = { update() {}, done() {}, stop() {} };

type Stream = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean };

export function progress(label: string, stream: Stream = process.stderr, now: () => number = Date.now): Progress {
  const tty = stream.isTTY === true;
  const started = now();
  let figures: { done: number; total: number; detail: string | undefined } | undefined;
  let drawn = '';
  let timer: ReturnType<typeof setInterval> | undefined;

  const text = (done: number, total: number, detail: string | undefined): string => {
    const secs = (now() - started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const pct = total > 0 ? Math.min(100, (100 * done) / total) : 100;
    const eta = rate > 0 && total > done ? `eta ${Math.ceil((total - done) / rate)}s` : `${Math.floor(secs)}s`;
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    return `${label} ${bar} ${pct.toFixed(1)}% ${done}/${total}${detail !== undefined ? ` ${detail}` : ''} ${Math.round(rate)}/s ${eta}`;
  };
  const draw = () => {
    if (figures === undefined) return;
    const t = text(figures.done, figures.total, figures.detail);
    if (tty) stream.write(`\r${t}\u001b[K`);
    else {
      // A plain line only when the counts moved since the last one.
      const counts = `${figures.done}/${figures.total} ${figures.detail ?? ''}`;
      if (counts === drawn) return;
      drawn = counts;
      stream.write(`${t}\n`);
    }
  };
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  return {
    update(done, total, detail) {
      const first = figures === undefined;
      figures = { done, total, detail };
      if (first) {
        draw();
        timer = setInterval(draw, tty ? REDRAW_MS : LINE_MS);
        timer.unref?.();
      }
    },
    done(done, total, detail) {
      stop();
      figures = { done, total, detail };
      draw();
      if (tty) stream.write('\n');
    },
    stop,
  };
}
