/** AuditSource over a running server's public API (contract §2.3). */
import { fromBase64, fromHex } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { AuditSource } from '../../app/audit.js';
import type { ExportSource } from '../../app/export.js';
import type { BlockRecord } from '../../app/ports.js';

interface BlockJson {
  height: number;
  treeSize: number;
  rootHash: string;
  prevHash: string;
  time: string;
  checkpoint: string;
}

/**
 * `fetchImpl` that waits and retries when the server answers 429 or 503 (rate limited,
 * overloaded), for as long as its Retry-After says (1 s without one, at most 30 s a time), up to
 * `attempts` tries; any other answer is returned as it is.
 */
export function patientFetch(fetchImpl: typeof fetch = fetch, attempts = 8, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): typeof fetch {
  return async (input, init) => {
    for (let i = 1; ; i++) {
      const res = await fetchImpl(input, init);
      if ((res.status !== 429 && res.status !== 503) || i >= attempts) return res;
      const after = Number(res.headers.get('retry-after'));
      await res.body?.cancel();
      await sleep(Math.min(30_000, Number.isFinite(after) && after > 0 ? after * 1000 : 1000));
    }
  };
}

export function httpAuditSource(base: string, fetchImpl: typeof fetch = patientFetch()): AuditSource & { key(): Promise<string> } {
  const url = (path: string) => new URL(path, base.endsWith('/') ? base : base + '/').toString();
  const get = async (path: string): Promise<Response> => {
    const res = await fetchImpl(url(path));
    if (!res.ok) throw new LogError(res.status === 404 ? 'not_found' : 'internal', `GET ${path}: HTTP ${res.status}`);
    return res;
  };
  const getJson = async <T>(path: string): Promise<T> => (await (await get(path)).json()) as T;
  const toBlock = (b: BlockJson): BlockRecord => ({
    height: BigInt(b.height),
    treeSize: BigInt(b.treeSize),
    rootHash: fromHex(b.rootHash, 32),
    prevHash: fromHex(b.prevHash, 32),
    time: b.time,
    checkpoint: b.checkpoint,
  });
  return {
    key: async () => (await (await get('v1/log/key')).text()).trim(),
    latestHeight: async () => BigInt((await getJson<BlockJson>('v1/blocks/latest')).height),
    async getBlock(h) {
      try {
        return toBlock(await getJson<BlockJson>(`v1/blocks/${h}`));
      } catch (e) {
        if (e instanceof LogError && e.code === 'not_found') return undefined;
        throw e;
      }
    },
    async getEntries(start, count) {
      const out: Uint8Array[] = [];
      while (out.length < count) {
        const at = start + BigInt(out.length);
        const n = Math.min(1000, count - out.length);
        let page: { entries: { index: number; entry: string }[] };
        try {
          page = await getJson(`v1/log/entries?start=${at}&count=${n}`);
        } catch (e) {
          if (e instanceof LogError && e.code === 'not_found') break;
          throw e;
        }
        if (page.entries.length === 0) break;
        for (const e of page.entries) out.push(fromBase64(e.entry));
      }
      return out;
    },
    consistencyProof: async (from, to) => (await getJson<{ hashes: string[] }>(`v1/log/proof/consistency?from=${from}&to=${to}`)).hashes.map((h) => fromHex(h, 32)),
    inclusionProof: async (index, treeSize) =>
      (await getJson<{ hashes: string[] }>(`v1/log/proof/inclusion?index=${index}&treeSize=${treeSize}`)).hashes.map((h) => fromHex(h, 32)),
  };
}

/** ExportSource over a running server's public API (docs/ARCHIVE.md). */
export function httpExportSource(base: string, fetchImpl: typeof fetch = patientFetch()): ExportSource {
  const url = (path: string) => new URL(path, base.endsWith('/') ? base : base + '/').toString();
  const get = async (path: string, allow404 = false): Promise<Response | undefined> => {
    const res = await fetchImpl(url(path));
    if (res.status === 404 && allow404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new LogError(res.status === 404 ? 'not_found' : 'internal', `GET ${path}: HTTP ${res.status}`);
    return res;
  };
  const audit = httpAuditSource(base, fetchImpl);
  return {
    latestHeight: () => audit.latestHeight(),
    async checkpoint(h) {
      const b = await audit.getBlock(h);
      if (b === undefined) throw new LogError('not_found', `GET v1/blocks/${h}: no such block`);
      return b.checkpoint;
    },
    getEntries: (start, count) => audit.getEntries(start, count),
    async timestamp(h) {
      const res = await get(`v1/blocks/${h}/timestamp`, true);
      return res === undefined ? undefined : new Uint8Array(await res.arrayBuffer());
    },
    async keys() {
      const res = await get('v1/log/keys', true);
      if (res === undefined) return [{ key: await audit.key(), firstHeight: 0n }]; // a server without key history
      const body = (await res.json()) as { keys: { key: string; firstHeight: number; lastHeight?: number }[] };
      return body.keys.map((k) => ({ key: k.key, firstHeight: BigInt(k.firstHeight), ...(k.lastHeight !== undefined ? { lastHeight: BigInt(k.lastHeight) } : {}) }));
    },
    async tsaCertificate() {
      const res = await get('v1/tsa/certificate', true);
      return res === undefined ? undefined : await res.text();
    },
    async registry(after) {
      const res = await get(`v1/registry/entries?limit=1000${after !== undefined ? `&after=${encodeURIComponent(after)}` : ''}`, true);
      if (res === undefined) return { entries: [] }; // a server without the registry
      const body = (await res.json()) as { entries: unknown[]; next?: string };
      return { entries: body.entries.map((e) => JSON.stringify(e)), ...(body.next !== undefined ? { next: body.next } : {}) };
    },
  };
}
