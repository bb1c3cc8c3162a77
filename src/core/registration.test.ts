import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from './bytes.js';
import { signCheckpoint, ZERO_HASH } from './checkpoint.js';
import { decodeEntry, encodeEntry, type RegistrationEntry } from './entry.js';
import { isLogError } from './errors.js';
import { portableSha256 } from './hash.js';
import { checkIdNumber, isResidentId, isUnifiedSocialCreditCode } from './identity.js';
import { canonicalBytes } from './jcs.js';
import { TreeHasher } from './merkle.js';
import { createEd25519Signer } from './note.js';
import {
  applicationSha256,
  buildRegistrationCertificate,
  certificateRecord,
  checkApplication,
  checkTransition,
  chinaDate,
  formatRegistrationNumber,
  parseRegistrationNumber,
  recordSha256,
  verifyAnyCertificate,
  verifyRegistrationCertificate,
  WORK_TYPES,
  type Application,
  type RegistrationCertificate,
} from './registration.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isLogError(e) ? { code: e.code, field: e.details?.field } : { code: 'thrown' };
  }
  return undefined;
};

describe('identity documents', () => {
  it('checks GB 11643 resident id check digits and birth dates', () => {
    expect(isResidentId('11010519491231002X')).toBe(true);
    expect(isResidentId('110105194912310021')).toBe(false);
    expect(isResidentId('110105194902300027')).toBe(false); // 30 February
    expect(isResidentId('11010519491231002x')).toBe(false);
  });
  it('checks GB 32100 unified social credit codes', () => {
    expect(isUnifiedSocialCreditCode('91350100M000100Y43')).toBe(true);
    expect(isUnifiedSocialCreditCode('91350100M000100Y44')).toBe(false);
    expect(isUnifiedSocialCreditCode('91350100I000100Y43')).toBe(false); // I is not in the alphabet
  });
  it('checks the shape of other documents', () => {
    expect(checkIdNumber('passport', 'E12345678')).toBeUndefined();
    expect(checkIdNumber('passport', 'E1')).toBeDefined();
    expect(checkIdNumber('hk_macao_permit', 'H12345678')).toBeUndefined();
    expect(checkIdNumber('taiwan_permit', '1234567')).toBeDefined();
  });
});

describe('registration numbers', () => {
  it('formats and parses CL-<year>-<letter>-<8 digits>', () => {
    expect(formatRegistrationNumber(2026, 'fine_art', 1)).toBe('CL-2026-F-00000001');
    expect(formatRegistrationNumber(2027, 'software', 12345678)).toBe('CL-2027-S-12345678');
    expect(parseRegistrationNumber('CL-2026-F-00000042')).toEqual({ year: 2026, code: 'F', seq: 42 });
    expect(parseRegistrationNumber('CL-2026-F-42')).toBeUndefined();
    expect(code(() => formatRegistrationNumber(2026, 'fine_art', 0))).toEqual({ code: 'internal', field: undefined });
    expect(code(() => formatRegistrationNumber(2026, 'fine_art', 100_000_000))).toEqual({ code: 'internal', field: undefined });
  });
  it('gives every work type its own letter', () => {
    const codes = Object.values(WORK_TYPES).map((w) => w.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(WORK_TYPES)).toHaveLength(14);
  });
  it('dates in China Standard Time', () => {
    expect(chinaDate(Date.parse('2026-12-31T15:59:59.999Z'))).toBe('2026-12-31');
    expect(chinaDate(Date.parse('2026-12-31T16:00:00.000Z'))).toBe('2027-01-01');
  });
});

const app: Application = {
  title: 'T',
  workType: 'literary',
  authors: [{ name: 'A' }],
  rightsHolders: [{ name: 'A', kind: 'individual', idType: 'resident_id', idNumber: '11010519491231002X' }],
  creation: { completedOn: '2025-01-01', place: 'P' },
  publication: { status: 'published', firstPublishedOn: '2025-02-01', place: 'Q' },
  rightsObtained: 'original',
  ownership: 'sole',
  statementOfTruth: true,
  deposits: ['dep_' + '0'.repeat(20)],
};

