/**
 * The storage port of monitoring (docs/ENFORCEMENT.md): batches, the index of those with work
 * left (queued, running, or a delivery pending), and each account's webhook. Nothing here is
 * written through the log.
 */
import type { MatchView } from './matches.js';

export type MonitorItem = { ref?: string | undefined } & ({ url: string } | { sha256: string } | { imageHash: { phash: string; dhash: string } } | { text: string });

export interface ItemResult {
  index: number;
  ref?: string;
  matches?: MatchView[];
  /** Why the item could not be matched. */
  error?: string;
  captureId?: string;
}

export interface DeliveryAttempt {
  at: string;
  /** HTTP status, when the receiver answered. */
  status?: number;
  error?: string;
}

export interface MonitorBatch {
  id: string;
  account: string;
  status: 'queued' | 'running' | 'done';
  createdAt: string;
  endedAt?: string;
  items: MonitorItem[];
  results?: ItemResult[];
  delivery: { status: 'waiting' | 'pending' | 'delivered' | 'failed'; url?: string; attempts: DeliveryAttempt[]; nextAttemptAt?: string };
}

export interface Webhook {
  url: string;
  secret: string;
  createdAt: string;
}

/**
 * Monitoring storage. Implementations:
 * - `saveBatch` MUST store the batch and, in the same atomic write, keep it in `active` exactly
 *   while it is not done or its delivery is pending;
 * - `active` MUST list the ids of the active batches in id order;
 * - a webhook set again replaces the previous one; deleting a missing one is no error.
 */
export interface MonitorStore {
  batch(id: string): Promise<MonitorBatch | undefined>;
  saveBatch(batch: MonitorBatch): Promise<void>;
  /** Ids of the batches left queued, running or with a delivery pending. */
  active(): Promise<string[]>;
  webhook(account: string): Promise<Webhook | undefined>;
  setWebhook(account: string, hook: Webhook): Promise<void>;
  deleteWebhook(account: string): Promise<void>;
}
