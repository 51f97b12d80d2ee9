import { findUndocumentedChanges } from './attach-reason';
import { hasValidSignOff } from './has-valid-sign-off';
import { isSignOffStale } from './is-sign-off-stale';
import { matchCriteria } from './match-criteria';
import type {
  Baseline,
  ClosurePolicy,
  Criterion,
  DeliverableState,
  HistoryRecord,
  HistoryRecordOf,
} from './schemas';

export interface DeliverableDrift {
  id: string;
  key: string;
  /** added: created after the baseline; removed: gone or out of scope; changed: criteria differ. */
  status: 'added' | 'removed' | 'changed';
  criteriaAdded: number;
  criteriaRemoved: number;
  criteriaModified: number;
}

export interface ScopeDrift {
  baselineName: string | null;
  baselineCriterionCount: number;
  criteriaAdded: number;
  criteriaRemoved: number;
  criteriaModified: number;
  /**
   * (added + removed + modified) / baseline criteria. Can exceed 1 when more was added than
   * was baselined. Null without a baseline, or when the baseline had no criteria.
   */
  share: number | null;
  deliverables: DeliverableDrift[];
}

export interface ScopeSignals {
  /** In-scope deliverables: the population of every per-deliverable signal below. */
  deliverableCount: number;
  drift: ScopeDrift;
  undocumentedChanges: { count: number; records: HistoryRecordOf<'scope_changed'>[] };
  withoutCriteria: { count: number; keys: string[] };
  staleSignOffs: { count: number; keys: string[] };
  /**
   * Closures that stand without a valid sign-off (bypasses: closure_bypassed, action recorded),
   * against every closure that stands (those and closure_allowed). A closure Scopekeeper moved
   * back (closure_refused, or an older bypass record with action reopened) never stood.
   */
  bypasses: {
    count: number;
    closureCount: number;
    share: number | null;
    keys: string[];
    records: HistoryRecordOf<'closure_bypassed'>[];
  };
  signOffCoverage: { covered: number; total: number; share: number | null; missingKeys: string[] };
}

/**
 * The early-warning signals for delivery managers, computed from a scope's active baseline,
 * its current deliverables and its history.
 *
 * Per-deliverable signals (without criteria, stale sign-offs, coverage) count in-scope
 * deliverables only. History signals (undocumented changes, bypasses) count every record
 * passed in: a change stays undocumented even if its deliverable later left the scope.
 * With a policy, a "valid" sign-off must also pass the gate's signer rules; without one,
 * valid means present and not stale.
 */
export function computeSignals(input: {
  baseline: Baseline | null;
  deliverables: readonly DeliverableState[];
  history: readonly HistoryRecord[];
  policy?: ClosurePolicy;
}): ScopeSignals {
  const { baseline, deliverables, history, policy } = input;
  const inScope = deliverables.filter((d) => d.inScope);

  const withoutCriteria = inScope.filter((d) => d.criteria.length === 0).map((d) => d.key);
  const staleSignOffs = inScope.filter((d) => d.signOff !== null && isSignOffStale(d.signOff, d.criteria)).map((d) => d.key);

  const missingKeys = inScope.filter((d) => !hasValidSignOff(d, policy)).map((d) => d.key);
  const covered = inScope.length - missingKeys.length;

  const keyById = new Map(deliverables.map((d) => [d.id, d.key]));
  const bypassRecords = history.filter((r): r is HistoryRecordOf<'closure_bypassed'> => r.kind === 'closure_bypassed' && r.data.action === 'recorded');
  const allowedCount = history.filter((r) => r.kind === 'closure_allowed').length;
  const closureCount = allowedCount + bypassRecords.length;
  const bypassKeys = unique(bypassRecords.map((r) => (r.deliverableId === null ? null : (keyById.get(r.deliverableId) ?? r.deliverableId))));

  const undocumented = findUndocumentedChanges(history);

  return {
    deliverableCount: inScope.length,
    drift: measureDrift(baseline, deliverables),
    undocumentedChanges: { count: undocumented.length, records: undocumented },
    withoutCriteria: { count: withoutCriteria.length, keys: withoutCriteria },
    staleSignOffs: { count: staleSignOffs.length, keys: staleSignOffs },
    bypasses: {
      count: bypassRecords.length,
      closureCount,
      share: closureCount === 0 ? null : bypassRecords.length / closureCount,
      keys: bypassKeys,
      records: bypassRecords,
    },
    signOffCoverage: {
      covered,
      total: inScope.length,
      share: inScope.length === 0 ? null : covered / inScope.length,
      missingKeys,
    },
  };
}

function unique(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}

/**
 * Compares the baseline snapshot with the current deliverables (not a replay of history, so
 * drift is right even where a change was never recorded). Deliverables pair by id; criteria
 * pair through `matchCriteria`, the same matching that records scope changes, so a reworded
 * criterion is one modification, not a removal plus an addition. A criterion that only moved
 * is not drift: what was agreed is unchanged.
 */
function measureDrift(baseline: Baseline | null, deliverables: readonly DeliverableState[]): ScopeDrift {
  if (!baseline) {
    return {
      baselineName: null, baselineCriterionCount: 0, criteriaAdded: 0, criteriaRemoved: 0, criteriaModified: 0, share: null, deliverables: [],
    };
  }
  const current = new Map(deliverables.filter((d) => d.inScope).map((d) => [d.id, d]));
  const baselineIds = new Set(baseline.deliverables.map((d) => d.id));
  const rows: DeliverableDrift[] = [];
  let baselineCriterionCount = 0;

  for (const snapshot of baseline.deliverables) {
    baselineCriterionCount += snapshot.criteria.length;
    const now = current.get(snapshot.id);
    if (!now) {
      rows.push({ id: snapshot.id, key: snapshot.key, status: 'removed', criteriaAdded: 0, criteriaRemoved: snapshot.criteria.length, criteriaModified: 0 });
      continue;
    }
    const { added, removed, modified } = compareCriteria(snapshot.criteria, now.criteria);
    if (added + removed + modified > 0) {
      rows.push({ id: now.id, key: now.key, status: 'changed', criteriaAdded: added, criteriaRemoved: removed, criteriaModified: modified });
    }
  }
  for (const d of current.values()) {
    if (!baselineIds.has(d.id)) {
      rows.push({ id: d.id, key: d.key, status: 'added', criteriaAdded: d.criteria.length, criteriaRemoved: 0, criteriaModified: 0 });
    }
  }

  const criteriaAdded = sum(rows, 'criteriaAdded');
  const criteriaRemoved = sum(rows, 'criteriaRemoved');
  const criteriaModified = sum(rows, 'criteriaModified');
  return {
    baselineName: baseline.name,
    baselineCriterionCount,
    criteriaAdded,
    criteriaRemoved,
    criteriaModified,
    share: baselineCriterionCount === 0 ? null : (criteriaAdded + criteriaRemoved + criteriaModified) / baselineCriterionCount,
    deliverables: rows,
  };
}

function sum(rows: readonly DeliverableDrift[], field: 'criteriaAdded' | 'criteriaRemoved' | 'criteriaModified'): number {
  return rows.reduce((total, row) => total + row[field], 0);
}

/** Counts criteria added, removed and modified between two lists of one deliverable. */
export function compareCriteria(
  before: readonly Criterion[],
  after: readonly Criterion[],
): { added: number; removed: number; modified: number } {
  const counts = { added: 0, removed: 0, modified: 0 };
  for (const match of matchCriteria(before, after)) {
    if (match.kind === 'added' || match.kind === 'removed' || match.kind === 'modified') counts[match.kind] += 1;
  }
  return counts;
}
