import { describe, expect, it } from 'vitest';
import { signCheckpoint, ZERO_HASH } from './checkpoint.js';
import { decodeEntry, encodeEntry } from './entry.js';
import { isLogError } from './errors.js';
import { portableSha256 } from './hash.js';
import { TreeHasher } from './merkle.js';
import { createEd25519Signer } from './note.js';
import {
  checkOperationTransition,
  licenceCovers,
  licencesConflict,
  normaliseInstant,
  parsePeriod,
  termsSha256,
  type LicenceTerms,
  type OperationEntry,
} from './operation.js';
import { buildOperationCertificate, operationRecordSha256, verifyOperationCertificate, type OperationCertificate, type OperationCertificateRecord } from './operation-certificate.js';
import { verifyAnyCertificate } from './registration.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isLogError(e) ? { code: e.code, field: e.details?.field, message: e.message } : { code: 'thrown' };
  }
  return undefined;
};

const H = 'a'.repeat(64);
const entry = (over: Record<string, unknown> = {}) => ({
  v: 1,
  type: 'licence',
  id: 'lic_0123456789abcdef0123',
  seq: 2,
  action: 'accept',
  state: 'active',
  registration: 'reg_0123456789abcdef0123',
  number: 'CL-2026-F-00000001',
  account: 'acc_x',
  termsSha256: H,
  recordSha256: H,
  receivedAt: '2026-11-30T00:00:00.000Z',
  ...over,
});
const bytes = (e: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify(Object.fromEntries(Object.entries(e).sort(([a], [b]) => (a < b ? -1 : 1)))));

describe('operation entries', () => {
  it('decode when each field is what its action needs', () => {
    expect(decodeEntry(bytes(entry())).type).toBe('licence');
    expect(decodeEntry(bytes(entry({ action: 'offer', state: 'offered', recordSha256: undefined }))).action).toBe('offer');
    expect(decodeEntry(bytes(entry({ action: 'revoke', state: 'revoked', recordSha256: undefined, reasonSha256: H }))).action).toBe('revoke');
    expect(decodeEntry(bytes(entry({ type: 'transfer', id: 'trf_0123456789abcdef0123', action: 'accept', state: 'completed' }))).type).toBe('transfer');
    expect(decodeEntry(bytes(entry({ type: 'pledge', id: 'plg_0123456789abcdef0123', action: 'release', state: 'released', recordSha256: undefined }))).type).toBe('pledge');
  });

  it.each([
    ['a state the action does not lead to', { state: 'revoked' }, /state is not active/],
    ['an unknown action', { action: 'sell' }, /action invalid/],
    ['an id of another kind', { id: 'trf_0123456789abcdef0123' }, /id is not a lic_ id/],
    ['a missing recordSha256 on an acceptance', { recordSha256: undefined }, /recordSha256 missing/],
    ['a recordSha256 on an offer', { action: 'offer', state: 'offered' }, /recordSha256 unexpected/],
    ['a revocation without its reason hash', { action: 'revoke', state: 'revoked', recordSha256: undefined }, /reasonSha256 missing/],
    ['an upper-case hash', { termsSha256: H.toUpperCase() }, /termsSha256 invalid/],
    ['a bad registration number', { number: 'CL-26-F-1' }, /number invalid/],
    ['a field in plaintext that has no place there', { licensee: 'Video Platform' }, /unknown field licensee/],
  ])('refuse %s', (_what, over, message) => {
    const r = code(() => decodeEntry(bytes(entry(over))));
    expect(r?.code).toBe('bad_format');
    expect(r?.message).toMatch(message);
  });
});

