/**
 * Ports the use cases are written against. Adapters (LevelDB today, a distributed store later)
 * implement them; use cases never see a key schema or a database handle.
 */
import type { HandedResult } from './handoff.js';
import type { NodeId } from '../core/merkle.js';

/** The integrated state of the log after the last committed block. */
export interface LogHead {
  treeSize: bigint;
  /** Compact-range hashes of [0, treeSize): the right border of perfect subtrees, left to right. */
  compact: Uint8Array[];
  rootHash: Uint8Array;
  height: bigint;
  /** SHA-256 of the latest block's checkpoint body (the next block's `prev`). */
  blockHash: Uint8Array;
  /** The latest block's time (block times never go back). */
  time: string;
}

export interface BlockRecord {
  height: bigint;
  treeSize: bigint;
  rootHash: Uint8Array;
  prevHash: Uint8Array;
  time: string;
  /** The signed checkpoint note. */
  checkpoint: string;
}

/** A block's RFC 3161 timestamp as stored: the DER TimeStampResp and the TSA's label. */
export interface TimestampRecord {
  der: Uint8Array;
  tsa: string;
}

/** What the service keeps about a deposit beyond its log entry. */
export interface DepositRecord {
  id: string;
  index: bigint;
  /** JCS text of the metadata object including its salt (private: never in the log). */
  metadata: string;
}

export interface AccountRecord {
  id: string;
  name: string;
  email: string;
  kind: 'individual' | 'organisation';
  role: 'creator' | 'platform' | 'reviewer' | 'admin';
  createdAt: string;
  /** Set while an admin has disabled the account: none of its keys authenticate. */
  disabledAt?: string;
}

/** One API key of an account. The secret itself is never stored; only its SHA-256 is. */
export interface ApiKeyRecord {
  /** Random id, `key_…`; names the key in the API (never derived from the secret). */
  id: string;
  account: string;
  /** The secret's first characters, for recognition; absent for keys stored before key ids existed. */
  prefix?: string;
  label?: string;
  createdAt: string;
  /** Last successful authentication, written at most about once a minute. */
  lastUsedAt?: string;
  revokedAt?: string;
}

/** A key to store: its record and the SHA-256 of its secret. */
export interface NewApiKey {
  record: ApiKeyRecord;
  hash: Uint8Array;
}

/**
 * Accounts and their API keys. Implementations:
 * - MUST make every write atomic and durable (synced) before its promise resolves;
 * - MUST NOT find a revoked key by its hash once `revokeKey` has resolved;
 * - MUST serialize `revokeKey` and `touchKeys` so that a touch never clears a revocation;
 * - MUST keep keys written by earlier versions (one key per account, no key record) usable:
 *   such a key is migrated to a key record, the account's first key, on open or on read.
 */
export interface AccountStore {
  /** Stores a new account with its first key; `counters` are applied in the same atomic write. */
  putAccount(account: AccountRecord, key: NewApiKey, counters?: CounterDelta[]): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | undefined>;
  getAccountByEmail(email: string): Promise<AccountRecord | undefined>;
  countAccounts(): Promise<number>;
  /** Accounts whose id starts with `prefix`, in id order, after `after` (exclusive), at most `limit`. */
  listAccounts(opts: { prefix?: string; after?: string; limit: number }): Promise<AccountRecord[]>;
  /** Replaces a stored account's record (role, disabled); the e-mail and keys stay. MUST throw not_found for an unknown id. */
  updateAccount(account: AccountRecord): Promise<void>;
  /**
   * The unrevoked key whose secret hashes to `hash`, with its account; undefined otherwise. With
   * `includeRevoked`, a revoked key is returned too: a secret once revoked MUST stay known, so it
   * can never be handed out again (ADMIN_API_KEY).
   */
  findKey(hash: Uint8Array, opts?: { includeRevoked?: boolean }): Promise<{ key: ApiKeyRecord; account: AccountRecord } | undefined>;
  /** Every key of the account (revoked ones too), oldest first. */
  listKeys(account: string): Promise<ApiKeyRecord[]>;
  /** Adds a key to an existing account. MUST throw not_found for an unknown account. */
  addKey(key: NewApiKey): Promise<void>;
  /**
   * Marks the key revoked at `at` (its hash stays known to `findKey` with `includeRevoked`). Returns the updated record, the record
   * unchanged if it was already revoked, or undefined if the account has no such key.
   */
  revokeKey(account: string, keyId: string, at: string): Promise<ApiKeyRecord | undefined>;
  /** Raises `lastUsedAt` of the given keys (never lowers it; skips revoked or missing keys). */
  touchKeys(uses: { account: string; id: string; at: string }[]): Promise<void>;
}