describe('checkApplication', () => {
  const today = '2026-06-01';
  it('accepts a complete application, and a partial draft', () => {
    expect(code(() => checkApplication(app, { today, complete: true }))).toBeUndefined();
    expect(code(() => checkApplication({ title: 'x' }, { today, complete: false }))).toBeUndefined();
  });
  it.each([
    ['missing title', { title: undefined }, 'title'],
    ['untrue statement', { statementOfTruth: false }, 'statementOfTruth'],
    ['no deposits', { deposits: [] }, 'deposits'],
    ['other without note', { rightsObtained: 'other' }, 'rightsObtainedNote'],
    ['sole with two holders', { rightsHolders: [app.rightsHolders[0]!, app.rightsHolders[0]!] }, 'ownership'],
    ['joint with one holder', { ownership: 'joint' }, 'ownership'],
    ['bad check digit', { rightsHolders: [{ ...app.rightsHolders[0]!, idNumber: '110105194912310021' }] }, 'rightsHolders.0.idNumber'],
    ['organisation document for a person', { rightsHolders: [{ ...app.rightsHolders[0]!, idType: 'unified_social_credit_code' }] }, 'rightsHolders.0.idType'],
    ['created in the future', { creation: { completedOn: '2026-06-02', place: 'P' } }, 'creation.completedOn'],
    ['published before created', { publication: { status: 'published', firstPublishedOn: '2024-12-31', place: 'Q' } }, 'publication.firstPublishedOn'],
    ['repeated deposit', { deposits: [app.deposits[0]!, app.deposits[0]!] }, 'deposits.1'],
  ] as const)('%s → invalid_request naming %s', (_name, change, field) => {
    expect(code(() => checkApplication({ ...app, ...(change as object) } as Application, { today, complete: true }))).toEqual({ code: 'invalid_request', field });
  });
});

describe('state machine', () => {
  it('allows only the documented transitions', () => {
    expect(code(() => checkTransition('none', 'create'))).toBeUndefined();
    expect(code(() => checkTransition('changes_requested', 'amend'))).toBeUndefined();
    expect(code(() => checkTransition('approved', 'approve'))).toEqual({ code: 'conflict', field: undefined });
    expect(code(() => checkTransition('draft', 'approve'))).toEqual({ code: 'conflict', field: undefined });
    expect(code(() => checkTransition('revoked', 'correct'))).toEqual({ code: 'conflict', field: undefined });
    expect(code(() => checkTransition('withdrawn', 'submit'))).toEqual({ code: 'conflict', field: undefined });
  });
});

// A one-entry log: the approval entry is leaf 0 of a tree of size 1, so the proof is empty.
const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(3));
const hasher = new TreeHasher(portableSha256);
const salt = '00112233445566778899aabbccddeeff';

function certificate(): RegistrationCertificate {
  const appSha = applicationSha256(app, salt);
  const record = certificateRecord({
    id: 'reg_' + 'a'.repeat(20),
    number: 'CL-2026-A-00000001',
    application: app,
    applicationSha256: appSha,
    deposits: [{ id: app.deposits[0]!, sha256: 'b'.repeat(64) }],
    registeredAt: '2026-06-01T00:00:00.000Z',
    salt: 'ffeeddccbbaa99887766554433221100',
  });
  const entry: RegistrationEntry = {
    v: 1,
    type: 'registration',
    id: record.id,
    seq: 2,
    action: 'approve',
    state: 'approved',
    account: 'acc_reviewer',
    applicationSha256: appSha,
    deposits: app.deposits,
    number: record.number,
    recordSha256: recordSha256(record),
    receivedAt: '2026-06-01T00:00:00.000Z',
  };
  const bytes = encodeEntry(entry);
  const checkpoint = signCheckpoint({ origin: ORIGIN, treeSize: 1n, rootHash: hasher.hashLeaf(bytes), height: 1n, time: '2026-06-01T00:00:01.000Z', prevHash: ZERO_HASH }, signer);
  return buildRegistrationCertificate({ entry, record, index: 0n, entryBytes: bytes, treeSize: 1n, proof: [], checkpoint, logKey: signer.verifierKey });
}

