import { createHash } from 'node:crypto';
import { findQualityHints, resolveTeamVocabulary, type QualityHint, type Tagger, type TeamVocabulary } from '../../src/core/find-quality-hints';
import type { Criterion } from '../../src/core/schemas';
import { loadTagger } from '../../src/hints/load-tagger';

// The status comment is rendered from the stored state on every delivery of an issue (before and
// after the decision, to tell whether its text changes), and its suggestions need the criteria's
// parts of speech. Finding them once per criteria text and vocabulary keeps the tagger, and the
// lazy load of its model, off deliveries that do not change the criteria.

const MAX_ENTRIES = 2_000;

/** The quality hints of some criteria under a team's vocabulary (absent: the built-in hints). */
export type FindHints = (criteria: readonly Pick<Criterion, 'text'>[], vocabulary?: TeamVocabulary) => readonly QualityHint[];

/** findQualityHints, kept by the criteria's exact texts and the resolved vocabulary; the least recently used go first. */
export function cacheQualityHints(tagger: Tagger, maxEntries = MAX_ENTRIES): FindHints {
  const kept = new Map<string, readonly QualityHint[]>();
  return (criteria, vocabulary) => {
    const resolved = resolveTeamVocabulary(vocabulary);
    // Exact texts, not the digest's normalised ones: line breaks and spacing change what the hints read.
    const key = createHash('sha256').update(JSON.stringify([criteria.map((c) => c.text), resolved])).digest('base64');
    const hit = kept.get(key);
    if (hit) {
      kept.delete(key);
      kept.set(key, hit);
      return hit;
    }
    const hints = Object.freeze(findQualityHints(criteria, { tagger, vocabulary: resolved }));
    if (kept.size >= maxEntries) kept.delete(kept.keys().next().value as string);
    kept.set(key, hints);
    return hints;
  };
}

/** The service's one cache, over the lazily loaded tagger. */
export const findStatusHints: FindHints = cacheQualityHints(loadTagger());
