import { createHash } from 'node:crypto';
import { createResumableSha256, parseSavedSha256 } from '../../src/reports/create-resumable-sha256';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('resumable SHA-256', () => {
  it('gives node:crypto’s digest for every length from 0 to 300 bytes', () => {
    for (let n = 0; n <= 300; n += 1) {
      const text = 'x'.repeat(n);
      const hash = createResumableSha256();
      hash.update(text);
      expect(hash.digestHex()).toBe(sha256(text));
    }
  });

  it('gives the same digest when the text is split over saved and resumed states, multi-byte characters included', () => {
    const text = Array.from({ length: 500 }, (_, i) => `${i}:Ünïcode ✓ “quoted” 𝄞,`).join('');
    const expected = sha256(text);
    const points = [...text];
    let seed = 7;
    for (let round = 0; round < 20; round += 1) {
      let saved = createResumableSha256().save();
      let at = 0;
      while (at < points.length) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        // Split on code points so each piece is valid text, as each bundle part is.
        const chars = points.slice(at, at + 1 + (seed % 200));
        const piece = chars.join('');
        const hash = createResumableSha256(JSON.parse(JSON.stringify(saved)));
        hash.update(piece);
        saved = hash.save();
        at += chars.length;
      }
      expect(createResumableSha256(saved).digestHex()).toBe(expected);
    }
  });

  it('refuses a saved state that is not one, saying which field is wrong', () => {
    expect(parseSavedSha256({ h: [1, 2, 3], rest: '', length: 0 })).toMatchObject({ ok: false, errors: [expect.stringContaining('h')] });
    expect(parseSavedSha256({ h: Array(8).fill(0), rest: 'zz', length: 0 })).toMatchObject({ ok: false, errors: [expect.stringContaining('rest')] });
  });
});
