import type winkNLP from 'wink-nlp';

// Part-of-speech tagging with wink-nlp and its lite English model: pure JavaScript, no I/O, so the
// same code runs in Node and in the Forge browser bundle. Tags are Universal Dependencies tags
// (NOUN, VERB, AUX, ADJ, ...). The core never loads the model itself (loading it costs about 0.1 s
// and 50 MB, which a workflow validator should not pay): the caller builds the engine and passes a
// tagger in (src/hints/load-tagger.ts builds it on first use).

export interface Token {
  /** The word as written (step keywords of Given/When/Then are upper-cased, see markSteps). */
  value: string;
  lower: string;
  pos: string;
  lemma: string;
  /** True when the token starts a line of the criterion. */
  lineStart: boolean;
  /** True when whitespace comes before the token. */
  spaceBefore: boolean;
}

/** A wink-nlp engine built with the `pos` pipe. */
export type PosEngine = ReturnType<typeof winkNLP>;

/** Tags text (already cleaned by the caller); never throws; gives [] for text without words. */
export type Tagger = (text: string) => Token[];

/** The tagger over a wink-nlp engine built with `winkNLP(model, ['pos'])`. */
export function createTagger(engine: PosEngine): Tagger {
  return (text) => tagWords(text, engine);
}

// The lite model tags a long run of letters in quadratic time, and the checks never need more
// than the first few sentences, so very long words and texts are cut before tagging.
const MAX_WORD_CHARS = 40;
const MAX_TAGGED_CHARS = 1_500;
const LONG_WORD = new RegExp(`[^\\s]{${MAX_WORD_CHARS + 1},}`, 'g');

function hasLongWord(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    run = c === 32 || c === 10 || c === 9 || c === 13 ? 0 : run + 1;
    if (run > MAX_WORD_CHARS) return true;
  }
  return false;
}

// Verbs the model often takes for nouns after a noun ("the report lists orders", "all pages support
// both themes"). Base forms count only after a plural noun.
const NOUN_LIKE_VERBS = new Set([
  'list', 'show', 'display', 'return', 'sort', 'filter', 'link', 'record', 'log', 'store', 'update', 'change', 'export',
  'import', 'upload', 'download', 'print', 'count', 'mark', 'alert', 'email', 'notify', 'match', 'limit', 'view', 'render',
  'load', 'save', 'open', 'close', 'send', 'report', 'track', 'flag', 'contain', 'include', 'highlight', 'hide', 'block',
  'redirect', 'warn', 'prompt', 'offer', 'support', 'total', 'group', 'order', 'round', 'cap', 'score', 'rank', 'fire',
  'trigger', 'toggle', 'persist', 'sync', 'recalculate', 'work', 'pass', 'appear', 'remain', 'stay', 'name', 'import',
  'switch', 'swap', 'advance', 'dismiss', 'respond', 'reset', 'expire', 'fail', 'succeed', 'refresh', 'reload', 'retry',
]);
const inflected = (word: string): string | null => {
  if (NOUN_LIKE_VERBS.has(word)) return word;
  const stem = word.replace(/(?:es|s)$/, '');
  if (word.endsWith('s') && NOUN_LIKE_VERBS.has(stem)) return stem;
  if (word.endsWith('es') && NOUN_LIKE_VERBS.has(word.slice(0, -1))) return word.slice(0, -1);
  return null;
};
const OBJECT_START = new Set(['DET', 'NOUN', 'PROPN', 'PRON', 'NUM', 'ADJ']);

