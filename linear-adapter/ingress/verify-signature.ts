import { createHmac, timingSafeEqual } from 'node:crypto';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** The hex HMAC-SHA256 Linear sends in `Linear-Signature` for these exact bytes. */
export function signBody(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * True when `signature` is the HMAC-SHA256 of the raw bytes under `secret`. Anything that is not
 * 64 hex digits is false without comparing; the digests are compared in constant time.
 */
export function verifySignature(rawBody: Buffer, signature: string | null | undefined, secret: string): boolean {
  if (typeof signature !== 'string') return false;
  const given = signature.trim();
  if (!HEX_SHA256.test(given)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const actual = Buffer.from(given, 'hex');
  // timingSafeEqual throws on a length mismatch; the pattern above already guarantees 32 bytes.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
