/**
 * The storage port of matching opt-ins (docs/ENFORCEMENT.md): whether platforms may match an
 * account's deposits, all of them or one by one.
 */

export interface OptIn {
  /** Every deposit of the account may be matched by platforms. */
  account: boolean;
  /** Deposits opted in one by one. */
  deposits: string[];
}

/**
 * Opt-in storage. Implementations:
 * - `get` MUST list the deposits opted in one by one in id order (at most MAX_OPT_IN_DEPOSITS),
 *   and never those of another account;
 * - `covers` MUST be true when the account or that deposit of it is opted in;
 * - opting in again keeps one opt-in (the newest time); opting out of a missing one is no error.
 */
export interface OptInStore {
  get(account: string): Promise<OptIn>;
  /** Opts the whole account (`depositId` undefined) or one deposit of it in (at `at`) or out. */
  set(account: string, depositId: string | undefined, enabled: boolean, at: string): Promise<void>;
  covers(account: string, depositId: string): Promise<boolean>;
}

/** Most per-deposit opt-ins `get` lists. */
export const MAX_OPT_IN_DEPOSITS = 10_000;
