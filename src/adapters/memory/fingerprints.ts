/** In-memory FingerprintStore (tests, and the contract suite's reference). */
import type { FingerprintRecord, FingerprintStore } from '../../app/fingerprints.js';

export class MemoryFingerprintStore implements FingerprintStore {
  private readonly map = new Map<string, FingerprintRecord>();

  async put(record: FingerprintRecord): Promise<void> {
    this.map.set(record.depositId, structuredClone(record));
  }

  async get(depositId: string): Promise<FingerprintRecord | undefined> {
    const r = this.map.get(depositId);
    return r === undefined ? undefined : structuredClone(r);
  }

  async list(opts: { after?: string; limit: number }): Promise<FingerprintRecord[]> {
    const keys = [...this.map.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return keys
      .filter((k) => opts.after === undefined || Buffer.compare(Buffer.from(k), Buffer.from(opts.after)) > 0)
      .slice(0, opts.limit)
      .map((k) => structuredClone(this.map.get(k)!));
  }

  async added(opts: { since: string; after?: string; limit: number }): Promise<{ depositId: string; cursor: string }[]> {
    const from = opts.after !== undefined && opts.after > opts.since ? opts.after : opts.since;
    return [...this.map.values()]
      .map((r) => ({ depositId: r.depositId, cursor: `${r.createdAt}/${r.depositId}` }))
      .filter((a) => a.cursor > from)
      .sort((a, b) => (a.cursor < b.cursor ? -1 : 1))
      .slice(0, opts.limit);
  }
}
