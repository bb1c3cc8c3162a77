/**
 * Webhook signatures (docs/ENFORCEMENT.md): HMAC-SHA256 with the account's webhook secret over
 * `<t>.<body>`, where t is the delivery time in Unix seconds and body the exact request body
 * bytes, sent as `X-CL-Signature: t=<t>,v1=<lowercase hex>`. A receiver recomputes it and MUST
 * refuse a t too far from its clock (replays).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, toHex, utf8 } from './bytes.js';

export const SIGNATURE_HEADER = 'X-CL-Signature';

/** The hex HMAC of one delivery. */
export function webhookMac(secret: string, t: number, body: Uint8Array): string {
  return toHex(hmac(sha256, utf8(secret), concatBytes(utf8(`${t}.`), body)));
}

/** The X-CL-Signature value of one delivery. */
export function signatureHeader(secret: string, t: number, body: Uint8Array): string {
  return `t=${t},v1=${webhookMac(secret, t, body)}`;
}

/**
 * Checks a received X-CL-Signature value against the body: true when one v1 value matches and t
 * is within `toleranceSeconds` of `nowSeconds`. Never throws.
 */
export function verifyWebhookSignature(header: string, secret: string, body: Uint8Array, nowSeconds: number, toleranceSeconds = 300): boolean {
  let t: number | undefined;
  const macs: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v !== undefined && /^[0-9]{1,12}$/.test(v)) t = Number(v);
    if (k === 'v1' && v !== undefined) macs.push(v);
  }
  if (t === undefined || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const want = webhookMac(secret, t, body);
  return macs.some((m) => {
    if (m.length !== want.length) return false;
    let diff = 0;
    for (let i = 0; i < m.length; i++) diff |= m.charCodeAt(i) ^ want.charCodeAt(i);
    return diff === 0;
  });
}
