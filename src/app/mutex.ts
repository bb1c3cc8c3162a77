/**
 * Mutual exclusion by key, to serialize the read-modify-append steps of one registration, the
 * number allocation of one (year, category), and the like.
 *
 * Within a process, runs with the same key queue in order. When several processes share one
 * store (PostgreSQL, docs/SCALING.md), the composition root installs `SharedLocks` and each run
 * also holds the store's lock for (mutex name, key) while it runs, so two processes never run
 * the same step at once either. A mutex without a name stays in-process.
 */
export interface SharedLocks {
  /** Runs `fn` while holding the lock for (`name`, `key`) across every process on the store. */
  run<T>(name: string, key: string, fn: () => Promise<T>): Promise<T>;
}

let shared: SharedLocks | undefined;

/** Installs (or, with undefined, removes) the locks every named KeyedMutex of this process also takes. */
export function shareLocks(locks: SharedLocks | undefined): void {
  shared = locks;
}

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** `name`: what the keys are locks of (e.g. 'regno'), distinct per mutex; with it the lock is shared when locks are. */
  constructor(private readonly name?: string) {}

  /** Runs `fn` once every earlier `run` with the same key has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      const locks = this.name === undefined ? undefined : shared;
      return locks === undefined ? await fn() : await locks.run(this.name!, key, fn);
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
