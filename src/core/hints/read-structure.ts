import type { Token } from './tag-words';

// Reads the grammar of one criterion: its Given/When/Then (or EARS "When ..., the system shall
// ...") structure, whether its outcome is something anyone can observe, and how many separate
// outcomes it states. Works on words tagged by tag-words.ts.

export type Structure = 'gherkin' | 'ears' | 'plain';

export type NoOutcomeReason = 'missing-then' | 'topic' | 'task' | 'step' | 'process' | 'condition';

export interface Reading {
  structure: Structure;
  /** Null when the criterion states an observable outcome. */
  noOutcome: { reason: NoOutcomeReason; word: string | null } | null;
  /** Token ranges of the separate outcomes, in reading order. */
  outcomes: Range[];
}

export interface Range {
  start: number;
  end: number;
}

/** Step keywords as markSteps writes them: upper case where they open a Given/When/Then step. */
const STEP_WORDS = new Set(['GIVEN', 'WHEN', 'THEN', 'AND', 'BUT']);

// Work for the team rather than a result ("Refactor the billing module").
const TASK_VERBS = new Set([
  'implement', 'refactor', 'investigate', 'research', 'explore', 'discuss', 'determine', 'define', 'decide', 'develop', 'build',
  'review', 'test', 'validate', 'verify', 'handle', 'optimize', 'optimise', 'improve', 'enhance', 'standardise', 'standardize',
  'migrate', 'upgrade', 'fix', 'document', 'analyze', 'analyse', 'conduct', 'run', 'organize', 'organise', 'schedule', 'prepare',
  'draft', 'write', 'compare', 'consider', 'evaluate', 'assess', 'identify', 'integrate', 'configure', 'monitor', 'maintain',
  'port', 'leverage', 'refer', 'create', 'remove', 'check', 'cleanup', 'clean', 'setup', 'support', 'ensure', 'confirm',
  'assert', 'design', 'rework', 'rewrite', 'tweak', 'adjust',
]);
// Steps of a test run rather than a result ("Expand the hamburger menu").
const STEP_VERBS = new Set(['click', 'tap', 'press', 'select', 'choose', 'expand', 'collapse', 'navigate', 'go', 'enter', 'type', 'fill', 'scroll', 'hover', 'visit', 'change', 'log', 'login', 'sign']);
// Wrappers around a statement ("Verify that the banner shows ...").
const WRAPPERS = new Set(['verify', 'ensure', 'check', 'confirm', 'test', 'assert', 'validate', 'make']);
// Verbs often tagged as nouns at the start of an imperative ("Display a success message").
const VERB_LIKE = new Set([
  'display', 'export', 'show', 'list', 'sort', 'filter', 'search', 'limit', 'allow', 'enable', 'provide', 'prevent', 'send',
  'save', 'store', 'log', 'record', 'import', 'upload', 'download', 'print', 'hide', 'block', 'redirect', 'notify', 'return',
  'add', 'edit', 'delete', 'view', 'see', 'open', 'close', 'center', 'resize', 'respect', 'persist', 'sync', 'update',
  'request', 'drag', 'work', 'support', 'display', 'assign', 'approve', 'reject', 'restore', 'dismiss',
  ...TASK_VERBS,
  'click', 'tap', 'press', 'select', 'choose', 'expand', 'collapse', 'navigate', 'enter', 'type', 'fill', 'scroll', 'hover', 'visit', 'change',
]);
// Process verbs that say work happened, not what anyone can see ("API errors are handled").
const PROCESS_VERBS = new Set([
  'handle', 'address', 'consider', 'implement', 'complete', 'do', 'finish', 'test', 'review', 'analyze', 'analyse', 'synthesize',
  'synthesise', 'investigate', 'research', 'explore', 'discuss', 'evaluate', 'assess', 'optimize', 'optimise', 'improve',
  'enhance', 'refactor', 'support', 'manage', 'update', 'document', 'validate', 'verify', 'check', 'fix', 'resolve',
]);
// ... of which these never say what is observable, whatever the subject.
const STRONG_PROCESS = new Set([
  'handle', 'address', 'consider', 'implement', 'analyze', 'analyse', 'synthesize', 'synthesise', 'investigate', 'research',
  'explore', 'discuss', 'evaluate', 'assess', 'optimize', 'optimise', 'improve', 'enhance', 'refactor', 'test', 'manage',
]);
// Subjects that name the work itself rather than something in the product.
const GENERIC_SUBJECTS = new Set([
  'documentation', 'docs', 'doc', 'readme', 'code', 'implementation', 'feature', 'functionality', 'story', 'task', 'work',
  'change', 'changes', 'test', 'tests', 'testing', 'qa', 'criteria', 'everything', 'it', 'this', 'that', 'all', 'issue',
  'ticket', 'bug', 'bugs', 'item', 'items', 'requirement', 'requirements', 'development', 'integration',
]);
const DONE_WORDS = new Set(['complete', 'completed', 'done', 'finished', 'ready']);
const PEOPLE = new Set(['i', 'we', 'you', 'team', 'developer', 'developers', 'dev', 'devs']);
// Places in a user interface: "Toggle button in the header" states where something is seen.
const UI_PLACES = new Set([
  'header', 'footer', 'navbar', 'nav', 'navigation', 'menu', 'sidebar', 'toolbar', 'page', 'screen', 'modal', 'dialog', 'panel',
  'list', 'table', 'form', 'tab', 'bar', 'console', 'dashboard', 'view', 'section', 'card', 'field', 'column', 'row', 'banner',
  'popup', 'tooltip', 'drawer', 'window', 'app', 'homepage', 'site', 'email', 'report', 'log', 'inbox', 'feed', 'profile',
]);
const LOCATIVE = new Set(['in', 'on', 'at', 'under', 'above', 'below', 'inside', 'within', 'beside', 'near', 'into', 'onto']);
const RESCUE_PREPS = new Set(['in', 'into', 'on', 'onto', 'to', 'at', 'under', 'with', 'by', 'from', 'for', 'as', 'via']);
const LEAD_CONDITIONS = new Set(['when', 'whenever', 'if', 'once', 'while', 'unless', 'after', 'before', 'upon', 'on', 'as', 'where', 'until']);
const CONDITION_ONLY_LEADS = new Set(['when', 'whenever', 'if', 'once', 'while', 'unless']);
const TRAILING_CLAUSES = new Set(['when', 'whenever', 'if', 'unless', 'while', 'once', 'until', 'because', 'since', 'whereas', 'after', 'before']);
const CONJUNCTIONS = new Set(['and', 'or', 'but', 'nor', '&', '+']);
const SENTENCE_ENDS = new Set(['.', '!', '?', ';', ':', '—', '–']);
const FIXED_PAIRS = new Set(['drag drop', 'copy paste', 'log out', 'sign out', 'zoom out', 'read write', 'search replace', 'find replace', 'cut paste', 'pick drop']);
const SUBJECT_POS = new Set(['NOUN', 'PROPN', 'PRON', 'NUM', 'X']);
const MEASURE_WORDS = /^(?:[<>=≤≥]|%|ms|s|sec|secs|seconds?|minutes?|mins?|hours?|days?|px|kb|mb|gb|zero|once|twice)$/;

