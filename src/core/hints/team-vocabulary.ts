import { z } from 'zod';
import { qualityRuleIds } from './rules';

const vocabularyWord = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(60, 'must be at most 60 characters')
  .regex(/[\p{L}\p{N}]/u, 'must contain a letter or digit');

/**
 * A team's own wording rules for the quality hints: words it also counts as vague, words it
 * accepts (its own defined terms, e.g. "fast lane"), and rules it does not want hints for.
 * Settings pages validate with this schema before they store a vocabulary.
 */
export const teamVocabularySchema = z.object({
  vagueWords: z.array(vocabularyWord).max(200).default([]),
  silencedWords: z.array(vocabularyWord).max(200).default([]),
  disabledRules: z.array(z.enum(qualityRuleIds)).max(qualityRuleIds.length).default([]),
});
export type TeamVocabulary = z.input<typeof teamVocabularySchema>;
export type ResolvedTeamVocabulary = z.output<typeof teamVocabularySchema>;

const ruleIds = new Set<string>(qualityRuleIds);

/**
 * The usable part of a vocabulary that may not have been validated (old stored settings, a
 * caller that skipped the schema): entries that fail the schema are left out, never thrown on.
 */
export function resolveTeamVocabulary(input: unknown): ResolvedTeamVocabulary {
  const parsed = teamVocabularySchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const words = (value: unknown): string[] =>
    (Array.isArray(value) ? value : []).flatMap((w) => {
      const r = vocabularyWord.safeParse(w);
      return r.success ? [r.data] : [];
    }).slice(0, 200);
  return {
    vagueWords: words(record.vagueWords),
    silencedWords: words(record.silencedWords),
    disabledRules: (Array.isArray(record.disabledRules) ? record.disabledRules : []).filter(
      (r): r is ResolvedTeamVocabulary['disabledRules'][number] => typeof r === 'string' && ruleIds.has(r),
    ),
  };
}
