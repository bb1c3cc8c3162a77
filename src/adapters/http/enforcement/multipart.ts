/**
 * Small multipart forms (a file to match or fingerprint, up to MATCH_MAX_BYTES): one optional
 * file field and a few text fields, read through the uploads' own receiver (upload.ts) with its
 * bounded 'buffer' policy, so limits, field checks and error codes are the uploads' ones.
 */
import type { Request, Response } from 'express';
import { LogError } from '../../../core/errors.js';
import { receiveMultipart, type UploadOptions } from '../upload.js';

export interface SmallForm {
  file?: Uint8Array;
  fields: Record<string, string>;
}

/** What the receiver needs besides the limit: the originals store and SM3 streams of uploads. */
export type SmallFormReceiver = Pick<UploadOptions, 'objects' | 'pool'>;

export async function readSmallForm(
  req: Request,
  res: Response,
  receiver: SmallFormReceiver,
  opts: { maxBytes: number; fileField: string; fields: readonly string[] },
): Promise<SmallForm> {
  const overLimit = () => new LogError('payload_too_large', `the file is over ${opts.maxBytes} bytes`, { details: { field: opts.fileField, limit: opts.maxBytes } });
  const got = await receiveMultipart(req, res, { ...receiver, maxBytes: opts.maxBytes, overLimit }, {
    files: { [opts.fileField]: { kind: 'buffer', maxBytes: opts.maxBytes } },
    fields: opts.fields,
    maxFieldBytes: 1024 * 1024,
  });
  const bytes = got.files.get(opts.fileField)?.bytes;
  return { fields: Object.fromEntries(got.fields), ...(bytes !== undefined ? { file: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) } : {}) };
}
