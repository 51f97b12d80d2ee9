import { createHmac } from 'node:crypto';
import { signBody, verifySignature } from '../../../linear-adapter/ingress/verify-signature';
import { readLinearPayloadBytes } from '../../fixtures/linear';

const SECRET = 'lin_wh_test_secret';
const raw = readLinearPayloadBytes('commentCreate');
// Computed independently of signBody, the way Linear documents it.
const linearSignature = createHmac('sha256', SECRET).update(raw).digest('hex');

describe('verifySignature', () => {
  it('accepts the hex HMAC-SHA256 of the raw bytes made with the webhook secret', () => {
    expect(verifySignature(raw, linearSignature, SECRET)).toBe(true);
    expect(signBody(raw, SECRET)).toBe(linearSignature);
  });

  it('accepts the signature in upper-case hex and with surrounding blanks', () => {
    expect(verifySignature(raw, ` ${linearSignature.toUpperCase()} `, SECRET)).toBe(true);
  });

  it('refuses the signature when one byte of the body changed', () => {
    const changed = Buffer.from(raw);
    changed[changed.length - 3] = changed[changed.length - 3]! ^ 1;
    expect(verifySignature(changed, linearSignature, SECRET)).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    expect(verifySignature(raw, signBody(raw, 'another-secret'), SECRET)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['empty', ''],
    ['odd-length', linearSignature.slice(1)],
    ['non-hex', `${linearSignature.slice(0, 62)}zz`],
    ['too short', linearSignature.slice(0, 32)],
    ['too long', `${linearSignature}00`],
    ['prefixed', `sha256=${linearSignature}`],
  ])('returns false without throwing when the signature is %s', (_what, signature) => {
    expect(verifySignature(raw, signature, SECRET)).toBe(false);
  });
});
