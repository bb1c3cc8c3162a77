/**
 * The storage port of the admin bootstrap (Accounts.seedAdmin): which account and key the
 * ADMIN_API_KEY secret was last seeded as, so a start with a new secret revokes the old key.
 */

export interface BootstrapRecord {
  account: string;
  keyId: string;
  /** When it was seeded (ISO 8601). */
  since: string;
}

/**
 * The bootstrap record. Implementations MUST make `put` atomic and durable before resolving and
 * MUST return only what was written (undefined before the first `put`).
 */
export interface BootstrapStore {
  get(): Promise<BootstrapRecord | undefined>;
  put(record: BootstrapRecord): Promise<void>;
}
