import type { SettingChange, SettingValue } from '../core/schemas';
import type { ProjectSettings } from './resolver-contract';

/** Each project setting in the words the settings page uses. */
const SETTING_WORDS: Record<keyof ProjectSettings, string> = {
  approverAccountIds: 'Approvers (people)',
  approverRoles: 'Approver project roles',
  requireAllMet: 'Every criterion met before closing',
  forbidSelfSignOff: 'No sign-off by the assignee',
  deliverableIssueTypes: 'Deliverable issue types',
  doneStatusNames: 'Extra done statuses',
  bypassPolicy: 'When an issue is closed without a valid sign-off',
};

/** What a list means when it is empty, where that is not simply "none". */
const EMPTY_WORDS: Partial<Record<keyof ProjectSettings, string>> = {
  deliverableIssueTypes: 'every issue type',
  approverAccountIds: 'nobody named',
};

const CHOICE_WORDS: Record<string, string> = { reopen: 'reopen it', record: 'record it only' };

/** A settings_changed record in one line, e.g. "Settings changed: Approver project roles “A” → “A”, “B”". */
export function describeSettingsChange(changes: readonly SettingChange[]): string {
  return `Settings changed: ${changes.map(describeOne).join('; ')}`;
}

function describeOne(change: SettingChange): string {
  const key = change.setting as keyof ProjectSettings;
  const label = SETTING_WORDS[key] ?? change.setting;
  const from = change.from === null ? 'unreadable' : describeValue(key, change.from);
  return `${label} ${from} → ${describeValue(key, change.to)}`;
}

function describeValue(key: keyof ProjectSettings, value: SettingValue): string {
  if (Array.isArray(value)) return value.length === 0 ? (EMPTY_WORDS[key] ?? 'none') : value.map((v) => `“${v}”`).join(', ');
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'string') return CHOICE_WORDS[value] ?? `“${value}”`;
  return String(value);
}
