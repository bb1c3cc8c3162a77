/** The ingest state file: append-only JSONL, one StateRecord per line; the last record of a path wins. */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CannotRun } from '../usage.js';
import { message, type StateRecord } from './types.js';

export class StateFile {
  private constructor(
    private readonly records: Map<string, StateRecord>,
    private readonly handle: FileHandle | undefined,
  ) {}

  /** Reads the records of `path` (none when it does not exist) and opens it for appending. */
  static async open(path: string | undefined): Promise<StateFile> {
    const records = new Map<string, StateRecord>();
    if (path === undefined) return new StateFile(records, undefined);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw new CannotRun(`cannot read the state file ${path}: ${message(e)}`);
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const r = JSON.parse(line) as StateRecord;
        if (r.v === 1 && typeof r.path === 'string' && typeof r.id === 'string') records.set(r.path, r);
      } catch {
        // A line cut short by a crash: that work is simply done again (idempotently).
      }
    }
    let handle: FileHandle;
    try {
      await mkdir(dirname(path), { recursive: true });
      handle = await open(path, 'a');
    } catch (e) {
      throw new CannotRun(`cannot write the state file ${path}: ${message(e)}`);
    }
    // A crash may have left a partial last line: start on a fresh line.
    if (text.length > 0 && !text.endsWith('\n')) await handle.write('\n');
    return new StateFile(records, handle);
  }

  get(path: string): StateRecord | undefined {
    return this.records.get(path);
  }

  /** Appends records and fsyncs: once this resolves they survive a crash. */
  async append(records: StateRecord[]): Promise<void> {
    for (const r of records) this.records.set(r.path, r);
    if (this.handle === undefined || records.length === 0) return;
    await this.handle.write(records.map((r) => JSON.stringify(r) + '\n').join(''));
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
  }
}
