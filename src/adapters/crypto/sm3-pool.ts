/**
 * SM3 (GB/T 32905-2016) off the caller's thread.
 *
 * node:crypto's SM3 runs at roughly 300 MB/s against SHA-256's 1-2 GB/s, so a server that hashed
 * both on its request thread would be bound by SM3. A {@link Sm3Pool} keeps a few worker threads
 * (node:crypto SM3 inside each); a {@link Sm3Job} copies the caller's chunks into 2 MiB slots
 * (SharedArrayBuffers) and posts the slot number to its worker, which hashes the slot in place and
 * hands the slot back. The caller hashes SHA-256 on its own thread meanwhile, so both digests
 * come out of one pass over the bytes, side by side. (Transferring ArrayBuffers back and forth
 * instead cost the worker about a third of its time in postMessage.)
 *
 * Memory is bounded: a job has at most {@link JOB_BUFFERS} slots, made only when all it has are
 * with the worker (an upload slower than SM3 keeps one); `update` returns a promise (backpressure)
 * when all of them are busy. Slots of finished jobs are reused.
 * Idle workers are unref'd and never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LogError } from '../../core/errors.js';

const STAGE_BYTES = 2 << 20;
/** Slots per job, made as needed: at most JOB_BUFFERS × 2 MiB of one upload wait for SM3. */
export const JOB_BUFFERS = 4;
/** Finished jobs' slots kept for reuse. */
const SPARE_BUFFERS = 8;

