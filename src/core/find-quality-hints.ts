import { readStructure, type NoOutcomeReason, type Range } from './hints/read-structure';
import { qualityRules, type QualityRuleId } from './hints/rules';
import type { Tagger, Token } from './hints/tag-words';
import { resolveTeamVocabulary, type ResolvedTeamVocabulary, type TeamVocabulary } from './hints/team-vocabulary';
import { NAMED_STANDARD, UNNAMED_STANDARD, VAGUE_GROUPS, type VagueGroup } from './hints/vague-terms';
import type { Criterion } from './schemas';

export { qualityRuleIds, qualityRules } from './hints/rules';
export type { QualityRule, QualityRuleId } from './hints/rules';
export { resolveTeamVocabulary, teamVocabularySchema } from './hints/team-vocabulary';
export type { ResolvedTeamVocabulary, TeamVocabulary } from './hints/team-vocabulary';
export { createTagger } from './hints/tag-words';
export type { PosEngine, Tagger, Token } from './hints/tag-words';

export const qualityHintCodes = ['VAGUE_WORD', 'NO_OBSERVABLE_OUTCOME', 'MULTIPLE_OUTCOMES', 'TOO_LONG', 'DUPLICATE'] as const;
export type QualityHintCode = (typeof qualityHintCodes)[number];

export interface QualityHint {
  /** 0-based position of the criterion the hint is about. */
  criterionIndex: number;
  code: QualityHintCode;
  /** One or two sentences: what is wrong, the rule, and a rewrite. */
  message: string;
  /** The published rule the hint rests on (see `qualityRules`). */
  rule?: QualityRuleId;
}

export interface FindQualityHintsOptions {
  /** Parts of speech for the grammar checks (createTagger; src/hints/load-tagger.ts in the adapters). */
  tagger: Tagger;
  /** Codes to leave out. */
  disabled?: readonly QualityHintCode[];
  /** A criterion longer than this many words gets TOO_LONG. Default 40. */
  maxWords?: number;
  /** The team's extra vague words, accepted words and switched-off rules. Invalid entries are ignored. */
  vocabulary?: TeamVocabulary;
}

export const DEFAULT_MAX_WORDS = 40;

// A nested item line as parseCriteria writes it ("  - detail").
const NESTED_ITEM = /^\s+[-*+] /;

/**
 * Advisory checks that help a product owner write criteria someone can test and accept. They
 * never block anything. Hints come per criterion, in criterion order, in the order of
 * `qualityHintCodes`; VAGUE_WORD comes once per distinct vague word, in reading order.
 *
 * The checks follow the INCOSE Guide for Writing Requirements and ISO/IEC/IEEE 29148, and read
 * grammar (parts of speech from wink-nlp), so "Cart total recalculates" counts as an outcome and
 * "Refactor the billing module" does not. They still lean towards staying quiet: a missed hint
 * costs less than nagging about a good criterion. Never throws.
 */
export function findQualityHints(criteria: readonly Pick<Criterion, 'text'>[], options: FindQualityHintsOptions): QualityHint[] {
  const disabledCodes = new Set<QualityHintCode>(Array.isArray(options.disabled) ? options.disabled : []);
  const maxWords =
    typeof options.maxWords === 'number' && Number.isFinite(options.maxWords) && options.maxWords > 0
      ? Math.floor(options.maxWords)
      : DEFAULT_MAX_WORDS;
  const vocabulary = prepareVocabulary(resolveTeamVocabulary(options.vocabulary));
  const hints: QualityHint[] = [];
  const seen = new Map<string, number>();

  (Array.isArray(criteria) ? criteria : []).forEach((criterion, criterionIndex) => {
    const raw = typeof criterion?.text === 'string' ? criterion.text : '';
    if (raw.trim() === '') return;
    const add = (code: QualityHintCode, rule: QualityRuleId, message: string): void => {
      if (!disabledCodes.has(code) && !vocabulary.disabledRules.has(rule)) hints.push({ criterionIndex, code, message, rule });
    };
    try {
      checkCriterion(raw, maxWords, vocabulary, options.tagger, add);
    } catch {
      // A check that fails on strange input gives no hint rather than breaking the caller.
    }
    const key = duplicateKey(raw);
    if (key !== '') {
      const earlier = seen.get(key);
      if (earlier === undefined) seen.set(key, criterionIndex);
      else add('DUPLICATE', 'INCOSE-R30', `This criterion repeats criterion ${earlier + 1} (${cite('INCOSE-R30')}). Remove one of them, or reword them so the difference is clear.`);
    }
  });
  return hints;
}

