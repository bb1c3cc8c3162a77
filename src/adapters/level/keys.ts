/**
 * The LevelDB key schema: one ASCII prefix byte per record kind, then fixed-width big-endian
 * numbers so that byte order is numeric order. Private to this adapter.
 */
import { concatBytes, u64be, utf8 } from '../../core/bytes.js';
import { compactDepositId, isHexDepositId, writeDepositValue, writeHexDepositId } from './values.js';

export const P = {
  bundle: 0x42, // 'B' + u64 bundle index [+ u8 start] → format byte ‖ C2SP entry bundle, full [or a fragment] (tiles.ts)
  tile: 0x54, // 'T' + u8 tile level + u64 index [+ u8 start] → 32-byte hashes of tree level 8·L nodes, 256 [or a fragment]
  midTile: 0x55, // 'U' + u8 L + u64 index [+ u8 start] → the same for tree level 8·L + 4 (not a C2SP tile: speeds up reads)
  entry: 0x65, // 'e' + u64 index                  → entry bytes (earlier versions; migrated to 'B')
  node: 0x6e, // 'n' + u8 level + u64 index        → 32-byte hash (earlier versions; migrated to 'T')
  block: 0x62, // 'b' + u64 height                 → block JSON
  blockBySize: 0x73, // 's' + u64 treeSize + u64 height → '' (first block covering an index)
  head: 0x48, // 'H'                                → head JSON
  deposit: 0x44, // 'D' + 0x01 + 10 bytes (id dep_<20 hex>) or 'D' + deposit id text → index ‖ metadata (values.ts)
  sha: 0x68, // 'h' + 32-byte sha256 + u64 index    → ''
  claim: 0x63, // 'c' + kind byte + account + 0x00 + key → deposit id
  account: 0x61, // 'a' + account id               → account JSON
  apiKey: 0x6b, // 'k' + 32-byte key hash          → account id '\n' key id (earlier versions: account id alone)
  keyRecord: 0x79, // 'y' + account id + 0x00 + key id → key record JSON (with the key hash)
  meta: 0x4d, // 'M' + name                          → schema migration markers
  email: 0x6d, // 'm' + lowercased email            → account id
  record: 0x52, // 'R' + space + 0x00 + key         → value (auxiliary records, see registry.ts)
  counter: 0x43, // 'C' + counter name              → decimal text
  timestamp: 0x74, // 't' + u64 height              → u16 label length ‖ label ‖ DER TimeStampResp
  accountDeposit: 0x41, // 'A' + account id + 0x00 + u64 index → deposit id (per-account index)
} as const;

const one = (p: number) => Uint8Array.of(p);

/** A full bundle; with `start`, the fragment of a partial bundle holding entries from `start` on. */
export const bundleKey = (index: bigint, start?: number) =>
  start === undefined ? concatBytes(one(P.bundle), u64be(index)) : concatBytes(one(P.bundle), u64be(index), Uint8Array.of(start));
/**
 * The tile of tree level 4·`q` nodes 256·`index` …: C2SP tile q/2 ('T') for even q, the mid-level
 * tile (q−1)/2 ('U') for odd q; with `start`, the fragment of a partial one holding hashes from `start` on.
 */
export const quadTileKey = (q: number, index: bigint, start?: number) => {
  const head = Uint8Array.of(q % 2 === 0 ? P.tile : P.midTile, q >> 1);
  return start === undefined ? concatBytes(head, u64be(index)) : concatBytes(head, u64be(index), Uint8Array.of(start));
};
/** C2SP hash tile L/N (see quadTileKey). */
export const tileKey = (level: number, index: bigint, start?: number) => quadTileKey(2 * level, index, start);
export const entryKey = (index: bigint) => concatBytes(one(P.entry), u64be(index));
export const nodeKey = (level: number, index: bigint) => concatBytes(Uint8Array.of(P.node, level), u64be(index));
export const blockKey = (height: bigint) => concatBytes(one(P.block), u64be(height));
export const blockBySizeKey = (treeSize: bigint, height: bigint) => concatBytes(one(P.blockBySize), u64be(treeSize), u64be(height));
export const HEAD_KEY = one(P.head);
/** The deposit record's key: 'D' ‖ 0x01 ‖ 10 bytes for an id dep_<20 hex>, else 'D' ‖ UTF-8 id. */
export const depositKey = (id: string) => {
  const raw = compactDepositId(id);
  return raw === undefined ? textDepositKey(id) : concatBytes(Uint8Array.of(P.deposit, 1), raw);
};
/** The key earlier versions used for every deposit record: 'D' ‖ UTF-8 id. */
export const textDepositKey = (id: string) => concatBytes(one(P.deposit), utf8(id));
export const shaKey = (sha256: Uint8Array, index: bigint) => concatBytes(one(P.sha), sha256, u64be(index));
export const shaPrefix = (sha256: Uint8Array) => concatBytes(one(P.sha), sha256);
export const claimKey = (kind: 'idempotency' | 'external', account: string, key: string) =>
  concatBytes(Uint8Array.of(P.claim, kind === 'idempotency' ? 0x69 : 0x78), utf8(account), Uint8Array.of(0), utf8(key));
