import { normaliseText } from './normalise-text';
import { diffWords, type DiffWordsOptions } from './diff-words';
import { FUNCTION_WORDS } from './function-words';
import { readWordVectors, type WordSimilarity } from './read-word-vectors';
import type { Criterion, DiffPart } from './schemas';

export type CriterionMatchKind = 'unchanged' | 'added' | 'removed' | 'modified' | 'moved';

/** How a before/after pair was found. */
export type MatchedBy = 'id' | 'text' | 'similarity';

interface Paired {
  beforeIndex: number;
  afterIndex: number;
  before: Criterion;
  after: Criterion;
  matchedBy: MatchedBy;
}

/**
 * One criterion's fate. A criterion both reworded and reordered is kind 'modified' with
 * `moved: true`: the text change is the one a reader must see, the move is secondary.
 * Kind 'moved' is therefore always "same text, new relative position".
 */
export type CriterionMatch =
  | (Paired & { kind: 'unchanged'; moved: false; diff: null; replaced: false })
  | (Paired & { kind: 'moved'; moved: true; diff: null; replaced: false })
  | (Paired & { kind: 'modified'; moved: boolean; diff: DiffPart[] | null; replaced: boolean })
  | { kind: 'added'; beforeIndex: null; afterIndex: number; before: null; after: Criterion; moved: false; diff: null; replaced: false; matchedBy: null }
  | { kind: 'removed'; beforeIndex: number; afterIndex: null; before: Criterion; after: null; moved: false; diff: null; replaced: false; matchedBy: null };

export interface MatchCriteriaOptions {
  /**
   * Minimum criterion similarity (measureSimilarity) for a reworded criterion to count as the same
   * one. 0.6: on batches 1 and 2 of the labelled edits it takes no replacement for an edit, 0.55
   * one in 16 for one rewording more (BENCHMARKS.md, "Criterion edits: modified or replaced").
   */
  similarityThreshold?: number;
  /**
   * Above this many leftover before×after pairs the similarity pass is skipped and the
   * leftovers are reported as removed and added: a wholesale rewrite of a huge list is
   * not worth quadratic work, and remove+add is a truthful description of it.
   */
  maxSimilarityPairs?: number;
  diff?: DiffWordsOptions;
}

export const MATCH_CRITERIA_DEFAULTS = Object.freeze({ similarityThreshold: 0.6, maxSimilarityPairs: 10_000 });

/**
 * Pairs up criteria before and after an edit and classifies each one.
 *
 * Matching, cheapest first, each pass only sees what earlier passes left:
 * 1. by id where both sides carry one (Jira). Ids are authoritative: two criteria with
 *    different ids are never paired, even with identical text.
 * 2. by identical normalised text (Linear markdown has no ids), in order, via a map.
 * 3. by similarity (measureSimilarity: shared word stems, words of like meaning by their
 *    GloVe vectors, less each word one side says in place of one the other said) >= threshold;
 *    two Given/When/Then scenarios also need alike outcomes. Greedily best score first (ties:
 *    closest position, then earliest). Greedy is enough for lists of ~10 and keeps the result
 *    easy to explain. Measured on labelled edits: BENCHMARKS.md, "Criterion edits: modified or
 *    replaced"; why vectors and no WordNet: ADR 0020.
 * Unpaired criteria are added or removed. A pair is moved when it is outside one longest
 * increasing subsequence of after-positions, so one insertion shifts nothing into "moved".
 *
 * Output order: criteria in their after order, then removed ones in their before order.
 */
