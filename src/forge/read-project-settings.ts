import { parseWith } from '../core/parse-with';
import type { ClosurePolicy } from '../core/schemas';
import { projectSettingsSchema, type ProjectSettings } from './resolver-contract';

/** The project's settings from the scope head's extension data; defaults until an admin saves some. */
export function readProjectSettings(ext: Record<string, unknown>): ProjectSettings {
  const parsed = parseWith(projectSettingsSchema, ext.settings ?? {});
  return parsed.ok ? parsed.value : projectSettingsSchema.parse({});
}

/** The shared gate's policy for a Jira project: done means the "done" status category, plus any listed names. */
export function buildClosurePolicy(settings: ProjectSettings): ClosurePolicy {
  return {
    requireAllMet: settings.requireAllMet,
    forbidSelfSignOff: settings.forbidSelfSignOff,
    approverUserIds: settings.approverAccountIds,
    approverRoles: settings.approverRoles,
    doneStateNames: settings.doneStatusNames,
    doneStateTypes: ['done'],
  };
}

/** An empty list means every issue type is a deliverable. */
export function isDeliverableType(settings: ProjectSettings, issueType: string | null): boolean {
  if (settings.deliverableIssueTypes.length === 0) return true;
  const type = issueType?.trim().toLowerCase() ?? '';
  return settings.deliverableIssueTypes.some((t) => t.trim().toLowerCase() === type);
}
