import { z } from 'zod';
import { resolveTeamVocabulary } from '../../core/hints/team-vocabulary';
import { parseWith } from '../../core/parse-with';
import type { PolicyReading } from '../../core/read-closure-policy';
import type { ClosurePolicy, ServiceMode } from '../../core/schemas';
import { projectSettingsSchema, type ProjectSettings } from '../resolvers/resolver-contract';

export type SettingsReading =
  | { ok: true; settings: ProjectSettings }
  | { ok: false; code: 'SETTINGS_UNREADABLE'; errors: string[]; defaults: ProjectSettings };

/**
 * The project's settings from the scope head's extension data: defaults until an admin saves
 * some, and a refusal value when what is stored no longer parses. Decisions (the gate, sign-off)
 * must use this: the defaults let anyone sign off, so falling back to them would fail open.
 */
export function parseProjectSettings(ext: Record<string, unknown>): SettingsReading {
  const parsed = parseWith(storedSettingsSchema, ext.settings ?? {});
  if (!parsed.ok) return { ok: false, code: 'SETTINGS_UNREADABLE', errors: parsed.errors, defaults: defaultSettings() };
  return { ok: true, settings: { ...parsed.value, vocabulary: resolveTeamVocabulary(parsed.value.vocabulary) } };
}

// The hint vocabulary decides nothing, so a stored one that no longer parses (a rule retired
// since, say) keeps its valid entries instead of making the settings unreadable, which would
// close sign-off. read-team-vocabulary.ts reports what was left out.
const storedSettingsSchema = projectSettingsSchema.extend({ vocabulary: z.unknown().optional() });

/**
 * The settings, or the defaults when what is stored cannot be read. Only for views and for
 * callers not yet moved to parseProjectSettings: it must not decide a closure or a sign-off.
 */
export function readProjectSettings(ext: Record<string, unknown>): ProjectSettings {
  const reading = parseProjectSettings(ext);
  return reading.ok ? reading.settings : reading.defaults;
}

export function defaultSettings(): ProjectSettings {
  return projectSettingsSchema.parse({});
}

/** How a project admin repairs settings Scopekeeper cannot read. */
export const JIRA_SETTINGS_REMEDY = 'A project admin can fix this by opening Project settings → Apps → Scopekeeper and saving the settings again.';

/** The policy the core decides from: settings that cannot be read give a refusal naming the fault, never the defaults. */
export function readJiraPolicy(reading: SettingsReading): PolicyReading {
  return reading.ok ? { ok: true, value: buildClosurePolicy(reading.settings) } : { ok: false, errors: reading.errors, remedy: JIRA_SETTINGS_REMEDY };
}

/**
 * The core's mode for the project's closures: enforce when it reopens bypasses, shadow when it
 * only records them; enforce when its settings cannot be read, since failing closed means refusing.
 */
export function readJiraMode(reading: SettingsReading): ServiceMode {
  return reading.ok && reading.settings.bypassPolicy === 'record' ? 'shadow' : 'enforce';
}

/** Whether an issue type is gated; unreadable settings gate every type, the stricter reading. */
export function isTrackedType(reading: SettingsReading, issueType: string | null): boolean {
  return reading.ok ? isDeliverableType(reading.settings, issueType) : issueType === null || !isSubtaskTypeName(issueType);
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

/**
 * An empty list means every issue type except sub-tasks is a deliverable. Sub-tasks never are:
 * the panel is not shown on them, so a gate on them could never be satisfied.
 */
export function isDeliverableType(settings: ProjectSettings, issueType: string | null): boolean {
  if (issueType !== null && isSubtaskTypeName(issueType)) return false;
  if (settings.deliverableIssueTypes.length === 0) return true;
  const type = issueType?.trim().toLowerCase() ?? '';
  return settings.deliverableIssueTypes.some((t) => t.trim().toLowerCase() === type);
}

/**
 * Sub-task types: the issue panel's display condition hides the panel on them (manifest.yml),
 * so the settings refuse them as deliverables, or their criteria could never be written.
 * "Subtask" is Jira Cloud's current name, "Sub-task" the older one.
 */
export const SUBTASK_TYPE_NAMES = ['Subtask', 'Sub-task'] as const;

export function isSubtaskTypeName(name: string): boolean {
  const folded = name.trim().toLowerCase();
  return SUBTASK_TYPE_NAMES.some((n) => n.toLowerCase() === folded);
}

/** The message the panel and the validator give when the stored settings cannot be read. */
export function describeUnreadableSettings(subject: string): string {
  return `Scopekeeper cannot read this project's settings, so ${subject}. ${JIRA_SETTINGS_REMEDY}`;
}
