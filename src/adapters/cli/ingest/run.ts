/**
 * The ingest pipeline: works from a walk or a manifest, hashed with bounded parallelism; hash-only
 * works go out in batches (two requests in flight at most), uploads one by one; after each answer
 * the certificates are fetched many at once and written (ingest/certificates.ts) and the state
 * file is appended (docs/UPLOADS.md).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { sharedSm3Pool } from '../../crypto/sm3-pool.js';
import { noProgress, progress, type Progress } from '../progress.js';
import { CannotRun } from '../usage.js';
import { Api, problemText } from './api.js';
import { CertificateFiles, certificatePresent, fetchCertificates, MAX_CERTIFICATES_PER_REQUEST, type Fetched } from './certificates.js';
import { hashFile } from './hash.js';
import { readManifest, walk } from './sources.js';
import { StateFile } from './state-file.js';
import { MAX_EXTERNAL_ID, message, type DepositJson, type Hashed, type IngestOptions, type IngestSummary, type StateRecord, type Work } from './types.js';

/** Runs an ingest. Never throws for a single work: its failure is listed in the summary. */
export async function runIngest(opts: IngestOptions): Promise<IngestSummary> {
  const fetchImpl = opts.fetch ?? fetch;
  const base = opts.server.endsWith('/') ? opts.server : opts.server + '/';
  const summary: IngestSummary = { total: 0, deposited: 0, created: 0, skipped: 0, failures: [], interrupted: false };
  const signal = opts.signal;

  const source = resolve(opts.source);
  let srcStat;
  try {
    srcStat = await stat(source);
  } catch (e) {
    throw new CannotRun(`cannot read ${opts.source}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file or directory' : message(e)}`);
  }
  const api = new Api(base, opts.apiKey, fetchImpl);
  let startSize: number;
  try {
    startSize = Number((JSON.parse(await api.publicText('v1/blocks/latest')) as { treeSize: number }).treeSize);
  } catch (e) {
    throw new CannotRun(`cannot reach the server at ${opts.server}: ${message(e).replace(/^cannot reach the server: /, '')}`);
  }
  const outDir = opts.out !== undefined ? resolve(opts.out) : undefined;
  const statePath = opts.state !== undefined ? resolve(opts.state) : undefined;
  const exclude = (abs: string) => abs === statePath || (outDir !== undefined && (abs === outDir || abs.startsWith(outDir + sep)));

  const works: Work[] = [];
  if (srcStat.isDirectory()) {
    for (const rel of await walk(source, exclude)) works.push({ path: rel, abs: join(source, rel) });
  } else {
    works.push(...(await readManifest(source, summary.failures)));
  }
  summary.total = works.length + summary.failures.length;

  const state = await StateFile.open(statePath);
  const files = outDir === undefined ? undefined : await CertificateFiles.open(outDir);
  const pool = sharedSm3Pool();
  const bar = progressOf(opts.progress);
  let finished = summary.failures.length;
  let hashed = 0;
  const tick = () => bar.update(finished, summary.total, `done, ${hashed} hashed`);
  const fail = (path: string, reason: string) => {
    summary.failures.push({ path, reason });
    finished++;
    tick();
  };

  try {
    await pipeline();
  } finally {
    bar.stop();
    await state.close();
  }
  await files?.close();
  summary.interrupted = signal?.aborted === true && finished < summary.total;
  bar.done(finished, summary.total, `done, ${hashed} hashed`);
  return summary;

  async function pipeline(): Promise<void> {
    /**
     * After the server answered for these works (at most 1,000): their certificates in one
     * request, each written to --out, then one durable state write.
     */
    const settle = async (done: { h: Hashed; dep: DepositJson }[]) => {
      const good = done.filter(({ h, dep }) => {
        if (dep.sha256 === h.sha256 && (dep.sm3 === undefined || dep.sm3 === h.sm3)) return true;
        fail(h.path, `the server's deposit ${dep.id} names other hashes than the file's`);
        return false;
      });
      let texts: Fetched | undefined;
      if (files !== undefined) {
        try {
          texts = await fetchCertificates(api, [...new Set(good.map((d) => d.dep.id))]);
        } catch (e) {
          for (const { h, dep } of good) fail(h.path, `deposited as ${dep.id}, but the certificate could not be written: ${message(e)}`);
          return;
        }
      }
      const records: StateRecord[] = [];
      await forEachLimit(good, opts.concurrency, async ({ h, dep }) => {
        let certificate: string | undefined;
        if (files !== undefined) {
          try {
            const text = texts?.get(dep.id);
            if (typeof text !== 'string') throw text ?? new Error('not in the answer');
            certificate = await files.write(h.path, text);
          } catch (e) {
            fail(h.path, `deposited as ${dep.id}, but the certificate could not be written: ${message(e)}`);
            return;
          }
        }
        records.push({
          v: 1,
          path: h.path,
          size: h.size,
          mtimeMs: h.mtimeMs,
          sha256: h.sha256,
          sm3: h.sm3,
          externalId: h.externalId,
          id: dep.id,
          index: dep.index,
          block: dep.block,
          ...(certificate !== undefined ? { certificate } : {}),
        });
        summary.deposited++;
        if (dep.index >= startSize) summary.created++;
        finished++;
      });
      await state.append(records);
      tick();
    };

    // With --out, a batch's certificates are fetched and written beside the next batches' hashing
    // and deposits, two batches at a time at most.
    const certStage = new Set<Promise<void>>();
    let certStageError: unknown;
    const settleLater = async (done: { h: Hashed; dep: DepositJson }[]) => {
      if (files === undefined) return settle(done);
      while (certStage.size >= 2) await Promise.race(certStage);
      const p: Promise<void> = settle(done)
        .catch((e: unknown) => {
          certStageError ??= e;
        })
        .finally(() => certStage.delete(p));
      certStage.add(p);
    };

    /** Sends one batch; on a 400 it splits the batch to find the bad items. */
    const sendBatch = async (items: Hashed[]): Promise<void> => {
      if (items.length === 0) return;
      const body = {
        items: items.map((h) => ({
          sha256: h.sha256,
          sm3: h.sm3,
          size: h.size,
          externalId: h.externalId,
          ...(h.metadata !== undefined ? { metadata: h.metadata } : {}),
        })),
      };
      let res: { status: number; json: unknown };
      try {
        res = await api.json('POST', 'v1/deposits/batch', body);
      } catch (e) {
        for (const h of items) fail(h.path, message(e));
        return;
      }
      if (res.status === 201) {
        const deposits = (res.json as { deposits?: DepositJson[] }).deposits;
        if (!Array.isArray(deposits) || deposits.length !== items.length) {
          for (const h of items) fail(h.path, 'the server answered the batch with a malformed body');
          return;
        }
        await settleLater(items.map((h, i) => ({ h, dep: deposits[i]! })));
        return;
      }
      if (res.status === 400 && items.length > 1) {
        const mid = items.length >> 1;
        await sendBatch(items.slice(0, mid));
        await sendBatch(items.slice(mid));
        return;
      }
      for (const h of items) fail(h.path, problemText(res));
    };

    // Uploaded works wait here for their certificates, fetched many at once: when 1,000 are
    // waiting, a second after the first, or at the end.
    let uploaded: { h: Hashed; dep: DepositJson }[] = [];
    let uploadTimer: NodeJS.Timeout | undefined;
    const settleUploads = async () => {
      clearTimeout(uploadTimer);
      uploadTimer = undefined;
      const items = uploaded;
      uploaded = [];
      if (items.length > 0) await settle(items);
    };

    const uploadOne = async (h: Hashed): Promise<void> => {
      let res: { status: number; json: unknown };
      try {
        res = await api.upload(h);
      } catch (e) {
        fail(h.path, message(e));
        return;
      }
      if (res.status !== 201 && res.status !== 200) {
        fail(h.path, problemText(res));
        return;
      }
      if (files === undefined) return settle([{ h, dep: res.json as DepositJson }]);
      uploaded.push({ h, dep: res.json as DepositJson });
      if (uploaded.length >= MAX_CERTIFICATES_PER_REQUEST) await settleUploads();
      else uploadTimer ??= setTimeout(() => launch(settleUploads()), 1_000);
    };

    // The pipeline: hash with bounded parallelism; hash-only works go out in batches (two requests
    // in flight at most), uploads one by one.
    let pending: Hashed[] = [];
    const inflight = new Set<Promise<void>>();
    const launch = (p: Promise<void>) => {
      const q = p.finally(() => inflight.delete(q));
      inflight.add(q);
    };
    const flush = async () => {
      const items = pending;
      pending = [];
      while (inflight.size >= 2) await Promise.race(inflight);
      launch(sendBatch(items));
    };

    try {
      tick();
      await forEachLimit(works, opts.concurrency, async (w) => {
        if (signal?.aborted) return;
        let h: Hashed;
        try {
          const known = state.get(w.path);
          const digests = await hashFile(w.abs, pool, (st) =>
            known !== undefined && known.size === st.size && known.mtimeMs === st.mtimeMs && (outDir === undefined || certificatePresent(outDir, known)),
          );
          if (digests === undefined) {
            summary.skipped++;
            finished++;
            tick();
            return;
          }
          hashed++;
          const externalId = w.externalId ?? defaultExternalId(w.path, digests.sha256);
          h = { ...w, ...digests, externalId };
        } catch (e) {
          fail(w.path, `cannot hash: ${message(e)}`);
          return;
        }
        if (opts.upload) {
          await uploadOne(h);
          return;
        }
        pending.push(h);
        if (pending.length >= opts.batch) await flush();
      });
      if (!opts.upload && pending.length > 0) await flush();
      await settleUploads();
      while (inflight.size > 0) await Promise.race(inflight);
      await Promise.all(certStage);
      if (certStageError !== undefined) throw certStageError;
    } finally {
      clearTimeout(uploadTimer); // a run that failed leaves no timer behind
    }
  }
}

function progressOf(p: IngestOptions['progress']): Progress {
  if (p === null) return noProgress;
  if (p !== undefined && 'update' in p) return p;
  return progress('ingest', p ?? process.stderr);
}

/** `<relative path>:<sha256>`, or `~<sha256 of the path>:<sha256>` when that would exceed 512 characters. */
export function defaultExternalId(path: string, sha256: string): string {
  const id = `${path}:${sha256}`;
  if (id.length <= MAX_EXTERNAL_ID) return id;
  return `~${createHash('sha256').update(path).digest('hex')}:${sha256}`;
}

/** Runs `fn` over `items` with at most `limit` running at once. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(runners);
}
