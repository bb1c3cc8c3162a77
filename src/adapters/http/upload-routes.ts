/**
 * Routes of issue 4, kept out of app.ts: deposit by upload (multipart), verify with an uploaded
 * certificate and file (multipart), the PDF certificate, and the public verify page.
 */
import type { Request, Response } from 'express';
import type { Certificate, VerifyOptions } from '../../core/certificate.js';
import { isLogError, LogError } from '../../core/errors.js';
import type { Sha256 } from '../../core/hash.js';
import { MAX_METADATA_BYTES, type Deposits } from '../../app/deposits.js';
import type { Ledger } from '../../app/log.js';
import { sharedSm3Pool } from '../crypto/sm3-pool.js';
import { ObjectStore } from '../fs/objects.js';
import type { WorkMetadata } from './metadata.js';
import { renderCertificatePdf } from './pdf.js';
import { parseJsonField } from './json.js';
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
  /** PUBLIC_URL: base of the verify URL in QR codes; default the request's own origin. */
  publicUrl?: string | undefined;
}

export interface UploadRouteDeps {
  ledger: Ledger;
  deposits: Deposits;
  sha256: Sha256;
  config: UploadConfig;
  /** The one certificate verifier behind POST /v1/verify (both body kinds): same key, same pinned TSAs. */
  verify: (certificate: unknown, file?: NonNullable<VerifyOptions['file']>) => unknown;
}

/** Largest certificate accepted by the verify API (file part or text field). */
export const MAX_CERTIFICATE_BYTES = 1 << 20;

export function uploadRoutes(deps: UploadRouteDeps) {
  const { ledger, deposits, config } = deps;
  const objects = new ObjectStore(config.dataDir);
  void objects.init().catch(() => undefined); // sweeps temp files left by a crash; createTemp retries
  sharedSm3Pool().warm();
  const opts = { objects, maxBytes: config.maxBytes };

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

  const baseUrl = (req: Request): string => {
    if (config.publicUrl !== undefined) return config.publicUrl.replace(/\/+$/, '');
    try {
      return new URL(`${req.protocol}://${req.get('host') ?? 'localhost'}`).origin;
    } catch {
      return 'http://localhost';
    }
  };

  return {
    /** POST /v1/deposits, multipart/form-data: `file` (exactly one) and optional `metadata` (JSON text). The caller authenticated. */
    async deposit(req: Request, res: Response): Promise<void> {
      const account = req.account!;
      const key = req.get('idempotency-key');
      const idem = key === undefined ? undefined : parseWith(S.IdempotencyKey, key, 'Idempotency-Key');
      const got = await receiveMultipart(req, res, opts, depositSpec);
      try {
        const file = got.files.get('file');
        if (file === undefined || file.sha256 === undefined || file.sm3 === undefined) {
          throw new LogError('invalid_request', 'send the work as the file field "file"', { details: { field: 'file' } });
        }
        const metaText = got.fields.get('metadata');
        const metadata: WorkMetadata | undefined = metaText === undefined ? undefined : parseWith(S.Metadata, parseJsonField(metaText, 'metadata'), 'metadata');
        if (file.tempPath !== undefined) {
          // Durable before the deposit is: a 201 always has its original on disk.
          await objects.put(file.tempPath, file.sha256);
          delete file.tempPath;
        }
        const r = await deposits.deposit(
          account,
          { sha256: file.sha256, sm3: file.sm3, size: file.size, ...(metadata !== undefined ? { metadata } : {}) },
          idem,
        );
        res.status(r.created ? 201 : 200).location(`/v1/deposits/${r.deposit.id}`).json(r.deposit);
      } finally {
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
        res.json(deps.verify(cert, file));
      } finally {
        await got.discard();
      }
    },

    /** The PDF rendering of a certificate the caller may see. */
    async certificatePdf(req: Request, res: Response, cert: Certificate): Promise<void> {
      const id = cert.deposit.id;
      const pdf = await renderCertificatePdf({
        certificate: cert,
        verifierKey: ledger.keyNamed(cert.logKey),
        verifyUrl: `${baseUrl(req)}/verify/${id}`,
        issuedAt: new Date().toISOString(),
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
        .send(renderVerifyPage({ deposit, depositId: ok.success ? ok.data : 'dep_…', origin: ledger.origin, verifierKey: ledger.verifierKey }));
    },
  };
}
