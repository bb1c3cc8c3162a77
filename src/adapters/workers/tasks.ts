/**
 * The worker-thread side of the CPU pool (pool.ts): one default export piscina calls with a
 * task, answering with a plain result (structured clone). Errors come back as values, never
 * thrown: a LogError's code would not survive the thread boundary.
 *
 * Tasks: verifying an untrusted certificate (the core verifier, pure and synchronous) and
 * rendering the two PDF certificates (pdfkit, fonts read once per thread). The PDF modules are
 * imported on first use, so verification threads never load pdfkit.
 */
import { isLogError, type ErrorCode } from '../../core/errors.js';
import type { VerifyOptions } from '../../core/certificate.js';
import { verifyAnyCertificate } from '../../core/registration.js';
import { nodeSha256 } from '../crypto/node.js';
import type { PdfInput } from '../http/pdf.js';
import type { RegistrationPdfInput } from '../http/registration-pdf.js';

export type WorkerTask =
  | {
      kind: 'verify';
      /** The certificate as parsed from JSON (any value: attacker-controlled). */
      certificate: unknown;
      verifierKey: string;
      tsaCertificates: Uint8Array[];
      file?: NonNullable<VerifyOptions['file']>;
    }
  | { kind: 'certificate-pdf'; input: PdfInput }
  | { kind: 'registration-pdf'; input: RegistrationPdfInput };

export type WorkerResult = { ok: true; value: unknown } | { ok: false; code: ErrorCode; message: string };

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    switch (task.kind) {
      case 'verify':
        return {
          ok: true,
          value: verifyAnyCertificate(task.certificate, {
            verifierKey: task.verifierKey,
            sha256: nodeSha256,
            tsaCertificates: task.tsaCertificates,
            ...(task.file ? { file: task.file } : {}),
          }),
        };
      case 'certificate-pdf':
        return { ok: true, value: await (await import('../http/pdf.js')).renderCertificatePdf(task.input) };
      case 'registration-pdf':
        return { ok: true, value: await (await import('../http/registration-pdf.js')).renderRegistrationPdf(task.input) };
    }
    return { ok: false, code: 'internal', message: 'unknown worker task' };
  } catch (e) {
    if (isLogError(e)) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: 'internal', message: e instanceof Error ? e.message : String(e) };
  }
}
