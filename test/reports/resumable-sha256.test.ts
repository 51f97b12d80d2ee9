import { createHash } from 'node:crypto';
import { createResumableSha256, parseSavedSha256, type ResumableSha256 } from '../../src/reports/create-resumable-sha256';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function open(saved?: string): Promise<ResumableSha256> {
  const opened = await createResumableSha256(saved);
  if (!opened.ok) throw new Error(opened.errors.join('; '));
  return opened.value;
}

describe('resumable SHA-256', () => {
  it('gives node:crypto’s digest for every length from 0 to 300 bytes', async () => {
    for (let n = 0; n <= 300; n += 1) {
      const text = 'x'.repeat(n);
      const hash = await open();
      hash.update(text);
      expect(hash.digestHex()).toBe(sha256(text));
    }
  });

  it('gives the same digest when the text is split over saved and resumed states, multi-byte characters included', async () => {
    const text = Array.from({ length: 500 }, (_, i) => `${i}:Ünïcode ✓ “quoted” 𝄞,`).join('');
    const expected = sha256(text);
    const points = [...text];
    let seed = 7;
    for (let round = 0; round < 20; round += 1) {
      let saved = (await open()).save();
      let at = 0;
      while (at < points.length) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        // Split on code points so each piece is valid text, as each bundle part is.
        const chars = points.slice(at, at + 1 + (seed % 200));
        const hash = await open(JSON.parse(JSON.stringify(saved)) as string);
        hash.update(chars.join(''));
        saved = hash.save();
        at += chars.length;
      }
      expect((await open(saved)).digestHex()).toBe(expected);
    }
  });

  it('refuses a saved state that is not one: wrong shape by its schema, an edited state when resumed', async () => {
    expect(parseSavedSha256({ h: [1, 2, 3] })).toMatchObject({ ok: false });
    expect(parseSavedSha256('not base64url!')).toMatchObject({ ok: false, errors: [expect.stringContaining('base64url')] });
    const hash = await open();
    hash.update('part one');
    const saved = Buffer.from(hash.save(), 'base64url');
    // hash-wasm prefixes the state with a checksum of its own WebAssembly build; a state from another build or edited there is refused.
    saved[0] = saved[0]! ^ 1;
    expect(await createResumableSha256(saved.toString('base64url'))).toMatchObject({ ok: false, errors: [expect.stringContaining('digest: not a saved SHA-256 state')] });
  });
});
