import { normaliseText } from './normalise-text';
import { matchCriteria, type MatchCriteriaOptions } from './match-criteria';
import type { Criterion, DeliverableSnapshot, ScopeChange } from './schemas';

/**
 * A scope change before it is recorded: everything a `scope_changed` record holds except
 * what the recording adds (changeId, source, reason), plus the deliverable id the history
 * record is filed under.
 */
export type ScopeChangeDraft = Omit<ScopeChange, 'changeId' | 'source' | 'reason'> & { deliverableId: string };

/** Criteria as one readable text: the before/after of a deliverable added or removed. */
export function listCriteria(criteria: readonly Pick<Criterion, 'text'>[]): string {
  return criteria.map((c, i) => `${i + 1}. ${normaliseText(c.text)}`).join('\n');
}

/**
 * The scope changes between the last recorded state and a new one. Deliverables are matched
 * by id; titles and `met` flags are not scope. Order: deliverables in `next` order (each one's
 * criterion changes in match order), then removed deliverables in `previous` order.
 * A criterion reworded and reordered yields two changes, criterion_modified then
 * criterion_moved, so every record has exactly one meaning.
 */
export function diffScope(
  previous: readonly DeliverableSnapshot[],
  next: readonly DeliverableSnapshot[],
  options: MatchCriteriaOptions = {},
): ScopeChangeDraft[] {
  const previousById = new Map<string, DeliverableSnapshot>();
  for (const d of previous) if (!previousById.has(d.id)) previousById.set(d.id, d);
  const seen = new Set<string>();
  const changes: ScopeChangeDraft[] = [];

  for (const d of next) {
    if (seen.has(d.id)) continue;
    seen.add(d.id);
    const prior = previousById.get(d.id);
    if (prior === undefined) {
      changes.push(deliverableChange(d, 'deliverable_added'));
      continue;
    }
    if (sameCriteria(prior.criteria, d.criteria)) continue;
    for (const m of matchCriteria(prior.criteria, d.criteria, options)) {
      const base = { deliverableId: d.id, deliverableKey: d.key, diff: null, replaced: false };
      switch (m.kind) {
        case 'unchanged':
          break;
        case 'added':
          changes.push({ ...base, kind: 'criterion_added', criterionId: m.after.id, before: null, after: m.after.text, fromIndex: null, toIndex: m.afterIndex });
          break;
        case 'removed':
          changes.push({ ...base, kind: 'criterion_removed', criterionId: m.before.id, before: m.before.text, after: null, fromIndex: m.beforeIndex, toIndex: null });
          break;
        case 'modified':
        case 'moved': {
          const pair = { criterionId: m.after.id ?? m.before.id, before: m.before.text, after: m.after.text, fromIndex: m.beforeIndex, toIndex: m.afterIndex };
          if (m.kind === 'modified') changes.push({ ...base, ...pair, kind: 'criterion_modified', diff: m.diff, replaced: m.replaced });
          if (m.moved) changes.push({ ...base, ...pair, kind: 'criterion_moved' });
          break;
        }
      }
    }
  }

  for (const d of previousById.values()) {
    if (!seen.has(d.id)) changes.push(deliverableChange(d, 'deliverable_removed'));
  }
  return changes;
}

function deliverableChange(d: DeliverableSnapshot, kind: 'deliverable_added' | 'deliverable_removed'): ScopeChangeDraft {
  const rendered = listCriteria(d.criteria);
  return {
    deliverableId: d.id,
    deliverableKey: d.key,
    kind,
    criterionId: null,
    before: kind === 'deliverable_removed' ? rendered : null,
    after: kind === 'deliverable_added' ? rendered : null,
    diff: null,
    replaced: false,
    fromIndex: null,
    toIndex: null,
  };
}

/** Fast path for the common case (most deliverables untouched): same ids, same text, same order. */
function sameCriteria(a: readonly Criterion[], b: readonly Criterion[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.id !== y.id) return false;
    if (x.text !== y.text && normaliseText(x.text) !== normaliseText(y.text)) return false;
  }
  return true;
}
