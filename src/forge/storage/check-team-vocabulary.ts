import { teamVocabularySchema } from '../../core/hints/team-vocabulary';

type ListName = 'vagueWords' | 'silencedWords' | 'disabledRules';

/** Each list in the words of the settings page: one entry, and the list as a whole. */
const LIST_WORDS: Record<ListName, { entry: string; entries: string; list: string }> = {
  vagueWords: { entry: 'extra vague word', entries: 'extra vague words', list: 'Extra vague words' },
  silencedWords: { entry: 'accepted word', entries: 'accepted words', list: 'Accepted words' },
  disabledRules: { entry: 'hint rule', entries: 'hint rules', list: 'Hint rules switched off' },
};

interface Issue {
  code: string;
  message: string;
  path: PropertyKey[];
  maximum?: unknown;
}

/**
 * What is wrong with a hint vocabulary, checked with the core's schema: "path: message" strings
 * (paths like "vocabulary.vagueWords.2") whose messages name the entry, so an admin can find it.
 * A word in both word lists is refused too: accepting a word the team just called vague would
 * quietly undo it. Empty when the vocabulary can be saved.
 */
export function checkTeamVocabulary(input: unknown): string[] {
  const parsed = teamVocabularySchema.safeParse(input ?? {});
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${['vocabulary', ...issue.path.map(String)].join('.')}: ${describeIssue(input, issue)}`);
  }
  const vague = new Set(parsed.data.vagueWords.map(foldWord));
  return parsed.data.silencedWords.flatMap((word, i) =>
    vague.has(foldWord(word)) ? [`vocabulary.silencedWords.${i}: “${word}” is both an extra vague word and an accepted word. Keep it in one of the two lists.`] : [],
  );
}

function describeIssue(input: unknown, issue: Issue): string {
  const [list, index] = issue.path;
  const words = typeof list === 'string' && list in LIST_WORDS ? LIST_WORDS[list as ListName] : null;
  if (!words) return 'The hint vocabulary must list extra vague words, accepted words and hint rules switched off.';
  if (typeof index !== 'number') {
    if (issue.code === 'too_big') return `List at most ${String(issue.maximum)} ${words.entries}.`;
    return `${words.list} must be a list.`;
  }
  const value = readEntry(input, list as ListName, index);
  if (typeof value !== 'string') return `The ${words.entry} at position ${index + 1} must be text.`;
  const shown = `“${value.length > 40 ? `${value.slice(0, 40)}…` : value}”`;
  if (list === 'disabledRules') return `There is no hint rule ${shown}.`;
  return `The ${words.entry} ${shown} ${issue.message}.`;
}

function readEntry(input: unknown, list: ListName, index: number): unknown {
  const entries = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[list] : undefined;
  return Array.isArray(entries) ? entries[index] : undefined;
}

function foldWord(word: string): string {
  return word.trim().toLowerCase().replace(/\s+/g, ' ');
}