type Add = (code: QualityHintCode, rule: QualityRuleId, message: string) => void;

function checkCriterion(raw: string, maxWords: number, vocabulary: Vocabulary, tagWords: Tagger, add: Add): void {
  const text = prepare(raw);
  if (!/[\p{L}\p{N}]/u.test(text.display)) return;
  const tokens = tagWords(text.tagged);

  // "At least 80% of test users find it easy" is measured: the vague word is what the users judge.
  if (!MEASURED_BY_USERS.test(text.display)) {
    for (const match of findVagueWords(text.display, tokens, vocabulary)) add('VAGUE_WORD', match.rule, match.message);
  }

  // Nested items under a criterion are deliberate sub-points, so only its own text is read for outcomes.
  const ownRaw = raw.split(/\r\n|\r|\n/).filter((line) => !NESTED_ITEM.test(line)).join('\n');
  const own = ownRaw === raw ? { text, tokens } : (() => { const t = prepare(ownRaw); return { text: t, tokens: tagWords(t.tagged) }; })();
  const reading = readStructure(own.tokens);
  const negative = UNBOUNDED_NEGATIVE.exec(text.display);
  if (negative && !/\d/.test(text.display) && !BOUNDING_CONDITION.test(text.display)) {
    add('NO_OBSERVABLE_OUTCOME', 'INCOSE-R16', noOutcomeMessage('negative', negative[0]));
  } else if (reading.noOutcome) {
    const rule = reading.noOutcome.reason === 'missing-then' ? 'GHERKIN-THEN' : 'ISO29148-VERIFIABLE';
    add('NO_OBSERVABLE_OUTCOME', rule, noOutcomeMessage(reading.noOutcome.reason, reading.noOutcome.word));
  }

  if (reading.outcomes.length >= 2) {
    const n = reading.outcomes.length;
    const parts = reading.outcomes.slice(0, 2).map((r) => `“${snippet(own.tokens, r, own.text.placeholders)}”`);
    const more = n > 2 ? `, ${parts[1]} and ${n - 2} more` : ` and ${parts[1]}`;
    add(
      'MULTIPLE_OUTCOMES',
      'INCOSE-R19',
      `This criterion describes ${n} separate outcomes (${cite('INCOSE-R19')}). Split it into ${n} criteria so each one can be checked and signed off on its own, e.g. ${parts[0]}${more}.`,
    );
  }

  const words = countWords(raw.replace(/`[^`\n]*`/g, ' x ').replace(/\bhttps?:\/\/\S+/gi, ' x '));
  if (words > maxWords) {
    add(
      'TOO_LONG',
      'INCOSE-R18',
      `This criterion is ${words} words long (the limit is ${maxWords}; ${cite('INCOSE-R18')}). Shorten it, or split it into several criteria so each can be checked on its own, e.g. one per Then step.`,
    );
  }
}

function cite(rule: QualityRuleId): string {
  return qualityRules[rule].cite;
}

// --- Preparing the text -------------------------------------------------------------------

interface Prepared {
  /** Cleaned text, case kept: what vague words are matched in and counted. */
  display: string;
  /** The same text with sentence-initial capitals lowered, for the tagger. */
  tagged: string;
  placeholders: { CODE: string[]; LINK: string[]; QUOTE: string[] };
}

function prepare(raw: string): Prepared {
  const placeholders: Prepared['placeholders'] = { CODE: [], LINK: [], QUOTE: [] };
  const hold = (kind: keyof Prepared['placeholders']) => (m: string): string => {
    placeholders[kind].push(m);
    return ` ${kind} `;
  };
  let text = (ASCII.test(raw) ? raw : raw.normalize('NFKC'))
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\r\n?/g, '\n')
    // Inline code, links and quoted interface text name things; their words are not the criterion's wording.
    .replace(/`[^`\n]*`/g, hold('CODE'))
    .replace(/\bhttps?:\/\/\S+/gi, hold('LINK'))
    .replace(/"[^"\n]{1,200}"|\u201c[^\u201d\n]{1,200}\u201d/g, hold('QUOTE'))
    .replace(/\*\*|__/g, '')
    .replace(/^[ \t]*(?:[-*+][ \t]+|\d{1,2}[.)][ \t]+)?(?:\[[ xX]?\][ \t]*)?/gm, '')
    .replace(/^[ \t]*(?:acceptance criteri(?:a|on)|criteri(?:a|on)|ac|acc)[ \t]*\d*[ \t]*[:.)-][ \t]*/gim, '')
    .replace(/^[ \t]*scenario\b[^:\n]*:[ \t]*/gim, '')
    .replace(/^[ \t]*tests?[ \t]*:[ \t]*/gim, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
  text = markSteps(text);
  // The tagger reads a capitalised first word as a name ("Cart total recalculates"), and single-quoted
  // labels ('what we do') are names too; vague words are still matched in them.
  const tagged = text
    .replace(/(^|[\s(])'([^'\n]{1,60})'(?=[\s.,;:!?)]|$)/g, (m: string, before: string) => {
      placeholders.QUOTE.push(m.slice(before.length));
      return `${before}QUOTE`;
    })
    .replace(/(^|\n|[.!?;:]\s+)([A-Z])(?=[a-z])/g, (_m, before: string, letter: string) => before + letter.toLowerCase());
  return { display: text, tagged, placeholders };
}