describe('registration certificates', () => {
  it('verify offline against the pinned key', () => {
    const r = verifyRegistrationCertificate(certificate(), { verifierKey: signer.verifierKey });
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['format', true],
      ['logKey', true],
      ['checkpointSignature', true],
      ['treeSize', true],
      ['inclusion', true],
      ['entry', true],
      ['record', true],
      ['deposits', true],
    ]);
    expect(r.valid).toBe(true);
    expect(verifyAnyCertificate(certificate()).valid).toBe(true);
    expect(verifyRegistrationCertificate(certificate(), { file: { sha256: 'b'.repeat(64) } }).valid).toBe(true);
  });

  const mutate = (fn: (c: any) => void) => {
    const c = structuredClone(certificate()) as any;
    fn(c);
    return verifyRegistrationCertificate(c, { verifierKey: signer.verifierKey });
  };
  const failing = (r: ReturnType<typeof verifyRegistrationCertificate>) => r.checks.filter((c) => !c.ok).map((c) => c.name);

  it.each([
    ['record title changed', (c: any): void => {
      c.record.title = 'U';
    }, ['record']],
    ['record salt changed', (c: any): void => {
      c.record.salt = '0'.repeat(32);
    }, ['record']],
    ['record deposit hash changed', (c: any): void => {
      c.record.deposits[0].sha256 = 'c'.repeat(64);
    }, ['record']],
    ['record deposit dropped', (c: any): void => {
      c.record.deposits = [];
    }, ['record', 'deposits']],
    ['number changed', (c: any): void => {
      c.registration.number = 'CL-2026-A-00000002';
    }, ['entry', 'record', 'deposits']],
    ['approval time changed', (c: any): void => {
      c.registration.at = '2026-06-01T00:00:00.001Z';
    }, ['entry', 'record', 'deposits']],
    ['entry changed', (c: any): void => {
      c.entry.bytes = toBase64(canonicalBytes({ ...JSON.parse(new TextDecoder().decode(fromBase64(c.entry.bytes))), seq: 3 }));
    }, ['inclusion']],
    ['checkpoint signature broken', (c: any): void => {
      c.checkpoint = c.checkpoint.replace('block 1', 'block 2');
    }, ['checkpointSignature', 'treeSize', 'inclusion']],
    ['other log key', (c: any): void => {
      c.logKey = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(4)).verifierKey;
    }, ['logKey']],
    ['wrong format', (c: any): void => {
      c.format = 'copyright-ledger/certificate@v1';
    }, ['format']],
  ] as const)('%s fails %j', (_name, fn, names) => {
    const r = mutate(fn);
    expect(r.valid).toBe(false);
    expect(failing(r)).toEqual(names);
  });

  it('a file that is none of the deposits fails the file check', () => {
    const r = verifyRegistrationCertificate(certificate(), { file: { sha256: 'd'.repeat(64) } });
    expect(failing(r)).toEqual(['file']);
  });

  it('never throws on garbage', () => {
    for (const x of [null, 1, 'x', [], {}, { format: 'copyright-ledger/registration-certificate@v1' }]) {
      expect(verifyRegistrationCertificate(x).valid).toBe(false);
      expect(verifyAnyCertificate(x).valid).toBe(false);
    }
  });
});

describe('registration entries (decodeEntry)', () => {
  const base = (): Record<string, unknown> => ({
    v: 1,
    type: 'registration',
    id: 'reg_' + 'a'.repeat(20),
    seq: 1,
    action: 'submit',
    state: 'submitted',
    account: 'acc_x',
    applicationSha256: 'a'.repeat(64),
    deposits: ['dep_' + '0'.repeat(20)],
    receivedAt: '2026-06-01T00:00:00.000Z',
  });
  const dec = (e: Record<string, unknown>) => code(() => decodeEntry(canonicalBytes(e)));
  it('accepts a well-formed entry', () => expect(dec(base())).toBeUndefined());
  it.each([
    ['bad id', { id: 'reg_x' }],
    ['seq 0', { seq: 0 }],
    ['unknown action', { action: 'ignore' }],
    ['state not the action’s', { state: 'approved' }],
    ['no account', { account: '' }],
    ['bad applicationSha256', { applicationSha256: 'A'.repeat(64) }],
    ['submit without deposits', { deposits: undefined }],
    ['bad deposit id', { deposits: ['x'] }],
    ['repeated deposit', { deposits: ['dep_' + '0'.repeat(20), 'dep_' + '0'.repeat(20)] }],
    ['number on submit', { number: 'CL-2026-A-00000001' }],
    ['reason on submit', { reasonSha256: 'a'.repeat(64) }],
    ['approve without number', { action: 'approve', state: 'approved', recordSha256: 'a'.repeat(64) }],
    ['approve without record', { action: 'approve', state: 'approved', number: 'CL-2026-A-00000001' }],
    ['reject without reason', { action: 'reject', state: 'rejected', deposits: undefined }],
  ])('%s → bad_format', (_name, change) => {
    const e: Record<string, unknown> = { ...base(), ...change };
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    expect(dec(e)).toEqual({ code: 'bad_format', field: undefined });
  });
});
