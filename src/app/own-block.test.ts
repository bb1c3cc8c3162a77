import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { formatCheckpointBody, parseCheckpointBody } from '../core/checkpoint.js';
import { portableSha256 } from '../core/hash.js';
import { createEd25519Signer, parseNoteUnverified, signNoteBy } from '../core/note.js';
import { Ledger } from './log.js';
import { withOwnBlockCheck } from './own-block.js';
import { ledgerRecords } from '../adapters/records/core-records.js';

const ORIGIN = 'test.example/log';
const signer = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(7));
const leaked = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(8));
let ms = Date.parse('2026-11-30T10:00:00.000Z');
const clock = { now: () => (ms += 1000) };
const passed = { valid: true, checks: [{ name: 'checkpointSignature', ok: true, detail: 'ok' }] };

async function logOfThreeBlocks() {
  const store = new MemoryLogStore();
  const ledger = await Ledger.open({ store, ...ledgerRecords(store), signer, verifierKey: signer.verifierKey, origin: ORIGIN, sha256: portableSha256, clock });
  await ledger.append([{ bytes: new Uint8Array([1]) }]);
  await ledger.append([{ bytes: new Uint8Array([2]) }]);
  return ledger;
}

describe('withOwnBlockCheck (POST /v1/verify)', () => {
  it('passes when the checkpoint is the stored block at its height', async () => {
    const ledger = await logOfThreeBlocks();
    const block = (await ledger.block(1n))!;
    const r = await withOwnBlockCheck(passed, { checkpoint: block.checkpoint }, (h) => ledger.block(h));
    expect(r.valid).toBe(true);
    expect(r.checks.at(-1)).toEqual({ name: 'checkpoint', ok: true, detail: 'block 1 of this log' });
    await ledger.close();
  });

  it('fails a checkpoint signed by another key at an existing height, or at a height the log does not have', async () => {
    const ledger = await logOfThreeBlocks();
    const body = parseNoteUnverified((await ledger.block(2n))!.checkpoint).body;
    const reSigned = signNoteBy(body, [leaked]);
    const other = await withOwnBlockCheck(passed, { checkpoint: reSigned }, (h) => ledger.block(h));
    expect(other.valid).toBe(false);
    expect(other.checks.at(-1)).toEqual({ name: 'checkpoint', ok: false, detail: 'bad_signature: block 2 of this log is a different checkpoint' });
    // Same block, signed by the right key AND the leaked one: not the stored text either.
    expect((await withOwnBlockCheck(passed, { checkpoint: signNoteBy(body, [signer, leaked]) }, (h) => ledger.block(h))).valid).toBe(false);
    const cp = parseCheckpointBody(body);
    const future = signNoteBy(formatCheckpointBody({ ...cp, height: 99n }), [leaked]);
    const beyond = await withOwnBlockCheck(passed, { checkpoint: future }, (h) => ledger.block(h));
    expect(beyond.valid).toBe(false);
    expect(beyond.checks.at(-1)).toEqual({ name: 'checkpoint', ok: false, detail: 'bad_signature: not block 99 of this log' });
    await ledger.close();
  });

  it('leaves a result whose signature check failed as it was (already invalid), and never throws', async () => {
    const ledger = await logOfThreeBlocks();
    const failed = { valid: false, checks: [{ name: 'checkpointSignature', ok: false, detail: 'bad' }] };
    for (const input of [undefined, null, 42, {}, { checkpoint: 'junk' }]) {
      expect(await withOwnBlockCheck(failed, input, (h) => ledger.block(h))).toEqual(failed);
      const r = await withOwnBlockCheck(passed, input, (h) => ledger.block(h));
      expect(r.valid).toBe(false);
      expect(r.checks.at(-1)).toMatchObject({ name: 'checkpoint', ok: false });
    }
    await ledger.close();
  });
});