export function readStructure(tokens: readonly Token[]): Reading {
  const steps = findSteps(tokens);
  const thenSteps = outcomeSteps(tokens, steps);
  if (thenSteps.length > 0) {
    const outcomes: Range[] = [];
    let verdict: Verdict = { reason: 'topic', word: null };
    let observable = false;
    for (const step of thenSteps) {
      const parts = countOutcomes(tokens, step);
      outcomes.push(...(parts.length > 0 ? parts : [step]));
      const v = judgeRegion(tokens, step);
      if (v === null) observable = true;
      else verdict = v;
    }
    return { structure: 'gherkin', noOutcome: observable ? null : verdict, outcomes };
  }
  const first = tokens.find((t) => !isPunct(t));
  if (first?.value === 'GIVEN') {
    // "Given the user is logged in, the user can edit the profile": the outcome follows the comma.
    const comma = findComma(tokens, { start: 0, end: tokens.length });
    const rest = comma === null ? null : { start: comma + 1, end: tokens.length };
    if (rest && !steps.some((s) => s.kind === 'when' && s.start > comma!) && hasFinitePredicate(tokens, rest)) {
      return { structure: 'gherkin', noOutcome: judgeRegion(tokens, rest), outcomes: countOutcomes(tokens, rest) };
    }
    return { structure: 'gherkin', noOutcome: { reason: 'missing-then', word: null }, outcomes: [] };
  }
  const whole = { start: 0, end: tokens.length };
  const lead = skipLeadingCondition(tokens, whole);
  const structure: Structure = lead.skipped && tokens.some((t) => t.lower === 'shall' || t.lower === 'should' || t.lower === 'must' || t.lower === 'will') ? 'ears' : 'plain';
  if (lead.conditionOnly) return { structure, noOutcome: { reason: 'condition', word: null }, outcomes: [] };
  const region = lead.region;
  return { structure, noOutcome: judgeRegion(tokens, region), outcomes: countOutcomes(tokens, region) };
}

