/**
 * Operation end to end, in process (server on port 0), walking the acceptance list: a registered
 * work is licensed to a platform, whose certificate verifies offline (CLI and the standalone
 * verifier); the public check route; an overlapping exclusive licence is 409; a transfer moves
 * the chain of title and the old holder can no longer license; a pledge shows in the registry
 * and blocks an unconsented transfer until released; concurrent accepts of overlapping exclusive
 * licences; bad input is a 4xx problem naming the field with nothing written; statistics; and an
 * audit of every entry afterwards.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { makeTempDir, runCli, runProcess, type TempDir } from '../support/proc.js';
import { account, api, deposit, hex32, submitted, type Actor } from '../support/registration.js';

const ADMIN_API_KEY = 'admin-key-for-operation-tests';

let svc: TestService;
let url: string;
let tmp: TempDir;
let reviewer: Actor;
let holder: Actor;
let platform: Actor;
let platform2: Actor;
let buyer: Actor;
let bank: Actor;
let stranger: Actor;

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY });
  url = svc.url;
  tmp = await makeTempDir('cl-operation-');
  reviewer = await account(url, ADMIN_API_KEY, { role: 'reviewer', name: 'Reviewer' });
  holder = await account(url, ADMIN_API_KEY, { name: 'Li Lei' });
  platform = await account(url, ADMIN_API_KEY, { role: 'platform', kind: 'organisation', name: 'Video Platform' });
  platform2 = await account(url, ADMIN_API_KEY, { role: 'platform', kind: 'organisation', name: 'Music Platform' });
  buyer = await account(url, ADMIN_API_KEY, { name: 'Han Meimei' });
  bank = await account(url, ADMIN_API_KEY, { kind: 'organisation', name: 'Qianhai Bank' });
  stranger = await account(url, ADMIN_API_KEY, { name: 'Someone Else' });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await tmp?.remove();
});

/** Registers a work of `owner` through approval; returns its id, number and the deposit's SHA-256. */
async function registered(owner: Actor): Promise<{ id: string; number: string; sha256: string }> {
  const sha256 = hex32();
  const dep = await deposit(url, owner.key, { sha256 });
  const id = await submitted(url, owner.key, [dep]);
  const ok = await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
  expect(ok.status, ok.text).toBe(200);
  return { id, number: ok.body.number as string, sha256 };
}

async function entryOf(index: number): Promise<Record<string, unknown>> {
  const res = await api(url, 'GET', `/v1/log/entries/${index}`);
  expect(res.status).toBe(200);
  return JSON.parse(Buffer.from(res.body.entry, 'base64').toString('utf8')) as Record<string, unknown>;
}

const licence = (registrationId: string, licensee: Actor, extra: Record<string, unknown> = {}) => ({
  registrationId,
  licensee: { account: licensee.id },
  rights: ['information_network_dissemination', 'reproduction'],
  exclusive: true,
  territory: ['CN'],
  validFrom: '2026-01-01',
  validTo: '2027-12-31',
  fee: { amount: '50000.00', currency: 'CNY' },
  terms: 'https://creativecommons.org/licenses/by-nc/4.0/',
  ...extra,
});

