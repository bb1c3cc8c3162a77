/** AuditSource over a running server's public API (contract §2.3). */
import { fromBase64, fromHex } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { AuditSource } from '../../app/audit.js';
import type { BlockRecord } from '../../app/ports.js';

interface BlockJson {
  height: number;
  treeSize: number;
  rootHash: string;
  prevHash: string;
  time: string;
  checkpoint: string;
}

const MAX_ATTEMPTS = 8;

/** Milliseconds to wait before retry `attempt`: Retry-After (seconds or a date), at most a minute; else a doubling back-off. */
function retryDelay(header: string | null, attempt: number): number {
  const secs = header === null ? NaN : /^\d+$/.test(header) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  if (Number.isFinite(secs)) return Math.min(Math.max(secs * 1000, 0), 60_000);
  return Math.min(250 * 2 ** (attempt - 1), 10_000);
}

export function httpAuditSource(base: string, fetchImpl: typeof fetch = fetch): AuditSource & { key(): Promise<string> } {
  const url = (path: string) => new URL(path, base.endsWith('/') ? base : base + '/').toString();
  const get = async (path: string): Promise<Response> => {
    let res = await fetchImpl(url(path));
    // A throttled or busy server (429, 503) says when to come back: wait as told, a few times.
    for (let attempt = 1; (res.status === 429 || res.status === 503) && attempt < MAX_ATTEMPTS; attempt++) {
      await res.arrayBuffer().catch(() => undefined);
      await new Promise((r) => setTimeout(r, retryDelay(res.headers.get('retry-after'), attempt)));
      res = await fetchImpl(url(path));
    }
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