/** One key → deposit id claim (Idempotency-Key or externalId), scoped to an account. */
export interface ClaimRecord {
  kind: 'idempotency' | 'external';
  account: string;
  key: string;
  depositId: string;
}

/**
 * One record of an auxiliary collection (registrations, organisation memberships, indexes…),
 * opaque to the store. Keys within a space are ordered by their UTF-8 bytes.
 */
export interface RecordWrite {
  /** Collection name: `[a-z][a-z0-9-]*`. */
  space: string;
  /** Key within the space (MUST NOT contain U+0000). */
  key: string;
  /** The value (usually JSON text); null deletes the record. */
  value: string | null;
}

/** Adds `delta` to the named counter (a missing counter counts as 0). */
export interface CounterDelta {
  name: string;
  delta: number;
}

/** One record of the per-account deposit index: the account's deposit `id` at log `index`. */
export interface AccountDepositRef {
  index: bigint;
  id: string;
}

/** Everything one sequencer batch writes. */
export interface CommitBatch {
  entries: { index: bigint; bytes: Uint8Array }[];
  /** Every perfect-subtree node the batch completes, leaves (level 0) included. */
  nodes: { id: NodeId; hash: Uint8Array }[];
  block: BlockRecord;
  head: LogHead;
  /** `account`, when given, also goes into the per-account index (`listAccountDeposits`). */
  deposits: { record: DepositRecord; sha256: Uint8Array; account?: string }[];
  claims: ClaimRecord[];
  /** Auxiliary records, applied in order (a later write to the same key wins). */
  records?: RecordWrite[];
  /** Counter deltas; several for one name add up. */
  counters?: CounterDelta[];
  /**
   * Requests other processes handed over (handoff.ts) that this batch commits: a shared store
   * marks each done with its result in the same atomic write. Only a shared store gets these.
   */
  handed?: HandedResult[];
}

/**
 * The Merkle log itself: entries, tree tiles, blocks and the head. Implementations:
 * - MUST make `commit` atomic (all of the batch or none of it) and durable (synced to disk)
 *   before its promise resolves; the batch's deposits, claims, records and counters are part of it;
 * - MUST NOT be called concurrently for `commit` (there is one writer, the sequencer);
 * - MUST serve reads concurrently with a commit, returning only committed data;
 * - MAY cache, but MUST NOT return data of an uncommitted batch.
 */
export interface LogStore {
  /** The head, or undefined for a store that holds no log yet. */
  loadHead(): Promise<LogHead | undefined>;
  commit(batch: CommitBatch): Promise<void>;
  /** Entry bytes at `index`, or undefined past the stored tree. */
  getEntry(index: bigint): Promise<Uint8Array | undefined>;
  /** Entries [start, start+count) that exist, in order. */
  getEntries(start: bigint, count: number): Promise<Uint8Array[]>;
  /** Hashes of perfect nodes, one per id in order. MUST throw LogError('corrupt_store') if one is missing. */
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>;
  /**
   * C2SP tlog-tiles hash tile `index` at tile level `level`: the hashes of the tree's perfect nodes at
   * level 8·`level`, numbers 256·`index` onwards, 32 bytes each, as many as the committed tree holds
   * (1–256); undefined when it holds none. Entries of a full tile (256 hashes) never change.
   */
  getTile(level: number, index: bigint): Promise<Uint8Array | undefined>;
  /**
   * C2SP tlog-tiles entry bundle `index`: entries 256·`index` onwards, each a big-endian uint16
   * length then its bytes, as many as the committed tree holds (1–256); undefined when it holds none.
   */
  getEntryBundle(index: bigint): Promise<Uint8Array | undefined>;
  getBlock(height: bigint): Promise<BlockRecord | undefined>;
  /** The first (lowest) block whose tree size is > index: the block that first covers entry `index`. */
  findCoveringBlock(index: bigint): Promise<BlockRecord | undefined>;
}

/** Deposits beyond their log entries: records, the SHA-256 index, claims and the per-account index. Written by `LogStore.commit`. */
export interface DepositStore {
  getDeposit(id: string): Promise<DepositRecord | undefined>;
  /** Indexes of entries depositing this SHA-256, ascending, at most `limit`. */
  findBySha256(sha256: Uint8Array, limit: number): Promise<bigint[]>;
  getClaim(kind: ClaimRecord['kind'], account: string, key: string): Promise<string | undefined>;
  /**
   * The account's deposits from the per-account index: highest index (newest) first, only those
   * with index < `before` when it is given, at most `limit`.
   */
  listAccountDeposits(account: string, opts: { before?: bigint; limit: number }): Promise<AccountDepositRef[]>;
  /**
   * Adds per-account index records for deposits committed without one (stores written before the
   * index existed), with `records` and `counters`, in one write atomic and synced like `commit`
   * and serialized with it. Writing a record that exists already changes nothing.
   */
  indexAccountDeposits(refs: (AccountDepositRef & { account: string })[], records?: RecordWrite[], counters?: CounterDelta[]): Promise<void>;
}

