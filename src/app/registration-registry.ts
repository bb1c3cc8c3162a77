/** The registry and certificates: admin revocations and corrections, registration certificates, the public registry (docs/REGISTRATION.md). */
import { toHex } from '../core/bytes.js';
import { decodeEntry, isRegistrationEntry } from '../core/entry.js';
import { LogError } from '../core/errors.js';
import { buildRegistrationCertificate, checkTransition, reasonSha256, recordSha256, type CertificateRecord, type RegistrationCertificate } from '../core/registration.js';
import { formatTime } from '../core/time.js';
import type { AccountRecord } from './ports.js';
import { RegistrationBook, COUNTERS, MAX_REGISTRY_RESULTS, MAX_SEARCH_SCAN, requireRole, type Correction, type RegistrationView, type RegistryEntry } from './registration-book.js';
import { matches, planQuery } from './registry-search.js';

export class Registry {
  constructor(private readonly b: RegistrationBook) {}

  /** Revokes a registration. The registry keeps the entry and shows the revocation. */
  async revoke(actor: AccountRecord, id: string, reason: string): Promise<RegistrationView> {
    requireRole(actor, ['admin'], 'only an admin revokes registrations');
    return this.b.locks.run(id, async () => {
      const rec = await this.b.loadVisible(actor, id);
      checkTransition(rec.state, 'revoke');
      const at = formatTime(this.b.d.clock.now());
      const number = rec.number!;
      const pub = await this.registryEntry(number);
      const updated: RegistryEntry = { ...pub, status: 'revoked', revocation: { revokedAt: at, reason } };
      return this.b.view(
        actor,
        await this.b.commitChange(rec, { ...rec, reason }, 'revoke', actor, at, {
          entry: { number, reasonSha256: reasonSha256(reason, rec.salt, this.b.d.sha256) },
          reason,
          registry: { before: pub, after: updated },
          counters: [{ name: COUNTERS.revoked, delta: 1 }],
        }),
      );
    });
  }

  /**
   * Corrects the public fields of a registration (title, rights holders' names). The number
   * stays; the registry lists every correction with its old and new values; the certificate is
   * reissued on the correction entry.
   */
  async correct(actor: AccountRecord, id: string, changes: Correction, reason: string): Promise<RegistrationView> {
    requireRole(actor, ['admin'], 'only an admin corrects registrations');
    return this.b.locks.run(id, async () => {
      const rec = await this.b.loadVisible(actor, id);
      checkTransition(rec.state, 'correct');
      const old = rec.certificate!.record;
      if (changes.rightsHolders !== undefined && changes.rightsHolders.length !== old.rightsHolders.length) {
        throw new LogError('invalid_request', `rightsHolders: give all ${old.rightsHolders.length} rights holders, in order`, { details: { field: 'rightsHolders' } });
      }
      const at = formatTime(this.b.d.clock.now());
      const number = rec.number!;
      const record: CertificateRecord = {
        ...old,
        title: changes.title ?? old.title,
        rightsHolders: changes.rightsHolders ? old.rightsHolders.map((h, i) => ({ ...h, name: changes.rightsHolders![i]!.name })) : old.rightsHolders,
        correctedAt: at,
        salt: toHex(this.b.d.random(16)),
      };
      const pub = await this.registryEntry(number);
      const diff: Record<string, { from: unknown; to: unknown }> = {};
      const next: RegistryEntry = { ...pub };
      if (changes.title !== undefined && changes.title !== pub.title) {
        diff.title = { from: pub.title, to: changes.title };
        next.title = changes.title;
      }
      if (changes.rightsHolders !== undefined) {
        const names = changes.rightsHolders.map((h) => h.displayName ?? h.name);
        if (names.some((n, i) => n !== pub.rightsHolders[i])) {
          diff.rightsHolders = { from: pub.rightsHolders, to: names };
          next.rightsHolders = names;
        }
      }
      next.corrections = [...pub.corrections, { correctedAt: at, changes: diff, reason }];
      return this.b.view(
        actor,
        await this.b.commitChange(rec, { ...rec, certificate: { index: -1, record } }, 'correct', actor, at, {
          entry: { deposits: old.deposits.map((d) => d.id), number, recordSha256: recordSha256(record, this.b.d.sha256), reasonSha256: reasonSha256(reason, rec.salt, this.b.d.sha256) },
          reason,
          registry: { before: pub, after: next },
          counters: [{ name: COUNTERS.corrections, delta: 1 }],
        }),
      );
    });
  }

  // ---- certificate and registry ---------------------------------------------------------------

  /** The registration certificate: the record, its approval (or latest correction) entry and that entry's inclusion proof. */
  async certificate(actor: AccountRecord, id: string): Promise<RegistrationCertificate> {
    const rec = await this.b.loadVisible(actor, id);
    if (rec.state === 'revoked') throw new LogError('conflict', `registration ${rec.number} was revoked`);
    if (rec.state !== 'approved' || rec.certificate === undefined) throw new LogError('conflict', `application ${id} is not approved (state ${rec.state})`);
    const index = BigInt(rec.certificate.index);
    const block = await this.b.d.ledger.coveringBlock(index);
    const bytes = await this.b.d.ledger.entry(index);
    if (block === undefined || bytes === undefined) throw new LogError('corrupt_store', `entry ${index} of ${id} is missing`);
    const entry = decodeEntry(bytes);
    if (!isRegistrationEntry(entry) || entry.id !== id) throw new LogError('corrupt_store', `entry ${index} is not of ${id}`);
    const proof = await this.b.d.ledger.inclusionProof(index, block.treeSize);
    return buildRegistrationCertificate({
      entry,
      record: rec.certificate.record,
      index,
      entryBytes: bytes,
      treeSize: block.treeSize,
      proof: proof.hashes,
      checkpoint: block.checkpoint,
      logKey: this.b.d.ledger.keyAt(block.height),
    });
  }

  /** Public registry: by exact number. */
  async registryByNumber(number: string): Promise<RegistryEntry[]> {
    const e = await this.b.d.records.registryEntry(number);
    return e === undefined ? [] : [e];
  }

  /** Public registry: titles and rights holders' display names matching `q` (at most 50, by number). */
  async registrySearch(q: string): Promise<{ results: RegistryEntry[]; truncated: boolean }> {
    const query = planQuery(q);
    if (query === undefined) throw new LogError('invalid_request', 'q: give at least one letter, digit or character', { details: { field: 'q' } });
    const found = await this.b.d.records.numbersByTerm(query.scan, MAX_SEARCH_SCAN);
    const results: RegistryEntry[] = [];
    let truncated = found.truncated;
    for (const n of found.numbers) {
      const e = await this.b.d.records.registryEntry(n);
      if (e === undefined) continue;
      if (!matches(query, `${e.title}\n${e.rightsHolders.join('\n')}`)) continue;
      if (results.length === MAX_REGISTRY_RESULTS) {
        truncated = true;
        break;
      }
      results.push(e);
    }
    return { results, truncated };
  }

  async registryEntry(number: string): Promise<RegistryEntry> {
    const [e] = await this.registryByNumber(number);
    if (e === undefined) throw new LogError('corrupt_store', `registry entry ${number} is missing`);
    return e;
  }
}
