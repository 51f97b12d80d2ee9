import type { SettingValue } from '../../core/schemas';
import type { ProjectSettings } from '../resolvers/resolver-contract';

/** A setting as `settings_changed` records name it: the vocabulary counts as its three lists. */
export type SettingName = Exclude<keyof ProjectSettings, 'vocabulary'> | `vocabulary.${keyof ProjectSettings['vocabulary']}`;

/**
 * The settings as flat values for recordSettingsChange, which compares flags, names and lists:
 * the vocabulary object becomes three list settings, so the history says which list changed.
 */
export function flattenSettings(settings: ProjectSettings): Record<SettingName, SettingValue> {
  const { vocabulary, ...rest } = settings;
  return {
    ...rest,
    'vocabulary.vagueWords': vocabulary.vagueWords,
    'vocabulary.silencedWords': vocabulary.silencedWords,
    'vocabulary.disabledRules': vocabulary.disabledRules,
  };
}
