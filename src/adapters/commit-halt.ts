/**
 * Test-only hook: a LedgerStore wrapper that stops the sequencer for good at a chosen commit, so a
 * crash test can SIGKILL the process at exactly that moment of the write path instead of hoping
 * a timer lands there.
 *
 * The `n`-th non-empty commit of the process (1-based; the empty genesis commit of a new store
 * does not count) prints one JSON line on stdout and then never finishes:
 *   {"msg":"commit-halt","seq":n,"phase":"before-write"|"after-write","height":h,"from":i,"treeSize":t}
 * `before-write`: the batch (entries i..t-1, block h) was not written; `after-write`: it is
 * durable but no caller has been answered. Every later append queues behind it. The test kills
 * the server on seeing the line; after a restart the tree holds i (before) or t (after) entries.
 *
 * Enabled by TEST_HALT_AT_COMMIT, refused (start-up fails) unless NODE_ENV=test, so a production
 * service cannot be stalled through it by accident. Unset, the store is returned unwrapped:
 * nothing is added to the write path.
 */
import type { CommitBatch, LedgerStore } from '../app/ports.js';

export interface CommitHalt {
  /** Halt at this commit (1-based, non-empty commits only). */
  n: number;
  /** Halt after the batch is durable instead of before it is written. */
  afterWrite: boolean;
}

export type Announce = (record: Record<string, unknown>) => void;

const stdoutLine: Announce = (record) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
};

/** `store` itself when `halt` is undefined; otherwise the halting wrapper (only with NODE_ENV=test). */
export function withCommitHalt(
  store: LedgerStore,
  halt: CommitHalt | undefined,
  nodeEnv: string | undefined = process.env.NODE_ENV,
  announce: Announce = stdoutLine,
): LedgerStore {
  if (halt === undefined) return store;
  if (nodeEnv !== 'test') throw new Error('TEST_HALT_AT_COMMIT is a test hook and is refused unless NODE_ENV=test');
  let seq = 0;
  const never = () => new Promise<never>(() => undefined);
  const commit = async (batch: CommitBatch): Promise<void> => {
    if (batch.entries.length === 0 || ++seq !== halt.n) return store.commit(batch);
    const record = {
      msg: 'commit-halt',
      seq,
      phase: halt.afterWrite ? 'after-write' : 'before-write',
      height: Number(batch.block.height),
      from: Number(batch.entries[0]!.index),
      treeSize: Number(batch.head.treeSize),
    };
    if (halt.afterWrite) await store.commit(batch);
    announce(record);
    return never();
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'commit') return commit;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
