import { findQualityHints, type QualityHint, type ResolvedTeamVocabulary } from '../core/find-quality-hints';
import { loadTagger } from '../hints/load-tagger';

const tagger = loadTagger();

/**
 * Quality hints per draft row. A row that still is a saved criterion (same id and text) keeps the
 * hints the backend found for it; an edited or new row gets hints found here, by the same core
 * checks with the project's vocabulary, so they show before the draft is saved.
 */
export function matchHints(
  saved: readonly { id: string | null; text: string }[],
  hints: readonly QualityHint[],
  draft: readonly { id: string | null; text: string }[],
  vocabulary: ResolvedTeamVocabulary,
): string[][] {
  // Found for the whole draft, so a new row that repeats another one is told so; only when needed.
  let local: QualityHint[] | null = null;
  return draft.map((row, index) => {
    const savedIndex =
      saved[index] && saved[index].id === row.id && saved[index].text === row.text
        ? index
        : row.id === null
          ? -1
          : saved.findIndex((c) => c.id === row.id && c.text === row.text);
    if (savedIndex >= 0) return hints.filter((h) => h.criterionIndex === savedIndex).map((h) => h.message);
    local ??= findQualityHints(draft, { vocabulary, tagger });
    return local.filter((h) => h.criterionIndex === index).map((h) => h.message);
  });
}