function findComma(tokens: readonly Token[], range: Range): number | null {
  let depth = 0;
  for (let i = range.start; i < range.end; i += 1) {
    depth = nextDepth(depth, tokens[i]!);
    if (depth === 0 && tokens[i]!.value === ',') return i;
  }
  return null;
}

interface Step extends Range {
  kind: 'given' | 'when' | 'then' | 'pre';
}

function findSteps(tokens: readonly Token[]): Step[] {
  const steps: Step[] = [];
  let kind: Step['kind'] = 'pre';
  let start = 0;
  tokens.forEach((t, i) => {
    if (!STEP_WORDS.has(t.value)) return;
    if (i > start || steps.length > 0 || kind !== 'pre') steps.push({ kind, start, end: i });
    if (t.value === 'GIVEN') kind = 'given';
    else if (t.value === 'WHEN') kind = 'when';
    else if (t.value === 'THEN') kind = 'then';
    start = i;
  });
  steps.push({ kind, start, end: tokens.length });
  return steps.filter((s) => s.end > s.start);
}

/** The Then step and the And/But steps after it, each without its keyword. */
function outcomeSteps(tokens: readonly Token[], steps: readonly Step[]): Range[] {
  return steps
    .filter((s) => s.kind === 'then')
    .map((s) => {
      let start = s.start;
      while (start < s.end && (STEP_WORDS.has(tokens[start]!.value) || isPunct(tokens[start]!))) start += 1;
      return { start, end: s.end };
    })
    .filter((r) => r.end > r.start);
}

interface Lead {
  region: Range;
  skipped: boolean;
  conditionOnly: boolean;
}

/** "When the cart is empty, the button is disabled": the outcome is what follows the comma. */
function skipLeadingCondition(tokens: readonly Token[], range: Range): Lead {
  let i = range.start;
  while (i < range.end && isPunct(tokens[i]!)) i += 1;
  const first = tokens[i];
  if (!first || !LEAD_CONDITIONS.has(first.lower)) return { region: range, skipped: false, conditionOnly: false };
  let depth = 0;
  for (let j = i + 1; j < range.end; j += 1) {
    const t = tokens[j]!;
    depth = nextDepth(depth, t);
    if (depth > 0) continue;
    if (t.value === ',' || t.lower === 'then') return { region: { start: j + 1, end: range.end }, skipped: true, conditionOnly: false };
    if (SENTENCE_ENDS.has(t.value)) break;
  }
  // No comma: "If the user clicks Save any input should be validated" - the main clause starts at
  // the subject of the first modal or copula after the condition's own verb.
  let sawVerb = false;
  for (let j = i + 1; j < range.end; j += 1) {
    const t = tokens[j]!;
    if (SENTENCE_ENDS.has(t.value)) break;
    if (t.pos === 'VERB' && !sawVerb) {
      sawVerb = true;
      continue;
    }
    if (sawVerb && t.pos === 'AUX' && tokens[j - 1]?.pos !== 'AUX') {
      let k = j - 1;
      while (k > i && ['NOUN', 'PROPN', 'PRON', 'DET', 'ADJ'].includes(tokens[k]!.pos)) k -= 1;
      if (k + 1 < j) return { region: { start: k + 1, end: range.end }, skipped: true, conditionOnly: false };
    }
  }
  if (CONDITION_ONLY_LEADS.has(first.lower) && predicateCount(tokens, { start: i + 1, end: range.end }) <= 1) {
    return { region: range, skipped: true, conditionOnly: true };
  }
  return { region: range, skipped: false, conditionOnly: false };
}

type Verdict = { reason: NoOutcomeReason; word: string | null } | null;

