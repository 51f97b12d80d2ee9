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
  // atob: the same built-in in Node and in browsers, so every runtime decodes the same bytes.
  const bytes = Uint8Array.from(atob(wordVectors.vectors), (c) => c.charCodeAt(0));
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
