/**
 * What crosses the thread boundary of the CPU pool (pool.ts): tasks in, results out, all plain
 * structured-clone data. Errors travel as values: a LogError's class and code would not survive
 * being thrown across threads.
 */
import type { VerifyOptions } from '../../core/certificate.js';
import { isLogError, type ErrorCode } from '../../core/errors.js';
import type { PdfInput } from '../http/pdf.js';
import type { RegistrationPdfInput } from '../http/registration-pdf.js';
import type { OperationPdfInput } from '../http/operation-pdf.js';

export interface VerifyTask {
  /** The certificate as parsed from JSON (any value: attacker-controlled). */
  certificate: unknown;
  verifierKey: string;
  tsaCertificates: Uint8Array[];
  file?: NonNullable<VerifyOptions['file']>;
}

export type PdfTask =
  | { kind: 'certificate-pdf'; input: PdfInput }
  | { kind: 'registration-pdf'; input: RegistrationPdfInput }
  | { kind: 'operation-pdf'; input: OperationPdfInput };

export type WorkerResult = { ok: true; value: unknown } | { ok: false; code: ErrorCode; message: string };

/** Runs `fn`, turning its outcome (or any error) into a WorkerResult. */
export async function settle(fn: () => unknown): Promise<WorkerResult> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (isLogError(e)) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: 'internal', message: e instanceof Error ? e.message : String(e) };
  }
}