/** Null when the region states something observable, else why not. */
function judgeRegion(tokens: readonly Token[], region: Range): Verdict {
  let verdict: Verdict = { reason: 'topic', word: null };
  for (const sentence of sentences(tokens, region)) {
    const lead = skipLeadingCondition(tokens, sentence);
    for (const clause of conjuncts(tokens, lead.region)) {
      const v = judgeClause(tokens, clause);
      if (v === null) return null;
      if (verdict.reason === 'topic') verdict = v;
    }
  }
  return verdict;
}

function judgeClause(tokens: readonly Token[], range: Range): Verdict {
  let start = range.start;
  while (start < range.end && (isPunct(tokens[start]!) || tokens[start]!.pos === 'ADV' || tokens[start]!.pos === 'CCONJ')) start += 1;
  if (start >= range.end) return { reason: 'topic', word: null };
  const first = tokens[start]!;
  const next = tokens[start + 1];
  const imperative = isImperative(tokens, start, range.end);
  if (imperative) {
    const word = first.lower;
    if (WRAPPERS.has(word) && hasFinitePredicate(tokens, { start: skipWrapper(tokens, start, range.end), end: range.end })) {
      return judgeClause(tokens, { start: skipWrapper(tokens, start, range.end), end: range.end });
    }
    if (TASK_VERBS.has(first.lemma) || TASK_VERBS.has(word)) return { reason: 'task', word: first.value };
    if (STEP_VERBS.has(first.lemma) && !hasFinitePredicate(tokens, { start: start + 1, end: range.end })) return { reason: 'step', word: first.value };
    // A feature name: "Export to CSV", "Login with Google".
    if (first.pos !== 'VERB' && next?.pos === 'ADP' && contentWords(tokens, { start, end: range.end }) <= 4) return { reason: 'topic', word: null };
    return null;
  }
  if (hasMeasure(tokens, { start, end: range.end })) return null;
  for (let i = start; i < range.end; i += 1) {
    const t = tokens[i]!;
    if (t.pos === 'AUX' && !(t.lower === 'to')) {
      const main = mainVerbAfter(tokens, i, range.end);
      if (main && isProcess(tokens, main, start, range.end)) return { reason: 'process', word: tokens[main]!.value };
      if (main && TASK_VERBS.has(tokens[main]!.lemma) && subjectBefore(tokens, start, i)?.lower !== undefined && PEOPLE.has(subjectBefore(tokens, start, i)!.lower)) {
        return { reason: 'task', word: tokens[main]!.value };
      }
      return null;
    }
    if (isFiniteVerb(tokens, i, start)) {
      if (isProcess(tokens, i, start, range.end)) return { reason: 'process', word: t.value };
      const subject = subjectBefore(tokens, start, i);
      if (STEP_VERBS.has(t.lemma) && subject && PEOPLE.has(subject.lower)) return { reason: 'step', word: t.value };
      return null;
    }
    if ((t.lower === 'able' || t.lower === 'ability' || t.lower === 'option' || t.lower === 'possibility' || t.lower === 'way') && tokens[i + 1]?.lower === 'to' && tokens[i + 2]?.pos === 'VERB') {
      return TASK_VERBS.has(tokens[i + 2]!.lemma) ? { reason: 'task', word: tokens[i + 2]!.value } : null;
    }
  }
  // No verb: "Order confirmed", "Charts also theme-aware", "No flash of the wrong theme".
  if (first.lower === 'no' || first.lower === 'zero' || first.lower === 'without') return null;
  for (let i = start + 1; i < range.end; i += 1) {
    const t = tokens[i]!;
    if (t.pos === 'ADJ' && SUBJECT_POS.has(tokens[i - 1]!.pos === 'PUNCT' ? (tokens[i - 2]?.pos ?? '') : tokens[i - 1]!.pos) || (t.pos === 'ADJ' && tokens[i - 1]?.pos === 'ADV')) {
      const after = tokens[i + 1];
      if (after && (after.pos === 'NOUN' || after.pos === 'PROPN' || after.pos === 'ADJ' || after.value === '-')) continue;
      if (DONE_WORDS.has(t.lower) && GENERIC_SUBJECTS.has(tokens[i - 1]!.lower)) return { reason: 'process', word: t.value };
      return null;
    }
    if (LOCATIVE.has(t.lower) && t.pos === 'ADP') {
      for (let j = i + 1; j < Math.min(range.end, i + 5); j += 1) if (UI_PLACES.has(tokens[j]!.lower) || UI_PLACES.has(tokens[j]!.lemma)) return null;
    }
  }
  return { reason: 'topic', word: null };
}

