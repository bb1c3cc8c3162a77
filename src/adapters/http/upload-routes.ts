/**
 * Upload routes, kept out of app.ts: deposit by upload (multipart), verify with an uploaded
 * certificate and file (multipart), the PDF certificate, and the public verify page.
 */
import type { Request, Response } from 'express';
import type { Certificate, VerifyOptions } from '../../core/certificate.js';
import { isLogError, LogError } from '../../core/errors.js';
import type { Sha256 } from '../../core/hash.js';
import { keyFingerprint } from '../../core/trust.js';
import { MAX_METADATA_BYTES, type Deposits } from '../../app/deposits.js';
import type { Ledger } from '../../app/log.js';
import type { UploadQuota } from '../../app/quota.js';
import type { OriginalDeposits, Sm3Streams } from '../../app/originals.js';
import type { WorkMetadata } from './metadata.js';
import { renderCertificatePdf, type PdfInput } from './pdf.js';
import type { PdfIssuer } from '../pdf/court.js';
import { parseJsonField } from './json.js';
import { refuseEarly } from './limits.js';
import { parseWith } from './problem.js';
import * as S from './schemas.js';
import { receiveMultipart, type MultipartSpec } from './upload.js';
import { renderVerifyPage, VERIFY_PAGE_CSP } from './verify-page.js';

export interface UploadConfig {
  /** DATA_DIR: temp files and kept originals live under `<dataDir>/uploads/`. */
  dataDir: string;
  /** MAX_UPLOAD_BYTES. */
  maxBytes: number;
  /** KEEP_UPLOADS: keep originals (content-addressed) or only their hashes. */
  keep: boolean;
  /** Base of the verify URL in QR codes: PUBLIC_URL or the bound address, never the request's Host (default http://localhost). */
  publicUrl?: string | (() => string) | undefined;
  /** UPLOAD_QUOTA_BYTES: kept originals per account (only when `keep`). */
  quota?: UploadQuota | undefined;
  /** Operator, PDF signing key and fonts of PDF certificates (default: operator not configured, unsigned). */
  pdfIssuer?: (() => PdfIssuer) | undefined;
  /** "Deposit with original" over the store of originals (src/app/originals.ts), built by the composition root. */
  originals: OriginalDeposits;
  /** Streaming SM3 of uploads (a worker-thread pool). */
  sm3: Sm3Streams;
}

export interface UploadRouteDeps {
  ledger: Ledger;
  deposits: Deposits;
  sha256: Sha256;
  config: UploadConfig;
  /** The one certificate verifier behind POST /v1/verify (both body kinds): same key, same pinned TSAs. */
  verify: (certificate: unknown, file?: NonNullable<VerifyOptions['file']>) => Promise<unknown>;
  /** Renders the PDF certificate (e.g. on a worker thread); default: renderCertificatePdf on this thread. */
  renderPdf?: (input: PdfInput) => Promise<Buffer>;
}

/** Largest certificate accepted by the verify API (file part or text field). */
export const MAX_CERTIFICATE_BYTES = 1 << 20;

