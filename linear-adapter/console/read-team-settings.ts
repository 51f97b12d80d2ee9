import { z } from 'zod';
import { parseWith } from '../../src/core/parse-with';
import { closurePolicySchema, type ClosurePolicy, type SettingValue } from '../../src/core/schemas';
import type { ConsoleScopeStore } from '../../src/core/store';
import { LINEAR_STATE_TYPES } from '../config/load-config';

/** A team's settings as the console edits them; the environment's values are the defaults. */
export const teamSettingsSchema = z.object({
  approvers: z.array(z.string().trim().min(1)).max(200),
  doneStateTypes: z.array(z.enum(LINEAR_STATE_TYPES)).min(1, 'name at least one Linear workflow state type'),
  requireAllMet: z.boolean(),
  forbidSelfSignOff: z.boolean(),
});
export type TeamSettings = z.infer<typeof teamSettingsSchema>;

export type TeamSettingsReading =
  | { ok: true; settings: TeamSettings; version: number | null; source: 'team' | 'environment'; policy: ClosurePolicy }
  | { ok: false; errors: string[]; version: number };

export function settingsFromPolicy(policy: ClosurePolicy): TeamSettings {
  return { approvers: policy.approverUserIds, doneStateTypes: policy.doneStateTypes.filter((t): t is TeamSettings['doneStateTypes'][number] => (LINEAR_STATE_TYPES as readonly string[]).includes(t)), requireAllMet: policy.requireAllMet, forbidSelfSignOff: policy.forbidSelfSignOff };
}

export function policyFromSettings(settings: TeamSettings, defaults: ClosurePolicy): ClosurePolicy {
  return closurePolicySchema.parse({ ...defaults, approverUserIds: settings.approvers, doneStateTypes: settings.doneStateTypes, requireAllMet: settings.requireAllMet, forbidSelfSignOff: settings.forbidSelfSignOff });
}

/** The settings as a settings_changed record compares them. */
export function toSettingValues(settings: TeamSettings): Record<string, SettingValue> {
  return { approvers: settings.approvers, doneStateTypes: settings.doneStateTypes, requireAllMet: settings.requireAllMet, forbidSelfSignOff: settings.forbidSelfSignOff };
}

/**
 * A team's settings: stored ones when the team has them, else the environment's (`defaults`,
 * load-config's buildClosurePolicy). Stored settings that no longer read are an error, not the
 * defaults: failing closed, nobody may write on the strength of settings nobody can read.
 */
export async function readTeamSettings(store: Pick<ConsoleScopeStore, 'readScopeSettings'>, scopeId: string, defaults: ClosurePolicy): Promise<TeamSettingsReading> {
  const stored = await store.readScopeSettings(scopeId);
  if (!stored) return { ok: true, settings: settingsFromPolicy(defaults), version: null, source: 'environment', policy: defaults };
  const parsed = parseWith(teamSettingsSchema, stored.settings);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, version: stored.version };
  return { ok: true, settings: parsed.value, version: stored.version, source: 'team', policy: policyFromSettings(parsed.value, defaults) };
}
