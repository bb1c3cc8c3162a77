/**
 * SM3 (GB/T 32905-2016) off the caller's thread.
 *
 * node:crypto's SM3 runs at roughly 300 MB/s against SHA-256's 1-2 GB/s, so a server that hashed
 * both on its request thread would be bound by SM3. A {@link Sm3Pool} keeps a few worker threads
 * (node:crypto SM3 inside each); a {@link Sm3Job} copies the caller's chunks into 1 MiB slots of a
 * SharedArrayBuffer and posts the slot number to its worker, which hashes the slot in place and
 * hands the slot back. The caller hashes SHA-256 on its own thread meanwhile, so both digests
 * come out of one pass over the bytes, side by side. (Transferring ArrayBuffers back and forth
 * instead cost the worker about a third of its time in postMessage.)
 *
 * Memory is bounded: a job has {@link JOB_BUFFERS} slots; `update` returns a promise
 * (backpressure) when all of them are with the worker. Shared buffers of finished jobs are reused.
 * Idle workers are unref'd and never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LogError } from '../../core/errors.js';

const STAGE_BYTES = 2 << 20;
/** Staging buffers per job: at most this many MiB of one upload wait for SM3. */
export const JOB_BUFFERS = 4;

// Plain CommonJS run with `eval: true`, so the worker needs no TypeScript loader (tsx, vitest).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    const j = jobs.get(m.id);
    if (j !== undefined) j.hash.update(new Uint8Array(j.sab, m.slot * ${STAGE_BYTES}, m.len));
    parentPort.postMessage({ op: 'ack', id: m.id, slot: m.slot });
  } else if (m.op === 'start') {
    jobs.set(m.id, { hash: createHash('sm3'), sab: m.sab });
  } else if (m.op === 'final') {
    const j = jobs.get(m.id);
    jobs.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: (j ? j.hash : createHash('sm3')).digest('hex') });
  } else if (m.op === 'cancel') {
    jobs.delete(m.id);
  }
});
`;

type FromWorker = { op: 'ack'; id: number; slot: number } | { op: 'digest'; id: number; hex: string };

interface Slot {
  worker: Worker;
  jobs: Map<number, Sm3Job>;
  dead: boolean;
}

export class Sm3Pool {
  private readonly slots: Slot[] = [];
  private readonly spare: SharedArrayBuffer[] = [];
  private nextId = 1;
  private closed = false;

  /** `size` workers at most (default: cores - 1, at least 1, at most 4). */
  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  /** Starts the workers now, so the first upload does not pay for them. */
  warm(): this {
    while (this.slots.length < this.size) this.spawn();
    return this;
  }

  /** A new incremental SM3 hash running on the least busy worker. */
  start(): Sm3Job {
    if (this.closed) throw new LogError('internal', 'the SM3 pool is closed');
    let slot = this.slots.filter((s) => !s.dead).sort((a, b) => a.jobs.size - b.jobs.size)[0];
    if (slot === undefined || (slot.jobs.size > 0 && this.slots.length < this.size)) slot = this.spawn();
    const sab = this.spare.pop() ?? new SharedArrayBuffer(JOB_BUFFERS * STAGE_BYTES);
    const job = new Sm3Job(this.nextId++, slot, sab, (clean) => this.finished(slot!, job, clean ? sab : undefined));
    slot.jobs.set(job.id, job);
    slot.worker.postMessage({ op: 'start', id: job.id, sab });
    slot.worker.ref();
    return job;
  }

  /** Terminates every worker; running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  /** `sab` is handed back only when the worker is done with it (a digest, not a cancel). */
  private finished(slot: Slot, job: Sm3Job, sab: SharedArrayBuffer | undefined): void {
    if (sab !== undefined && this.spare.length < 4) this.spare.push(sab);
    slot.jobs.delete(job.id);
    if (slot.jobs.size === 0) slot.worker.unref();
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'sm3' });
    const slot: Slot = { worker, jobs: new Map(), dead: false };
    worker.unref();
    worker.on('message', (m: FromWorker) => slot.jobs.get(m.id)?.receive(m));
    const fail = (e: unknown) => {
      slot.dead = true;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const job of [...slot.jobs.values()]) job.fail(new LogError('internal', 'the SM3 worker stopped', { cause: e }));
      slot.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}

/** One incremental SM3 hash. Feed it with `update` (honour the returned promise), end with `digest`. */
export class Sm3Job {
  private readonly free: number[] = [];
  private stage = -1;
  private fill = 0;
  private waiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private result: { resolve: (hex: string) => void; reject: (e: unknown) => void } | undefined;
  private error: unknown;
  private done = false;
  private readonly view: Uint8Array;

  constructor(
    readonly id: number,
    private readonly slot: Slot,
    sab: SharedArrayBuffer,
    private readonly onDone: (clean: boolean) => void,
  ) {
    this.view = new Uint8Array(sab);
    for (let i = JOB_BUFFERS - 1; i >= 0; i--) this.free.push(i);
  }

  /**
   * Adds bytes. The chunk is copied, so the caller MAY reuse it at once. Returns undefined, or a
   * promise the caller MUST await before the next `update` when every slot is with the worker.
   */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.error !== undefined) return Promise.reject(this.error);
    let at = 0;
    while (at < chunk.length) {
      if (this.stage < 0) {
        const slot = this.free.pop();
        if (slot === undefined) return this.waitForSlot().then(() => this.update(chunk.subarray(at)));
        this.stage = slot;
        this.fill = 0;
      }
      const n = Math.min(chunk.length - at, STAGE_BYTES - this.fill);
      this.view.set(chunk.subarray(at, at + n), this.stage * STAGE_BYTES + this.fill);
      this.fill += n;
      at += n;
      if (this.fill === STAGE_BYTES) this.flush();
    }
    return undefined;
  }

  /** The lowercase hex digest of everything fed. Ends the job. */
  digest(): Promise<string> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.stage >= 0 && this.fill > 0) this.flush();
    return new Promise<string>((resolve, reject) => {
      this.result = { resolve, reject };
      this.slot.worker.postMessage({ op: 'final', id: this.id });
    });
  }

  /** Abandons the job (the worker drops its state). Safe to call more than once. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.error = new LogError('internal', 'SM3 job cancelled');
    this.waiter?.reject(this.error);
    this.waiter = undefined;
    if (!this.slot.dead) this.slot.worker.postMessage({ op: 'cancel', id: this.id });
    this.onDone(false);
  }

  /** @internal a message from the worker. */
  receive(m: FromWorker): void {
    if (this.done) return;
    if (m.op === 'ack') {
      this.free.push(m.slot);
      const w = this.waiter;
      this.waiter = undefined;
      w?.resolve();
    } else {
      this.done = true;
      this.onDone(true);
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

  private flush(): void {
    this.slot.worker.postMessage({ op: 'update', id: this.id, slot: this.stage, len: this.fill });
    this.stage = -1;
    this.fill = 0;
  }
}

let shared: Sm3Pool | undefined;

/** The process-wide pool (created on first use). */
export function sharedSm3Pool(): Sm3Pool {
  return (shared ??= new Sm3Pool());
}
