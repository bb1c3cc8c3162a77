/** A progress line on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
export function progress(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let last = 0;
  let lastDone = -1;
  const draw = (done: number, total: number, force = false) => {
    const now = Date.now();
    if (!force && now - last < (stream.isTTY ? 100 : 5000)) return;
    if (force && done === lastDone) return; // the final figure is already on screen
    last = now;
    lastDone = done;
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const pct = total > 0 ? Math.min(100, (100 * done) / total) : 100;
    const eta = rate > 0 && total > done ? Math.ceil((total - done) / rate) : 0;
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const text = `${label} ${bar} ${pct.toFixed(1)}% ${done}/${total} ${Math.round(rate)}/s eta ${eta}s`;
    stream.write(stream.isTTY ? `\r${text}\u001b[K` : `${text}\n`);
  };
  return {
    update: (done: number, total: number) => draw(done, total),
    done: (done: number, total: number) => {
      draw(done, total, true);
      if (stream.isTTY) stream.write('\n');
    },
  };
}
