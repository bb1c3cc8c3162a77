/**
 * Worker-thread entry of the PDF lane (pool.ts): renders the evidence and registration
 * certificates with pdfkit (fonts read once per thread). A separate entry from verify-task.ts,
 * so verification threads never load pdfkit.
 */
import { renderCertificatePdf } from '../http/pdf.js';
import { renderRegistrationPdf } from '../http/registration-pdf.js';
import { renderOperationPdf } from '../http/operation-pdf.js';
import { settle, type PdfTask, type WorkerResult } from './protocol.js';

export default function pdfTask(task: PdfTask): Promise<WorkerResult> {
  return settle(() => {
    switch (task.kind) {
      case 'certificate-pdf':
        return renderCertificatePdf(task.input);
      case 'registration-pdf':
        return renderRegistrationPdf(task.input);
      case 'operation-pdf':
        return renderOperationPdf(task.input);
    }
    throw new Error('unknown PDF task');
  });
}
