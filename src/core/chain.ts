/**
 * The certificate chain of an RFC 3161 token's signer, built with bounded work: the token and its
 * certificates are attacker-controlled, so issuers are picked by key identifier first, at most
 * MAX_ISSUER_CANDIDATES are tried per certificate, at most MAX_SIGNATURE_CHECKS signatures are
 * verified per token, and the chain is at most MAX_CHAIN long (docs/TIMESTAMPS.md, "Bounds").
 * Errors: LogError('bad_format') when a cap is hit, LogError('bad_signature') when a signature
 * or the chain does not verify.
 */
import { equalBytes } from './bytes.js';
import { LogError } from './errors.js';
import { isSelfIssued, verifyIssued, type ParsedCertificate } from './pkix.js';

/** Longest chain followed from the signer up. */
export const MAX_CHAIN = 8;
/** Most candidate issuers tried for one certificate on the chain (key-identifier matches first). */
export const MAX_ISSUER_CANDIDATES = 4;
/** Most signature verifications for one token: the signer's, then one per chain link and failed candidate. */
export const MAX_SIGNATURE_CHECKS = 8;

function bad(message: string): never {
  throw new LogError('bad_format', `timestamp: ${message}`);
}

function fail(message: string): never {
  throw new LogError('bad_signature', `timestamp: ${message}`);
}

/**
 * The first certificate of `inToken` that no chain from `signer` can include: chains follow
 * issuer names upward and stop at a self-issued certificate. Every certificate in a token must
 * be on the chain (checked for real, with signatures, afterwards); this costs no signature.
 */
export function unreachableByName(signer: ParsedCertificate, inToken: readonly ParsedCertificate[]): ParsedCertificate | undefined {
  const reached = [signer];
  for (let k = 0; k < reached.length; k++) {
    const cur = reached[k]!;
    if (isSelfIssued(cur)) continue;
    for (const c of inToken) {
      if (equalBytes(c.subjectDer, cur.issuerDer) && !reached.some((r) => equalBytes(r.der, c.der))) reached.push(c);
    }
  }
  return inToken.find((c) => !reached.some((r) => equalBytes(r.der, c.der)));
}

/** Counts signature verifications against MAX_SIGNATURE_CHECKS; `spend` throws bad_format past it. */
export function signatureBudget(): { spend(): void } {
  let used = 0;
  return {
    spend() {
      if (++used > MAX_SIGNATURE_CHECKS) bad(`more than ${MAX_SIGNATURE_CHECKS} signature checks needed: gave up`);
    },
  };
}

/**
 * The certificates that may have issued `cur`, best first: those named `cur`'s issuer, minus any
 * whose subjectKeyIdentifier contradicts `cur`'s authorityKeyIdentifier; a key-identifier match
 * comes before a name-only match. Order within each group is the token's, then the pins'.
 */
export function issuerCandidates(cur: ParsedCertificate, pool: readonly ParsedCertificate[]): ParsedCertificate[] {
  const aki = cur.authorityKeyId;
  const named = pool.filter((c) => equalBytes(c.subjectDer, cur.issuerDer));
  if (aki === undefined) return named;
  const byKey = named.filter((c) => c.subjectKeyId !== undefined && equalBytes(c.subjectKeyId, aki));
  const unnamedKey = named.filter((c) => c.subjectKeyId === undefined);
  return [...byKey, ...unnamedKey];
}

export function buildChain(
  signer: ParsedCertificate,
  inToken: readonly ParsedCertificate[],
  pinned: readonly ParsedCertificate[],
  budget: { spend(): void },
): { chain: ParsedCertificate[]; pinnedHit: boolean } {
  const chain = [signer];
  const isPinned = (c: ParsedCertificate) => pinned.some((p) => equalBytes(p.der, c.der));
  const pool: ParsedCertificate[] = [];
  for (const c of [...inToken, ...pinned]) if (!pool.some((x) => equalBytes(x.der, c.der))) pool.push(c);
  for (;;) {
    const cur = chain[chain.length - 1]!;
    if (isPinned(cur)) return { chain, pinnedHit: true };
    if (isSelfIssued(cur)) {
      budget.spend();
      verifyIssued(cur, cur);
      return { chain, pinnedHit: false };
    }
    if (chain.length >= MAX_CHAIN) fail('certificate chain too long');
    const candidates = issuerCandidates(
      cur,
      pool.filter((c) => !chain.some((x) => equalBytes(x.der, c.der))),
    );
    let issuer: ParsedCertificate | undefined;
    let lastError: unknown;
    for (const c of candidates.slice(0, MAX_ISSUER_CANDIDATES)) {
      budget.spend();
      try {
        verifyIssued(cur, c);
        issuer = c;
        break;
      } catch (e) {
        lastError = e;
      }
    }
    if (issuer === undefined) {
      if (candidates.length > MAX_ISSUER_CANDIDATES) bad(`${candidates.length} candidate issuers for ${cur.subject}: tried ${MAX_ISSUER_CANDIDATES}, none verified`);
      if (lastError !== undefined) throw lastError;
      // The issuer is not available. The signer's own bytes are covered by the ESS hash; any
      // other certificate in the token must verify, or a changed byte in it would go unseen.
      if (cur !== signer) fail(`cannot verify ${cur.subject}: its issuer is neither in the token nor pinned (pin the TSA's CA)`);
      return { chain, pinnedHit: false };
    }
    if (!issuer.isCa) fail(`${issuer.subject} issued ${cur.subject} but is not a CA`);
    if (issuer.keyUsage !== undefined && (issuer.keyUsage & 0x20) === 0) fail(`${issuer.subject} may not sign certificates (keyUsage)`);
    chain.push(issuer);
  }
}
