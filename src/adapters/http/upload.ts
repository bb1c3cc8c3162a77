/**
 * Streaming multipart uploads (contract §4) on multer 2 with a custom StorageEngine.
 *
 * Each file part is read once: every chunk goes to SHA-256 (node:crypto, this thread), to SM3
 * (a worker thread, see sm3-pool.ts) and, for a kept upload, to a temp file in DATA_DIR — all in
 * the same pass. Nothing is buffered whole and nothing is read back. A part that fails, is too
 * large, or belongs to an aborted request leaves no temp file.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import multer from 'multer';
import { isLogError, LogError } from '../../core/errors.js';
import type { OriginalStore, Sm3Stream, Sm3Streams, TempOriginal } from '../../app/originals.js';

/** What to do with one file field. */
export type FilePolicy =
  /** Hash while writing to a temp file (the route then keeps or drops it). */
  | { kind: 'store' }
  /** Hash and drop the bytes. */
  | { kind: 'hash' }
  /** Keep the bytes in memory, at most `maxBytes` (small parts such as a certificate). */
  | { kind: 'buffer'; maxBytes: number };

export interface MultipartSpec {
  /** Allowed file fields, each at most once. */
  files: Record<string, FilePolicy>;
  /** Allowed text fields, each at most once. */
  fields: readonly string[];
  /** Longest text field value in bytes. */
  maxFieldBytes: number;
}

export interface ReceivedFile {
  field: string;
  originalName: string;
  size: number;
  /** Lowercase hex ('store' and 'hash'). */
  sha256?: string;
  sm3?: string;
  /** The temp file ('store'); gone once the route kept or discarded it. */
  tempPath?: string;
  /** The bytes ('buffer'). */
  bytes?: Buffer;
}

export interface Received {
  files: Map<string, ReceivedFile>;
  fields: Map<string, string>;
  /** Removes every temp file still present. Safe to call more than once. */
  discard(): Promise<void>;
}

export interface UploadOptions {
  objects: OriginalStore;
  /** Largest file part (MAX_UPLOAD_BYTES, or less when a storage quota leaves less). */
  maxBytes: number;
  /** The error for a file part over `maxBytes` (default: payload_too_large naming MAX_UPLOAD_BYTES). */
  overLimit?: () => LogError;
  /** Streaming SM3 (the worker-thread pool the composition root passes). */
  pool: Sm3Streams;
}

/** fdatasync in the background after this many bytes, so the final fsync has little left to flush. */
const SYNC_EVERY = 64 << 20;

type EngineInfo = Partial<Express.Multer.File> & Omit<ReceivedFile, 'field' | 'originalName'>;

/** multer StorageEngine hashing SHA-256 + SM3 in one pass while writing (or dropping) the bytes. */
export class HashingStorage implements multer.StorageEngine {
  constructor(
    private readonly opts: UploadOptions,
    private readonly spec: MultipartSpec,
  ) {}

  _handleFile(_req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const policy = this.spec.files[file.fieldname];
    if (policy === undefined) {
      file.stream.resume();
      cb(new LogError('invalid_request', `unexpected file field "${file.fieldname}"`, { details: { field: file.fieldname } }));
      return;
    }
    this.consume(file, policy).then(
      (info) => cb(null, info),
      (e: unknown) => cb(e),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void): void {
    if (!file.path) return cb(null);
    this.opts.objects.discard(file.path).then(
      () => cb(null),
      (e: unknown) => cb(e as Error),
    );
  }

  private async consume(file: Express.Multer.File, policy: FilePolicy): Promise<EngineInfo> {
    const stream = file.stream as Readable & { truncated?: boolean };
    if (policy.kind === 'buffer') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > policy.maxBytes) {
          throw new LogError('payload_too_large', `field "${file.fieldname}" is over ${policy.maxBytes} bytes`, { details: { field: file.fieldname } });
        }
        chunks.push(chunk);
      }
      return { size, bytes: Buffer.concat(chunks) };
    }

    const sha = createHash('sha256');
    let temp: TempOriginal | undefined;
    let syncing: Promise<void> | undefined;
    let syncError: unknown;
    let sinceSync = 0;
    let size = 0;
    let sm3: Sm3Stream | undefined;
    try {
      if (policy.kind === 'store') {
        temp = await this.opts.objects.createTemp();
        file.path = temp.ref; // multer's abort clean-up removes it too
      }
      const handle = temp;
      // With a temp file, every filled 2 MiB SM3 slot is also written to it, at its offset, straight
      // from the shared buffer: one write per slot, no second copy, no stream queue.
      const sink =
        handle === undefined
          ? undefined
          : async (bytes: Uint8Array, position: number) => {
              await handle.write(bytes, position);
              sinceSync += bytes.length;
              if (sinceSync >= SYNC_EVERY && syncing === undefined) {
                sinceSync = 0;
                syncing = handle
                  .datasync()
                  .catch((e: unknown) => void (syncError ??= e))
                  .finally(() => (syncing = undefined));
              }
            };
      sm3 = this.opts.pool.start(sink);
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.opts.maxBytes) throw overLimit(this.opts);
        sha.update(chunk);
        const wait = sm3.update(chunk);
        if (wait !== undefined) await wait;
      }
      if (stream.truncated) throw overLimit(this.opts);
      const sm3Hex = await sm3.digest(); // resolves once every byte is also in the temp file
      if (handle !== undefined) {
        await syncing;
        if (syncError !== undefined) throw syncError;
        await handle.sync();
      }
      return {
        size,
        sha256: sha.digest('hex'),
        sm3: sm3Hex,
        ...(temp !== undefined ? { path: temp.ref, tempPath: temp.ref } : {}),
      };
    } catch (e) {
      sm3?.cancel();
      if (temp !== undefined) {
        await syncing;
        await temp.close().catch(() => undefined);
        await this.opts.objects.discard(temp.ref);
        temp = undefined;
      }
      throw e;
    } finally {
      await syncing;
      await temp?.close().catch(() => undefined);
    }
  }
}

