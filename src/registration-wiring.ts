/**
 * Composition of registration, review, registry, statistics and organisations, called
 * from the composition root (server.ts) so that wiring it stays one line there.
 */
import { nodeSha256 } from './adapters/crypto/node.js';
import { renderRegistrationPdf, type RegistrationPdfInput } from './adapters/http/registration-pdf.js';
import type { PdfIssuer } from './adapters/pdf/court.js';
import { RecordRegistrationStore } from './adapters/records/registration-store.js';
import type { RegistrationHttpDeps } from './adapters/http/registrations.js';
import type { Deposits } from './app/deposits.js';
import type { Ledger } from './app/log.js';
import { Organisations } from './app/organisations.js';
import { RecordOrganisationStore } from './adapters/records/organisation-store.js';
import type { Clock, LedgerStore, RandomBytes } from './app/ports.js';
import { Registrations } from './app/registrations.js';
import { Stats } from './app/stats.js';
import type { Config } from './config.js';
import { formatTime } from './core/time.js';
import { RecordCounterStore } from './adapters/records/counter-store.js';

export function registrationDeps(p: {
  ledger: Ledger;
  store: LedgerStore;
  deposits: Deposits;
  config: Config;
  clock: Clock;
  random: RandomBytes;
  /** Base of URLs printed in certificates (PUBLIC_URL or the bound address); never the request's Host. */
  publicUrl?: () => string;
  /** Renders the PDF (e.g. on a worker thread); default: renderRegistrationPdf on this thread. */
  renderPdf?: (input: RegistrationPdfInput) => Promise<Buffer>;
  /** Operator, PDF signing key and fonts (default: operator not configured, unsigned). */
  pdfIssuer?: () => PdfIssuer;
}): Omit<RegistrationHttpDeps, 'accounts'> {
  const organisations = new Organisations(new RecordOrganisationStore(p.store, p.random), p.store, p.clock, p.random);
  const registrations = new Registrations({
    ledger: p.ledger,
    store: p.store,
    records: new RecordRegistrationStore(p.store),
    deposits: p.deposits,
    organisations,
    sha256: nodeSha256,
    random: p.random,
    clock: p.clock,
  });
  const stats = new Stats(new RecordCounterStore(p.store), p.ledger, {
    deposits: p.config.STATS_TARGET_DEPOSITS,
    applications: p.config.STATS_TARGET_APPLICATIONS,
    entities: p.config.STATS_TARGET_ENTITIES,
  });
  const base = (): string => (p.publicUrl?.() ?? p.config.PUBLIC_URL ?? 'http://localhost').replace(/\/+$/, '');
  const render = p.renderPdf ?? renderRegistrationPdf;
  const pdf: RegistrationHttpDeps['pdf'] = (_req, certificate, applicant) =>
    render({
      certificate,
      ...(applicant !== undefined ? { applicant } : {}),
      ...(p.pdfIssuer !== undefined ? { issuer: p.pdfIssuer() } : {}),
      verifierKey: p.ledger.keyNamed(certificate.logKey),
      registryUrl: `${base()}/v1/registry?number=${certificate.registration.number}`,
      issuedAt: formatTime(p.clock.now()),
    });
  return { registrations, organisations, stats, pdf };
}
