/**
 * `GET /verify` and `GET /verify/{depositId}` (the page a certificate's QR code opens): the one
 * verify page (web/verify/page.ts), the same file as the download `verify.html` but with this
 * log's verifier keys filled in as the trusted list (with fingerprints, and as a `log.keys` list
 * for the standalone verifier), and for a deposit its public facts (id, entry index, block, time
 * received) and the address of its certificate, which the page's script tries to fetch. Every
 * check runs in the browser; nothing the server says here decides validity.
 *
 * The script is the one the downloads carry (http/downloads.ts loads or builds them), so the
 * served page and the download cannot drift apart.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateToPem, parseCertificate } from '../../core/pkix.js';
import { trustLine } from '../../core/trust.js';
import { PAGE_FILE, PROJECT_ROOT } from '../downloads/files.js';
import { pageScript, renderVerifyPage, verifyPageCsp, type ServedPage, type VerifyPageKey } from '../web/verify/page.js';
import { loadDownloads } from './downloads.js';

export type { VerifyPageKey } from '../web/verify/page.js';

export interface VerifyPageInput {
  /** On `/verify/{id}`: the id as asked (`valid`: it is a deposit id) and the deposit's public facts when it exists. */
  deposit?: { id: string; valid: boolean; found?: { index: number; block: number; receivedAt: string } };
  origin: string;
  /** Every key of the log's history, oldest first (one after each rotation); the current key last. */
  keys: readonly VerifyPageKey[];
  /** The language the visitor chose (`?lang=`, else the `cl_lang` cookie the portal sets). */
  lang?: 'zh' | 'en';
  /** DER certificates of the TSAs this log trusts, pinned in the page for the timestamp check. */
  tsaCertificates?: readonly Uint8Array[];
}

function describeTsa(der: Uint8Array): { subject: string; sha256: string; pem: string } {
  let subject = '';
  try {
    subject = parseCertificate(der).subject;
  } catch {
    subject = '?';
  }
  return { subject, sha256: createHash('sha256').update(der).digest('hex').replace(/(.{4})(?=.)/g, '$1 '), pem: certificateToPem(der) };
}

/** The trust list of the log's keys: a retired key is bounded by until=<its last block>, so it is never trusted for a later checkpoint. */
export function logTrustList(origin: string, keys: readonly VerifyPageKey[]): string {
  return [
    `# ${origin}: verifier keys (docs/VERIFY.md)`,
    ...keys.flatMap((k) => [
      `# blocks ${k.firstHeight}…${k.lastHeight ?? ''}, SHA-256 ${k.fingerprint}`,
      k.lastHeight !== undefined ? trustLine({ key: k.key, until: BigInt(k.lastHeight) }) : k.key,
    ]),
  ].join('\n');
}

let script: Promise<{ script: string; scriptSha256: string; version: string }> | undefined;

async function loadScript(): Promise<{ script: string; scriptSha256: string; version: string }> {
  script ??= (async () => {
    const page = (await loadDownloads()).get(PAGE_FILE);
    const html = page === undefined ? '' : new TextDecoder().decode(page);
    const s = pageScript(html);
    if (s === '') throw new Error('the verify page download holds no script');
    const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string };
    const version = pkg.version ?? '';
    return { script: s, scriptSha256: createHash('sha256').update(s, 'utf8').digest('base64'), version };
  })();
  script.catch(() => {
    script = undefined;
  });
  return script;
}

/** The language a request asks for: `?lang=zh|en`, else the `cl_lang` cookie; undefined for the default. */
export function requestLang(query: unknown, cookie: string | undefined): 'zh' | 'en' | undefined {
  const q = typeof query === 'string' ? query : undefined;
  if (q === 'zh' || q === 'en') return q;
  const m = /(?:^|;\s*)cl_lang=(zh|en)\b/.exec(cookie ?? '');
  return m ? (m[1] as 'zh' | 'en') : undefined;
}

/** The served page and the Content-Security-Policy header to send with it. */
export async function verifyPageHtml(p: VerifyPageInput): Promise<{ html: string; csp: string }> {
  const s = await loadScript();
  const served: ServedPage = {
    origin: p.origin,
    keys: p.keys,
    trustList: logTrustList(p.origin, p.keys),
    ...(p.deposit !== undefined && p.deposit.valid ? { deposit: { id: p.deposit.id, ...(p.deposit.found ? { found: p.deposit.found } : {}) } } : {}),
    ...(p.deposit !== undefined && !p.deposit.valid ? { badId: true } : {}),
    ...(p.tsaCertificates !== undefined && p.tsaCertificates.length > 0 ? { tsa: p.tsaCertificates.map(describeTsa) } : {}),
  };
  return { html: renderVerifyPage({ ...s, served, ...(p.lang !== undefined ? { lang: p.lang } : {}) }), csp: verifyPageCsp(s.scriptSha256, { connect: true, header: true }) };
}
