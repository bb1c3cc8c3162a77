/** The JSON value records in `src/adapters/records/` hold. */
import type { RecordStore } from '../../app/ports.js';

/** The record at (`space`, `key`) parsed as JSON, or undefined when there is none. */
export async function getJson<T>(store: Pick<RecordStore, 'getRecord'>, space: string, key: string): Promise<T | undefined> {
  const raw = await store.getRecord(space, key);
  return raw === undefined ? undefined : (JSON.parse(raw) as T);
}
