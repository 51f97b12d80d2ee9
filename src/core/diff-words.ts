import { diffWords as diffWordsWithJsdiff } from 'diff';
import type { DiffPart } from './schemas';

export interface DiffWordsOptions {
  /** Largest edit distance, in word tokens, still worth showing as a diff. */
  maxEditLength?: number;
  /** Wall-clock backstop in milliseconds. */
  timeout?: number;
  /** Inputs longer than this (characters, both sides together) are not tokenised at all. */
  maxInputLength?: number;
}

export interface WordDiff {
  /** Null when the diff was not worth computing: show before and after side by side instead. */
  parts: DiffPart[] | null;
  replaced: boolean;
}

/**
 * Why these numbers:
 * - maxEditLength 200: a criterion is a sentence or a Given/When/Then of 10–60 words. Past
 *   200 inserted or deleted words a diff is unreadable, so "replaced" is the honest display;
 *   the cap also bounds Myers' O((N+M)·D) work.
 * - maxInputLength 20,000 characters: far beyond any real criterion. Skipping tokenisation
 *   there means a pasted log or spec never allocates hundreds of thousands of tokens.
 * - timeout 50 ms: a backstop only. Within the two caps above a diff takes well under a
 *   millisecond, so the stored diff stays deterministic in practice.
 */
export const DIFF_WORDS_DEFAULTS: Readonly<Required<DiffWordsOptions>> = Object.freeze({
  maxEditLength: 200,
  timeout: 50,
  maxInputLength: 20_000,
});

const REPLACED: WordDiff = Object.freeze({ parts: null, replaced: true });

/** Word-level diff of before -> after that degrades to `replaced` instead of running long. */
export function diffWords(before: string, after: string, options: DiffWordsOptions = {}): WordDiff {
  const { maxEditLength, timeout, maxInputLength } = { ...DIFF_WORDS_DEFAULTS, ...options };
  if (before === after) return { parts: before === '' ? [] : [{ value: before, added: false, removed: false }], replaced: false };
  if (before.length + after.length > maxInputLength) return { ...REPLACED };
  const changes = diffWordsWithJsdiff(before, after, { maxEditLength, timeout });
  if (changes === undefined) return { ...REPLACED };
  // jsdiff adds `count`; the stored DiffPart is exactly value/added/removed so record hashes are stable.
  return { parts: changes.map((c) => ({ value: c.value, added: c.added, removed: c.removed })), replaced: false };
}
