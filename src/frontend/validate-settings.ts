import { checkTeamVocabulary } from '../forge/storage/check-team-vocabulary';
import { projectSettingsSchema, type ProjectSettings } from '../forge/resolvers/resolver-contract';
import { parseFieldErrors } from './parse-field-errors';

/**
 * Checks settings against the same schema the resolver uses, before anything is sent, and
 * returns messages per field ("" for the form as a whole; "vocabulary.vagueWords" and the like
 * for the hint vocabulary, whose messages name the entry). Empty when the settings are valid.
 */
export function validateSettings(settings: ProjectSettings): Record<string, string[]> {
  const parsed = projectSettingsSchema.safeParse(settings);
  const byField = parseFieldErrors(checkTeamVocabulary(settings.vocabulary), '', ['vocabulary']);
  if (parsed.success) return byField;
  for (const issue of parsed.error.issues) {
    const field = typeof issue.path[0] === 'string' ? issue.path[0] : '';
    if (field === 'vocabulary') continue; // checkTeamVocabulary said it, naming the entry
    (byField[field] ??= []).push(describeIssue(issue));
  }
  return byField;
}

function describeIssue(issue: { code: string; message: string; maximum?: unknown; origin?: unknown }): string {
  if (issue.code === 'too_big' && issue.origin === 'array') return `List at most ${String(issue.maximum)} entries.`;
  return issue.message;
}