function tooLarge(max: number): LogError {
  return new LogError('payload_too_large', `the file is over ${max} bytes (MAX_UPLOAD_BYTES)`, { details: { field: 'file', limit: max } });
}

function overLimit(opts: UploadOptions): LogError {
  return opts.overLimit?.() ?? tooLarge(opts.maxBytes);
}

/** Turns multer and busboy errors into coded LogErrors. */
function translate(e: unknown, opts: UploadOptions, spec: MultipartSpec): LogError {
  if (isLogError(e)) return e;
  if (e instanceof multer.MulterError) {
    const field = e.field;
    const details = field !== undefined ? { field } : {};
    switch (e.code) {
      case 'LIMIT_FILE_SIZE':
        return overLimit(opts);
      case 'LIMIT_FIELD_VALUE':
        return new LogError('payload_too_large', `field "${field}" is over ${spec.maxFieldBytes} bytes`, { details });
      case 'LIMIT_UNEXPECTED_FILE':
        return field !== undefined && field in spec.files
          ? new LogError('invalid_request', `give one file in field "${field}", not several`, { details })
          : new LogError('invalid_request', `unexpected file field "${field}"; send ${Object.keys(spec.files).map((f) => `"${f}"`).join(' or ')}`, { details });
      case 'LIMIT_FILE_COUNT':
        return new LogError('invalid_request', 'too many files in the form', { details });
      case 'LIMIT_FIELD_COUNT':
      case 'LIMIT_PART_COUNT':
        return new LogError('invalid_request', 'too many fields in the form', { details });
      default:
        return new LogError('invalid_request', `malformed form: ${e.message}`, { details });
    }
  }
  const message = e instanceof Error ? e.message : String(e);
  return new LogError('invalid_request', `malformed multipart/form-data: ${message}`, { cause: e });
}

/**
 * Receives one multipart request per `spec`. Resolves once every part is hashed (and, for
 * 'store' parts, written and synced); the caller MUST call `discard()` when done with temp
 * files it did not move. Rejects with a coded LogError; a rejected request leaves no temp file.
 */
export function receiveMultipart(req: Request, res: Response, opts: UploadOptions, spec: MultipartSpec): Promise<Received> {
  const fileFields = Object.keys(spec.files);
  const upload = multer({
    storage: new HashingStorage(opts, spec),
    limits: {
      fileSize: opts.maxBytes,
      files: fileFields.length + 1, // one more, so a repeated field is named (LIMIT_UNEXPECTED_FILE)
      fields: spec.fields.length + 1, // one more, so an unexpected field is named below
      fieldSize: spec.maxFieldBytes,
      fieldNameSize: 100,
      parts: fileFields.length + spec.fields.length + 2,
      headerPairs: 100,
    },
  }).fields(fileFields.map((name) => ({ name, maxCount: 1 })));

  return new Promise<Received>((resolve, reject) => {
    void upload(req, res, (err?: unknown) => {
      const files = collect(req);
      const discard = async () => {
        await Promise.all(
          [...files.values()].map(async (f) => {
            if (f.tempPath === undefined) return;
            const p = f.tempPath;
            delete f.tempPath;
            await opts.objects.discard(p);
          }),
        );
      };
      if (err !== undefined && err !== null) {
        void discard().finally(() => reject(translate(err, opts, spec)));
        return;
      }
      const fields = new Map<string, string>();
      const body = (req.body ?? {}) as Record<string, unknown>;
      for (const [name, value] of Object.entries(body)) {
        if (!spec.fields.includes(name) || typeof value !== 'string') {
          const why = spec.fields.includes(name) ? `give field "${name}" once` : `unexpected form field "${name}"`;
          void discard().finally(() => reject(new LogError('invalid_request', why, { details: { field: name } })));
          return;
        }
        fields.set(name, value);
      }
      resolve({ files, fields, discard });
    });
  });
}

function collect(req: Request): Map<string, ReceivedFile> {
  const out = new Map<string, ReceivedFile>();
  const files = (req.files ?? {}) as Record<string, (Express.Multer.File & EngineInfo)[]>;
  for (const [field, list] of Object.entries(files)) {
    const f = list[0];
    if (f === undefined) continue;
    out.set(field, {
      field,
      originalName: f.originalname,
      size: f.size ?? 0,
      ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
      ...(f.sm3 !== undefined ? { sm3: f.sm3 } : {}),
      ...(f.tempPath !== undefined ? { tempPath: f.tempPath } : {}),
      ...(f.bytes !== undefined ? { bytes: f.bytes } : {}),
    });
  }
  return out;
}
