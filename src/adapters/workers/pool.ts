/**
 * CPU work off the event loop: verifying untrusted certificates (POST /v1/verify) and rendering
 * PDF certificates run on worker threads (piscina), so a costly request cannot stall the others
 * or /healthz.
 *
 * Two lanes, each with up to `threads` threads, so a burst of PDFs never queues verifications
 * behind it. Every task has a budget (VERIFY_TIMEOUT_MS, PDF_TIMEOUT_MS) counted from its
 * submission: a task still queued or running when it runs out is dropped (a running one by
 * terminating its thread; piscina starts another) and the request gets 503 `overloaded` with
 * Retry-After. Each lane admits at most `threads + queue` tasks at once; beyond that, 503 at once.
 *
 * Threads start on first use and idle ones are unref'd: they never keep the process alive.
 * `close()` terminates them.
 *
 * The worker entries (verify-task, pdf-task) are the .ts files beside this one under tsx or
 * vitest (the thread then loads tsx itself), the .js files of the compiled dist/.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { VerifyOptions, VerifyResult } from '../../core/certificate.js';
import { LogError } from '../../core/errors.js';
import type { RegistrationCheck } from '../../core/registration.js';
import type { PdfInput } from '../http/pdf.js';
import type { RegistrationPdfInput } from '../http/registration-pdf.js';
import type { OperationPdfInput } from '../http/operation-pdf.js';
import type { PdfTask, VerifyTask, WorkerResult } from './protocol.js';

export interface WorkerPoolOptions {
  /** Threads per lane (WORKER_THREADS). */
  threads: number;
  /** Tasks waiting for a thread per lane before new ones get 503 (WORKER_QUEUE). */
  queue: number;
  /** Budget of one verification, queueing included (VERIFY_TIMEOUT_MS). */
  verifyTimeoutMs: number;
  /** Budget of one PDF rendering, queueing included (PDF_TIMEOUT_MS). */
  pdfTimeoutMs: number;
}

/** Where a worker entry is, and how a thread loads it (TypeScript source needs tsx). */
function workerEntry(name: 'verify-task' | 'pdf-task'): { filename: string; execArgv?: string[] } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { filename: new URL(`./${name}.js`, here).href };
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return { filename: new URL(`./${name}.ts`, here).href, execArgv: ['--import', tsx] };
}

export type AnyVerifyResult = VerifyResult | { valid: boolean; checks: RegistrationCheck[] };

class Lane<T> {
  private pool: Piscina<T, WorkerResult> | undefined;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly name: 'verify-task' | 'pdf-task',
    private readonly threads: number,
    private readonly queue: number,
    private readonly timeoutMs: number,
  ) {}

  async run(task: T, what: string): Promise<unknown> {
    if (this.closed) throw new LogError('overloaded', 'the service is shutting down', { details: { retryAfter: 1 } });
    if (this.inFlight >= this.threads + this.queue) {
      throw new LogError('overloaded', `too many ${what} tasks waiting: try again shortly`, { details: { retryAfter: 1 } });
    }
    this.pool ??= new Piscina<T, WorkerResult>({
      ...workerEntry(this.name),
      minThreads: 1,
      maxThreads: this.threads,
      idleTimeout: 30_000,
      concurrentTasksPerWorker: 1,
    });
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    this.inFlight++;
    let r: WorkerResult;
    try {
      r = await this.pool.run(task, { signal: ac.signal });
    } catch (e) {
      if (ac.signal.aborted) {
        throw new LogError('overloaded', `${what} took longer than ${this.timeoutMs} ms: try again later`, {
          details: { retryAfter: Math.max(1, Math.ceil(this.timeoutMs / 1000)) },
        });
      }
      if (this.closed) throw new LogError('overloaded', 'the service is shutting down', { details: { retryAfter: 1 } });
      throw new LogError('internal', `${what} failed in its worker thread (${this.name})`, { cause: e });
    } finally {
      clearTimeout(timer);
      this.inFlight--;
    }
    if (!r.ok) {
      // A coded refusal (bad input) is the client's to read; anything else stays in the server's log.
      if (r.code === 'internal') throw new LogError('internal', `${what} failed in its worker thread (${this.name})`, { cause: new Error(r.message) });
      throw new LogError(r.code, r.message);
    }
    return r.value;
  }

  async close(): Promise<void> {
    this.closed = true;
    const p = this.pool;
    this.pool = undefined;
    await p?.destroy();
  }
}

export class WorkerPool {
  private readonly verifyLane: Lane<VerifyTask>;
  private readonly pdfLane: Lane<PdfTask>;

  constructor(readonly options: WorkerPoolOptions) {
    this.verifyLane = new Lane<VerifyTask>('verify-task', options.threads, options.queue, options.verifyTimeoutMs);
    this.pdfLane = new Lane<PdfTask>('pdf-task', options.threads, options.queue, options.pdfTimeoutMs);
  }

  /**
   * verifyAnyCertificate on a worker thread. `certificate` is any JSON value; it is
   * structured-cloned, which recurses, so one nested deeper than MAX_VERIFY_DEPTH (no certificate
   * is) is refused here with invalid_request.
   */
  async verify(certificate: unknown, opts: { verifierKey: string; tsaCertificates: readonly Uint8Array[]; file?: NonNullable<VerifyOptions['file']> }): Promise<AnyVerifyResult> {
    if (deeperThan(certificate, MAX_VERIFY_DEPTH)) {
      throw new LogError('invalid_request', `the certificate nests deeper than ${MAX_VERIFY_DEPTH} levels: it is not a certificate`, { details: { field: 'certificate' } });
    }
    const task: VerifyTask = {
      certificate,
      verifierKey: opts.verifierKey,
      tsaCertificates: [...opts.tsaCertificates],
      ...(opts.file ? { file: opts.file } : {}),
    };
    return (await this.verifyLane.run(task, 'certificate verification')) as AnyVerifyResult;
  }

  /** The evidence certificate's PDF, rendered on a worker thread. */
  async certificatePdf(input: PdfInput): Promise<Buffer> {
    return toBuffer(await this.pdfLane.run({ kind: 'certificate-pdf', input }, 'PDF rendering'));
  }

  /** The registration certificate's PDF, rendered on a worker thread. */
  async registrationPdf(input: RegistrationPdfInput): Promise<Buffer> {
    return toBuffer(await this.pdfLane.run({ kind: 'registration-pdf', input }, 'PDF rendering'));
  }

  /** A licence, transfer or pledge certificate's PDF, rendered on a worker thread. */
  async operationPdf(input: OperationPdfInput): Promise<Buffer> {
    return toBuffer(await this.pdfLane.run({ kind: 'operation-pdf', input }, 'PDF rendering'));
  }

  /** Terminates every thread; tasks still queued or running fail with 503. */
  async close(): Promise<void> {
    await Promise.all([this.verifyLane.close(), this.pdfLane.close()]);
  }
}

/** Deepest JSON value POST /v1/verify hands to a thread (a certificate is under 10 levels deep). */
export const MAX_VERIFY_DEPTH = 100;

/** True when `root` (a JSON value) has objects or arrays nested more than `max` deep. Iterative. */
function deeperThan(root: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const x of Object.values(v)) if (typeof x === 'object' && x !== null) stack.push([x, depth + 1]);
  }
  return false;
}

/** A Buffer comes back from a thread as a plain Uint8Array (structured clone). */
function toBuffer(v: unknown): Buffer {
  if (!(v instanceof Uint8Array)) throw new LogError('internal', 'the worker returned no bytes');
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
