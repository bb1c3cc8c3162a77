import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { builtinTsa, nodeSigningKey } from '../adapters/tsa/builtin.js';
import { buildSelfSignedTsaCertificate, positiveSerial } from '../adapters/tsa/tokens.js';
import { buildCertificate, verifyCertificate } from '../core/certificate.js';
import { decodeEntry, isDepositEntry } from '../core/entry.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, formatVerifierKey } from '../core/note.js';
import { BUILTIN_TSA_NAME } from '../core/timestamp.js';
import { Deposits } from './deposits.js';
import { Ledger } from './log.js';
import type { AccountRecord } from './ports.js';
import { blockDigest, evidenceBlock } from './timestamps.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(9));
const verifierKey = formatVerifierKey(ORIGIN, signer.publicKey);
const tsaKey = nodeSigningKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const tsaCert = buildSelfSignedTsaCertificate({ key: tsaKey, commonName: BUILTIN_TSA_NAME, serial: positiveSerial(randomBytes(16)), notBefore: new Date(Date.now() - 60_000) });
const random = (n: number) => new Uint8Array(randomBytes(n));
const tsa = builtinTsa(tsaKey, tsaCert, { now: () => Date.now(), random });

const account = (id: string, role: AccountRecord['role'] = 'creator'): AccountRecord => ({ id, role }) as AccountRecord;
const alice = account('acc_alice');
const bob = account('acc_bob');
const admin = account('acc_admin', 'admin');
const hex = () => randomBytes(32).toString('hex');

/** A store that counts every read made through it. */
function counting(store: MemoryLogStore) {
  const counts = { reads: 0 };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && (prop.startsWith('get') || prop.startsWith('find'))) counts.reads++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { proxy, counts };
}

async function setup(cacheChars?: number) {
  const memory = new MemoryLogStore();
  const { proxy: store, counts } = counting(memory);
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey, origin: ORIGIN, sha256: portableSha256, clock: { now: () => Date.now() } });
  const deposits = new Deposits(ledger, store, portableSha256, random, { now: () => Date.now() }, cacheChars !== undefined ? { certificateCacheChars: cacheChars } : {});
  /** Stamps the latest block, as the timestamp worker does. */
  const stampLatest = async () => {
    const block = ledger.latestBlock;
    await memory.putTimestamp(block.height, await tsa.timestamp(blockDigest(block, portableSha256)), BUILTIN_TSA_NAME);
  };
  /** The certificate as the route built it before the cache: evidenceBlock, one inclusion proof, buildCertificate. */
  const reference = async (id: string) => {
    const rec = (await memory.getDeposit(id))!;
    const bytes = (await ledger.entry(rec.index))!;
    const entry = decodeEntry(bytes);
    if (!isDepositEntry(entry)) throw new Error('not a deposit');
    const { block, timestamp } = await evidenceBlock(ledger, memory, rec.index);
    const proof = await ledger.inclusionProof(rec.index, block.treeSize);
    return JSON.stringify(
      buildCertificate({
        depositId: id,
        receivedAt: entry.receivedAt,
        work: { sha256: entry.sha256, ...(entry.sm3 !== undefined ? { sm3: entry.sm3 } : {}), ...(entry.size !== undefined ? { size: entry.size } : {}), metadata: JSON.parse(rec.metadata) as Record<string, unknown> },
        index: rec.index,
        entryBytes: bytes,
        treeSize: block.treeSize,
        proof: proof.hashes,
        checkpoint: block.checkpoint,
        logKey: ledger.keyAt(block.height),
        ...(timestamp !== undefined ? { timestamp } : {}),
      }),
    );
  };
  return { ledger, deposits, counts, stampLatest, reference };
}

const notFound = (e: unknown) => isLogError(e) && e.code === 'not_found';

