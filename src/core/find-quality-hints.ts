import { normaliseText } from './normalise-text';
import type { Criterion } from './schemas';

export const qualityHintCodes = ['VAGUE_WORD', 'NO_OBSERVABLE_OUTCOME', 'MULTIPLE_OUTCOMES', 'TOO_LONG', 'DUPLICATE'] as const;
export type QualityHintCode = (typeof qualityHintCodes)[number];

export interface QualityHint {
  /** 0-based position of the criterion the hint is about. */
  criterionIndex: number;
  code: QualityHintCode;
  message: string;
}

export interface FindQualityHintsOptions {
  /** Codes to leave out. */
  disabled?: readonly QualityHintCode[];
  /** A criterion longer than this many words gets TOO_LONG. Default 60. */
  maxWords?: number;
}

export const DEFAULT_MAX_WORDS = 60;

// A nested item line as parseCriteria writes it ("  - detail").
const NESTED_ITEM = /^\s+[-*+] /;

/**
 * Advisory checks that help a product owner write criteria someone can test and accept.
 * They never block anything. Hints come per criterion, in criterion order, in the order of
 * `qualityHintCodes`; VAGUE_WORD comes once per distinct vague word, in reading order.
 *
 * The checks read plain words, not grammar, so they lean towards staying quiet: a missed hint
 * costs less than nagging about a good criterion.
 */
export function findQualityHints(criteria: readonly Pick<Criterion, 'text'>[], options: FindQualityHintsOptions = {}): QualityHint[] {
  const disabled = new Set<QualityHintCode>(options.disabled ?? []);
  const maxWords =
    typeof options.maxWords === 'number' && Number.isFinite(options.maxWords) && options.maxWords > 0
      ? Math.floor(options.maxWords)
      : DEFAULT_MAX_WORDS;
  const hints: QualityHint[] = [];
  const seen = new Map<string, number>();

  criteria.forEach((criterion, criterionIndex) => {
    const raw = typeof criterion?.text === 'string' ? criterion.text : '';
    const text = cleanText(raw);
    if (text === '') return;
    const add = (code: QualityHintCode, message: string): void => {
      if (!disabled.has(code)) hints.push({ criterionIndex, code, message });
    };

    for (const match of findVagueWords(text)) add('VAGUE_WORD', match.message);

    if (!hasObservableOutcome(text)) {
      add(
        'NO_OBSERVABLE_OUTCOME',
        'This criterion does not say what anyone will be able to see or check once it is done. ' +
          "Describe the result, e.g. 'The user sees a confirmation message' or 'Then the report lists every order of the last 30 days'.",
      );
    }

    // Nested items under a criterion are deliberate sub-points, so only its own text is checked.
    const ownText = raw.split(/\r\n|\r|\n/).filter((line) => !NESTED_ITEM.test(line)).join(' ');
    const outcomes = countOutcomes(cleanText(ownText));
    if (outcomes >= 2) {
      add(
        'MULTIPLE_OUTCOMES',
        `This criterion describes ${outcomes} separate outcomes. Split it into ${outcomes} criteria so each one can be checked and signed off on its own.`,
      );
    }

    const words = countWords(text);
    if (words > maxWords) {
      add(
        'TOO_LONG',
        `This criterion is ${words} words long (the limit is ${maxWords}). Shorten it, or split it into several criteria so each can be checked on its own.`,
      );
    }

    const key = duplicateKey(raw);
    if (key !== '') {
      const earlier = seen.get(key);
      if (earlier === undefined) seen.set(key, criterionIndex);
      else add('DUPLICATE', `This criterion repeats criterion ${earlier + 1}. Remove one of them, or reword them so the difference is clear.`);
    }
  });
  return hints;
}

