import { resolveTeamVocabulary, teamVocabularySchema, type ResolvedTeamVocabulary } from '../../core/hints/team-vocabulary';
import { parseWith } from '../../core/parse-with';

export interface VocabularyReading {
  vocabulary: ResolvedTeamVocabulary;
  /** "path: message" for what was stored but could not be read; empty when all of it was read. */
  errors: string[];
}

/**
 * The project's hint vocabulary from the scope head's extension data. Read on its own, apart from
 * the closure settings: hints only advise, so entries that cannot be read are left out (their
 * built-in hints apply again) instead of failing closed, and the caller logs `errors`.
 */
export function readTeamVocabulary(ext: Record<string, unknown>): VocabularyReading {
  const settings = ext.settings;
  const stored = typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>).vocabulary : undefined;
  const parsed = parseWith(teamVocabularySchema, stored ?? {});
  if (parsed.ok) return { vocabulary: parsed.value, errors: [] };
  return { vocabulary: resolveTeamVocabulary(stored), errors: parsed.errors.map((e) => `vocabulary.${e}`) };
}