describe('Certificates', () => {
  it('serves the same bytes as before the cache, from the cache the second time (no store reads), in many blocks', async () => {
    const { deposits, counts, stampLatest, reference } = await setup();
    const ids: string[] = [];
    for (let b = 0; b < 4; b++) {
      const made = await deposits.depositBatch(alice, [{ sha256: hex() }, { sha256: hex(), sm3: hex(), size: 12, metadata: { title: '春江花月夜', n: [1, 2.5] } }, { sha256: hex() }]);
      ids.push(...made.map((m) => m.deposit.id));
      if (b === 1) await stampLatest();
    }
    for (const id of ids) {
      const first = await deposits.certificateJson(id, alice);
      expect(first).toBe(await reference(id));
      const before = counts.reads;
      expect(await deposits.certificateJson(id, admin)).toBe(first);
      // Stamped certificates are final: a hit reads nothing; unstamped ones read one record (is there a token now?).
      const stamped = (JSON.parse(first) as { timestamp?: unknown }).timestamp !== undefined;
      expect(counts.reads - before).toBe(stamped ? 0 : 1);
      expect(JSON.stringify(await deposits.certificate(id, alice))).toBe(first);
    }
    // The first six were covered by the stamped block (two batches), the rest not yet.
    const parsed = await Promise.all(ids.map(async (id) => JSON.parse(await deposits.certificateJson(id, alice)) as { timestamp?: unknown; proof: { treeSize: number } }));
    expect(parsed.slice(0, 6).every((c) => c.timestamp !== undefined)).toBe(true);
    expect(parsed.slice(6).every((c) => c.timestamp === undefined)).toBe(true);
    for (const c of parsed) expect(verifyCertificate(c, { verifierKey, tsaCertificates: [tsaCert], sha256: portableSha256 }).valid).toBe(true);
  });

  it('never serves a cached certificate without the token that has arrived since', async () => {
    const { deposits, stampLatest, reference } = await setup();
    const [a] = await deposits.depositBatch(alice, [{ sha256: hex() }]);
    const id = a!.deposit.id;
    const before = JSON.parse(await deposits.certificateJson(id, alice)) as { timestamp?: unknown; proof: { treeSize: number } };
    expect(before.timestamp).toBeUndefined();
    expect((JSON.parse((await deposits.certificatesJson([id], alice)).map((i) => ('json' in i ? i.json : ''))[0]!) as { timestamp?: unknown }).timestamp).toBeUndefined();
    // A later block gets the token: it covers the entry too, so the certificate moves to it.
    await deposits.depositBatch(bob, [{ sha256: hex() }, { sha256: hex() }]);
    await stampLatest();
    const single = await deposits.certificateJson(id, alice);
    const after = JSON.parse(single) as { timestamp?: unknown; proof: { treeSize: number } };
    expect(after.timestamp).toBeDefined();
    expect(after.proof.treeSize).toBe(3);
    expect(single).toBe(await reference(id));
    const [item] = await deposits.certificatesJson([id], alice);
    expect(item).toEqual({ id, json: single });
  });

  it('answers many in the order asked, repeats included, with not_found for unknown and other accounts’ ids', async () => {
    const { deposits, stampLatest, reference } = await setup();
    const mine = (await deposits.depositBatch(alice, Array.from({ length: 40 }, () => ({ sha256: hex() })))).map((r) => r.deposit.id);
    await stampLatest();
    const more = (await deposits.depositBatch(alice, Array.from({ length: 25 }, () => ({ sha256: hex() })))).map((r) => r.deposit.id);
    const theirs = (await deposits.depositBatch(bob, [{ sha256: hex() }])).map((r) => r.deposit.id);
    const unknown = 'dep_' + '0'.repeat(20);
    // Half of them cached beforehand, half built here.
    for (const id of mine.filter((_, i) => i % 2 === 0)) await deposits.certificateJson(id, alice);
    const ask = [more[3]!, theirs[0]!, ...mine, unknown, mine[5]!, ...more];
    const items = await deposits.certificatesJson(ask, alice);
    expect(items.map((i) => i.id)).toEqual(ask);
    for (const [k, item] of items.entries()) {
      if (ask[k] === theirs[0] || ask[k] === unknown) expect(item).toEqual({ id: ask[k], error: 'not_found' });
      else expect(item).toEqual({ id: ask[k], json: await reference(ask[k]!) });
    }
    // An admin sees every deposit.
    const asAdmin = await deposits.certificatesJson([theirs[0]!, unknown], admin);
    expect(asAdmin[0]).toEqual({ id: theirs[0], json: await reference(theirs[0]!) });
    expect(asAdmin[1]).toEqual({ id: unknown, error: 'not_found' });
    // The single route keeps its answers.
    await expect(deposits.certificateJson(theirs[0]!, alice)).rejects.toSatisfy(notFound);
    await expect(deposits.certificateJson(unknown, alice)).rejects.toSatisfy(notFound);
    await expect(deposits.certificate(theirs[0]!, alice)).rejects.toSatisfy(notFound);
  });

  it('keeps the cache within its bound, and works with no cache at all', async () => {
    const small = await setup(20_000);
    const ids = (await small.deposits.depositBatch(alice, Array.from({ length: 60 }, () => ({ sha256: hex() })))).map((r) => r.deposit.id);
    await small.stampLatest();
    const items = await small.deposits.certificatesJson(ids, alice);
    expect(items.every((i) => 'json' in i)).toBe(true);
    const { chars, entries } = (small.deposits as unknown as { certs: { cacheStats: { chars: number; entries: number } } }).certs.cacheStats;
    expect(chars).toBeLessThanOrEqual(20_000);
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(60);

    const none = await setup(0);
    const [d] = await none.deposits.depositBatch(alice, [{ sha256: hex() }]);
    const text = await none.deposits.certificateJson(d!.deposit.id, alice);
    expect(text).toBe(await none.reference(d!.deposit.id));
    const before = none.counts.reads;
    expect(await none.deposits.certificateJson(d!.deposit.id, alice)).toBe(text);
    expect(none.counts.reads - before).toBeGreaterThan(1);
  });
});