/** Upper-cases Given/When/Then/And/But where they open a step, so the reader can find the steps. */
function markSteps(text: string): string {
  const up = (_m: string, before: string, word: string): string => before + word.toUpperCase();
  let out = text.replace(/(^|\n)(given|when|then)\b/gi, up).replace(/( )(Given|When|Then|GIVEN|WHEN|THEN)\b/g, up);
  // ", then ..." and ", when ..." open a step only in a criterion that starts with a condition.
  if (/^(?:GIVEN|WHEN|if|whenever|once|after|before|while|upon)\b/i.test(out)) out = out.replace(/([,.;:!?] )(given|when|then)\b/gi, up);
  if (/\b(?:GIVEN|THEN)\b/.test(out)) {
    out = out.replace(/(^|\n)(and|but)\b(?!\/)/gi, up).replace(/( )(And|AND|But|BUT)\b(?!\/)/g, up);
  }
  return out;
}

function countWords(text: string): number {
  const word = ASCII.test(text) ? ASCII_WORD : ANY_WORD;
  return text.split(/\s+/).filter((w) => word.test(w)).length;
}

const ASCII = /^[\t\n\r\x20-\x7e]*$/;
// On ASCII text these equal the Unicode classes (every printable ASCII character that is not a
// letter, digit or space is punctuation or a symbol) and run several times faster.
const ANY_WORD = /[\p{L}\p{N}]/u;
const ASCII_WORD = /[A-Za-z0-9]/;
const ANY_MARKS = /[\p{P}\p{S}]+/gu;
const ASCII_MARKS = /[!-/:-@[-`{-~]+/g;

function duplicateKey(text: string): string {
  const ascii = ASCII.test(text);
  return (ascii ? text : text.normalize('NFKC'))
    .toLowerCase()
    .replace(ascii ? ASCII_MARKS : ANY_MARKS, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function snippet(tokens: readonly Token[], range: Range, placeholders: Prepared['placeholders']): string {
  const seen: Record<string, number> = { CODE: 0, LINK: 0, QUOTE: 0 };
  for (let i = 0; i < range.start; i += 1) {
    const v = tokens[i]!.value;
    if (v in seen) seen[v]! += 1;
  }
  let out = '';
  for (let i = range.start; i < range.end; i += 1) {
    const t = tokens[i]!;
    let value = t.value;
    if (value === 'CODE' || value === 'LINK' || value === 'QUOTE') {
      value = placeholders[value][seen[value]!] ?? value;
      seen[value] = (seen[value] ?? 0) + 1;
    } else if (['GIVEN', 'WHEN', 'THEN', 'AND', 'BUT'].includes(value)) value = value.toLowerCase();
    out += (out !== '' && t.spaceBefore ? ' ' : '') + value;
  }
  out = out.replace(/^[\s,;:.–—-]+|[\s,;:.–—-]+$/g, '').replace(/'/g, '’');
  out = out.charAt(0).toUpperCase() + out.slice(1);
  return out.length > 60 ? `${out.slice(0, 57).trimEnd()}…` : out;
}

// --- Vague words ----------------------------------------------------------------------------

interface Vocabulary {
  team: RegExp | null;
  silenced: Set<string>;
  /** Accepted words and phrases as whole words: a vague word inside "fast lane" is a name, not a claim. */
  accepted: RegExp | null;
  disabledRules: Set<QualityRuleId>;
}

// Whole words, where a hyphen joins words ("quick-start" is a name, not a vague claim) and so does an
// apostrophe between letters ("can't"), but a quote around a word ('fast') does not.
const wordsPattern = (sources: readonly string[]): RegExp =>
  new RegExp(`(?<![\\p{L}\\p{N}_-]|[\\p{L}\\p{N}]')(?:${sources.join('|')})(?![\\p{L}\\p{N}_-]|'[\\p{L}\\p{N}])`, 'giu');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function prepareVocabulary(v: ResolvedTeamVocabulary): Vocabulary {
  const toSource = (w: string) => escapeRegExp(w.toLowerCase()).replace(/\s+/g, '\\s+');
  const byLength = (sources: string[]) => [...sources].sort((a, b) => b.length - a.length);
  const team = v.vagueWords.map(toSource);
  const accepted = v.silencedWords.map(toSource);
  return {
    team: team.length > 0 ? wordsPattern(byLength(team)) : null,
    silenced: new Set(v.silencedWords.map((w) => w.toLowerCase().replace(/\s+/g, ' '))),
    accepted: accepted.length > 0 ? wordsPattern(byLength(accepted)) : null,
    disabledRules: new Set(v.disabledRules),
  };
}

// One pattern for all groups (one pass over the text): group i matches in capture `g${i}`, and
// longer phrases come first so "easy to use" wins over "easy".
const VAGUE_PATTERN = wordsPattern(
  VAGUE_GROUPS.map((group, i) => `(?<g${i}>${[...group.words].sort((a, b) => b.length - a.length).join('|')})`),
);
const GROUP_NAMES = VAGUE_GROUPS.map((_group, i) => `g${i}`);
// The same words without the word-boundary checks or Unicode mode: several times cheaper, and it
// finds a word wherever VAGUE_PATTERN does, so a text it rejects (most are) skips VAGUE_PATTERN.
// (Unicode case folding differs only for ſ and the Kelvin sign, which NFKC in `prepare` removes.)
const VAGUE_PREFILTER = new RegExp(VAGUE_GROUPS.flatMap((group) => group.words).join('|'), 'i');
if (VAGUE_GROUPS.some((group) => group.words.some((w) => /\\[pPuk]/.test(w)))) throw new Error('a vague word uses a Unicode-mode escape, which VAGUE_PREFILTER cannot read');
const REFERENCE_HINT = /standard|practice|requirement|benchmark|guideline|expectation|criteria|same/i;

// Say what must happen, not what must not (INCOSE R16): "Does not drain battery", "No bugs".
const UNBOUNDED_NEGATIVE =
  /\b(?:does not|doesn't|do not|don't|should not|shouldn't|must not|mustn't|will not|won't|never|cannot|can't|may not)\s+(?:\w+\s+)?(?:crash|crashes|fail|fails|break|breaks|drain|drains|freeze|freezes|hang|hangs|lag|lags|leak|leaks|slow down|slows down|glitch|glitches)\b|^(?:there (?:are|is|should be|must be|will be) )?no (?:bugs|errors|issues|problems|regressions|glitches|crashes)\.?$/i;
const MEASURED_BY_USERS = /\d+ ?%\s+of\s+(?:the\s+)?(?:test(?:ed)?\s+)?(?:users|participants|testers|people|respondents|customers)\b/i;
const BOUNDING_CONDITION = /\b(?:when|if|after|while|during|under|unless|once|whenever|before)\b/i;

interface VagueMatch {
  index: number;
  end: number;
  word: string;
  rule: QualityRuleId;
  message: string;
}

function vagueMessage(word: string, group: Pick<VagueGroup, 'rule' | 'advice' | 'before' | 'after'>): string {
  const what = group.rule === 'ISO29148-COMPLETE' ? 'means this criterion is not decided yet' : 'cannot be tested';
  return `“${word}” ${what} (${cite(group.rule)}): ${group.advice}, e.g. rewrite “${group.before}” as “${group.after}”.`;
}

function findVagueWords(text: string, tokens: readonly Token[], vocabulary: Vocabulary): VagueMatch[] {
  const all: VagueMatch[] = [];
  const tokenFor = (word: string, nth: number): number => {
    let seen = 0;
    for (let i = 0; i < tokens.length; i += 1) {
      if (tokens[i]!.lower === word) {
        if (seen === nth) return i;
        seen += 1;
      }
    }
    return -1;
  };
  const occurrences = new Map<string, number>();
  VAGUE_PATTERN.lastIndex = 0;
  for (const m of VAGUE_PREFILTER.test(text) ? text.matchAll(VAGUE_PATTERN) : []) {
    const groups = m.groups ?? {};
    const g = GROUP_NAMES.findIndex((name) => groups[name] !== undefined);
    const group = VAGUE_GROUPS[g];
    if (!group) continue;
    const index = m.index ?? 0;
    const lower = m[0].toLowerCase();
    const nth = occurrences.get(lower) ?? 0;
    occurrences.set(lower, nth + 1);
    if (group.guard && !/\s/.test(lower)) {
      const i = tokenFor(lower, nth);
      if (!group.guard(m[0], i >= 0 ? tokens[i] : undefined, i >= 0 ? tokens[i + 1] : undefined, i > 0 ? tokens[i - 1] : undefined)) continue;
    }
    all.push({ index, end: index + m[0].length, word: m[0], rule: group.rule, message: vagueMessage(m[0], group) });
  }
  // "Filtering works": a bare "works" with nothing that says what working means.
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (t.lemma === 'work' && t.pos === 'VERB' && (next === undefined || next.pos === 'PUNCT' || next.pos === 'CCONJ')) {
      const at = text.toLowerCase().indexOf(t.lower);
      if (at >= 0) all.push({ index: at, end: at + t.value.length, word: t.value, rule: 'INCOSE-R7', message: vagueMessage(t.value, WEAK_PREDICATE) });
    }
  });
  const standard = REFERENCE_HINT.test(text) ? UNNAMED_STANDARD.exec(text) : null;
  if (standard && !NAMED_STANDARD.test(text)) {
    all.push({
      index: standard.index,
      end: standard.index + standard[0].length,
      word: standard[0],
      rule: 'ISO29148-COMPLETE',
      message: `“${standard[0]}” refers to something the criterion does not name (${cite('ISO29148-COMPLETE')}): name the standard or give the figure, e.g. rewrite “Meets accessibility standards” as “Passes the WCAG 2.1 AA checks in axe”.`,
    });
  }
  if (vocabulary.team) {
    vocabulary.team.lastIndex = 0;
    for (const m of text.matchAll(vocabulary.team)) {
      const index = m.index ?? 0;
      all.push({
        index,
        end: index + m[0].length,
        word: m[0],
        rule: 'INCOSE-R7',
        message: `“${m[0]}” is on your team’s list of vague words (${cite('INCOSE-R7')}): replace it with a value or a result someone can check, e.g. rewrite “The export is ${m[0]}” as “The export of 1,000 rows finishes within 5 seconds”.`,
      });
    }
  }
  all.sort((a, b) => a.index - b.index || b.end - a.end);
  const acceptedSpans = vocabulary.accepted ? [...text.matchAll(vocabulary.accepted)].map((m) => [m.index ?? 0, (m.index ?? 0) + m[0].length] as const) : [];
  const isAccepted = (match: VagueMatch) => acceptedSpans.some(([from, to]) => match.index >= from && match.end <= to);
  const kept: VagueMatch[] = [];
  const words = new Set<string>();
  let coveredTo = -1;
  for (const match of all) {
    if (match.index < coveredTo) continue; // inside a longer phrase already reported
    coveredTo = match.end;
    const key = match.word.toLowerCase().replace(/\s+/g, ' ');
    if (words.has(key) || vocabulary.silenced.has(key) || isAccepted(match)) continue;
    words.add(key);
    kept.push(match);
  }
  return kept;
}

const WEAK_PREDICATE = VAGUE_GROUPS.find((g) => g.words.includes('as expected'))!;

// --- Messages -------------------------------------------------------------------------------

function noOutcomeMessage(reason: NoOutcomeReason | 'negative', word: string | null): string {
  const verifiable = cite('ISO29148-VERIFIABLE');
  switch (reason) {
    case 'negative':
      return `“${word}” says what must not happen, which no test can prove (${cite('INCOSE-R16')}): say what must happen and bound it, e.g. rewrite “The app does not drain the battery” as “An hour of navigation uses at most 5 % of the battery”.`;
    case 'missing-then':
      return `This Given/When/Then criterion has no Then step, so it does not say what anyone will be able to see or check (${cite('GHERKIN-THEN')}). Add the outcome, e.g. rewrite “Given a cart, when I pay” as “Given a cart, when I pay, then I see the order number”.`;
    case 'task':
      return `“${word}” describes work to do, so this criterion does not say what anyone will be able to see or check once it is done (${verifiable}). Describe the result, e.g. rewrite “Refactor the billing module” as “Invoices show the same totals as before for all 3 tax rates”.`;
    case 'step':
      return `“${word}” is a test step, so this criterion does not say what anyone will be able to see or check afterwards (${verifiable}). Add the expected result, e.g. rewrite “Click Save” as “After clicking Save, the form shows ‘Changes saved’”.`;
    case 'process':
      return `“${word}” says work was done but not what anyone will be able to see or check (${verifiable}). Describe the visible result, e.g. rewrite “API errors are handled” as “When the API fails, the page shows ‘Try again’ and a Retry button”.`;
    case 'condition':
      return `This criterion only says when something happens, not what anyone will be able to see or check (${verifiable}). Add the outcome, e.g. rewrite “When the upload fails” as “When the upload fails, the file stays in the list marked ‘Failed’”.`;
    case 'topic':
    default:
      return `This criterion names a topic but does not say what anyone will be able to see or check (${verifiable}). Describe the result, e.g. rewrite “Dark mode” as “When dark mode is on, every page uses the dark colour palette”.`;
  }
}
