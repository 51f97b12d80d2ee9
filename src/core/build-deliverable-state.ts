import type { Criterion, DeliverableState, Platform } from './schemas';

/** What a platform says about a deliverable now. A field left undefined is unknown: what was stored stays. */
export interface DeliverableFacts {
  platform: Platform;
  id: string;
  key: string;
  scopeId: string;
  title?: string;
  assigneeId?: string | null;
  /**
   * Criteria the platform itself holds (Linear: the issue description). Undefined where
   * Scopekeeper keeps them (Jira: the issue panel) or the event did not carry them.
   */
  criteria?: Criterion[];
}

/**
 * The deliverable as the gate decides from it, the one merge rule for every platform: identity
 * from the platform; criteria as stored unless the platform holds them; sign-off as stored; the
 * assignee as the platform has it now, since the self sign-off rule needs today's. `updatedAt`
 * stays the stored one (now for a deliverable never stored): whoever writes the state sets it.
 */
export function buildDeliverableState(stored: DeliverableState | null, facts: DeliverableFacts, now: string): DeliverableState {
  return {
    platform: facts.platform,
    id: facts.id,
    key: facts.key,
    scopeId: facts.scopeId,
    title: facts.title ?? stored?.title ?? '',
    assigneeId: facts.assigneeId === undefined ? (stored?.assigneeId ?? null) : facts.assigneeId,
    criteria: facts.criteria ?? stored?.criteria ?? [],
    signOff: stored?.signOff ?? null,
    inScope: true,
    updatedAt: stored?.updatedAt ?? now,
  };
}
