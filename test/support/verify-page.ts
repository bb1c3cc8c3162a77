/**
 * Driving the verify page (`/verify`, `verify.html`) in Chromium: drop files on its zones the way
 * a drag from the desktop does, wait for the run a drop starts, and read the verdict and every
 * named check (`#checks tr[data-check][data-ok]`, `#verdict[data-verdict]`, `body[data-runs]`).
 */
import type { Page } from 'playwright-core';

// Code run inside the page (page.evaluate); the tests compile without the DOM library.
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Outcome {
  verdict: string;
  checks: Record<string, boolean | undefined>;
  text: string;
}

/** How many verification runs the page has finished. */
export const runs = (page: Page): Promise<number> => page.evaluate(() => Number(document.body.dataset.runs ?? '0'));

/** Waits for the run after `before`, then reads the verdict and every check row. */
export async function outcome(page: Page, before: number): Promise<Outcome> {
  await page.waitForFunction((n: number) => Number(document.body.dataset.runs ?? '0') > n, before, { timeout: 60_000 });
  return page.evaluate(() => {
    const checks: Record<string, boolean | undefined> = {};
    for (const tr of document.querySelectorAll('#checks tr') as Iterable<{ dataset: Record<string, string | undefined> }>) {
      checks[tr.dataset.check!] = tr.dataset.ok === undefined ? undefined : tr.dataset.ok === 'true';
    }
    const v = document.getElementById('verdict');
    return { verdict: v.dataset.verdict as string, checks, text: v.textContent as string };
  });
}

/** Drops a file on the drop zone `zone` the way a person drags one from the desktop (a drop event with a DataTransfer). */
export async function drop(page: Page, zone: string, name: string, bytes: Uint8Array, type = ''): Promise<void> {
  const dt = await page.evaluateHandle(
    ({ b64, name, type }: { b64: string; name: string; type: string }) => {
      const bin = window.atob(b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      const t = new window.DataTransfer();
      t.items.add(new window.File([arr], name, { type }));
      return t;
    },
    { b64: Buffer.from(bytes).toString('base64'), name, type },
  );
  await page.dispatchEvent(zone, 'drop', { dataTransfer: dt });
}

/** Drops a file and waits for the checks it starts. */
export async function dropAndCheck(page: Page, zone: string, name: string, bytes: Uint8Array, type = ''): Promise<Outcome> {
  const before = await runs(page);
  await drop(page, zone, name, bytes, type);
  return outcome(page, before);
}