describe('the acceptance walk', () => {
  let work: { id: string; number: string; sha256: string };
  let lic: string;

  it('a licence offered to a platform and accepted is one entry each, and its certificate verifies offline', async () => {
    work = await registered(holder);
    const offer = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform) });
    expect(offer.status, offer.text).toBe(201);
    expect(offer.headers.get('location')).toBe(`/v1/licences/${offer.body.id}`);
    expect(offer.body).toMatchObject({ kind: 'licence', state: 'offered', number: work.number, terms: { licensor: { account: holder.id }, licensee: { account: platform.id, name: 'Video Platform' }, exclusive: true, territory: ['CN'] } });
    lic = offer.body.id as string;

    // The licensee sees it; someone else does not.
    expect((await api(url, 'GET', `/v1/licences/${lic}`, { key: platform.key })).status).toBe(200);
    expect((await api(url, 'GET', `/v1/licences/${lic}`, { key: stranger.key })).status).toBe(404);
    // Only the licensee accepts.
    expect((await api(url, 'POST', `/v1/licences/${lic}/accept`, { key: holder.key })).status).toBe(403);

    const accepted = await api(url, 'POST', `/v1/licences/${lic}/accept`, { key: platform.key });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({ state: 'active', certificateUrl: `/v1/licences/${lic}/certificate` });
    expect(accepted.body.history.map((h: { action: string }) => h.action)).toEqual(['offer', 'accept']);

    // Each action is one entry; no name, fee or term is in the log in plaintext.
    for (const h of accepted.body.history as { index: number; action: string }[]) {
      const e = await entryOf(h.index);
      expect(e).toMatchObject({ v: 1, type: 'licence', id: lic, action: h.action, registration: work.id, number: work.number, termsSha256: accepted.body.termsSha256 });
      const text = JSON.stringify(e);
      for (const secret of ['Video Platform', 'Li Lei', '50000', 'creativecommons', 'reproduction']) expect(text).not.toContain(secret);
    }

    const cert = await api(url, 'GET', `/v1/licences/${lic}/certificate`, { key: platform.key });
    expect(cert.status).toBe(200);
    expect(cert.body.format).toBe('copyright-ledger/operation-certificate@v1');
    const file = join(tmp.path, `${lic}.licence.json`);
    await writeFile(file, cert.text);
    const logKey = svc.ledger.verifierKey;
    const ok = await runCli(['verify', file, '--key', logKey]);
    expect(ok.text).toContain('VALID');
    expect(ok.code).toBe(0);
    expect((await runCli(['verify', file])).code).toBe(3);

    // The standalone verifier, alone in an empty folder.
    const dl = await fetch(`${url}/downloads/copyright-ledger-verify.mjs`);
    expect(dl.status).toBe(200);
    const empty = join(tmp.path, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, 'copyright-ledger-verify.mjs'), Buffer.from(await dl.arrayBuffer()));
    await writeFile(join(empty, 'cert.json'), cert.text);
    const alone = await runProcess(process.execPath, ['copyright-ledger-verify.mjs', 'cert.json', '--key', logKey], { cwd: empty, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeoutMs: 60_000 });
    expect(alone.stdout).toContain('VALID');
    expect(alone.code).toBe(0);

    // The service's own verify route agrees.
    const online = await api(url, 'POST', '/v1/verify', { body: cert.body });
    expect(online.status).toBe(200);
    expect(online.body.valid).toBe(true);
    expect(online.body.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['entry', 'record', 'inclusion']));

    // Any change to what it states breaks it.
    const forged = JSON.parse(cert.text);
    forged.record.terms.validTo = '2099-12-31T16:00:00.000Z';
    await writeFile(file, JSON.stringify(forged));
    const bad = await runCli(['verify', file, '--key', logKey]);
    expect(bad.code).toBe(1);
    expect(bad.text).toMatch(/FAIL record/);

    // And the signed PDF.
    const pdf = await fetch(`${url}/v1/licences/${lic}/certificate`, { headers: { authorization: `Bearer ${platform.key}`, accept: 'application/pdf' } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.includes(Buffer.from('/ByteRange'))).toBe(true);
    expect(bytes.includes(Buffer.from(`${lic}.licence.json`))).toBe(true);
  }, 120_000);

  it('the public check says covered for the licensed right, period and territory, and not covered outside them', async () => {
    const check = (q: Record<string, string>) => api(url, 'GET', `/v1/licences/check?${new URLSearchParams(q)}`);
    const base = { number: work.number, licensee: platform.id, right: 'information_network_dissemination', at: '2026-06-01T00:00:00Z' };
    const yes = await check(base);
    expect(yes.status, yes.text).toBe(200);
    expect(yes.body).toMatchObject({ covered: true, right: 'information_network_dissemination', licence: { id: lic, number: work.number, exclusive: true, territory: ['CN'] } });
    expect(JSON.stringify(yes.body)).not.toContain('50000');
    expect((await check({ ...base, sha256: work.sha256, number: '' })).status).toBe(400); // exactly one of number, sha256
    const { number: _n, ...bySha } = base;
    expect((await check({ ...bySha, sha256: work.sha256 })).body.covered).toBe(true);
    expect((await check({ ...base, territory: 'CN' })).body.covered).toBe(true);
    expect((await check({ ...base, territory: 'US' })).body.covered).toBe(false);
    expect((await check({ ...base, at: '2025-12-31' })).body.covered).toBe(false); // before validFrom (China Standard Time)
    expect((await check({ ...base, at: '2027-12-31T15:59:59.999Z' })).body.covered).toBe(true); // last instant of validTo's day, CST
    expect((await check({ ...base, at: '2028-01-01' })).body.covered).toBe(false);
    expect((await check({ ...base, right: 'translation' })).body.covered).toBe(false);
    expect((await check({ ...base, licensee: platform2.id })).body.covered).toBe(false);
    const unknownRight = await check({ ...base, right: 'streaming' });
    expect(unknownRight.status).toBe(400);
    expect(unknownRight.body).toMatchObject({ code: 'invalid_request', field: 'right' });
  });

  it('an overlapping exclusive licence is 409 exclusive_licence_overlap; a non-overlapping one is fine', async () => {
    const overlap = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform2, { rights: ['reproduction'], exclusive: false, validFrom: '2027-06-01', validTo: '2028-06-01' }) });
    expect(overlap.status, overlap.text).toBe(409);
    expect(overlap.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(overlap.body).toMatchObject({ code: 'conflict', conflict: 'exclusive_licence_overlap', licence: lic, field: 'rights' });
    const elsewhere = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform2, { rights: ['reproduction'], territory: ['US'] }) });
    expect(elsewhere.status, elsewhere.text).toBe(201);
    const other = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform2, { rights: ['translation'], exclusive: false }) });
    expect(other.status).toBe(201);
  });

  it('a transfer to another creator moves the chain of title; the old holder can no longer license', async () => {
    const offer = await api(url, 'POST', '/v1/transfers', { key: holder.key, body: { registrationId: work.id, to: { account: buyer.id }, rights: 'all', consideration: { amount: '1000000', currency: 'CNY' } } });
    expect(offer.status, offer.text).toBe(201);
    expect(offer.body).toMatchObject({ kind: 'transfer', state: 'offered', terms: { all: true, to: { account: buyer.id, name: 'Han Meimei' } } });
    expect((await api(url, 'POST', `/v1/transfers/${offer.body.id}/accept`, { key: holder.key })).status).toBe(403);
    const done = await api(url, 'POST', `/v1/transfers/${offer.body.id}/accept`, { key: buyer.key });
    expect(done.status, done.text).toBe(200);
    expect(done.body.state).toBe('completed');

    const reg = await api(url, 'GET', `/v1/registry/${work.number}`);
    expect(reg.status, reg.text).toBe(200);
    expect(reg.body).toMatchObject({ number: work.number, status: 'registered', holders: [{ name: 'Han Meimei', rights: 'all' }], pledged: false, licences: { active: 1, exclusive: 1 } });
    expect(reg.body.chain.map((l: { kind: string; to: string }) => [l.kind, l.to])).toEqual([
      ['registration', 'Li Lei Studio'],
      ['transfer', 'Han Meimei'],
    ]);
    expect(reg.body.chain[1]).toMatchObject({ from: 'Li Lei Studio', rights: 'all', transfer: offer.body.id });
    expect(JSON.stringify(reg.body)).not.toContain(buyer.id);

    const tcert = await api(url, 'GET', `/v1/transfers/${offer.body.id}/certificate`, { key: buyer.key });
    const tfile = join(tmp.path, 'transfer.json');
    await writeFile(tfile, tcert.text);
    expect((await runCli(['verify', tfile, '--key', svc.ledger.verifierKey])).code).toBe(0);

    const stale = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform2, { rights: ['adaptation'] }) });
    expect(stale.status, stale.text).toBe(403);
    expect(stale.body).toMatchObject({ code: 'forbidden', field: 'registrationId' });
    // The licence the old holder granted stays in force.
    expect((await api(url, 'GET', `/v1/licences/check?number=${work.number}&licensee=${platform.id}&right=reproduction&at=2026-06-01`)).body.covered).toBe(true);
    // The new holder may license.
    expect((await api(url, 'POST', '/v1/licences', { key: buyer.key, body: licence(work.id, platform2, { rights: ['adaptation'] }) })).status).toBe(201);
  });

  it('a pledge shows in the registry and blocks an unconsented transfer; the release lifts it', async () => {
    const pledge = await api(url, 'POST', '/v1/pledges', { key: buyer.key, body: { registrationId: work.id, pledgee: { account: bank.id }, securedAmount: { amount: '800000.00', currency: 'CNY' }, validFrom: '2026-01-01', validTo: '2028-12-31' } });
    expect(pledge.status, pledge.text).toBe(201);
    expect(pledge.body).toMatchObject({ kind: 'pledge', state: 'active', certificateUrl: `/v1/pledges/${pledge.body.id}/certificate` });
    const pcert = await api(url, 'GET', `/v1/pledges/${pledge.body.id}/certificate`, { key: bank.key });
    const pfile = join(tmp.path, 'pledge.json');
    await writeFile(pfile, pcert.text);
    expect((await runCli(['verify', pfile, '--key', svc.ledger.verifierKey])).code).toBe(0);
    const ppdf = await fetch(`${url}/v1/pledges/${pledge.body.id}/certificate`, { headers: { authorization: `Bearer ${bank.key}`, accept: 'application/pdf' } });
    expect(ppdf.status).toBe(200);
    const pbytes = Buffer.from(await ppdf.arrayBuffer());
    expect(pbytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pbytes.includes(Buffer.from(`${pledge.body.id}.pledge.json`))).toBe(true);

    let reg = await api(url, 'GET', `/v1/registry/${work.number}`);
    expect(reg.body).toMatchObject({ pledged: true, pledges: [{ pledgee: 'Qianhai Bank', state: 'active' }] });

    const offer = await api(url, 'POST', '/v1/transfers', { key: buyer.key, body: { registrationId: work.id, to: { account: holder.id, name: 'Li Lei' }, rights: ['reproduction'] } });
    expect(offer.status, offer.text).toBe(201);
    const blocked = await api(url, 'POST', `/v1/transfers/${offer.body.id}/accept`, { key: holder.key });
    expect(blocked.status, blocked.text).toBe(409);
    expect(blocked.body).toMatchObject({ code: 'conflict', conflict: 'pledge_consent_required', pledges: [pledge.body.id] });
    // Only the pledgee releases.
    expect((await api(url, 'POST', `/v1/pledges/${pledge.body.id}/release`, { key: buyer.key })).status).toBe(403);
    const released = await api(url, 'POST', `/v1/pledges/${pledge.body.id}/release`, { key: bank.key });
    expect(released.status, released.text).toBe(200);
    expect(released.body.state).toBe('released');
    reg = await api(url, 'GET', `/v1/registry/${work.number}`);
    expect(reg.body.pledged).toBe(false);
    expect(reg.body.pledges[0]).toMatchObject({ state: 'released', releasedAt: released.body.updatedAt });

    const now = await api(url, 'POST', `/v1/transfers/${offer.body.id}/accept`, { key: holder.key });
    expect(now.status, now.text).toBe(200);
    reg = await api(url, 'GET', `/v1/registry/${work.number}`);
    expect(reg.body.holders).toEqual([
      { name: 'Li Lei', rights: ['reproduction'] },
      { name: 'Han Meimei', rights: expect.arrayContaining(['distribution', 'adaptation', 'information_network_dissemination']) },
    ]);
    expect(reg.body.chain).toHaveLength(3);
  });

  it('with the pledgee’s consent a pledged work transfers', async () => {
    const pledge = await api(url, 'POST', '/v1/pledges', { key: buyer.key, body: { registrationId: work.id, pledgee: { account: bank.id }, securedAmount: { amount: '1', currency: 'CNY' }, validFrom: '2026-01-01', validTo: '2026-12-31' } });
    expect(pledge.status).toBe(201);
    const offer = await api(url, 'POST', '/v1/transfers', { key: buyer.key, body: { registrationId: work.id, to: { account: holder.id }, rights: ['translation'] } });
    expect((await api(url, 'POST', `/v1/transfers/${offer.body.id}/consent`, { key: stranger.key })).status).toBe(404);
    const consent = await api(url, 'POST', `/v1/transfers/${offer.body.id}/consent`, { key: bank.key });
    expect(consent.status, consent.text).toBe(200);
    expect(consent.body.consents).toEqual([pledge.body.id]);
    const done = await api(url, 'POST', `/v1/transfers/${offer.body.id}/accept`, { key: holder.key });
    expect(done.status, done.text).toBe(200);
    expect(done.body.history.map((h: { action: string }) => h.action)).toEqual(['offer', 'consent', 'accept']);
  });

  it('a revoked licence no longer covers', async () => {
    const r = await api(url, 'POST', `/v1/licences/${lic}/revoke`, { key: stranger.key, body: { reason: 'x' } });
    expect(r.status).toBe(404);
    // The licence's rights are now split between Li Lei and Han Meimei: neither holds all of them.
    expect((await api(url, 'POST', `/v1/licences/${lic}/revoke`, { key: buyer.key, body: { reason: 'breach' } })).status).toBe(403);
    const own = await api(url, 'POST', '/v1/licences', { key: buyer.key, body: licence(work.id, platform2, { rights: ['distribution'], territory: ['JP'] }) });
    expect(own.status, own.text).toBe(201);
    const revoked = await api(url, 'POST', `/v1/licences/${own.body.id}/revoke`, { key: buyer.key, body: { reason: '合同解除 contract terminated' } });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body).toMatchObject({ state: 'revoked', reason: '合同解除 contract terminated' });
    const e = await entryOf(revoked.body.history.at(-1).index);
    expect(e).toMatchObject({ type: 'licence', action: 'revoke', state: 'revoked' });
    expect(typeof e.reasonSha256).toBe('string');
    expect(JSON.stringify(e)).not.toContain('contract terminated');
  });
});

