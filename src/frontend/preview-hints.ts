import { findQualityHints, type ResolvedTeamVocabulary } from '../core/find-quality-hints';
import { loadTagger } from '../hints/load-tagger';

const tagger = loadTagger();

/**
 * The quality hints for `text` while it is typed as the criterion at `index` of `criteria`
 * (`index` equal to the length: a new last criterion). The other criteria are checked with it,
 * so typing one that is already there says so.
 */
export function previewHints(criteria: readonly { text: string }[], index: number, text: string, vocabulary: ResolvedTeamVocabulary): string[] {
  if (text.trim() === '') return [];
  const list = criteria.map((c) => ({ text: c.text }));
  list.splice(index, index < list.length ? 1 : 0, { text });
  return findQualityHints(list, { vocabulary, tagger })
    .filter((h) => h.criterionIndex === index)
    .map((h) => h.message);
}