function tagWords(text: string, engine: PosEngine): Token[] {
  let clipped = text.slice(0, MAX_TAGGED_CHARS);
  if (hasLongWord(clipped)) clipped = clipped.replace(LONG_WORD, 'longword');
  if (!/[\p{L}\p{N}]/u.test(clipped)) return [];
  const tokens = engine.readDoc(clipped).tokens();
  const its = engine.its;
  const values = tokens.out(its.value) as string[];
  const pos = tokens.out(its.pos) as string[];
  const lemmas = tokens.out(its.lemma as Parameters<typeof tokens.out>[0]) as string[];
  const spaces = tokens.out(its.precedingSpaces) as string[];
  const out: Token[] = [];
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] ?? '';
    const tag = pos[i] ?? 'X';
    if (tag === 'SPACE') continue;
    out.push({
      value,
      lower: value.toLowerCase(),
      pos: tag,
      lemma: (lemmas[i] ?? value).toLowerCase(),
      lineStart: out.length === 0 || (spaces[i] ?? '').includes('\n') || (i > 0 && pos[i - 1] === 'SPACE'),
      spaceBefore: (spaces[i] ?? '') !== '' || (i > 0 && pos[i - 1] === 'SPACE'),
    });
  }
  retagVerbs(out);
  return out;
}

const SENTENCE_END = new Set(['.', '!', '?', ';']);

/** Fixes verbs the lite model tagged as nouns, where the words around them leave no other reading. */
function retagVerbs(out: Token[]): void {
  const isSubjectNoun = (t: Token | undefined): boolean => t !== undefined && (t.pos === 'NOUN' || t.pos === 'PROPN');
  // Inside a prepositional phrase ("on the step links") a noun stays a noun.
  const inPhrase = (i: number): boolean => {
    for (let j = i - 1; j >= 0; j -= 1) {
      const p = out[j]!.pos;
      if (p === 'ADP') return true;
      if (!['NOUN', 'PROPN', 'ADJ', 'DET', 'NUM'].includes(p) && out[j]!.value !== '-') return false;
    }
    return false;
  };
  for (let i = 1; i < out.length; i += 1) {
    const t = out[i]!;
    if (t.pos !== 'NOUN') continue;
    const base = inflected(t.lower);
    if (base === null) continue;
    let b = i - 1;
    while (b > 0 && out[b]!.pos === 'ADV') b -= 1;
    const before = out[b]!;
    const after = out[i + 1];
    const objectFollows =
      after !== undefined && (OBJECT_START.has(after.pos) || after.pos === 'ADP' || after.pos === 'ADV' || after.value === ':' || (after.pos === 'VERB' && /ing$/.test(after.lower)));
    const plural = /[^s]s$/.test(before.lower);
    const subjectOk = isSubjectNoun(before) && (base !== t.lower || plural) && !inPhrase(b + 1) && after?.lower !== 'of';
    const afterAnd = before.pos === 'CCONJ' && base !== t.lower && after?.lower !== 'of';
    if ((subjectOk || afterAnd) && objectFollows) t.pos = 'VERB';
  }
  // A first word in -s before its object: "Renders colors as expected", "Persists choice".
  const first = out[0];
  if (first && first.pos === 'NOUN' && inflected(first.lower) !== null && inflected(first.lower) !== first.lower && ['NOUN', 'DET', 'ADJ', 'PRON'].includes(out[1]?.pos ?? '')) {
    first.pos = 'VERB';
  }
  // A sentence with no verb at all: a word in -s right after its subject noun is its verb
  // ("Icon swaps between sun and moon", "X button dismisses wizard").
  let start = 0;
  for (let i = 0; i <= out.length; i += 1) {
    if (i < out.length && !SENTENCE_END.has(out[i]!.value)) continue;
    const sentence = out.slice(start, i);
    if (!sentence.some((t) => t.pos === 'VERB' || t.pos === 'AUX')) {
      for (let k = 1; k < sentence.length; k += 1) {
        const t = sentence[k]!;
        const after = sentence[k + 1];
        if (t.pos === 'NOUN' && /[^s]s$/.test(t.lower) && t.lower.length > 3 && isSubjectNoun(sentence[k - 1]) && !inPhrase(start + k) &&
            (after === undefined || ['DET', 'ADP', 'NUM', 'PRON', 'ADJ', 'NOUN'].includes(after.pos))) {
          t.pos = 'VERB';
          break;
        }
      }
    }
    start = i + 1;
  }
}
