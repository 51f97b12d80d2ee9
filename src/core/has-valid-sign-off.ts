import { evaluateClosure } from './evaluate-closure';
import { isSignOffStale } from './is-sign-off-stale';
import type { PolicyReading } from './read-closure-policy';
import type { ClosurePolicy, ClosureReasonCode, DeliverableState } from './schemas';

/** Reasons from the gate that mean "no sign-off that counts"; settings that cannot be read vouch for no signer. */
const SIGNOFF_REASONS: ReadonlySet<ClosureReasonCode> = new Set(['NO_SIGNOFF', 'SIGNOFF_STALE', 'SELF_SIGNOFF', 'SIGNER_NOT_AUTHORISED', 'SETTINGS_UNREADABLE']);

/**
 * Whether the deliverable's sign-off counts: present, not stale and, under a policy, passing the
 * gate's signer rules (other unmet conditions, such as unmet criteria, are not about the sign-off).
 * Without a policy, valid means present and not stale.
 */
export function hasValidSignOff(state: DeliverableState, policy?: ClosurePolicy | PolicyReading): boolean {
  if (!state.signOff) return false;
  if (!policy) return !isSignOffStale(state.signOff, state.criteria);
  const verdict = evaluateClosure({ state, policy });
  return verdict.allowed || !verdict.reasons.some((r) => SIGNOFF_REASONS.has(r.code));
}