function isImperative(tokens: readonly Token[], start: number, end: number): boolean {
  const t = tokens[start]!;
  const next = tokens[start + 1];
  if (t.pos === 'AUX' || t.pos === 'PRON' || t.pos === 'DET') return false;
  const base = t.lemma === t.lower || t.lower === 'log' || t.lower === 'login';
  if (t.pos === 'VERB' && base && !/ing$/.test(t.lower)) return !laterFiniteWithSubject(tokens, start + 1, end) || WRAPPERS.has(t.lower);
  const prev = tokens[start - 1];
  const opensClause = prev === undefined || t.lineStart || !(prev.pos === 'CCONJ' || prev.value === ',' || prev.value === '&' || prev.value === '+');
  if ((t.pos === 'NOUN' || t.pos === 'PROPN' || t.pos === 'ADJ') && VERB_LIKE.has(t.lower) && next && opensClause) {
    if (['DET', 'PRON', 'NUM'].includes(next.pos) || (next.pos === 'ADP' && contentWords(tokens, { start, end }) <= 4)) {
      return !laterFiniteWithSubject(tokens, start + 1, end) || WRAPPERS.has(t.lower);
    }
    if (next.pos === 'NOUN' || next.pos === 'ADJ' || (STEP_VERBS.has(t.lower) && /[\p{L}\p{N}]/u.test(next.value))) return !laterFiniteWithSubject(tokens, start + 1, end);
  }
  return false;
}

function skipWrapper(tokens: readonly Token[], start: number, end: number): number {
  let i = start + 1;
  if (tokens[start]!.lower === 'make' && tokens[i]?.lower === 'sure') i += 1;
  if (tokens[i]?.lower === 'that') i += 1;
  return Math.min(i, end);
}

function laterFiniteWithSubject(tokens: readonly Token[], from: number, end: number): boolean {
  for (let i = from; i < end; i += 1) {
    const t = tokens[i]!;
    if (SENTENCE_ENDS.has(t.value)) return false;
    if ((t.pos === 'AUX' || (t.pos === 'VERB' && /[^s]s$/.test(t.lower))) && subjectBefore(tokens, from, i)) return true;
  }
  return false;
}

function mainVerbAfter(tokens: readonly Token[], aux: number, end: number): number | null {
  for (let i = aux + 1; i < end; i += 1) {
    const t = tokens[i]!;
    if (t.pos === 'AUX' || t.pos === 'PART' || t.pos === 'ADV') continue;
    return t.pos === 'VERB' || t.pos === 'ADJ' ? i : null;
  }
  return null;
}

/** "API errors are handled", "Implementation completed": work done, nothing to observe. */
function isProcess(tokens: readonly Token[], verb: number, start: number, end: number): boolean {
  const t = tokens[verb]!;
  const lemma = t.pos === 'ADJ' && DONE_WORDS.has(t.lower) ? 'complete' : t.lemma;
  if (!PROCESS_VERBS.has(lemma)) return false;
  if (hasRescue(tokens, verb + 1, end)) return false;
  if (STRONG_PROCESS.has(lemma)) return true;
  const subject = subjectBefore(tokens, start, verb);
  return subject === null || GENERIC_SUBJECTS.has(subject.lower);
}

/** A complement that says where or how the result shows: a place, a figure, a quoted text. */
function hasRescue(tokens: readonly Token[], from: number, end: number): boolean {
  for (let i = from; i < end; i += 1) {
    const t = tokens[i]!;
    if (t.value === 'QUOTE' || t.pos === 'NUM') return true;
    if (RESCUE_PREPS.has(t.lower) && t.pos === 'ADP') {
      const n = tokens[i + 1];
      if (n && (n.pos === 'DET' || n.pos === 'NOUN' || n.pos === 'PROPN' || n.pos === 'PRON' || n.pos === 'ADJ')) return true;
    }
  }
  return false;
}

function subjectBefore(tokens: readonly Token[], start: number, verb: number): Token | null {
  for (let i = verb - 1; i >= start; i -= 1) {
    const t = tokens[i]!;
    if (SUBJECT_POS.has(t.pos)) return t;
  }
  return null;
}

