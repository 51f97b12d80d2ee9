import { FALLBACK_DONE_POLICY, type PolicyReading } from './read-closure-policy';
import type { ClosurePolicy } from './schemas';

const fold = (value: string): string => value.trim().toLowerCase();

/**
 * True when a workflow state counts as done under the policy: by name (teams rename "Done"
 * to "Accepted" or "Shipped"), or by the platform's own category, which survives renames
 * (Jira statusCategory key `done`, Linear state type `completed`).
 */
export function isDoneState(
  policy: Pick<ClosurePolicy, 'doneStateNames' | 'doneStateTypes'>,
  state: { name: string; type?: string | null; categoryKey?: string | null },
): boolean {
  const name = fold(state.name);
  if (name !== '' && policy.doneStateNames.some((n) => fold(n) === name)) return true;
  const kinds = [state.type, state.categoryKey].filter((k): k is string => typeof k === 'string' && k.trim() !== '').map(fold);
  return kinds.some((kind) => policy.doneStateTypes.some((t) => fold(t) === kind));
}

/**
 * isDoneState under a policy as read from settings. Unreadable settings still tell the
 * platforms' own done categories, so such a closure is refused rather than let through unjudged.
 */
export function isDoneUnder(reading: PolicyReading, state: { name: string; type?: string | null; categoryKey?: string | null }): boolean {
  return isDoneState(reading.ok ? reading.value : FALLBACK_DONE_POLICY, state);
}
