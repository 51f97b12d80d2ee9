import type { SettingChange, SettingValue } from '../core/schemas';
import { describeHintRule } from '../forge/views/describe-hint-rule';
import type { SettingName } from '../forge/storage/flatten-settings';

/** Each project setting in the words the settings page uses. */
const SETTING_WORDS: Record<SettingName, string> = {
  approverAccountIds: 'Approvers (people)',
  approverRoles: 'Approver project roles',
  requireAllMet: 'Every criterion met before closing',
  forbidSelfSignOff: 'No sign-off by the assignee',
  deliverableIssueTypes: 'Deliverable issue types',
  doneStatusNames: 'Extra done statuses',
  bypassPolicy: 'When an issue is closed without a valid sign-off',
  'vocabulary.vagueWords': 'Extra vague words',
  'vocabulary.silencedWords': 'Accepted words',
  'vocabulary.disabledRules': 'Hint rules switched off',
};

/** What a list means when it is empty, where that is not simply "none". */
const EMPTY_WORDS: Partial<Record<SettingName, string>> = {
  deliverableIssueTypes: 'every issue type',
  approverAccountIds: 'nobody named',
};

const CHOICE_WORDS: Record<string, string> = { reopen: 'reopen it', record: 'record it only' };

/** A settings_changed record in one line, e.g. "Settings changed: Approver project roles “A” → “A”, “B”". */
export function describeSettingsChange(changes: readonly SettingChange[]): string {
  return `Settings changed: ${changes.map(describeOne).join('; ')}`;
}

function describeOne(change: SettingChange): string {
  const key = change.setting as SettingName;
  const label = SETTING_WORDS[key] ?? change.setting;
  const from = change.from === null ? 'unreadable' : describeValue(key, change.from);
  return `${label} ${from} → ${describeValue(key, change.to)}`;
}

function describeValue(key: SettingName, value: SettingValue): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return EMPTY_WORDS[key] ?? 'none';
    // Rules by their title, not their id: "Avoid vague terms (INCOSE R7)".
    return value.map((v) => (key === 'vocabulary.disabledRules' ? describeHintRule(v) : `“${v}”`)).join(', ');
  }
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'string') return CHOICE_WORDS[value] ?? `“${value}”`;
  return String(value);
}