// Plain CommonJS run with `eval: true`, so the worker needs no TypeScript loader (tsx, vitest).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    const j = jobs.get(m.id);
    if (j !== undefined) j.hash.update(new Uint8Array(j.slots[m.slot], 0, m.len));
    parentPort.postMessage({ op: 'ack', id: m.id, slot: m.slot });
  } else if (m.op === 'start') {
    jobs.set(m.id, { hash: createHash('sm3'), slots: [] });
  } else if (m.op === 'slot') {
    const j = jobs.get(m.id);
    if (j !== undefined) j.slots[m.slot] = m.sab;
  } else if (m.op === 'final') {
    const j = jobs.get(m.id);
    jobs.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: (j ? j.hash : createHash('sm3')).digest('hex') });
  } else if (m.op === 'cancel') {
    jobs.delete(m.id);
  }
});
`;

/** Receives each filled slot's bytes and their offset in the stream; MUST NOT keep `bytes` after its promise settles. */
export type SlotSink = (bytes: Uint8Array, position: number) => Promise<void>;

type FromWorker = { op: 'ack'; id: number; slot: number } | { op: 'digest'; id: number; hex: string };

interface WorkerSlot {
  worker: Worker;
  jobs: Map<number, Sm3Job>;
  dead: boolean;
}

export class Sm3Pool {
  private readonly workers: WorkerSlot[] = [];
  private readonly spare: SharedArrayBuffer[] = [];
  private nextId = 1;
  private closed = false;

  /** `size` workers at most (default: cores - 1, at least 1, at most 4). */
  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  /** Starts the workers now, so the first upload does not pay for them. */
  warm(): this {
    while (this.workers.length < this.size) this.spawn();
    return this;
  }

  /**
   * A new incremental SM3 hash running on the least busy worker. With `sink`, every filled slot is
   * also handed to it (e.g. a positional file write straight from the shared buffer, one call per
   * 2 MiB); the slot is reused only once both the worker and the sink are done with it.
   */
  start(sink?: SlotSink): Sm3Job {
    if (this.closed) throw new LogError('internal', 'the SM3 pool is closed');
    let slot = this.workers.filter((s) => !s.dead).sort((a, b) => a.jobs.size - b.jobs.size)[0];
    if (slot === undefined || (slot.jobs.size > 0 && this.workers.length < this.size)) slot = this.spawn();
    const job: Sm3Job = new Sm3Job(
      this.nextId++,
      slot,
      () => this.spare.pop() ?? new SharedArrayBuffer(STAGE_BYTES),
      (used) => this.finished(slot!, job, used),
      sink,
    );
    slot.jobs.set(job.id, job);
    slot.worker.postMessage({ op: 'start', id: job.id });
    slot.worker.ref();
    return job;
  }

  /** Terminates every worker; running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((s) => s.worker.terminate()));
    this.workers.length = 0;
  }

  /** `used` buffers come back only when the worker is done with them (a digest, not a cancel). */
  private finished(slot: WorkerSlot, job: Sm3Job, used: SharedArrayBuffer[]): void {
    for (const sab of used) if (this.spare.length < SPARE_BUFFERS) this.spare.push(sab);
    slot.jobs.delete(job.id);
    if (slot.jobs.size === 0) slot.worker.unref();
  }

  private spawn(): WorkerSlot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'sm3' });
    const slot: WorkerSlot = { worker, jobs: new Map(), dead: false };
    worker.on('message', (m: FromWorker) => slot.jobs.get(m.id)?.receive(m));
    const fail = (e: unknown) => {
      slot.dead = true;
      const i = this.workers.indexOf(slot);
      if (i >= 0) this.workers.splice(i, 1);
      for (const job of [...slot.jobs.values()]) job.fail(new LogError('internal', 'the SM3 worker stopped', { cause: e }));
      slot.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.workers.push(slot);
    return slot;
  }
}

/** One incremental SM3 hash. Feed it with `update` (honour the returned promise), end with `digest`. */
export class Sm3Job {
  private readonly free: number[] = [];
  private readonly buffers: SharedArrayBuffer[] = [];
  private readonly views: Uint8Array[] = [];
  /** Per slot: how many of worker and sink still use it. */
  private readonly holds: number[] = [];
  private readonly sinking = new Set<Promise<void>>();
  private position = 0;
  private stage = -1;
  private fill = 0;
  private waiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private result: { resolve: (hex: string) => void; reject: (e: unknown) => void } | undefined;
  private error: unknown;
  private done = false;

  constructor(
    readonly id: number,
    private readonly host: WorkerSlot,
    private readonly allocate: () => SharedArrayBuffer,
    private readonly onDone: (used: SharedArrayBuffer[]) => void,
    private readonly sink?: SlotSink,
  ) {}

  /**
   * Adds bytes. The chunk is copied, so the caller MAY reuse it at once. Returns undefined, or a
   * promise the caller MUST await before the next `update` when every slot is with the worker.
   */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.error !== undefined) return Promise.reject(this.error);
    let at = 0;
    while (at < chunk.length) {
      if (this.stage < 0) {
        let slot = this.free.pop();
        if (slot === undefined && this.buffers.length < JOB_BUFFERS) {
          // A new slot only when every existing one is with the worker: a slow upload keeps one.
          const sab = this.allocate();
          slot = this.buffers.push(sab) - 1;
          this.views.push(new Uint8Array(sab));
          this.host.worker.postMessage({ op: 'slot', id: this.id, slot, sab });
        }
        if (slot === undefined) return this.waitForSlot().then(() => this.update(chunk.subarray(at)));
        this.stage = slot;
        this.fill = 0;
      }
      const n = Math.min(chunk.length - at, STAGE_BYTES - this.fill);
      this.views[this.stage]!.set(chunk.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === STAGE_BYTES) this.flush();
    }
    return undefined;
  }

  /** The lowercase hex digest of everything fed, once the sink (if any) has all of it. Ends the job. */
  async digest(): Promise<string> {
    if (this.error !== undefined) throw this.error;
    if (this.stage >= 0 && this.fill > 0) this.flush();
    const hex = new Promise<string>((resolve, reject) => {
      this.result = { resolve, reject };
      this.host.worker.postMessage({ op: 'final', id: this.id });
    });
    hex.catch(() => undefined);
    try {
      await Promise.all(this.sinking);
      if (this.error !== undefined) throw this.error;
      const out = await hex;
      if (!this.done) {
        this.done = true;
        this.onDone(this.buffers);
      }
      return out;
    } catch (e) {
      this.cancel(); // frees the worker's state; the job's buffers are not reused
      throw e;
    }
  }

  /** Abandons the job (the worker drops its state). Safe to call more than once. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.error ??= new LogError('internal', 'SM3 job cancelled');
    this.waiter?.reject(this.error);
    this.waiter = undefined;
    if (!this.host.dead) this.host.worker.postMessage({ op: 'cancel', id: this.id });
    this.onDone([]);
  }

  /** @internal a message from the worker. */
  receive(m: FromWorker): void {
    if (this.done) return;
    if (m.op === 'ack') {
      this.release(m.slot);
    } else {
      this.result?.resolve(m.hex);
    }
  }

  /** @internal the worker died. */
  fail(e: unknown): void {
    this.error = e;
    this.done = true;
    this.waiter?.reject(e);
    this.result?.reject(e);
    this.waiter = undefined;
    this.result = undefined;
  }

  private waitForSlot(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private release(slot: number): void {
    if (--this.holds[slot]! > 0) return;
    this.free.push(slot);
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }

  private flush(): void {
    const slot = this.stage;
    const len = this.fill;
    this.holds[slot] = this.sink !== undefined ? 2 : 1;
    this.host.worker.postMessage({ op: 'update', id: this.id, slot, len });
    if (this.sink !== undefined) {
      const p: Promise<void> = this.sink(this.views[slot]!.subarray(0, len), this.position).then(
        () => {
          this.sinking.delete(p);
          this.release(slot);
        },
        (e: unknown) => {
          this.sinking.delete(p);
          this.error ??= e;
          this.waiter?.reject(e);
          this.waiter = undefined;
        },
      );
      this.sinking.add(p);
    }
    this.position += len;
    this.stage = -1;
    this.fill = 0;
  }
}

let shared: Sm3Pool | undefined;

/** The process-wide pool (created on first use). */
export function sharedSm3Pool(): Sm3Pool {
  return (shared ??= new Sm3Pool());
}
