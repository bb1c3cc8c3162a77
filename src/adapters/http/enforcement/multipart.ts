/**
 * Small multipart forms held in memory (a file to match or fingerprint, up to MATCH_MAX_BYTES):
 * one optional file field and a few text fields, limits enforced by multer, errors coded.
 */
import type { Request, Response } from 'express';
import multer from 'multer';
import { LogError } from '../../../core/errors.js';

export interface SmallForm {
  file?: Uint8Array;
  fields: Record<string, string>;
}

export function readSmallForm(req: Request, res: Response, opts: { maxBytes: number; fileField: string; fields: readonly string[] }): Promise<SmallForm> {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: opts.maxBytes, files: 1, fields: opts.fields.length, fieldSize: 1024 * 1024, parts: opts.fields.length + 1, headerPairs: 100 },
  }).single(opts.fileField);
  return new Promise((resolve, reject) => {
    upload(req, res, (err: unknown) => {
      if (err !== undefined && err !== null) {
        if (err instanceof multer.MulterError) {
          const details = err.field !== undefined ? { field: err.field } : {};
          if (err.code === 'LIMIT_FILE_SIZE') return reject(new LogError('payload_too_large', `the file is over ${opts.maxBytes} bytes`, { details }));
          if (err.code === 'LIMIT_FIELD_VALUE') return reject(new LogError('payload_too_large', `field "${err.field}" is too long`, { details }));
          if (err.code === 'LIMIT_UNEXPECTED_FILE') return reject(new LogError('invalid_request', `send one file in field "${opts.fileField}"`, { details }));
          return reject(new LogError('invalid_request', `malformed form: ${err.message}`, { details }));
        }
        return reject(new LogError('invalid_request', `malformed multipart/form-data: ${err instanceof Error ? err.message : String(err)}`));
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) {
        if (!opts.fields.includes(k)) return reject(new LogError('invalid_request', `${k}: is not a known field`, { details: { field: k } }));
        if (typeof v !== 'string') return reject(new LogError('invalid_request', `${k}: give it once`, { details: { field: k } }));
        fields[k] = v;
      }
      const f = req.file;
      resolve({ fields, ...(f !== undefined ? { file: new Uint8Array(f.buffer.buffer, f.buffer.byteOffset, f.buffer.byteLength) } : {}) });
    });
  });
}