function isFiniteVerb(tokens: readonly Token[], i: number, start: number): boolean {
  const t = tokens[i]!;
  if (t.pos !== 'VERB' || /ing$/.test(t.lower)) return false;
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  const hyphenated = prev?.pos === 'ADP' && tokens[i - 2]?.value === '-'; // "time-off block"
  if (prev && (prev.lower === 'to' || prev.pos === 'AUX' || (prev.pos === 'ADP' && i > start && !hyphenated))) return false;
  if (prev?.value === ',' && (next?.value === ',' || next === undefined)) return false; // "details, address, password"
  if (i === start) {
    // "Persists choice", "Reviewed by ...", but not "Collected data ..." (a participle before its noun).
    if (/(?:ed|en)$/.test(t.lower) && next && (next.pos === 'NOUN' || next.pos === 'ADJ' || next.pos === 'PROPN')) return false;
    return /(?:s|ed|en)$/.test(t.lower) && t.lemma !== t.lower;
  }
  return subjectBefore(tokens, start, i) !== null || /[^s]s$/.test(t.lower);
}

function hasFinitePredicate(tokens: readonly Token[], range: Range): boolean {
  for (let i = range.start; i < range.end; i += 1) {
    if (tokens[i]!.pos === 'AUX' || isFiniteVerb(tokens, i, range.start)) return true;
  }
  return false;
}

function predicateCount(tokens: readonly Token[], range: Range): number {
  let n = 0;
  for (let i = range.start; i < range.end; i += 1) {
    const t = tokens[i]!;
    if ((t.pos === 'AUX' && tokens[i - 1]?.pos !== 'AUX') || (t.pos === 'VERB' && tokens[i - 1]?.pos !== 'AUX' && !/ing$/.test(t.lower))) n += 1;
  }
  return n;
}

function hasMeasure(tokens: readonly Token[], range: Range): boolean {
  for (let i = range.start; i < range.end; i += 1) {
    const t = tokens[i]!;
    if (t.value === 'QUOTE' || t.pos === 'NUM' || MEASURE_WORDS.test(t.lower) && (t.pos === 'SYM' || tokens[i - 1]?.pos === 'NUM' || t.lower === 'zero')) return true;
  }
  return false;
}

function contentWords(tokens: readonly Token[], range: Range): number {
  let n = 0;
  for (let i = range.start; i < range.end; i += 1) if (/[\p{L}\p{N}]/u.test(tokens[i]!.value)) n += 1;
  return n;
}

function isPunct(t: Token): boolean {
  return t.pos === 'PUNCT' || t.pos === 'SYM' && !/[\p{L}\p{N}]/u.test(t.value) && t.value !== '&' && t.value !== '+';
}

function nextDepth(depth: number, t: Token): number {
  if (t.value === '(' || t.value === '[' || t.value === '{') return depth + 1;
  if ((t.value === ')' || t.value === ']' || t.value === '}') && depth > 0) return depth - 1;
  return depth;
}

function sentences(tokens: readonly Token[], region: Range): Range[] {
  const out: Range[] = [];
  let start = region.start;
  let depth = 0;
  for (let i = region.start; i < region.end; i += 1) {
    const t = tokens[i]!;
    depth = nextDepth(depth, t);
    const dash = t.value === '-' && t.spaceBefore;
    const after = tokens[i + 1];
    const isEnd =
      SENTENCE_ENDS.has(t.value) &&
      (after === undefined || after.spaceBefore || after.lineStart) &&
      !(t.value === ':' && (tokens[i - 1]?.pos === 'VERB' || tokens[i - 1]?.pos === 'AUX'));
    if (depth === 0 && (isEnd || dash || (t.lineStart && i > start))) {
      if (i > start) out.push({ start, end: i });
      start = isEnd || dash ? i + 1 : i;
    }
  }
  if (region.end > start) out.push({ start, end: region.end });
  return out;
}

/**
 * Cuts a trailing condition or purpose ("... when the cart is empty and the user is a guest",
 * "..., so that ..."); a clause after ", and" that follows the condition is kept.
 */