describe('concurrency', () => {
  it('of two concurrent accepts of overlapping exclusive licences exactly one succeeds', async () => {
    for (let round = 0; round < 3; round++) {
      const work = await registered(holder);
      const a = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform) });
      const b = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform2, { rights: ['reproduction'], validFrom: '2027-01-01', validTo: '2029-01-01' }) });
      expect([a.status, b.status]).toEqual([201, 201]);
      const results = await Promise.all([
        api(url, 'POST', `/v1/licences/${a.body.id}/accept`, { key: platform.key }),
        api(url, 'POST', `/v1/licences/${b.body.id}/accept`, { key: platform2.key }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.conflict).toBe('exclusive_licence_overlap');
      const reg = await api(url, 'GET', `/v1/registry/${work.number}`);
      expect(reg.body.licences).toEqual({ active: 1, exclusive: 1 });
    }
  }, 120_000);
});

describe('bad input', () => {
  it('is a 4xx problem naming the field, and nothing is written', async () => {
    const work = await registered(holder);
    const other = await registered(stranger);
    const cases: [string, string, Actor, unknown, number, string][] = [
      ['unknown right', '/v1/licences', holder, licence(work.id, platform, { rights: ['reproduction', 'streaming'] }), 400, 'rights.1'],
      ['validTo before validFrom', '/v1/licences', holder, licence(work.id, platform, { validFrom: '2027-01-01', validTo: '2026-01-01' }), 400, 'validTo'],
      ['validTo equal to validFrom', '/v1/pledges', holder, { registrationId: work.id, pledgee: { account: bank.id }, securedAmount: { amount: '1', currency: 'CNY' }, validFrom: '2027-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z' }, 400, 'validTo'],
      ['unparsable validFrom', '/v1/licences', holder, licence(work.id, platform, { validFrom: '2027-02-30' }), 400, 'validFrom'],
      ["someone else's registration", '/v1/licences', holder, licence(other.id, platform), 403, 'registrationId'],
      ["someone else's registration (transfer)", '/v1/transfers', holder, { registrationId: other.id, to: { account: buyer.id }, rights: 'all' }, 403, 'registrationId'],
      ["someone else's registration (pledge)", '/v1/pledges', holder, { registrationId: other.id, pledgee: { name: 'A Bank' }, securedAmount: { amount: '1', currency: 'CNY' }, validFrom: '2027-01-01', validTo: '2028-01-01' }, 403, 'registrationId'],
      ['no such registration', '/v1/licences', holder, licence('reg_00000000000000000000', platform), 404, 'registrationId'],
      ['no such licensee', '/v1/licences', holder, licence(work.id, { id: 'acc_nobody', key: '' }), 404, 'licensee.account'],
      ['licensee is yourself', '/v1/licences', holder, licence(work.id, holder), 400, 'licensee.account'],
      ['named licensee without a contract', '/v1/licences', holder, licence(work.id, platform, { licensee: { name: 'Offline Press' } }), 400, 'contractSha256'],
      ['an ODRL policy that is not I-JSON', '/v1/licences', holder, licence(work.id, platform, { terms: { permission: [{ action: '\ud800' }] } }), 400, 'terms'],
      ['a licensee name with a lone surrogate', '/v1/licences', holder, licence(work.id, platform, { licensee: { account: platform.id, name: 'X\udc00' } }), 400, 'licensee.name'],
      ['bad money', '/v1/pledges', holder, { registrationId: work.id, pledgee: { account: bank.id }, securedAmount: { amount: '1e9', currency: 'CNY' }, validFrom: '2027-01-01', validTo: '2028-01-01' }, 400, 'securedAmount.amount'],
      ['unknown field', '/v1/transfers', holder, { registrationId: work.id, to: { account: buyer.id }, rights: 'all', price: 1 }, 400, 'price'],
      ['rights not held', '/v1/transfers', holder, { registrationId: work.id, to: { account: buyer.id }, rights: ['other', 'translation'] }, 201, ''],
    ];
    for (const [what, path, who, body, status, field] of cases) {
      const before = svc.ledger.treeSize;
      const r = await api(url, 'POST', path, { key: who.key, body });
      expect(r.status, `${what}: ${r.text}`).toBe(status);
      if (status === 201) continue;
      expect(r.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
      expect(r.body.field, what).toBe(field);
      expect(r.body.detail, what).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
      expect(svc.ledger.treeSize, `${what}: nothing written`).toBe(before);
    }
    // After that transfer completes, the holder no longer holds translation: naming it is 403 rights.<n>.
    const t = (await api(url, 'GET', '/v1/transfers', { key: buyer.key })).body.items.at(-1);
    expect((await api(url, 'POST', `/v1/transfers/${t.id}/accept`, { key: buyer.key })).status).toBe(200);
    const before = svc.ledger.treeSize;
    const r = await api(url, 'POST', '/v1/licences', { key: holder.key, body: licence(work.id, platform, { rights: ['reproduction', 'translation'] }) });
    expect(r.status).toBe(403);
    expect(r.body.field).toBe('rights.1');
    expect(svc.ledger.treeSize).toBe(before);
  }, 120_000);
});

describe('statistics and audit', () => {
  it('/v1/stats counts licences, transfers and pledges', async () => {
    const s = await api(url, 'GET', '/v1/stats', { key: ADMIN_API_KEY });
    expect(s.status).toBe(200);
    expect(s.body.licences.granted).toBeGreaterThanOrEqual(4);
    expect(s.body.licences.offered).toBeGreaterThan(s.body.licences.granted);
    expect(s.body.licences.revoked).toBe(1);
    expect(s.body.transfers).toMatchObject({ completed: 4, cancelled: 0 });
    expect(s.body.transfers.offered).toBeGreaterThanOrEqual(4);
    expect(s.body.pledges).toEqual({ registered: 2, released: 1, active: 1 });
  });

  it('audit --server decodes and checks every entry, the operation entries included', async () => {
    const r = await runCli(['audit', '--server', url, '--key', svc.ledger.verifierKey]);
    expect(r.text).toMatch(/audit ok/);
    expect(r.code).toBe(0);
  }, 120_000);
});