export function matchCriteria(
  before: readonly Criterion[],
  after: readonly Criterion[],
  options: MatchCriteriaOptions = {},
): CriterionMatch[] {
  const { similarityThreshold, maxSimilarityPairs } = { ...MATCH_CRITERIA_DEFAULTS, ...options };
  const afterFor: (number | undefined)[] = new Array<number | undefined>(before.length);
  const beforeFor: (number | undefined)[] = new Array<number | undefined>(after.length);
  const how: MatchedBy[] = new Array<MatchedBy>(before.length);
  const pair = (b: number, a: number, by: MatchedBy): void => {
    afterFor[b] = a;
    beforeFor[a] = b;
    how[b] = by;
  };

  // 1. Ids.
  const afterById = new Map<string, number>();
  after.forEach((c, a) => {
    if (c.id !== null && !afterById.has(c.id)) afterById.set(c.id, a);
  });
  before.forEach((c, b) => {
    if (c.id === null) return;
    const a = afterById.get(c.id);
    if (a !== undefined && beforeFor[a] === undefined) pair(b, a, 'id');
  });

  // 2. Identical normalised text among the leftovers.
  const norm = (c: Criterion): string => normaliseText(c.text);
  const canPair = (b: number, a: number): boolean => before[b]!.id === null || after[a]!.id === null;
  const afterByText = new Map<string, number[]>();
  after.forEach((c, a) => {
    if (beforeFor[a] !== undefined) return;
    const key = norm(c);
    const bucket = afterByText.get(key);
    if (bucket) bucket.push(a);
    else afterByText.set(key, [a]);
  });
  const leftBefore: number[] = [];
  const beforeNorm = new Map<number, string>();
  before.forEach((c, b) => {
    if (afterFor[b] !== undefined) return;
    const key = norm(c);
    beforeNorm.set(b, key);
    const bucket = afterByText.get(key);
    const slot = bucket?.findIndex((a) => beforeFor[a] === undefined && canPair(b, a)) ?? -1;
    if (bucket && slot >= 0) {
      pair(b, bucket[slot]!, 'text');
      bucket.splice(slot, 1);
    } else {
      leftBefore.push(b);
    }
  });

  // 3. Similarity among what is still unpaired.
  const leftAfter: number[] = [];
  after.forEach((_c, a) => {
    if (beforeFor[a] === undefined) leftAfter.push(a);
  });
  if (leftBefore.length > 0 && leftAfter.length > 0 && leftBefore.length * leftAfter.length <= maxSimilarityPairs) {
    const wordSimilarity = readWordVectors();
    const afterWords = new Map(leftAfter.map((a) => [a, readScenario(after[a]!.text)]));
    const candidates: { b: number; a: number; score: number }[] = [];
    for (const b of leftBefore) {
      const bw = readScenario(before[b]!.text);
      for (const a of leftAfter) {
        if (!canPair(b, a)) continue;
        const aw = afterWords.get(a)!;
        const whole = measureSimilarity(bw.words, aw.words, wordSimilarity);
        // Two scenarios are the same criterion only if they expect the same outcome: a shared
        // Given/When frame with another Then is another scenario.
        const score = bw.outcome && aw.outcome ? Math.min(whole, measureOverlap(bw.outcome, aw.outcome, wordSimilarity)) : whole;
        if (score >= similarityThreshold) candidates.push({ b, a, score });
      }
    }
    candidates.sort((x, y) => y.score - x.score || Math.abs(x.b - x.a) - Math.abs(y.b - y.a) || x.b - y.b || x.a - y.a);
    for (const { b, a } of candidates) {
      if (afterFor[b] === undefined && beforeFor[a] === undefined) pair(b, a, 'similarity');
    }
  }

  const inOrder = findInOrderPairs(afterFor);
  const byAfter: CriterionMatch[] = [];
  after.forEach((c, a) => {
    const b = beforeFor[a];
    if (b === undefined) {
      byAfter.push({ kind: 'added', beforeIndex: null, afterIndex: a, before: null, after: c, moved: false, diff: null, replaced: false, matchedBy: null });
      return;
    }
    const prior = before[b]!;
    const base = { beforeIndex: b, afterIndex: a, before: prior, after: c, matchedBy: how[b]! };
    const moved = !inOrder.has(b);
    const sameText = (beforeNorm.get(b) ?? norm(prior)) === norm(c);
    if (sameText) {
      byAfter.push(moved ? { ...base, kind: 'moved', moved: true, diff: null, replaced: false } : { ...base, kind: 'unchanged', moved: false, diff: null, replaced: false });
    } else {
      const wordDiff = diffWords(prior.text, c.text, options.diff);
      byAfter.push({ ...base, kind: 'modified', moved, diff: wordDiff.parts, replaced: wordDiff.replaced });
    }
  });
  before.forEach((c, b) => {
    if (afterFor[b] === undefined) {
      byAfter.push({ kind: 'removed', beforeIndex: b, afterIndex: null, before: c, after: null, moved: false, diff: null, replaced: false, matchedBy: null });
    }
  });
  return byAfter;
}

// Given/When/Then are the format of a criterion, like a list marker: two scenarios share them whatever they say.
const STEP_WORDS = new Set(['given', 'when', 'then']);
const NUMBER_WORDS: Readonly<Record<string, string>> = Object.freeze({
  one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10', eleven: '11', twelve: '12',
});

/**
 * The words of a criterion as the similarity pass compares them, each stem with the word it came
 * from (for its vector): lower-cased, the style guide's preferred terms read in
 * (STYLE_GUIDE_TERMS), "sign in/out/up" and "turn on/off" kept as one word each (the particle is
 * the meaning: "sign in" and "sign out" are opposites), a possessive "'s" and the Given/When/Then
 * keywords dropped, "three" read as "3", and each word cut to a stem (stemWord), so "Failed
 * payments are retried 3 times" and "A failed payment is retried up to three times" share
 * "payment", "3" and "time". Punctuation and case never make a criterion different.
 */
