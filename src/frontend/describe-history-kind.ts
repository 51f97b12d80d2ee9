import type { HistoryKind } from '../core/schemas';

/** History record kinds in the words the timeline and its filter use. */
export const historyKindLabels: Readonly<Record<HistoryKind, string>> = {
  baseline_created: 'Baseline created',
  scope_changed: 'Scope change',
  reason_attached: 'Reason attached',
  signoff_recorded: 'Signed off',
  signoff_refused: 'Sign-off refused',
  signoff_revoked: 'Sign-off revoked',
  signoff_stale: 'Sign-off went stale',
  closure_allowed: 'Closure allowed',
  closure_refused: 'Closure refused',
  closure_bypassed: 'Closure bypassed',
  settings_changed: 'Settings changed',
};

export function describeHistoryKind(kind: string): string {
  return (historyKindLabels as Record<string, string>)[kind] ?? kind;
}