describe('periods, conflicts and coverage', () => {
  it('normalise dates as China Standard Time days and instants to UTC', () => {
    expect(normaliseInstant('2026-01-01', 'start')).toBe('2025-12-31T16:00:00.000Z');
    expect(normaliseInstant('2026-12-31', 'end')).toBe('2026-12-31T16:00:00.000Z');
    expect(normaliseInstant('2026-06-01T08:00:00+08:00', 'start')).toBe('2026-06-01T00:00:00.000Z');
    expect(normaliseInstant('2026-02-30', 'start')).toBeUndefined();
    expect(normaliseInstant('tomorrow', 'start')).toBeUndefined();
    expect(normaliseInstant('2026-06-01T00:00:00', 'start')).toBeUndefined(); // no offset
  });

  it('parsePeriod names the bad bound; validTo must be after validFrom', () => {
    expect(parsePeriod('2026-01-01', '2026-01-01')).toEqual({ validFrom: '2025-12-31T16:00:00.000Z', validTo: '2026-01-01T16:00:00.000Z' }); // one whole day
    expect(code(() => parsePeriod('2026-01-02', '2026-01-01'))).toMatchObject({ code: 'invalid_request', field: 'validTo' });
    expect(code(() => parsePeriod('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'))).toMatchObject({ code: 'invalid_request', field: 'validTo' });
    expect(code(() => parsePeriod('x', '2026-01-01'))).toMatchObject({ code: 'invalid_request', field: 'validFrom' });
  });

  const l = (over: Partial<LicenceTerms> = {}) => ({ rights: ['reproduction' as const], exclusive: false, territory: ['CN'], validFrom: '2026-01-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z', ...over });
  it('an exclusive licence conflicts with an overlap of right, territory and time — and only then', () => {
    expect(licencesConflict(l({ exclusive: true }), l())).toBe(true);
    expect(licencesConflict(l(), l({ exclusive: true }))).toBe(true);
    expect(licencesConflict(l(), l())).toBe(false); // two non-exclusive licences coexist
    expect(licencesConflict(l({ exclusive: true }), l({ rights: ['translation'] }))).toBe(false);
    expect(licencesConflict(l({ exclusive: true }), l({ territory: ['US'] }))).toBe(false);
    expect(licencesConflict(l({ exclusive: true }), l({ territory: 'worldwide' }))).toBe(true);
    expect(licencesConflict(l({ exclusive: true }), l({ validFrom: '2027-01-01T00:00:00.000Z', validTo: '2028-01-01T00:00:00.000Z' }))).toBe(false); // half-open: touching periods do not overlap
    expect(licencesConflict(l({ exclusive: true }), l({ validFrom: '2026-12-31T23:59:59.999Z', validTo: '2028-01-01T00:00:00.000Z' }))).toBe(true);
  });

  it('a licence covers its rights inside its period and territory', () => {
    expect(licenceCovers(l(), { right: 'reproduction', at: '2026-01-01T00:00:00.000Z' })).toBe(true);
    expect(licenceCovers(l(), { right: 'reproduction', at: '2027-01-01T00:00:00.000Z' })).toBe(false);
    expect(licenceCovers(l(), { right: 'distribution', at: '2026-06-01T00:00:00.000Z' })).toBe(false);
    expect(licenceCovers(l(), { right: 'reproduction', at: '2026-06-01T00:00:00.000Z', territory: 'US' })).toBe(false);
    expect(licenceCovers(l({ territory: 'worldwide' }), { right: 'reproduction', at: '2026-06-01T00:00:00.000Z', territory: 'US' })).toBe(true);
  });

  it('transitions: accept only an offer, release only an active pledge', () => {
    expect(code(() => checkOperationTransition('licence', 'offered', 'accept'))).toBeUndefined();
    expect(code(() => checkOperationTransition('licence', 'active', 'accept'))).toMatchObject({ code: 'conflict' });
    expect(code(() => checkOperationTransition('pledge', 'released', 'release'))).toMatchObject({ code: 'conflict' });
    expect(code(() => checkOperationTransition('transfer', 'completed', 'consent'))).toMatchObject({ code: 'conflict' });
  });
});

