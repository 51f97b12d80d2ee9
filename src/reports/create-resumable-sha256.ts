import { z } from 'zod';
import { parseWith } from '../core/parse-with';

// SHA-256 (FIPS 180-4) whose running state can be saved between calls and resumed. An evidence
// bundle made in parts on Forge ends with the SHA-256 of all its bytes, and each part is made by
// another resolver invocation (a call runs at most 25 s), so the digest must travel from call to
// call. node:crypto cannot export a hash's state, and no installed library can (hash-wasm's
// save()/load() or @noble/hashes would replace this file; see docs/adr/0012-jiraevidence-bundle-in-parts.md).
// It is a checksum of bytes, not a secret: the record chain keeps node:crypto, and the tests hold
// this one to node:crypto's answer for every length and split.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** The saved state: the eight working words, the bytes not yet hashed (< 64) and how many bytes came in. */
const savedStateSchema = z.object({
  h: z.array(z.number().int().min(0).max(0xffffffff)).length(8),
  rest: z.string().regex(/^[0-9a-f]*$/, 'must be hex').refine((s) => s.length % 2 === 0 && s.length < 128, 'must hold fewer than 64 bytes'),
  length: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type SavedSha256 = z.infer<typeof savedStateSchema>;

export interface ResumableSha256 {
  update(text: string): void;
  /** The state to pass to createResumableSha256 in a later call. */
  save(): SavedSha256;
  /** The digest of everything so far, as lowercase hex (the state can still be saved or updated). */
  digestHex(): string;
}

/** Reads a saved state that came back from outside (e.g. inside an export cursor). */
export function parseSavedSha256(value: unknown): { ok: true; value: SavedSha256 } | { ok: false; errors: string[] } {
  return parseWith(savedStateSchema, value);
}

export function createResumableSha256(saved?: SavedSha256): ResumableSha256 {
  const h = new Uint32Array(saved?.h ?? INITIAL);
  let rest: Buffer = Buffer.from(saved?.rest ?? '', 'hex');
  let length = saved?.length ?? 0;
  return {
    update(text) {
      const bytes = Buffer.from(text, 'utf8');
      length += bytes.length;
      rest = feed(h, rest.length > 0 ? Buffer.concat([rest, bytes]) : bytes);
    },
    save: () => ({ h: [...h], rest: rest.toString('hex'), length }),
    digestHex() {
      // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, 64-bit big-endian.
      const padding = Buffer.alloc(((55 - (length % 64) + 64) % 64) + 9);
      padding[0] = 0x80;
      padding.writeBigUInt64BE(BigInt(length) * 8n, padding.length - 8);
      const final = new Uint32Array(h);
      feed(final, Buffer.concat([rest, padding]));
      return [...final].map((word) => word.toString(16).padStart(8, '0')).join('');
    },
  };
}

/** Hashes the whole 64-byte blocks of `data` into `h`; answers the bytes left over. */
function feed(h: Uint32Array, data: Buffer): Buffer {
  const whole = data.length - (data.length % 64);
  const w = new Uint32Array(64);
  for (let at = 0; at < whole; at += 64) compress(h, w, data, at);
  return Buffer.from(data.subarray(whole));
}

function compress(h: Uint32Array, w: Uint32Array, block: Buffer, at: number): void {
  for (let t = 0; t < 16; t += 1) w[t] = block.readUInt32BE(at + t * 4);
  for (let t = 16; t < 64; t += 1) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = rotate(x, 7) ^ rotate(x, 18) ^ (x >>> 3);
    const s1 = rotate(y, 17) ^ rotate(y, 19) ^ (y >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) >>> 0;
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let k = h[7]!;
  for (let t = 0; t < 64; t += 1) {
    const t1 = (k + (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) >>> 0;
    const t2 = ((rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  h[0] = (h[0]! + a) >>> 0;
  h[1] = (h[1]! + b) >>> 0;
  h[2] = (h[2]! + c) >>> 0;
  h[3] = (h[3]! + d) >>> 0;
  h[4] = (h[4]! + e) >>> 0;
  h[5] = (h[5]! + f) >>> 0;
  h[6] = (h[6]! + g) >>> 0;
  h[7] = (h[7]! + k) >>> 0;
}

function rotate(x: number, n: number): number {
  return ((x >>> n) | (x << (32 - n))) >>> 0;
}
