import type { Criterion, DeliverableState } from './schemas';

/**
 * Whether writing `b` over `a` would change anything a reader can see: every field but the time
 * of the write. The sign-off compares by id (a new sign-off is a new id); criteria by id, text,
 * `met` and order. The one definition of "unchanged", so no adapter writes (or skips) differently.
 */
export function isSameDeliverableState(a: DeliverableState, b: DeliverableState): boolean {
  return (
    a.platform === b.platform &&
    a.id === b.id &&
    a.key === b.key &&
    a.scopeId === b.scopeId &&
    a.title === b.title &&
    a.assigneeId === b.assigneeId &&
    a.inScope === b.inScope &&
    (a.signOff?.id ?? null) === (b.signOff?.id ?? null) &&
    isSameCriteria(a.criteria, b.criteria)
  );
}

function isSameCriteria(a: readonly Criterion[], b: readonly Criterion[]): boolean {
  return a.length === b.length && a.every((c, i) => c.id === b[i]?.id && c.text === b[i]?.text && c.met === b[i]?.met);
}