function mainParts(tokens: readonly Token[], range: Range): Range[] {
  let depth = 0;
  for (let i = range.start + 2; i < range.end; i += 1) {
    const t = tokens[i]!;
    depth = nextDepth(depth, t);
    if (depth > 0) continue;
    const cut =
      (TRAILING_CLAUSES.has(t.lower) && (t.pos === 'SCONJ' || t.pos === 'ADV' || t.pos === 'ADP') && t.value !== 'WHEN') ||
      (t.lower === 'so' && tokens[i + 1]?.lower === 'that') ||
      (t.lower === 'in' && tokens[i + 1]?.lower === 'order' && tokens[i + 2]?.lower === 'to');
    if (!cut) continue;
    for (let j = i + 1; j < range.end - 1; j += 1) {
      if (tokens[j]!.value === ',' && CONJUNCTIONS.has(tokens[j + 1]!.lower) && ownClause(tokens, { start: j + 2, end: range.end })) {
        return [{ start: range.start, end: i }, ...mainParts(tokens, { start: j + 2, end: range.end })];
      }
    }
    return [{ start: range.start, end: i }];
  }
  return [range];
}

/** Splits at "and", "or", "&", "+" outside brackets. */
function conjuncts(tokens: readonly Token[], range: Range): Range[] {
  const out: Range[] = [];
  let start = range.start;
  let depth = 0;
  for (let i = range.start; i < range.end; i += 1) {
    const t = tokens[i]!;
    depth = nextDepth(depth, t);
    if (depth === 0 && CONJUNCTIONS.has(t.lower) && (t.pos === 'CCONJ' || t.value === '&' || t.value === '+' || t.value === 'AND' || t.value === 'BUT')) {
      if (tokens[i + 1]?.value === '/' || tokens[i - 1]?.value === '/') continue; // "and/or"
      out.push({ start, end: i });
      start = i + 1;
    }
  }
  out.push({ start, end: range.end });
  return out.filter((r) => r.end > r.start);
}

/** The separate outcomes of a region, one range each. */
export function countOutcomes(tokens: readonly Token[], region: Range): Range[] {
  const outcomes: Range[] = [];
  let skipNext = false;
  for (const sentence of sentences(tokens, region)) {
    if (skipNext) {
      skipNext = false;
      continue;
    }
    const lead = skipLeadingCondition(tokens, sentence);
    if (lead.conditionOnly) continue;
    const parts = mainParts(tokens, lead.region);
    const cutShort = parts.length === 1 && parts[0]!.end < lead.region.end;
    // "... when I log in if: I have not closed it and ..." — the next sentence is the condition.
    if (cutShort && tokens[sentence.end]?.value === ':') skipNext = true;
    for (const part of parts) outcomes.push(...splitClauses(tokens, part));
  }
  return outcomes;
}

function splitClauses(tokens: readonly Token[], range: Range): Range[] {
  const pieces = conjuncts(tokens, range).flatMap((c) => splitAtCommas(tokens, c));
  const outcomes: Range[] = [];
  let previous: Range | null = null;
  let previousKind: 'verb' | 'copula' | null = null;
  for (const piece of pieces) {
    const own = ownClause(tokens, piece);
    const first = firstContent(tokens, piece);
    if (first === null) continue;
    const t = tokens[first]!;
    const next = tokens[first + 1];
    // "then & there", "that ...": not a new outcome.
    if (t.pos === 'SCONJ' || (t.pos === 'ADV' && next?.pos === 'SCONJ')) continue;
    if (own) {
      outcomes.push(piece);
      previous = piece;
      previousKind = own;
      continue;
    }
    if (previous === null) continue;
    // Inside a relative clause ("items that are on sale or have discounts") "or" joins its parts.
    if (hasRelative(tokens, previous)) continue;
    const lastOfPrevious = lastContent(tokens, previous);
    const last = lastOfPrevious === null ? null : tokens[lastOfPrevious]!;
    if (last && FIXED_PAIRS.has(`${last.lemma} ${t.lemma}`)) continue;
    const beforeLast = lastOfPrevious === null ? undefined : tokens[lastOfPrevious - 1];
    const afterVerb = last !== null && last.pos === 'VERB' && !['ADJ', 'DET'].includes(beforeLast?.pos ?? '');
    const objectNext = ['NOUN', 'DET', 'PRON', 'PROPN'].includes(next?.pos ?? '');
    const verbish =
      (t.pos === 'VERB' && !/ing$/.test(t.lower) && next?.lower !== 'of' &&
        // "failed replacement", "retry option": a participle or base form before a noun is an adjective, unless verbs pair up.
        !(next?.pos === 'NOUN' && (/ed$/.test(t.lower) || (!afterVerb && !/[^s]s$/.test(t.lower))))) ||
      t.pos === 'AUX' ||
      ((t.pos === 'NOUN' || t.pos === 'ADJ') && VERB_LIKE.has(t.lower) && (afterVerb ? objectNext : ['ADV', 'DET', 'PRON'].includes(next?.pos ?? '')));
    const nounNext = (next?.pos === 'NOUN' && !/ing$/.test(next.lower)) || next?.pos === 'PROPN';
    const adjective = (t.pos === 'ADJ' || (t.pos === 'VERB' && /ed$/.test(t.lower))) && previousKind === 'copula' && !nounNext;
    if (verbish || adjective) {
      outcomes.push(piece);
      previous = piece;
    }
  }
  return outcomes;
}