describe('operation certificates', () => {
  const ORIGIN = 'example.com/log';
  const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(7));
  const hasher = new TreeHasher(portableSha256);

  function certificate(): OperationCertificate {
    const terms: LicenceTerms = {
      kind: 'licence',
      registration: 'reg_0123456789abcdef0123',
      number: 'CL-2026-F-00000001',
      licensor: { account: 'acc_a', name: 'Li Lei' },
      licensee: { account: 'acc_b', name: 'Video Platform' },
      rights: ['information_network_dissemination'],
      exclusive: true,
      territory: ['CN'],
      validFrom: '2025-12-31T16:00:00.000Z',
      validTo: '2027-12-31T16:00:00.000Z',
      fee: { amount: '100.00', currency: 'CNY' },
    };
    const salt = '5a'.repeat(16);
    const at = '2026-11-30T01:00:00.000Z';
    const record: OperationCertificateRecord = { kind: 'licence', id: 'lic_0123456789abcdef0123', title: 'Starry Night', terms, salt, offeredAt: '2026-11-30T00:00:00.000Z', effectiveAt: at };
    const e: OperationEntry = {
      v: 1,
      type: 'licence',
      id: record.id,
      seq: 2,
      action: 'accept',
      state: 'active',
      registration: terms.registration,
      number: terms.number,
      account: 'acc_b',
      termsSha256: termsSha256(terms, salt),
      recordSha256: operationRecordSha256(record),
      receivedAt: at,
    };
    const b = encodeEntry(e);
    const checkpoint = signCheckpoint({ origin: ORIGIN, treeSize: 1n, rootHash: hasher.hashLeaf(b), height: 1n, time: '2026-11-30T01:00:01.000Z', prevHash: ZERO_HASH }, signer);
    return buildOperationCertificate({ entry: e, record, index: 0n, entryBytes: b, treeSize: 1n, proof: [], checkpoint, logKey: signer.verifierKey });
  }

  it('verify against the pinned key, also through verifyAnyCertificate', () => {
    const r = verifyOperationCertificate(certificate(), { verifierKey: signer.verifierKey });
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['format', true],
      ['logKey', true],
      ['checkpointSignature', true],
      ['treeSize', true],
      ['inclusion', true],
      ['entry', true],
      ['record', true],
    ]);
    expect(r.valid).toBe(true);
    expect(verifyAnyCertificate(certificate(), { verifierKey: signer.verifierKey }).valid).toBe(true);
  });

  const failing = (mutate: (c: any) => void) => {
    const c = structuredClone(certificate()) as any;
    mutate(c);
    const r = verifyOperationCertificate(c, { verifierKey: signer.verifierKey });
    expect(r.valid).toBe(false);
    return r.checks.filter((x) => !x.ok).map((x) => x.name);
  };

  it.each([
    ['a changed right', (c: any) => (c.record.terms.rights = ['reproduction']), ['record']],
    ['a longer period', (c: any) => (c.record.terms.validTo = '2099-01-01T00:00:00.000Z'), ['record']],
    ['another licensee name', (c: any) => (c.record.terms.licensee.name = 'Someone'), ['record']],
    ['another salt', (c: any) => (c.record.salt = '00'.repeat(16)), ['record']],
    ['a changed title', (c: any) => (c.record.title = 'Other'), ['record']],
    ['another operation id', (c: any) => (c.operation.id = 'lic_ffffffffffffffffffff'), ['entry', 'record']],
    ['another kind claimed', (c: any) => ((c.operation.kind = 'pledge'), (c.operation.id = 'plg_0123456789abcdef0123')), ['entry', 'record']],
    ['a changed entry byte', (c: any) => (c.entry.bytes = c.entry.bytes.replace(/^./, 'f')), ['inclusion', 'entry', 'record']],
  ])('fail on %s', (_what, mutate, names) => {
    expect(failing(mutate)).toEqual(names);
  });

  it('refuse junk without throwing', () => {
    for (const x of [null, 1, 'x', [], {}, { format: 'copyright-ledger/operation-certificate@v1' }, { ...certificate(), operation: { kind: 'sale' } }]) {
      const r = verifyOperationCertificate(x);
      expect(r.valid).toBe(false);
      expect(r.checks[0]!.name).toBe('format');
    }
  });
});