export const accountKey = (id: string) => concatBytes(one(P.account), utf8(id));
export const apiKeyKey = (hash: Uint8Array) => concatBytes(one(P.apiKey), hash);
export const keyRecordKey = (account: string, keyId: string) => concatBytes(one(P.keyRecord), utf8(account), Uint8Array.of(0), utf8(keyId));
export const keyRecordPrefix = (account: string) => concatBytes(one(P.keyRecord), utf8(account), Uint8Array.of(0));
export const metaKey = (name: string) => concatBytes(one(P.meta), utf8(name));
export const timestampKey = (height: bigint) => concatBytes(one(P.timestamp), u64be(height));
export const accountDepositPrefix = (account: string) => concatBytes(one(P.accountDeposit), utf8(account), Uint8Array.of(0));
export const accountDepositKey = (account: string, index: bigint) => concatBytes(accountDepositPrefix(account), u64be(index));
export const emailKey = (email: string) => concatBytes(one(P.email), utf8(email.toLowerCase()));
const encoder = new TextEncoder();

/**
 * Writes the keys and values of one commit into shared 64 KiB slabs: one small view per record
 * instead of the four or five arrays (and a DataView) the functions above allocate. LevelDB copies
 * every key and value into its write batch, so the views only need to live until the write.
 */
export class Packer {
  private buf = new Uint8Array(0);
  private dv = new DataView(this.buf.buffer);
  private off = 0;

  private take(n: number): number {
    if (this.off + n > this.buf.length) {
      this.buf = new Uint8Array(Math.max(65_536, n));
      this.dv = new DataView(this.buf.buffer);
      this.off = 0;
    }
    const o = this.off;
    this.off += n;
    return o;
  }

  /** {@link depositKey}. */
  depositKey(id: string): Uint8Array {
    if (!isHexDepositId(id)) return this.prefixed(P.deposit, id);
    const o = this.take(12);
    this.buf[o] = P.deposit;
    this.buf[o + 1] = 1;
    writeHexDepositId(id, this.buf, o + 2);
    return this.buf.subarray(o, o + 12);
  }

  /** The 'D' value, {@link encodeDepositValue}. */
  depositValue(index: bigint, metadata: string): Uint8Array {
    const o = this.take(10 + 3 * metadata.length);
    this.off = o + writeDepositValue(index, metadata, this.buf, o);
    return this.buf.subarray(o, this.off);
  }

  /** The 'A' value, {@link encodeDepositRef}. */
  depositRef(id: string): Uint8Array {
    if (!isHexDepositId(id)) return this.prefixed(-1, id);
    const o = this.take(11);
    this.buf[o] = 1;
    writeHexDepositId(id, this.buf, o + 1);
    return this.buf.subarray(o, o + 11);
  }

  shaKey(sha256: Uint8Array, index: bigint): Uint8Array {
    const o = this.take(41);
    this.buf[o] = P.sha;
    this.buf.set(sha256, o + 1);
    this.dv.setBigUint64(o + 33, index);
    return this.buf.subarray(o, o + 41);
  }

  /** The last account's 'A' key prefix ('A' ‖ UTF-8(account) ‖ 0x00): a commit's deposits mostly share one. */
  private lastAccount: string | undefined;
  private lastAccountPrefix: Uint8Array = new Uint8Array(0);

  /** 'A' ‖ UTF-8(account) ‖ 0x00 ‖ u64be(index). */
  accountDepositKey(account: string, index: bigint): Uint8Array {
    if (account !== this.lastAccount) {
      this.lastAccount = account;
      this.lastAccountPrefix = accountDepositPrefix(account);
    }
    const head = this.lastAccountPrefix;
    const o = this.take(head.length + 8);
    this.buf.set(head, o);
    this.dv.setBigUint64(o + head.length, index);
    this.off = o + head.length + 8;
    return this.buf.subarray(o, this.off);
  }

  /** prefix ‖ UTF-8(text); with prefix −1, UTF-8(text) alone. */
  prefixed(prefix: number, text: string): Uint8Array {
    const head = prefix < 0 ? 0 : 1;
    const o = this.take(head + 3 * text.length);
    if (head) this.buf[o] = prefix;
    const { written } = encoder.encodeInto(text, this.buf.subarray(o + head));
    this.off = o + head + written;
    return this.buf.subarray(o, this.off);
  }
}

/** Exclusive upper bound of all keys with this prefix. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = prefix.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 255) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  throw new Error('no upper bound for an all-0xff prefix');
}
