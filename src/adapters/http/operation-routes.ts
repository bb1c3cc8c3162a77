/**
 * What the licence, transfer and pledge routers (licences.ts, transfers.ts, pledges.ts) share:
 * their dependencies, and answering a certificate as JSON or, with Accept: application/pdf, as
 * the signed PDF.
 */
import type { Request, Response } from 'express';
import { LogError } from '../../core/errors.js';
import type { OperationCertificate } from '../../core/operation-certificate.js';
import type { Accounts } from '../../app/accounts.js';
import type { Operations } from '../../app/operations.js';

export interface OperationHttpDeps {
  accounts: Accounts;
  operations: Operations;
  /** Renders the printable certificate; absent: PDF requests answer 415. */
  pdf?: (cert: OperationCertificate) => Promise<Buffer>;
}

export const OPERATION_BODY_LIMIT = '64kb';

export async function sendOperationCertificate(deps: OperationHttpDeps, req: Request, res: Response, cert: OperationCertificate): Promise<void> {
  const name = `${cert.operation.id}.${cert.operation.kind}`;
  if (req.accepts(['application/json', 'application/pdf']) === 'application/pdf') {
    if (!deps.pdf) throw new LogError('unsupported_media_type', 'PDF certificates are not available on this server; ask for application/json');
    const pdf = await deps.pdf(cert);
    res.setHeader('Content-Disposition', `attachment; filename="${cert.operation.id}.pdf"`);
    res.type('application/pdf').send(pdf);
    return;
  }
  res.setHeader('Content-Disposition', `attachment; filename="${name}.json"`);
  res.json(cert);
}