function hasRelative(tokens: readonly Token[], range: Range): boolean {
  for (let i = range.start + 1; i < range.end; i += 1) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if ((t.lower === 'that' || t.lower === 'which' || t.lower === 'who') && SUBJECT_POS.has(tokens[i - 1]!.pos) && (t.pos !== 'DET' || next?.pos === 'AUX' || next?.pos === 'VERB')) return true;
  }
  return false;
}

/** Splits "A is saved, B is sent" at commas when the next part has its own subject and verb. */
function splitAtCommas(tokens: readonly Token[], range: Range): Range[] {
  const out: Range[] = [];
  let start = range.start;
  let depth = 0;
  for (let i = range.start; i < range.end; i += 1) {
    const t = tokens[i]!;
    depth = nextDepth(depth, t);
    if (depth !== 0 || t.value !== ',') continue;
    const j = i + 1;
    let k = j;
    while (k < range.end && tokens[k]!.value !== ',') k += 1;
    const rest = { start: j, end: k };
    const restFirst = firstContent(tokens, rest);
    if (ownClause(tokens, { start, end: i }) && restFirst !== null && !isImperative(tokens, restFirst, rest.end) && ownClause(tokens, rest)) {
      out.push({ start, end: i });
      start = j;
    }
  }
  out.push({ start, end: range.end });
  return out.filter((r) => r.end > r.start);
}

/** 'verb' or 'copula' when the range has its own subject and predicate, else null. */
function ownClause(tokens: readonly Token[], range: Range): 'verb' | 'copula' | null {
  const first = firstContent(tokens, range);
  if (first === null) return null;
  if (isImperative(tokens, first, range.end)) {
    const t = tokens[first]!;
    if (WRAPPERS.has(t.lower)) return ownClause(tokens, { start: skipWrapper(tokens, first, range.end), end: range.end });
    return 'verb';
  }
  const head = tokens[first]!;
  if (head.lower === 'no' || head.lower === 'zero') return 'copula'; // "no flash of the wrong theme"
  for (let i = first; i < range.end; i += 1) {
    const t = tokens[i]!;
    if (t.value === '=') return 'copula';
    if ((t.lower === 'able' || t.lower === 'ability' || t.lower === 'option' || t.lower === 'possibility') && tokens[i + 1]?.lower === 'to' && tokens[i + 2]?.pos === 'VERB') return 'verb';
    if (t.pos === 'AUX' && (i === first || subjectBefore(tokens, first, i))) {
      const main = mainVerbAfter(tokens, i, range.end);
      if (main === null) return 'copula';
      const m = tokens[main]!;
      return m.pos === 'ADJ' || /(?:ed|en)$/.test(m.lower) ? 'copula' : 'verb';
    }
    if (t.pos === 'VERB' && i > first && isFiniteVerb(tokens, i, first) && subjectBefore(tokens, first, i)) return 'verb';
  }
  if (first === range.start || isPunct(tokens[range.start]!)) {
    const t = tokens[first]!;
    if (t.pos === 'VERB' && /[^s]s$/.test(t.lower) && t.lemma !== t.lower && tokens[first + 1]?.lower !== 'of') return 'verb';
  }
  return null;
}

function firstContent(tokens: readonly Token[], range: Range): number | null {
  for (let i = range.start; i < range.end; i += 1) {
    const t = tokens[i]!;
    if (!isPunct(t) && t.pos !== 'CCONJ' && !(t.pos === 'ADV' && ['also', 'then', 'only', 'still', 'just', 'further'].includes(t.lower))) return i;
  }
  return null;
}

function lastContent(tokens: readonly Token[], range: Range): number | null {
  for (let i = range.end - 1; i >= range.start; i -= 1) if (!isPunct(tokens[i]!)) return i;
  return null;
}