export function uploadRoutes(deps: UploadRouteDeps) {
  const { ledger, deposits, config } = deps;
  const originals = config.originals;
  const objects = originals.originals;
  void objects.init().catch(() => undefined); // sweeps temp files left by a crash; createTemp retries
  config.sm3.warm();
  const opts = { objects, maxBytes: config.maxBytes, pool: config.sm3 };

  const depositSpec: MultipartSpec = {
    files: { file: config.keep ? { kind: 'store' } : { kind: 'hash' } },
    fields: ['metadata'],
    maxFieldBytes: 4 * MAX_METADATA_BYTES,
  };
  const verifySpec: MultipartSpec = {
    files: { certificate: { kind: 'buffer', maxBytes: MAX_CERTIFICATE_BYTES }, file: { kind: 'hash' } },
    fields: ['certificate'],
    maxFieldBytes: MAX_CERTIFICATE_BYTES,
  };

  const baseUrl = (): string => {
    const u = typeof config.publicUrl === 'function' ? config.publicUrl() : config.publicUrl;
    return (u ?? 'http://localhost').replace(/\/+$/, '');
  };

  return {
    /** POST /v1/deposits, multipart/form-data: `file` (exactly one) and optional `metadata` (JSON text). The caller authenticated. */
    async deposit(req: Request, res: Response): Promise<void> {
      const account = req.account!;
      const key = req.get('idempotency-key');
      const idem = key === undefined ? undefined : parseWith(S.IdempotencyKey, key, 'Idempotency-Key');
      // A kept original counts against the account's storage quota: a body that cannot fit is
      // refused before it is read, a file that outgrows what is left is refused while it streams.
      const quota = originals.quota;
      const length = req.get('content-length');
      let reservation;
      try {
        reservation = await quota?.reserve(account.id, length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined);
      } catch (e) {
        refuseEarly(req, res);
        throw e;
      }
      const byQuota = reservation !== undefined && reservation.allowance < opts.maxBytes ? reservation : undefined;
      const got = await receiveMultipart(req, res, byQuota ? { ...opts, maxBytes: byQuota.allowance, overLimit: () => byQuota.overQuota() } : opts, depositSpec).catch((e: unknown) => {
        reservation?.release();
        throw e;
      });
      try {
        const file = got.files.get('file');
        if (file === undefined || file.sha256 === undefined || file.sm3 === undefined) {
          throw new LogError('invalid_request', 'send the work as the file field "file"', { details: { field: 'file' } });
        }
        const metaText = got.fields.get('metadata');
        const metadata: WorkMetadata | undefined = metaText === undefined ? undefined : parseWith(S.Metadata, parseJsonField(metaText, 'metadata'), 'metadata');
        // Durable before the deposit is: a 201 always has its original on disk.
        const tempRef = file.tempPath;
        delete file.tempPath;
        const r = await originals.deposit(
          account,
          { sha256: file.sha256, sm3: file.sm3, size: file.size, ...(tempRef !== undefined ? { tempRef } : {}) },
          metadata !== undefined ? { metadata } : {},
          { idempotencyKey: idem, reservation },
        );
        res.status(r.created ? 201 : 200).location(`/v1/deposits/${r.deposit.id}`).json(r.deposit);
      } finally {
        reservation?.release();
        await got.discard();
      }
    },

    /** POST /v1/verify, multipart/form-data: `certificate` (file or field) and optional `file`, hashed while streaming and never kept. */
    async verify(req: Request, res: Response): Promise<void> {
      const got = await receiveMultipart(req, res, opts, verifySpec);
      try {
        const part = got.files.get('certificate');
        const text = part?.bytes?.toString('utf8') ?? got.fields.get('certificate');
        if (text === undefined) throw new LogError('invalid_request', 'send the certificate in the field "certificate"', { details: { field: 'certificate' } });
        const cert = parseJsonField(text, 'certificate');
        const f = got.files.get('file');
        const file = f?.sha256 !== undefined ? { sha256: f.sha256, ...(f.sm3 !== undefined ? { sm3: f.sm3 } : {}), size: f.size } : undefined;
        res.json(await deps.verify(cert, file));
      } finally {
        await got.discard();
      }
    },

    /** The PDF rendering of a certificate the caller may see, naming `depositor` (the account that made it). */
    async certificatePdf(req: Request, res: Response, cert: Certificate, depositor?: { id: string; name?: string }): Promise<void> {
      const id = cert.deposit.id;
      const pdf = await (deps.renderPdf ?? renderCertificatePdf)({
        certificate: cert,
        verifierKey: ledger.keyNamed(cert.logKey),
        verifyUrl: `${baseUrl()}/verify/${id}`,
        issuedAt: new Date().toISOString(),
        ...(depositor !== undefined ? { depositor } : {}),
        ...(config.pdfIssuer !== undefined ? { issuer: config.pdfIssuer() } : {}),
      });
      res.setHeader('Content-Disposition', `attachment; filename="${id}.certificate.pdf"`);
      res.type('application/pdf').send(pdf);
    },

    /** GET /verify/{depositId}: the public page the QR code opens. */
    async verifyPage(req: Request, res: Response): Promise<void> {
      const raw = String(req.params.id ?? '');
      const ok = S.DepositId.safeParse(raw);
      let deposit;
      if (ok.success) {
        try {
          deposit = await deposits.publicInfo(ok.data);
        } catch (e) {
          if (!isLogError(e, 'not_found')) throw e;
        }
      }
      res.setHeader('Content-Security-Policy', VERIFY_PAGE_CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res
        .status(deposit ? 200 : 404)
        .type('text/html; charset=utf-8')
        .send(
          renderVerifyPage({
            deposit,
            depositId: ok.success ? ok.data : 'dep_…',
            origin: ledger.origin,
            verifierKey: ledger.verifierKey,
            keys: ledger.keys.map((k) => ({ key: k.key, fingerprint: keyFingerprint(k.key, deps.sha256), firstHeight: Number(k.firstHeight), ...(k.lastHeight !== undefined ? { lastHeight: Number(k.lastHeight) } : {}) })),
          }),
        );
    },
  };
}