/** Inline code and links name things (flags, hosts); their words are not the criterion's wording. */
function cleanText(text: string): string {
  return normaliseText(
    text
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/`[^`]*`/g, ' ')
      .replace(/\bhttps?:\/\/\S+/gi, ' '),
  );
}

function countWords(text: string): number {
  return text.split(' ').filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

function duplicateKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

// Whole words, where a hyphen joins words ("quick-start" is a name, not a vague claim) and so does an
// apostrophe between letters ("can't"), but a quote around a word ('fast') does not.
const wordsPattern = (sources: readonly string[]): RegExp =>
  new RegExp(`(?<![\\p{L}\\p{N}_-]|[\\p{L}\\p{N}]')(?:${sources.join('|')})(?![\\p{L}\\p{N}_-]|'[\\p{L}\\p{N}])`, 'giu');

interface VagueGroup {
  words: string[];
  message: (word: string) => string;
}

const cannotBeTested = (advice: string) => (word: string) => `'${word}' cannot be tested: ${advice}.`;

const VAGUE_GROUPS: VagueGroup[] = [
  {
    words: ['fast', 'faster', 'quick', 'quickly', 'quicker', 'rapid', 'rapidly', 'speedy', 'instant', 'instantly', 'performant', 'as soon as possible', 'asap'],
    message: cannotBeTested("say how fast, e.g. 'within 2 seconds'"),
  },
  {
    words: ['efficient', 'efficiently'],
    message: cannotBeTested("say what is measured and the limit, e.g. 'the import of 10,000 rows finishes within 1 minute'"),
  },
  {
    words: ['easy to use', 'easy', 'easily', 'simple', 'user[- ]friendly', 'intuitive', 'intuitively', 'straightforward', 'convenient'],
    message: cannotBeTested("say what the user must manage to do, e.g. 'a first-time user completes sign-up in at most 3 steps without help'"),
  },
  {
    words: ['robust', 'reliable', 'reliably', 'stable', 'resilient'],
    message: cannotBeTested("say what must keep working and under which condition, e.g. 'the upload resumes after the connection drops'"),
  },
  {
    words: ['scalable'],
    message: cannotBeTested("say the load it must handle, e.g. '1,000 users at the same time with pages loading within 2 seconds'"),
  },
  {
    words: ['flexible'],
    message: cannotBeTested("say which change must be possible, e.g. 'an admin can add a new status without a code change'"),
  },
  {
    words: ['etc\\.?', 'and so on', 'and so forth', 'among others'],
    message: cannotBeTested('list every case that must work, because nobody can accept a list that is left open'),
  },
  {
    words: [
      'as appropriate', 'as needed', 'as required', 'as necessary', 'if possible', 'where possible', 'when possible', 'if needed',
      'if necessary', 'appropriate', 'appropriately', 'reasonable', 'reasonably', 'sufficient', 'sufficiently', 'adequate',
      'adequately', 'acceptable',
    ],
    message: cannotBeTested("say exactly which condition or value counts, e.g. 'at least 8 characters' instead of 'a reasonable length'"),
  },
  {
    words: ['properly', 'correctly', 'proper'],
    message: cannotBeTested("state the expected result, e.g. 'the total equals the sum of the line items'"),
  },
  {
    words: ['better', 'improved', 'enhanced', 'optimi[sz]ed'],
    message: cannotBeTested("say compared with what and by how much, e.g. 'search answers in half the time it takes today'"),
  },
  {
    words: [
      'good', 'nice', 'seamless', 'seamlessly', 'modern', 'optimal', 'clean', 'beautiful', 'polished', 'smooth', 'smoothly',
      'high[- ]quality', 'state[- ]of[- ]the[- ]art',
    ],
    message: cannotBeTested("describe the result someone can see or measure, e.g. 'the page shows no layout shift while images load'"),
  },
  {
    words: ['tbd', 'tbc', 'todo', 'to be decided', 'to be defined', 'to be confirmed'],
    message: (word) => `'${word}' means this criterion is not decided yet: settle it before sign-off, because nobody can accept what is still open.`,
  },
];

const VAGUE_PATTERNS = VAGUE_GROUPS.map((group) => ({
  // Longer phrases first so "easy to use" wins over "easy".
  pattern: wordsPattern([...group.words].sort((a, b) => b.length - a.length)),
  group,
}));

interface VagueMatch {
  index: number;
  end: number;
  word: string;
  message: string;
}

function findVagueWords(text: string): VagueMatch[] {
  const all: VagueMatch[] = [];
  for (const { pattern, group } of VAGUE_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const index = m.index ?? 0;
      all.push({ index, end: index + m[0].length, word: m[0], message: group.message(m[0]) });
    }
  }
  all.sort((a, b) => a.index - b.index || b.end - a.end);
  const kept: VagueMatch[] = [];
  const words = new Set<string>();
  let coveredTo = -1;
  for (const match of all) {
    if (match.index < coveredTo) continue; // inside a longer phrase already reported
    coveredTo = match.end;
    const key = match.word.toLowerCase();
    if (words.has(key)) continue;
    words.add(key);
    kept.push(match);
  }
  return kept;
}

// Words that show a criterion states a result: modals, "to be" and verbs of seeing, getting and changing.
const MODALS = ['should', 'shouldn\'t', 'must', 'mustn\'t', 'shall', 'will', 'won\'t', 'would', 'can', 'cannot', 'can\'t', 'could', 'may', 'might'];
const COPULAS = ['is', 'isn\'t', 'are', 'aren\'t', 'was', 'were', 'becomes', 'remains', 'stays'];
const STRICT_VERBS = [
  'shows', 'displays', 'receives', 'sees', 'gets', 'contains', 'includes', 'appears', 'redirects', 'sends', 'saves',
  'creates', 'deletes', 'removes', 'adds', 'prevents', 'allows', 'rejects', 'accepts', 'opens', 'closes', 'loads', 'notifies',
  'fails', 'succeeds', 'equals', 'exists', 'requires', 'lets', 'enables', 'disables', 'hides', 'renders', 'keeps', 'navigates',
  'reaches', 'takes', 'goes', 'validates', 'warns', 'highlights', 'has', 'does', 'doesn\'t',
];
const LOOSE_WORDS = [
  'then', 'returns', 'be', 'been', 'being', 'become', 'remain', 'stay', 'do', 'don\'t', 'not', 'never', 'no', 'need', 'needs', 'have', 'has to',
  'able', 'unable', 'visible', 'invisible', 'hidden', 'available', 'unavailable', 'shown', 'sent', 'seen', 'done', 'kept', 'gone',
  'show', 'display', 'return', 'receive', 'see', 'get', 'contain', 'include', 'appear', 'redirect', 'send', 'save', 'create',
  'delete', 'remove', 'add', 'prevent', 'block', 'blocks', 'allow', 'reject', 'accept', 'open', 'close', 'load', 'fail', 'succeed',
  'equal', 'match', 'matches', 'exist', 'require', 'let', 'enable', 'disable', 'hide', 'render', 'keep', 'navigate', 'reach',
  'take', 'go', 'validate', 'warn', 'highlight', 'lists', 'logs', 'records', 'stores', 'updates', 'changes', 'exports', 'imports',
  'downloads', 'uploads', 'prints', 'sorts', 'filters', 'links', 'alerts', 'works', 'leads', 'emails', 'notify', 'reads', 'writes',
  'responds', 'completes', 'finishes', 'starts', 'stops', 'resets', 'turns', 'moves', 'counts', 'marks', 'asks', 'prompts',
  'offers', 'provides', 'supports', 'uses', 'applies', 'calculates', 'computes', 'generates', 'produces', 'triggers',
];
const STRICT_OUTCOME = wordsPattern([...MODALS, ...COPULAS, ...STRICT_VERBS].map(escapeRegExp));
const LOOSE_OUTCOME = wordsPattern([...MODALS, ...COPULAS, ...STRICT_VERBS, ...LOOSE_WORDS].map(escapeRegExp));
// Passives ("email sent", "order saved") and measurable comparisons state outcomes too.
const COMPARISON = /[<>=≤≥]|\b(?:within|under|over|below|above|at most|at least|no more than|no less than|less than|more than|fewer than|exactly|up to)\s+\d/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function test(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

// Split into words rather than one regex, which would backtrack badly on a very long word.
function hasParticiple(text: string): boolean {
  return text.split(/[^\p{L}\p{N}_-]+/u).some((word) => /^\p{L}{3,}ed$/iu.test(word));
}

function hasObservableOutcome(text: string): boolean {
  return test(LOOSE_OUTCOME, text) || hasParticiple(text) || COMPARISON.test(text);
}

const CONDITION_START = /^(?:given|when|whenever|if|once|after|before|while|unless|as soon as|on|upon)\b[^,]*,\s*/i;
const CONDITION_INSIDE = /\b(?:when|whenever|if|unless|while|once|after|before|until|because|since|so that|provided that)\b/i;

/** How many separate results one line asks for: clauses joined by "and", ";" or full stops, each with its own outcome verb. */
function countOutcomes(line: string): number {
  let region = line;
  // Given/When/Then: the results are what comes after "Then".
  const then = /\bthen\b/i.exec(region);
  if (then && /\b(?:given|when)\b/i.test(region.slice(0, then.index))) region = region.slice(then.index + then[0].length);

  let count = 0;
  for (const sentence of region.split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'(])|;/u)) {
    // Conditions ("when the cart is empty and the user is new") describe the situation, not results.
    let main = sentence.replace(CONDITION_START, '');
    const inside = CONDITION_INSIDE.exec(main);
    if (inside) main = main.slice(0, inside.index);
    for (const clause of main.split(/\band\b/i)) {
      // A lone word after "and" is a listed thing ("orders and returns"), not a second result.
      if (countWords(clause.trim()) >= 2 && test(STRICT_OUTCOME, clause)) count += 1;
    }
  }
  return count;
}