export function readCriterionWords(text: string): Map<string, string> {
  const lower = text.toLowerCase().replace(/['\u2019]s\b/g, '');
  const joined = readStyleGuideTerms(lower).replace(PHRASAL_VERBS, (_m, verb: string, particle: string) => `${verb}${particle}`);
  const words = new Map<string, string>();
  for (const word of joined.match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STEP_WORDS.has(word)) continue;
    const stem = NUMBER_WORDS[word] ?? stemWord(word);
    if (!words.has(stem)) words.set(stem, word);
  }
  return words;
}

/** A Given/When ... then ... scenario's outcome: the words after its "then". */
const SCENARIO = /^\s*(?:given|when)\b.*?\bthen\b(.*)$/is;

function readScenario(text: string): { words: Map<string, string>; outcome: Map<string, string> | null } {
  const outcome = SCENARIO.exec(text)?.[1];
  return { words: readCriterionWords(text), outcome: outcome === undefined ? null : readCriterionWords(outcome) };
}

/** The stems of readCriterionWords. */
export function tokenSet(text: string): Set<string> {
  return new Set(readCriterionWords(text).keys());
}

const PHRASAL_VERBS = /\b(sign|turn)(?:s|ed|ing)?[\s-]+(in|out|up|on|off)\b/g;

/** A function word counts this much of a content word: "the" and "can" do not make two criteria one. */
const FUNCTION_WORD_WEIGHT = 0.2;
/** Below this cosine two words are not taken as saying the same thing (in the table: "approve"/"export" 0.32, "delete"/"remove" 0.43). */
const MIN_WORD_COSINE = 0.4;

/** What one word said in place of another costs, in shared words: half of one (0.5 and 1, with the threshold, were measured). */
const UNSAID_WEIGHT = 0.5;

/**
 * How alike two criteria are, 1 for the same words: a weighted Dice coefficient over
 * readCriterionWords (alignWords) less UNSAID_WEIGHT for each word one side says in place of one
 * the other said. A criterion that drops one thing and says another ("approve" -> "export") is
 * then a replacement unless it shares much more, while one that only adds or drops words is an
 * edit, its added words only diluting the score.
 */
export function measureSimilarity(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, wordSimilarity: WordSimilarity): number {
  const { shared, unsaid, weightBefore, weightAfter } = alignWords(before, after, wordSimilarity);
  const total = weightBefore + weightAfter;
  return total === 0 ? 0 : (2 * (shared - UNSAID_WEIGHT * unsaid)) / total;
}

/**
 * measureSimilarity over the shorter side only (an overlap coefficient): for two scenarios'
 * outcomes, where "a PDF downloads" -> "a PDF downloads within 5 seconds" is the same outcome
 * narrowed, however short the first one is.
 */
function measureOverlap(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, wordSimilarity: WordSimilarity): number {
  const { shared, unsaid, weightBefore, weightAfter } = alignWords(before, after, wordSimilarity);
  const shorter = Math.min(weightBefore, weightAfter);
  return shorter === 0 ? 0 : (shared - UNSAID_WEIGHT * unsaid) / shorter;
}

/**
 * Lines up two criteria's words: (a) the same stems count as shared, a function word
 * FUNCTION_WORD_WEIGHT of a content word; (b) content words left over on both sides are paired by
 * meaning, greedily by cosine of their word vectors (readWordVectors) when it is >=
 * MIN_WORD_COSINE, each pair counting its cosine ("sent" ~ "receives"); (c) `unsaid` is how many
 * content words are then still left on the side with fewer: words said in place of others.
 */
function alignWords(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  wordSimilarity: WordSimilarity,
): { shared: number; unsaid: number; weightBefore: number; weightAfter: number } {
  const weight = (word: string): number => (FUNCTION_WORDS.has(word) ? FUNCTION_WORD_WEIGHT : 1);
  let weightBefore = 0;
  let weightAfter = 0;
  let shared = 0;
  const leftBefore: string[] = [];
  const leftAfter: string[] = [];
  for (const [stem, word] of before) {
    weightBefore += weight(word);
    if (after.has(stem)) shared += (weight(word) + weight(after.get(stem)!)) / 2;
    else if (!FUNCTION_WORDS.has(word)) leftBefore.push(stem);
  }
  for (const [stem, word] of after) {
    weightAfter += weight(word);
    if (!before.has(stem) && !FUNCTION_WORDS.has(word)) leftAfter.push(stem);
  }
  const pairs: { b: string; a: string; cosine: number }[] = [];
  for (const b of leftBefore) {
    for (const a of leftAfter) {
      const cosine = wordSimilarity(b, a);
      if (cosine !== null && cosine >= MIN_WORD_COSINE) pairs.push({ b, a, cosine });
    }
  }
  // Ties by the words themselves, so the pairing never depends on the order words came in.
  pairs.sort((x, y) => y.cosine - x.cosine || compareText(x.b, y.b) || compareText(x.a, y.a));
  const pairedBefore = new Set<string>();
  const pairedAfter = new Set<string>();
  for (const { b, a, cosine } of pairs) {
    if (pairedBefore.has(b) || pairedAfter.has(a)) continue;
    pairedBefore.add(b);
    pairedAfter.add(a);
    shared += cosine;
  }
  const unsaid = Math.min(leftBefore.length - pairedBefore.size, leftAfter.length - pairedAfter.size);
  return { shared, unsaid, weightBefore, weightAfter };
}

/** Code-unit order, the same in every runtime and locale. */
function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Wordings that name one thing, each read as the term the Microsoft Writing Style Guide's word list
 * prefers (learn.microsoft.com/style-guide/a-z-word-list-term-collections: "administrator, admin",
 * "sign in, sign out" (not log in, log on, log out, log off), "enable" (use turn on) and "disable"
 * (use turn off), "appears, displays"). Only these: the guide keeps "delete" and "remove" apart
 * ("Don't use delete as a synonym for remove"), and so does the matcher.
 */
const STYLE_GUIDE_TERMS: readonly (readonly [RegExp, string])[] = Object.freeze([
  [/\badmins?\b/g, 'administrator'],
  // Not "is logged in the audit log": a log the criterion writes to, not a session.
  [/\blog(?:s|ged|ging)?[\s-]*(?:in|on)(?:to)?\b(?! (?:the|a|an|its|their|every|each)\b)|\blog(?:in|on)s?\b/g, 'sign in'],
  [/\blog(?:s|ged|ging)?[\s-]*(?:out|off)\b|\blog(?:out|off)s?\b/g, 'sign out'],
  [/\benabl(?:e|es|ed|ing)\b/g, 'turn on'],
  [/\bdisabl(?:e|es|ed|ing)\b/g, 'turn off'],
  [/\bdisplay(?:s|ed|ing)?\b/g, 'appear'],
]);

function readStyleGuideTerms(lower: string): string {
  return STYLE_GUIDE_TERMS.reduce((text, [pattern, term]) => text.replace(pattern, term), lower);
}

/**
 * A light English stemmer (plural, -ed, -ing, a final e), the first steps of Porter's: enough for
 * "deleted"/"delete", "ships"/"shipped", "notifications"/"notification". Hand-written because the
 * core must not load a language model (see hints/tag-words.ts) and no stemmer package is installed.
 */
export function stemWord(word: string): string {
  let stem = word;
  if (stem.length > 4 && stem.endsWith('ies')) stem = `${stem.slice(0, -3)}y`;
  else if (stem.length > 4 && /(?:ss|sh|ch|x|z)es$/.test(stem)) stem = stem.slice(0, -2);
  else if (stem.length > 3 && /[^sui]s$/.test(stem)) stem = stem.slice(0, -1);
  const cut = stem.length > 5 && stem.endsWith('ing') ? 3 : stem.length > 4 && stem.endsWith('ed') ? 2 : 0;
  if (cut > 0) {
    stem = stem.slice(0, -cut);
    // "shipped" -> "ship", but "called" stays "call" (Porter's rule: not l, s or z).
    if (/([b-df-hj-km-rtv-y])\1$/.test(stem)) stem = stem.slice(0, -1);
  }
  return stem.length > 3 && stem.endsWith('e') ? stem.slice(0, -1) : stem;
}

/**
 * Before-indices of the matched pairs that keep their relative order: one longest increasing
 * subsequence of after-positions (patience sorting, O(n log n)). Everything else moved.
 */
function findInOrderPairs(afterFor: readonly (number | undefined)[]): Set<number> {
  const beforeIdx: number[] = [];
  const seq: number[] = [];
  afterFor.forEach((a, b) => {
    if (a !== undefined) {
      beforeIdx.push(b);
      seq.push(a);
    }
  });
  const tails: number[] = []; // tails[k]: position in seq of the smallest tail of an increasing run of length k+1
  const prev: number[] = new Array<number>(seq.length).fill(-1);
  seq.forEach((value, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  });
  const kept = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) kept.add(beforeIdx[i]!);
  return kept;
}
