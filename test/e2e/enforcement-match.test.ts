/**
 * Matching end to end (docs/ENFORCEMENT.md): an uploaded image is fingerprinted in the background
 * and matches its resized, recompressed and slightly cropped copy but not an unrelated image; an
 * uploaded text matches a copy with 30 % of its words changed but not an unrelated text; scope
 * (own works; platforms only with the rights holder's opt-in); hash-only deposits fingerprinted
 * when their file is shown.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from '../support/registration.js';
import { createAccount, startTestService, type TestService } from '../support/service.js';
import { alteredCopy, changeWords, syntheticImage, syntheticText } from '../support/synthetic.js';

const ADMIN = 'admin-key-for-enforcement-tests-0';
let svc: TestService;
let owner: string;
let other: string;
let platform: string;
let image: Buffer;
let imageDeposit: string;
let textDeposit: string;
const text = syntheticText(7, 400);

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function upload(key: string, bytes: Uint8Array, name: string): Promise<{ id: string; sha256: string }> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: auth(key), body: form });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; sha256: string };
}

async function matchFile(key: string, bytes: Uint8Array): Promise<{ status: number; body: { query: { kind: string }; matches: { depositId: string; method: string; similarity: number; distance?: number }[] } }> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'query');
  const res = await fetch(`${svc.url}/v1/matches`, { method: 'POST', headers: auth(key), body: form });
  return { status: res.status, body: (await res.json()) as never };
}

async function matchJson(key: string, body: unknown) {
  const res = await fetch(`${svc.url}/v1/matches`, { method: 'POST', headers: { ...auth(key), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { code?: string; matches: { depositId: string; method: string; similarity: number }[] } };
}

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY: ADMIN });
  owner = (await createAccount(svc.url, { name: 'Rights Holder' })).apiKey;
  other = (await createAccount(svc.url, { name: 'Someone Else' })).apiKey;
  platform = (await account(svc.url, ADMIN, { role: 'platform', kind: 'organisation', name: 'Video Platform' })).key;
  image = await syntheticImage(1234, 800, 600);
  imageDeposit = (await upload(owner, image, 'work.png')).id;
  textDeposit = (await upload(owner, Buffer.from(text), 'work.txt')).id;
  await svc.enforcement.fingerprints.idle();
}, 60_000);

afterAll(async () => {
  await svc?.stop();
});

describe('matching', () => {
  it('fingerprints uploads in the background', async () => {
    for (const id of [imageDeposit, textDeposit]) {
      const res = await fetch(`${svc.url}/v1/deposits/${id}/fingerprint`, { headers: auth(owner) });
      expect(res.status).toBe(200);
    }
    const res = await fetch(`${svc.url}/v1/deposits/${imageDeposit}/fingerprint`, { headers: auth(owner) });
    expect(((await res.json()) as { kind: string }).kind).toBe('image');
  });

  it('an image matches its resized, recompressed and slightly cropped copy', async () => {
    const copy = await alteredCopy(image, { crop: 0.03, scale: 0.5, quality: 60 });
    expect(createHash('sha256').update(copy).digest('hex')).not.toBe(createHash('sha256').update(image).digest('hex'));
    const r = await matchFile(owner, copy);
    expect(r.status).toBe(200);
    expect(r.body.query.kind).toBe('image');
    expect(r.body.matches.map((m) => m.depositId)).toEqual([imageDeposit]);
    expect(r.body.matches[0]!.method).toBe('image-phash');
    expect(r.body.matches[0]!.similarity).toBeGreaterThan(0.7);
  });

  it('the very file matches exactly, and by its SHA-256', async () => {
    const r = await matchFile(owner, image);
    expect(r.body.matches[0]).toMatchObject({ depositId: imageDeposit, method: 'exact', similarity: 1 });
    const s = await matchJson(owner, { sha256: createHash('sha256').update(image).digest('hex') });
    expect(s.body.matches.map((m) => m.depositId)).toEqual([imageDeposit]);
  });

  it('an unrelated image does not match', async () => {
    for (const seed of [1, 2, 3, 99, 5000]) {
      const r = await matchFile(owner, await syntheticImage(seed, 800, 600));
      expect(r.body.matches).toEqual([]);
    }
  });

  it('a text with 30 % of its words changed matches; an unrelated text does not', async () => {
    const changed = changeWords(text, 0.3, 11);
    const differing = text.split(' ').filter((w, i) => w !== changed.split(' ')[i]).length;
    expect(differing / 400).toBeCloseTo(0.3, 2);
    const r = await matchJson(owner, { text: changed });
    expect(r.status).toBe(200);
    expect(r.body.matches.map((m) => m.depositId)).toEqual([textDeposit]);
    expect(r.body.matches[0]!.method).toBe('text-minhash');
    const u = await matchJson(owner, { text: syntheticText(8, 400) });
    expect(u.body.matches).toEqual([]);
    // The same as a file.
    const f = await matchFile(owner, Buffer.from(changed));
    expect(f.body.matches.map((m) => m.depositId)).toEqual([textDeposit]);
  });

  it('scope: another creator sees nothing; a platform only after the rights holder opts in', async () => {
    const copy = await alteredCopy(image);
    expect((await matchFile(other, copy)).body.matches).toEqual([]);
    expect((await matchFile(platform, copy)).body.matches).toEqual([]);
  });

  it('opt-in: per deposit and per account', async () => {
    const res = await fetch(`${svc.url}/v1/matches/opt-in`, { method: 'PUT', headers: { ...auth(owner), 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, depositId: imageDeposit }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ account: false, deposits: [imageDeposit] });
    const bad = await fetch(`${svc.url}/v1/matches/opt-in`, { method: 'PUT', headers: { ...auth(other), 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, depositId: imageDeposit }) });
    expect(bad.status).toBe(404);
    const seen = await matchFile(platform, await alteredCopy(image));
    expect(seen.body.matches.map((m) => m.depositId)).toEqual([imageDeposit]);
    // The text deposit is not opted in: the platform does not see it, until the whole account is.
    expect((await matchJson(platform, { text })).body.matches).toEqual([]);
    await fetch(`${svc.url}/v1/matches/opt-in`, { method: 'PUT', headers: { ...auth(owner), 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
    expect((await matchJson(platform, { text })).body.matches.map((m) => m.depositId)).toEqual([textDeposit]);
    expect((await matchJson(other, { text })).body.matches).toEqual([]);
  });

  it('hash-only deposits are fingerprinted when their file is shown', async () => {
    const img = await syntheticImage(777, 640, 480);
    const sha256 = createHash('sha256').update(img).digest('hex');
    const dep = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { ...auth(owner), 'content-type': 'application/json' }, body: JSON.stringify({ sha256 }) });
    const { id } = (await dep.json()) as { id: string };
    expect((await fetch(`${svc.url}/v1/deposits/${id}/fingerprint`, { headers: auth(owner) })).status).toBe(404);
    const wrong = new FormData();
    wrong.append('file', new Blob([image]), 'x.png');
    const w = await fetch(`${svc.url}/v1/deposits/${id}/fingerprint`, { method: 'POST', headers: auth(owner), body: wrong });
    expect(w.status).toBe(400);
    const form = new FormData();
    form.append('file', new Blob([img]), 'x.png');
    const r = await fetch(`${svc.url}/v1/deposits/${id}/fingerprint`, { method: 'POST', headers: auth(owner), body: form });
    expect(r.status).toBe(201);
    const m = await matchFile(owner, await alteredCopy(img));
    expect(m.body.matches.map((x) => x.depositId)).toEqual([id]);
  });

  it('matching its very file fingerprints a hash-only deposit of the caller', async () => {
    const img = await syntheticImage(888, 640, 480);
    const sha256 = createHash('sha256').update(img).digest('hex');
    const dep = await fetch(`${svc.url}/v1/deposits`, { method: 'POST', headers: { ...auth(owner), 'content-type': 'application/json' }, body: JSON.stringify({ sha256 }) });
    const { id } = (await dep.json()) as { id: string };
    expect((await matchFile(owner, await alteredCopy(img))).body.matches).toEqual([]);
    const exact = await matchFile(owner, img);
    expect(exact.body.matches).toEqual([expect.objectContaining({ depositId: id, method: 'exact' })]);
    expect((await fetch(`${svc.url}/v1/deposits/${id}/fingerprint`, { headers: auth(owner) })).status).toBe(200);
    expect((await matchFile(owner, await alteredCopy(img))).body.matches.map((m) => m.depositId)).toEqual([id]);
  });

  it('bad input is a coded 4xx', async () => {
    expect((await matchJson(owner, { text: 'too short' })).status).toBe(400);
    expect((await matchJson(owner, { text: 'a', url: 'b' })).status).toBe(400);
    expect((await matchJson(owner, {})).status).toBe(400);
    expect((await matchJson(owner, { captureId: 'cap_00000000000000000000' })).status).toBe(404);
    const r = await fetch(`${svc.url}/v1/matches`, { method: 'POST', headers: auth(owner), body: new FormData() });
    expect(r.status).toBe(400);
    expect((await fetch(`${svc.url}/v1/matches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
  });

  it('multipart forms: a file over MATCH_MAX_BYTES is 413 naming it, unknown or repeated parts are 400 naming them', async () => {
    const small = await startTestService({ MATCH_MAX_BYTES: '2048' });
    try {
      const key = (await createAccount(small.url, { name: 'Limits' })).apiKey;
      const post = async (form: FormData) => {
        const res = await fetch(`${small.url}/v1/matches`, { method: 'POST', headers: auth(key), body: form });
        return { status: res.status, body: (await res.json()) as { code?: string; field?: string; errors?: { field?: string }[] } };
      };
      const field = (b: { field?: string; errors?: { field?: string }[] }) => b.field ?? b.errors?.[0]?.field;
      const big = new FormData();
      big.append('file', new Blob([new Uint8Array(4096)]), 'big.bin');
      const tooBig = await post(big);
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.code).toBe('payload_too_large');
      expect(field(tooBig.body)).toBe('file');
      const unknown = new FormData();
      unknown.append('colour', 'blue');
      const u = await post(unknown);
      expect(u.status).toBe(400);
      expect(field(u.body)).toBe('colour');
      const two = new FormData();
      two.append('file', new Blob([new Uint8Array(10)]), 'a.bin');
      two.append('file', new Blob([new Uint8Array(10)]), 'b.bin');
      const t = await post(two);
      expect(t.status).toBe(400);
      expect(field(t.body)).toBe('file');
    } finally {
      await small.stop();
    }
  });
});