/** RFC 3161 replies of blocks. */
export interface TimestampStore {
  /**
   * Stores the RFC 3161 reply (`der`, a DER TimeStampResp) for block `height`, with `tsa`, the
   * label certificates name its TSA by. MUST be durable (synced) before resolving. MAY run
   * concurrently with `commit` (it writes nothing `commit` writes). A second put for the same
   * height replaces the first; callers SHOULD NOT do that (certificates already served name it).
   */
  putTimestamp(height: bigint, der: Uint8Array, tsa: string): Promise<void>;
  /** The stored reply of block `height`, or undefined. */
  getTimestamp(height: bigint): Promise<TimestampRecord | undefined>;
  /** The lowest height >= `fromHeight` that has a stored reply, with it; undefined if none. */
  findFirstTimestampedBlock(fromHeight: bigint): Promise<(TimestampRecord & { height: bigint }) | undefined>;
}

/**
 * Auxiliary records and counters: the storage primitive the concern stores in
 * `src/adapters/records/` (registrations, organisations, cases, …) keep their index layouts on.
 * Use cases reach records only through those concern ports, never by building keys themselves.
 */
export interface RecordStore {
  getRecord(space: string, key: string): Promise<string | undefined>;
  /** Records of `space` whose key starts with `prefix`, in key order, after `after` (exclusive), at most `limit`. */
  listRecords(space: string, opts: { prefix?: string; after?: string; limit: number }): Promise<{ key: string; value: string }[]>;
  /** A counter's committed value, or undefined if it was never written. */
  getCounter(name: string): Promise<number | undefined>;
  /**
   * Writes records and counter deltas outside the log. MUST be atomic and synced like `commit`,
   * and MUST serialize with `commit` and other writes so that counter updates are never lost.
   */
  writeRecords(records: RecordWrite[], counters?: CounterDelta[]): Promise<void>;
}

/**
 * Everything one store holds (LevelDB, in memory, PostgreSQL): the composition root opens one and
 * hands each use case the narrow ports it needs.
 */
export interface LedgerStore extends LogStore, DepositStore, TimestampStore, AccountStore, RecordStore {
  close(): Promise<void>;
}

/** Signs checkpoint notes. `sign` MUST be synchronous and return a 64-byte Ed25519 signature. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Random bytes from a CSPRNG. */
export type RandomBytes = (n: number) => Uint8Array;

/** A signed-in browser session. Stored under the SHA-256 of its cookie token, never the token. */
export interface SessionRecord {
  account: string;
  /** Epoch ms of the sign-in (absolute expiry counts from here). */
  createdAt: number;
  /** Epoch ms of the last request seen (idle expiry counts from here; written at most about once a minute). */
  lastSeenAt: number;
}

/** A password as stored: the scrypt parameters, salt and derived key, never the password. */
export interface PasswordRecord {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** base64url */
  salt: string;
  /** base64url */
  hash: string;
  setAt: string;
}

/**
 * Sessions and passwords of accounts. `hash` is the base64url SHA-256 of a session's cookie token.
 * Implementations MUST make every write atomic and durable before resolving, and MUST NOT return
 * a session once `deleteSession` or `deleteAccountSessions` has resolved.
 */
export interface SessionStore {
  putSession(hash: string, session: SessionRecord): Promise<void>;
  getSession(hash: string): Promise<SessionRecord | undefined>;
  deleteSession(hash: string): Promise<void>;
  /** The account's sessions (at most `limit`, in hash order) with their hashes. */
  listAccountSessions(account: string, limit: number): Promise<{ hash: string; session: SessionRecord }[]>;
  /** Deletes every session of the account but `except` (a hash); returns how many it deleted. */
  deleteAccountSessions(account: string, except?: string): Promise<number>;
  getPassword(account: string): Promise<PasswordRecord | undefined>;
  setPassword(account: string, password: PasswordRecord): Promise<void>;
}

/** Hashes and checks passwords (scrypt in the Node adapter; slow on purpose, off the event loop). */
export interface PasswordHasher {
  hash(password: string): Promise<PasswordRecord>;
  /** True when `password` matches `stored`; MUST compare in constant time. Without `stored`, spends the same work and answers false. */
  verify(password: string, stored: PasswordRecord | undefined): Promise<boolean>;
}
