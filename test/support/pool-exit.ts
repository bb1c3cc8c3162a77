/**
 * Child-process script for pool.test.ts: uses both lanes of a WorkerPool, prints one JSON line,
 * then (with the argument "close") closes the pool. It never calls process.exit: the test checks
 * that the process ends by itself, i.e. no worker thread keeps it alive.
 */
import { WorkerPool } from '../../src/adapters/workers/pool.js';

const pool = new WorkerPool({ threads: 2, queue: 4, verifyTimeoutMs: 20_000, pdfTimeoutMs: 20_000 });
const verified = await pool.verify({}, { verifierKey: 'x', tsaCertificates: [] });
// Not a certificate this service issued: the PDF task fails in its thread, as a coded error.
const pdf = await pool.certificatePdf({ certificate: { checkpoint: 'not a checkpoint' } as never, verifierKey: 'x', verifyUrl: 'http://localhost/verify/x', issuedAt: new Date().toISOString() }).then(
  () => 'rendered',
  (e: unknown) => (e as { code?: string }).code,
);
console.log(JSON.stringify({ valid: verified.valid, pdf }));
if (process.argv[2] === 'close') await pool.close();
