import { z } from 'zod';
import { resolveTeamVocabulary, teamVocabularySchema, type ResolvedTeamVocabulary } from '../../src/core/find-quality-hints';
import { parseWith } from '../../src/core/parse-with';
import { checkTeamVocabulary } from '../../src/forge/storage/check-team-vocabulary';
import { closurePolicySchema, type ClosurePolicy, type SettingValue } from '../../src/core/schemas';
import type { ConsoleScopeStore } from '../../src/core/store';
import { LINEAR_STATE_TYPES } from '../config/load-config';

// What decides closures: stored settings that fail this are unreadable, and closures are refused.
const closureSettingsSchema = z.object({
  approvers: z.array(z.string().trim().min(1)).max(200),
  doneStateTypes: z.array(z.enum(LINEAR_STATE_TYPES)).min(1, 'name at least one Linear workflow state type'),
  requireAllMet: z.boolean(),
  forbidSelfSignOff: z.boolean(),
});

/**
 * A team's settings as the console edits them; the environment's values are the defaults. The
 * hint vocabulary (words the team calls vague, words it accepts, rules switched off) is stored
 * with them; settings saved before it existed have none.
 */
export const teamSettingsSchema = closureSettingsSchema.extend({ vocabulary: teamVocabularySchema.prefault({}) });
export type TeamSettings = z.output<typeof teamSettingsSchema>;

export type TeamSettingsReading =
  | {
      ok: true;
      settings: TeamSettings;
      version: number | null;
      source: 'team' | 'environment';
      policy: ClosurePolicy;
      /** Stored vocabulary entries that do not read, left out of the hints (they only advise, so closures go on). */
      vocabularyErrors: string[];
    }
  | { ok: false; errors: string[]; version: number };

const NO_VOCABULARY: ResolvedTeamVocabulary = { vagueWords: [], silencedWords: [], disabledRules: [] };

export function settingsFromPolicy(policy: ClosurePolicy): TeamSettings {
  return {
    approvers: policy.approverUserIds,
    doneStateTypes: policy.doneStateTypes.filter((t): t is TeamSettings['doneStateTypes'][number] => (LINEAR_STATE_TYPES as readonly string[]).includes(t)),
    requireAllMet: policy.requireAllMet,
    forbidSelfSignOff: policy.forbidSelfSignOff,
    vocabulary: NO_VOCABULARY,
  };
}

/**
 * What the settings form sent, checked: every problem as "path: message", a vocabulary entry
 * named by its list and position ("vocabulary.vagueWords.2: The extra vague word “…” must …").
 */
export function readSettingsForm(form: URLSearchParams): { ok: true; value: TeamSettings } | { ok: false; errors: string[] } {
  const lines = (name: string) => (form.get(name) ?? '').split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  const vocabulary = { vagueWords: lines('vagueWords'), silencedWords: lines('silencedWords'), disabledRules: form.getAll('disabledRules') };
  const vocabularyErrors = checkTeamVocabulary(vocabulary);
  const parsed = parseWith(teamSettingsSchema, {
    approvers: (form.get('approvers') ?? '').split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== ''),
    doneStateTypes: form.getAll('doneStateTypes'),
    requireAllMet: form.get('requireAllMet') === '1',
    forbidSelfSignOff: form.get('forbidSelfSignOff') === '1',
    vocabulary: vocabularyErrors.length === 0 ? vocabulary : {},
  });
  const errors = [...(parsed.ok ? [] : parsed.errors), ...vocabularyErrors];
  return parsed.ok && errors.length === 0 ? parsed : { ok: false, errors };
}

export function policyFromSettings(settings: TeamSettings, defaults: ClosurePolicy): ClosurePolicy {
  return closurePolicySchema.parse({ ...defaults, approverUserIds: settings.approvers, doneStateTypes: settings.doneStateTypes, requireAllMet: settings.requireAllMet, forbidSelfSignOff: settings.forbidSelfSignOff });
}

/** The settings as a settings_changed record compares them. */
export function toSettingValues(settings: TeamSettings): Record<string, SettingValue> {
  // The vocabulary as three lists, named as Jira's are, so the history says which list changed in the same words.
  return {
    approvers: settings.approvers,
    doneStateTypes: settings.doneStateTypes,
    requireAllMet: settings.requireAllMet,
    forbidSelfSignOff: settings.forbidSelfSignOff,
    'vocabulary.vagueWords': settings.vocabulary.vagueWords,
    'vocabulary.silencedWords': settings.vocabulary.silencedWords,
    'vocabulary.disabledRules': settings.vocabulary.disabledRules,
  };
}

/**
 * A team's settings: stored ones when the team has them, else the environment's (`defaults`,
 * load-config's buildClosurePolicy). Stored settings that no longer read are an error, not the
 * defaults: failing closed, nobody may write on the strength of settings nobody can read.
 */
export async function readTeamSettings(store: Pick<ConsoleScopeStore, 'readScopeSettings'>, scopeId: string, defaults: ClosurePolicy): Promise<TeamSettingsReading> {
  const stored = await store.readScopeSettings(scopeId);
  if (!stored) return { ok: true, settings: settingsFromPolicy(defaults), version: null, source: 'environment', policy: defaults, vocabularyErrors: [] };
  const parsed = parseWith(closureSettingsSchema, stored.settings);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, version: stored.version };
  // The vocabulary is read apart, as on Jira: an entry that does not read is left out of the hints.
  const raw = (stored.settings as { vocabulary?: unknown }).vocabulary;
  const settings: TeamSettings = { ...parsed.value, vocabulary: resolveTeamVocabulary(raw) };
  const vocabularyErrors = raw === undefined ? [] : checkTeamVocabulary(raw);
  return { ok: true, settings, version: stored.version, source: 'team', policy: policyFromSettings(settings, defaults), vocabularyErrors };
}
