/** The server's API as ingest uses it, with retries: 429/503 honour Retry-After; network errors back off. */
import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { message, type Hashed } from './types.js';

const MAX_ATTEMPTS = 8;

/** `HTTP <status> <code>: <detail>` of a problem+json answer. */
export function problemText(res: { status: number; json: unknown }): string {
  const p = res.json as { code?: unknown; detail?: unknown } | undefined;
  return `HTTP ${res.status}` + (typeof p?.code === 'string' ? ` ${p.code}` : '') + (typeof p?.detail === 'string' ? `: ${p.detail}` : '');
}

export class Api {
  constructor(
    private readonly base: string,
    private readonly apiKey: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  private url(path: string): string {
    return new URL(path, this.base).toString();
  }

  /** `make` until it answers other than 429/503; a network error is retried too unless `once` (then it throws). */
  private async request(make: () => Promise<Response>, once = false): Promise<Response> {
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined;
      let error: unknown;
      try {
        res = await make();
      } catch (e) {
        error = e;
      }
      if (res !== undefined && res.status !== 429 && res.status !== 503) return res;
      if (attempt >= MAX_ATTEMPTS || (res === undefined && once)) {
        if (res !== undefined) return res;
        throw new Error(`cannot reach the server: ${message(error)}`);
      }
      let wait = delay;
      if (res !== undefined) {
        const ra = res.headers.get('retry-after');
        const secs = ra !== null && /^\d+$/.test(ra) ? Number(ra) : ra !== null ? (Date.parse(ra) - Date.now()) / 1000 : NaN;
        if (Number.isFinite(secs)) wait = Math.min(Math.max(secs * 1000, 0), 60_000);
        await res.arrayBuffer().catch(() => undefined);
      }
      delay = Math.min(delay * 2, 10_000);
      await sleep(wait);
    }
  }

  async json(method: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const text = JSON.stringify(body);
    const res = await this.request(() =>
      this.fetchImpl(this.url(path), {
        method,
        headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
        body: text,
      }),
    );
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }

  /** GET without credentials, failing at once when nothing answers (is the server there at all?). */
  publicText(path: string): Promise<string> {
    return this.text(path, false, true);
  }

  async text(path: string, auth = true, once = false): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth) headers.authorization = `Bearer ${this.apiKey}`;
    const res = await this.request(() => this.fetchImpl(this.url(path), { headers }), once);
    const text = await res.text();
    if (res.status !== 200) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      throw new Error(problemText({ status: res.status, json }));
    }
    return text;
  }

  async upload(h: Hashed): Promise<{ status: number; json: unknown }> {
    const res = await this.request(async () => {
      const form = new FormData();
      if (h.metadata !== undefined) form.set('metadata', JSON.stringify(h.metadata));
      form.set('file', await openAsBlob(h.abs), h.path.split('/').pop() ?? 'file');
      return this.fetchImpl(this.url('v1/deposits'), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          'idempotency-key': 'ingest-' + createHash('sha256').update(h.externalId).digest('hex'),
        },
        body: form,
      });
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
