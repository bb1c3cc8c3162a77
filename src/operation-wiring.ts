/**
 * Composition of operation (licences, transfers, pledges and the chain of title), called from the
 * composition root (server.ts) so that wiring it stays one line there.
 */
import { nodeSha256 } from './adapters/crypto/node.js';
import { levelOperationStore } from './adapters/level/operations.js';
import { renderOperationPdf, type OperationPdfInput } from './adapters/http/operation-pdf.js';
import type { OperationHttpDeps } from './adapters/http/operation-routes.js';
import type { PdfIssuer } from './adapters/pdf/court.js';
import { RecordRegistrationStore } from './adapters/records/registration-store.js';
import type { Ledger } from './app/log.js';
import { Operations, registrationLookup } from './app/operations.js';
import type { Clock, LedgerStore, RandomBytes } from './app/ports.js';
import { formatTime } from './core/time.js';

export function operationDeps(p: {
  ledger: Ledger;
  store: LedgerStore;
  clock: Clock;
  random: RandomBytes;
  /** Base of URLs printed in certificates (PUBLIC_URL or the bound address). */
  publicUrl: () => string;
  /** Renders the PDF (e.g. on a worker thread); default: on this thread. */
  renderPdf?: (input: OperationPdfInput) => Promise<Buffer>;
  pdfIssuer?: () => PdfIssuer;
}): Omit<OperationHttpDeps, 'accounts'> {
  const operations = new Operations({
    ledger: p.ledger,
    ops: levelOperationStore(p.store),
    registrations: registrationLookup(new RecordRegistrationStore(p.store)),
    accounts: p.store,
    sha256: nodeSha256,
    random: p.random,
    clock: p.clock,
  });
  const render = p.renderPdf ?? renderOperationPdf;
  const base = (): string => p.publicUrl().replace(/\/+$/, '');
  return {
    operations,
    pdf: (certificate) =>
      render({
        certificate,
        ...(p.pdfIssuer !== undefined ? { issuer: p.pdfIssuer() } : {}),
        verifierKey: p.ledger.keyNamed(certificate.logKey),
        registryUrl: `${base()}/v1/registry/${certificate.operation.number}`,
        issuedAt: formatTime(p.clock.now()),
      }),
  };
}
