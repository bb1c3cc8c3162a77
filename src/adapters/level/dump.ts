/**
 * StoreDump and StoreLoad (app/migrate.ts) on LevelDB: prefix scans of the kinds the ports
 * cannot list (accounts 'a', key records 'y' and key hashes 'k', claims 'c', records 'R',
 * counters 'C'; sessions and passwords are records of the session spaces, sessions.ts). The log
 * and deposit records are never read here: the migration reads them through the LedgerStore port.
 * Schema markers ('M') are not dumped: each store's own open writes the markers of its layout.
 */
import { randomBytes } from 'node:crypto';
import { fromHex, fromUtf8, toHex, utf8 } from '../../core/bytes.js';
import type { AccountRecord, ApiKeyRecord, ClaimRecord, NewApiKey, PasswordRecord, SessionRecord } from '../../app/ports.js';
import { SESSION_SPACES, type StoreDump, type StoreLoad } from '../../app/migrate.js';
import * as K from './keys.js';
import type { LevelLogStore } from './store.js';

type Bytes = Uint8Array;
type StoredKey = ApiKeyRecord & { sha256: string };

const NUL = 0;

function range(prefix: Bytes): { gte: Bytes; lt: Bytes } {
  return { gte: prefix, lt: K.prefixEnd(prefix) };
}

async function* scan(store: LevelLogStore, prefix: Bytes): AsyncGenerator<[Bytes, Bytes]> {
  for await (const kv of store.db.iterator(range(prefix))) yield kv;
}

/** The records of one space of the 'R' prefix ('R' + space + 0x00 + key). */
async function* space(store: LevelLogStore, name: string): AsyncGenerator<{ key: string; value: string }> {
  const prefix = Uint8Array.of(K.P.record, ...utf8(name), NUL);
  for await (const [k, v] of scan(store, prefix)) yield { key: fromUtf8(k.subarray(prefix.length)), value: fromUtf8(v) };
}

export function levelStoreDump(store: LevelLogStore): StoreDump {
  return {
    async *accounts() {
      // Keys stored by earlier versions ('k' → account id alone, no key record) that the store's
      // own open has not migrated (a source is opened read-only): their records are made here.
      const legacy = new Map<string, Bytes[]>();
      for await (const [k, v] of scan(store, Uint8Array.of(K.P.apiKey))) {
        const ref = fromUtf8(v);
        if (!ref.includes('\n')) legacy.set(ref, [...(legacy.get(ref) ?? []), k.slice(1)]);
      }
      for await (const [, v] of scan(store, Uint8Array.of(K.P.account))) {
        const account = JSON.parse(fromUtf8(v)) as AccountRecord;
        const keys: NewApiKey[] = [];
        for await (const [, kv] of scan(store, K.keyRecordPrefix(account.id))) {
          const { sha256, ...record } = JSON.parse(fromUtf8(kv)) as StoredKey;
          keys.push({ record, hash: fromHex(sha256, 32) });
        }
        for (const hash of legacy.get(account.id) ?? []) {
          keys.push({ record: { id: 'key_' + randomBytes(12).toString('base64url'), account: account.id, createdAt: account.createdAt }, hash });
        }
        yield { account, keys };
      }
    },
    async *claims() {
      for await (const [k, v] of scan(store, Uint8Array.of(K.P.claim))) {
        const nul = k.indexOf(NUL, 2);
        yield {
          kind: k[1] === 0x69 ? 'idempotency' : 'external',
          account: fromUtf8(k.subarray(2, nul)),
          key: fromUtf8(k.subarray(nul + 1)),
          depositId: fromUtf8(v),
        } satisfies ClaimRecord;
      }
    },
    async *records() {
      const prefix = Uint8Array.of(K.P.record);
      for await (const [k, v] of scan(store, prefix)) {
        const nul = k.indexOf(NUL, 1);
        const name = fromUtf8(k.subarray(1, nul));
        if (SESSION_SPACES.has(name)) continue;
        yield { space: name, key: fromUtf8(k.subarray(nul + 1)), value: fromUtf8(v) };
      }
    },
    async *counters() {
      for await (const [k, v] of scan(store, Uint8Array.of(K.P.counter))) yield { name: fromUtf8(k.subarray(1)), value: Number(fromUtf8(v)) };
    },
    async *sessions() {
      for await (const r of space(store, 'session')) yield { hash: r.key, session: JSON.parse(r.value) as SessionRecord };
    },
    async *passwords() {
      for await (const r of space(store, 'password')) yield { account: r.key, password: JSON.parse(r.value) as PasswordRecord };
    },
  };
}

export function levelStoreLoad(store: LevelLogStore): StoreLoad {
  const json = (v: unknown) => utf8(JSON.stringify(v));
  return {
    async putAccount(account, keys) {
      const b = store.db.batch();
      b.put(K.accountKey(account.id), json(account));
      b.put(K.emailKey(account.email), utf8(account.id));
      for (const k of keys) {
        b.put(K.keyRecordKey(account.id, k.record.id), json({ ...k.record, sha256: toHex(k.hash) } satisfies StoredKey));
        b.put(K.apiKeyKey(k.hash), utf8(`${account.id}\n${k.record.id}`));
      }
      await b.write({ sync: true });
    },
    async putClaims(claims) {
      if (claims.length === 0) return;
      const b = store.db.batch();
      for (const c of claims) b.put(K.claimKey(c.kind, c.account, c.key), utf8(c.depositId));
      await b.write({ sync: true });
    },
  };
}
