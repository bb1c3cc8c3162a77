import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifyWebhookSignature, webhookMac } from './webhook-signature.js';

describe('webhook signatures', () => {
  const body = new TextEncoder().encode('{"type":"monitor.batch.completed"}');
  it('is HMAC-SHA256 over "<t>.<body>" (as openssl or node:crypto compute it)', () => {
    expect(webhookMac('s3cret', 1700000000, body)).toBe(createHmac('sha256', 's3cret').update('1700000000.').update(body).digest('hex'));
    expect(signatureHeader('s3cret', 1700000000, body)).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });
  it('verifies, and refuses another body, secret, or a stale time', () => {
    const h = signatureHeader('s3cret', 1700000000, body);
    expect(verifyWebhookSignature(h, 's3cret', body, 1700000100)).toBe(true);
    expect(verifyWebhookSignature(h, 's3cret', new TextEncoder().encode('{}'), 1700000100)).toBe(false);
    expect(verifyWebhookSignature(h, 'other', body, 1700000100)).toBe(false);
    expect(verifyWebhookSignature(h, 's3cret', body, 1700001000)).toBe(false);
    expect(verifyWebhookSignature('garbage', 's3cret', body, 1700000000)).toBe(false);
  });
});
