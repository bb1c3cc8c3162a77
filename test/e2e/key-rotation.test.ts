/**
 * Log key rotation (docs/OPERATIONS.md): certificates issued before keep verifying under the old
 * key, new ones under the new key; the hand-over block is signed by both; GET /v1/log/keys, the
 * three audits and an export archive all carry and check the history.
 */
import { createPrivateKey } from 'node:crypto';
import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpointBody, parseCheckpointBody } from '../../src/core/checkpoint.js';
import { createEd25519Signer, parseNoteUnverified, signNoteBy } from '../../src/core/note.js';
import { ConfigError, ConfigSchema } from '../../src/config.js';
import { startService, type Service } from '../../src/server.js';
import { createAccount } from '../support/service.js';
import { makeTempDir, removeAllTempDirs, runCli, type TempDir } from '../support/proc.js';

let tmp: TempDir;
let dataDir: string;
let svc: Service | undefined;
let oldKey: string;
let newKey: string;
let oldCertFile: string;
let newCertFile: string;
let oldCert: Record<string, unknown>;
let newCert: Record<string, unknown>;

const start = (env: Record<string, string> = {}) => startService(ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', TSA_MIN_INTERVAL_MS: '0', ...env }));

let oldDeposit: { apiKey: string; id: string };

async function depositAndCertify(url: string, n: number): Promise<Record<string, unknown>> {
  const { apiKey } = await createAccount(url);
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const res = await fetch(`${url}/v1/deposits`, { method: 'POST', headers, body: JSON.stringify({ sha256: n.toString(16).padStart(64, 'e') }) });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  if (n === 1) oldDeposit = { apiKey, id };
  return certificateOf(url, apiKey, id);
}

async function certificateOf(url: string, apiKey: string, id: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as Record<string, unknown>;
}

const verifyApi = async (url: string, cert: unknown) =>
  (await (await fetch(`${url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cert) })).json()) as { valid: boolean };

beforeAll(async () => {
  tmp = await makeTempDir('cl-rotate-');
  dataDir = join(tmp.path, 'store');
  svc = await start();
  oldKey = svc.ledger.verifierKey;
  oldCert = await depositAndCertify(svc.url, 1);
  // Wait for the deposit's block to be timestamped under the old key, so its certificate stays on that block.
  const h = svc.ledger.latestBlock.height;
  for (let i = 0; i < 600 && (await fetch(`${svc.url}/v1/blocks/${h}/timestamp`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
  await svc.close();
  await rename(join(dataDir, 'log-key.pem'), join(dataDir, 'log-key.previous.pem'));
  svc = await start();
  newKey = svc.ledger.verifierKey;
  newCert = await depositAndCertify(svc.url, 2);
  oldCertFile = join(tmp.path, 'old.json');
  newCertFile = join(tmp.path, 'new.json');
  await writeFile(oldCertFile, JSON.stringify(oldCert));
  await writeFile(newCertFile, JSON.stringify(newCert));
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await removeAllTempDirs();
});

describe('log key rotation', () => {
  it('writes a hand-over block signed by both keys, and serves the history', async () => {
    expect(newKey).not.toBe(oldKey);
    const keys = (await (await fetch(`${svc!.url}/v1/log/keys`)).json()) as { keys: { key: string; firstHeight: number; lastHeight?: number }[] };
    expect(keys.keys.map((k) => k.key)).toEqual([oldKey, newKey]);
    const h = keys.keys[1]!.firstHeight;
    expect(keys.keys[0]).toEqual({ key: oldKey, firstHeight: 0, lastHeight: h });
    const block = (await (await fetch(`${svc!.url}/v1/blocks/${h}`)).json()) as { checkpoint: string; treeSize: number };
    expect(parseNoteUnverified(block.checkpoint).signatures).toHaveLength(2);
    expect(block.treeSize).toBe(1); // no new entries in the hand-over block
    expect((await (await fetch(`${svc!.url}/v1/log/key`)).text()).trim()).toBe(newKey);
  });

  it('old certificates verify under the old key, new ones under the new key (CLI and POST /v1/verify)', async () => {
    expect(oldCert.logKey).toBe(oldKey);
    expect(newCert.logKey).toBe(newKey);
    expect((await runCli(['verify', oldCertFile, '--key', oldKey])).code).toBe(0);
    expect((await runCli(['verify', newCertFile, '--key', newKey])).code).toBe(0);
    expect((await runCli(['verify', oldCertFile, '--key', newKey])).code).toBe(1);
    expect(await verifyApi(svc!.url, oldCert)).toMatchObject({ valid: true });
    expect(await verifyApi(svc!.url, newCert)).toMatchObject({ valid: true });
  });

  type Verified = { valid: boolean; checks: { name: string; ok: boolean; detail: string }[] };
  const verifyBoth = async (url: string, cert: unknown): Promise<Verified[]> => {
    const form = new FormData();
    form.append('certificate', new Blob([JSON.stringify(cert)], { type: 'application/json' }), 'c.json');
    const multipart = await fetch(`${url}/v1/verify`, { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    return [(await verifyApi(url, cert)) as Verified, (await multipart.json()) as Verified];
  };

  it('a checkpoint made up with the retired key: POST /v1/verify is invalid; offline, until= bounds the key', async () => {
    const pem = await readFile(join(dataDir, 'log-key.previous.pem'), 'utf8');
    const seed = Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url');
    const leaked = createEd25519Signer(oldKey.split('+')[0]!, new Uint8Array(seed));
    expect(leaked.verifierKey).toBe(oldKey);
    // The new certificate's block, re-signed by the old key alone: every offline check passes under the old key.
    const body = parseNoteUnverified(newCert.checkpoint as string).body;
    const cp = parseCheckpointBody(body);
    const forged = { ...newCert, checkpoint: signNoteBy(body, [leaked]), logKey: oldKey };
    const madeUp = { ...forged, checkpoint: signNoteBy(formatCheckpointBody({ ...cp, height: cp.height + 1000n }), [leaked]) };
    for (const r of await verifyBoth(svc!.url, forged)) {
      expect(r.valid).toBe(false);
      expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['checkpoint']);
      expect(r.checks.find((c) => c.name === 'checkpoint')!.detail).toContain(`block ${cp.height} of this log is a different checkpoint`);
    }
    for (const r of await verifyBoth(svc!.url, madeUp)) {
      expect(r.valid).toBe(false);
      expect(r.checks.find((c) => c.name === 'checkpoint')).toMatchObject({ ok: false, detail: expect.stringContaining(`not block ${cp.height + 1000n} of this log`) });
    }
    for (const r of await verifyBoth(svc!.url, oldCert)) expect(r.checks.find((c) => c.name === 'checkpoint')).toMatchObject({ ok: true });

    const forgedFile = join(tmp.path, 'forged.json');
    await writeFile(forgedFile, JSON.stringify(forged));
    // Trusting the retired key without a bound accepts the forgery: this is what until= is for.
    expect((await runCli(['verify', forgedFile, '--key', oldKey])).code).toBe(0);
    const handOver = svc!.ledger.keys[1]!.firstHeight;
    const keyFile = join(tmp.path, 'bounded.keys');
    await writeFile(keyFile, `# retired at the hand-over\n${oldKey} until=${handOver}   # last block\n${newKey}\n`);
    const r = await runCli(['verify', forgedFile, '--key-file', keyFile, '--json']);
    expect(r.code, r.text).toBe(1);
    const out = JSON.parse(r.out.join('\n')) as { verdict: string; checks: { name: string; ok: boolean; detail: string }[] };
    expect(out.verdict).toBe('invalid');
    expect(out.checks.find((c) => c.name === 'logKey')).toMatchObject({ ok: false, detail: expect.stringContaining(`until=${handOver}`) });
    for (const file of [oldCertFile, newCertFile]) {
      const ok = await runCli(['verify', file, '--key-file', keyFile]);
      expect(ok.code, ok.text).toBe(0);
    }
  });

  it('the verify page prints a trust list with until=<last block> for the retired key, which the CLI takes', async () => {
    const html = await (await fetch(`${svc!.url}/verify/${oldDeposit.id}`)).text();
    const pre = [...html.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((m) => m[1]!).find((t) => t.includes('verifier keys'))!;
    const list = pre.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const handOver = svc!.ledger.keys[1]!.firstHeight;
    expect(list.split('\n')).toEqual(expect.arrayContaining([`${oldKey} until=${handOver}`, newKey]));
    const keyFile = join(tmp.path, 'page.keys');
    await writeFile(keyFile, list);
    for (const file of [oldCertFile, newCertFile]) {
      const ok = await runCli(['verify', file, '--key-file', keyFile]);
      expect(ok.code, ok.text).toBe(0);
    }
  });

  it('a certificate fetched after the rotation names the key that signed its checkpoint; its PDF renders', async () => {
    const again = await certificateOf(svc!.url, oldDeposit.apiKey, oldDeposit.id);
    const height = BigInt(/\nblock (\d+)\n/.exec(again.checkpoint as string)![1]!);
    expect(again.logKey).toBe(svc!.ledger.keyAt(height));
    expect(again.logKey).toBe(oldKey); // its block was stamped before the rotation
    const file = join(tmp.path, 'again.json');
    await writeFile(file, JSON.stringify(again));
    const r = await runCli(['verify', file, '--key', again.logKey as string]);
    expect(r.code, r.text).toBe(0);
    expect(await verifyApi(svc!.url, again)).toMatchObject({ valid: true });
    const pdf = await fetch(`${svc!.url}/v1/deposits/${oldDeposit.id}/certificate`, { headers: { authorization: `Bearer ${oldDeposit.apiKey}`, accept: 'application/pdf' } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toMatch(/application\/pdf/);
    await pdf.arrayBuffer();
  });

  it('audit --server, export and audit --archive, and audit --data-dir follow the hand-over, pinned to either key', async () => {
    for (const key of [oldKey, newKey]) {
      const r = await runCli(['audit', '--server', svc!.url, '--key', key]);
      expect(r.code, r.text).toBe(0);
    }
    const archive = join(tmp.path, 'rotated.tar');
    expect((await runCli(['export', '--server', svc!.url, '--out', archive])).code).toBe(0);
    for (const key of [oldKey, newKey]) {
      const r = await runCli(['audit', '--archive', archive, '--key', key]);
      expect(r.code, r.text).toBe(0);
    }
    await svc!.close();
    svc = undefined;
    const r = await runCli(['audit', '--data-dir', dataDir]);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/audit ok: \d+ blocks, 2 entries/);
  });

  it('audit and export take the trust list verify takes (comments, both keys, until=), checked against the key history', async () => {
    svc = await start();
    const h = svc.ledger.keys[1]!.firstHeight;
    const origin = oldKey.split('+')[0]!;
    const list = async (name: string, text: string) => {
      const file = join(tmp.path, name);
      await writeFile(file, text);
      return file;
    };
    const good = await list('audit.keys', `# both keys of the log\n${oldKey} until=${h}   # retired at the hand-over\n\n${newKey}\n`);
    const withOtherLog = await list('other-log.keys', `# another log's key is ignored\n${createEd25519Signer('other.example/log', new Uint8Array(32).fill(9)).verifierKey}\n${newKey}\n`);
    const tooTight = await list('too-tight.keys', `${oldKey} until=${h - 1n}\n${newKey}\n`);
    const boundCurrent = await list('bound-current.keys', `${oldKey}\n${newKey} until=${h}\n`);
    const stranger = await list('stranger.keys', `${newKey}\n${createEd25519Signer(origin, new Uint8Array(32).fill(9)).verifierKey}\n`);
    const expectAudit = async (args: string[], code: number, text?: RegExp) => {
      const r = await runCli(['audit', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.text}`).toBe(code);
      if (text) expect(r.text).toMatch(text);
    };
    const server = ['--server', svc.url];
    await expectAudit([...server, '--key-file', good], 0, /audit ok/);
    await expectAudit([...server, '--key-file', withOtherLog], 0, /audit ok/);
    await expectAudit([...server, '--key-file', tooTight], 1, new RegExp(`until=${h - 1n}`));
    await expectAudit([...server, '--key-file', boundCurrent], 1, new RegExp(`until=${h}`));
    await expectAudit([...server, '--key-file', stranger], 1, /not in the log's key history/);
    const archive = join(tmp.path, 'trust-list.tar');
    expect((await runCli(['export', '--server', svc.url, '--out', archive])).code).toBe(0);
    await expectAudit(['--archive', archive, '--key-file', good], 0, /audit ok/);
    await expectAudit(['--archive', archive, '--key-file', tooTight], 1, /until=/);
    await svc.close();
    svc = undefined;
    await expectAudit(['--data-dir', dataDir, '--key-file', good], 0, /audit ok/);
    await expectAudit(['--data-dir', dataDir, '--key-file', tooTight], 1, /until=/);
    const exported = join(tmp.path, 'data-dir.tar');
    const e = await runCli(['export', '--data-dir', dataDir, '--key-file', good, '--out', exported]);
    expect(e.code, e.text).toBe(0);
    await expectAudit(['--archive', exported, '--key-file', good], 0, /audit ok/);
    expect((await runCli(['export', '--data-dir', dataDir, '--key-file', stranger, '--out', join(tmp.path, 'x.tar')])).code).toBe(2);
    // Without --key: LOG_KEY_FILE, as the server reads it, when the key is not in the data directory.
    const moved = join(tmp.path, 'log-key.moved.pem');
    await rename(join(dataDir, 'log-key.pem'), moved);
    try {
      await expectAudit(['--data-dir', dataDir], 2, /no log key/);
      process.env.LOG_KEY_FILE = moved;
      await expectAudit(['--data-dir', dataDir], 0, /audit ok/);
    } finally {
      delete process.env.LOG_KEY_FILE;
      await rename(moved, join(dataDir, 'log-key.pem'));
    }
  });

  it('restarts without a second hand-over; a key that signed nothing here is refused at start', async () => {
    svc = await start();
    const height = svc.ledger.latestBlock.height;
    expect(svc.ledger.keys).toHaveLength(2);
    await svc.close();
    svc = undefined;
    // Move the current key away too: a fresh key with the previous one that did not sign the latest block.
    await rename(join(dataDir, 'log-key.pem'), join(tmp.path, 'current.pem'));
    await expect(start()).rejects.toThrow(/did not sign the latest block/);
    // Back to the retired key (it signed the hand-over block too): a config error at start, nothing written.
    await copyFile(join(dataDir, 'log-key.previous.pem'), join(dataDir, 'log-key.pem'));
    const back = start();
    await expect(back).rejects.toBeInstanceOf(ConfigError);
    await expect(back).rejects.toThrow(/^LOG_KEY_FILE: .*key in force/);
    await rename(join(tmp.path, 'current.pem'), join(dataDir, 'log-key.pem'));
    svc = await start();
    expect(svc.ledger.latestBlock.height).toBe(height);
    expect(svc.ledger.keys).toHaveLength(2);
  });
});
