/** The case as `GET /v1/cases/{id}` answers it (docs/ENFORCEMENT.md §4). */
import type { CaseState } from '../../../../core/case-entry.js';

export interface CaseView {
  id: string;
  state: CaseState;
  createdAt: string;
  updatedAt: string;
  work: { depositId?: string; registrationId?: string };
  infringingUrl: string;
  description: string;
  rightsHolder?: { name?: string; contact?: string; address?: string };
  captureId?: string;
  captureError?: string;
  history: { seq: number; action: string; state: CaseState; at: string; account: string; index: number; caseSha256: string }[];
  packageUrl: string;
}

export interface CaptureView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  url?: string;
  finalUrl?: string;
  title?: string;
  reason?: string;
  depositId?: string;
  bundleSha256?: string;
  entryIndex?: number;
}
