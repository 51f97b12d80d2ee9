import { wordVectors } from './word-vectors';

/** Cosine similarity of two word stems' vectors (stemWord), or null when either has none. */
export type WordSimilarity = (a: string, b: string) => number | null;

let table: Map<string, Float32Array> | null = null;

/**
 * The pruned GloVe table of word-vectors.ts (ADR 0020) as a word similarity. Decoded on the
 * first call, not on import (0.8 MB of base64 into 12,000 unit vectors, a few milliseconds), so
 * code that never compares reworded criteria pays nothing. Pure data, no I/O: the Forge functions
 * and the Linear service read the same bytes and get the same cosines.
 */
export function readWordVectors(): WordSimilarity {
  return (a, b) => {
    table ??= decodeTable();
    const x = table.get(a);
    const y = table.get(b);
    if (x === undefined || y === undefined) return null;
    let dot = 0;
    for (let i = 0; i < x.length; i += 1) dot += x[i]! * y[i]!;
    return dot;
  };
}

function decodeTable(): Map<string, Float32Array> {
  const { dimensions } = wordVectors;
  const bytes = decodeBase64(wordVectors.vectors);
  const stems = wordVectors.stems.split(' ');
  const perStem = dimensions / 2;
  const decoded = new Map<string, Float32Array>();
  stems.forEach((stem, w) => {
    const vector = new Float32Array(dimensions);
    let norm = 0;
    for (let i = 0; i < dimensions; i += 1) {
      const byte = bytes[w * perStem + (i >> 1)]!;
      const value = (i % 2 === 0 ? byte >> 4 : byte & 0x0f) - 8; // -7..7, stored plus 8
      vector[i] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dimensions; i += 1) vector[i]! /= norm;
    decoded.set(stem, vector);
  });
  return decoded;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 to bytes without Buffer (Node only) or atob (a string per byte): the same code in both runtimes. */
function decodeBase64(text: string): Uint8Array {
  const digit = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64.length; i += 1) digit[BASE64.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let n = 0;
  for (let i = 0; i < clean.length; i += 1) {
    buffer = (buffer << 6) | digit[clean.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}
