import { projectSettingsSchema, type ProjectSettings } from '../forge/resolver-contract';

/**
 * Checks settings against the same schema the resolver uses, before anything is sent, and
 * returns messages per field ("" for the form as a whole). Empty when the settings are valid.
 */
export function validateSettings(settings: ProjectSettings): Record<string, string[]> {
  const parsed = projectSettingsSchema.safeParse(settings);
  if (parsed.success) return {};
  const byField: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const field = typeof issue.path[0] === 'string' ? issue.path[0] : '';
    (byField[field] ??= []).push(describeIssue(issue));
  }
  return byField;
}

function describeIssue(issue: { code: string; message: string; maximum?: unknown; origin?: unknown }): string {
  if (issue.code === 'too_big' && issue.origin === 'array') return `List at most ${String(issue.maximum)} entries.`;
  return issue.message;
}
