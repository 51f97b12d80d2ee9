import { computeDigest } from './compute-digest';
import { diffScope, type ScopeChangeDraft } from './diff-scope';
import type { MatchCriteriaOptions } from './match-criteria';
import type { Actor, Baseline, ChangeSource, DeliverableSnapshot, DeliverableState, HistoryDraft, ScopeChange } from './schemas';

interface RecordingContext {
  baseline: Baseline | null;
  actor: Actor;
  now: string;
  source: ChangeSource;
  /** Empty or whitespace counts as no reason: the change is undocumented. */
  reason: string | null;
  newId: () => string;
}

export interface RecordCriteriaChangeInput extends RecordingContext {
  /** The last recorded state; null when the deliverable was never seen. */
  previous: DeliverableState | null;
  /** The deliverable with its new criteria. */
  next: DeliverableState;
  match?: MatchCriteriaOptions;
}

export interface RecordDeliverableRemovalInput extends RecordingContext {
  previous: DeliverableState;
}

export interface RecordedChange {
  state: DeliverableState;
  /** scope_changed drafts (one per change), then signoff_stale if the edit staled a sign-off. */
  drafts: HistoryDraft[];
  changes: ScopeChange[];
}

/**
 * Records new criteria for a deliverable.
 * - Criteria before a baseline are a draft: without a baseline, no scope change is recorded.
 * - After the baseline, every change to a deliverable in that scope is a scope change, one
 *   `scope_changed` draft each (chainHistory gives each its own scope version N.1, N.2, ...).
 *   A deliverable first seen after the baseline, and not in it, is a scope addition.
 * - Any change to criteria text, order or count makes an earlier sign-off stale: recorded
 *   once, as `signoff_stale`, when the edit breaks a sign-off that still matched. The sign-off
 *   stays on the state; staleness is derived from its digest. `met` flags are not scope.
 * Each change's changeId is also its history record's id, so a reason attached later can
 * refer to either.
 */
export function recordCriteriaChange(input: RecordCriteriaChangeInput): RecordedChange {
  const { previous, next, baseline, now } = input;
  const signOff = next.signOff ?? previous?.signOff ?? null;
  const state: DeliverableState = { ...next, signOff, updatedAt: now };

  let scopeDrafts: ScopeChangeDraft[] = [];
  if (baseline && next.inScope) {
    assertSameScope(baseline, next.scopeId);
    const reference = referenceSnapshot(previous, next, baseline);
    scopeDrafts = diffScope(reference ? [reference] : [], [snapshotOf(next)], input.match);
  }
  const { drafts, changes } = recordScopeChanges(scopeDrafts, next.scopeId, input);

  const signed = previous?.signOff ?? null;
  if (previous && signed) {
    const previousDigest = computeDigest(previous.criteria);
    const currentDigest = computeDigest(next.criteria);
    if (signed.digest === previousDigest && currentDigest !== previousDigest) {
      drafts.push({
        id: input.newId(),
        scopeId: next.scopeId,
        at: now,
        actor: input.actor,
        deliverableId: next.id,
        kind: 'signoff_stale',
        data: { signOffId: signed.id, signedDigest: signed.digest, currentDigest },
      });
    }
  }
  return { state, drafts, changes };
}

/**
 * Records a deliverable deleted or moved out of its scope: inScope becomes false and, after
 * the baseline, a `deliverable_removed` scope change is recorded. Repeating it is a no-op,
 * so a redelivered webhook does not record the removal twice.
 */
export function recordDeliverableRemoval(input: RecordDeliverableRemovalInput): RecordedChange {
  const { previous, baseline, now } = input;
  if (!previous.inScope) return { state: previous, drafts: [], changes: [] };
  const state: DeliverableState = { ...previous, inScope: false, updatedAt: now };
  let scopeDrafts: ScopeChangeDraft[] = [];
  if (baseline) {
    assertSameScope(baseline, previous.scopeId);
    scopeDrafts = diffScope([snapshotOf(previous)], []);
  }
  return { state, ...recordScopeChanges(scopeDrafts, previous.scopeId, input) };
}

/** What the new criteria are compared with; null means the deliverable is new to the scope. */
function referenceSnapshot(previous: DeliverableState | null, next: DeliverableState, baseline: Baseline): DeliverableSnapshot | null {
  // Never seen by us, but part of the baseline: the baseline is the last agreed state.
  if (previous === null) return baseline.deliverables.find((d) => d.id === next.id) ?? null;
  // Removed earlier or coming from another scope: it (re-)enters this scope as an addition.
  if (!previous.inScope || previous.scopeId !== next.scopeId) return null;
  return snapshotOf(previous);
}

function recordScopeChanges(
  scopeDrafts: readonly ScopeChangeDraft[],
  scopeId: string,
  ctx: RecordingContext,
): { drafts: HistoryDraft[]; changes: ScopeChange[] } {
  const reason = ctx.reason !== null && ctx.reason.trim() !== '' ? ctx.reason.trim() : null;
  const drafts: HistoryDraft[] = [];
  const changes: ScopeChange[] = [];
  for (const d of scopeDrafts) {
    const changeId = ctx.newId();
    // Every field spelled out: a field zod would default on read would otherwise change the hash.
    const change: ScopeChange = {
      changeId,
      kind: d.kind,
      deliverableKey: d.deliverableKey,
      criterionId: d.criterionId,
      before: d.before,
      after: d.after,
      diff: d.diff,
      replaced: d.replaced,
      fromIndex: d.fromIndex,
      toIndex: d.toIndex,
      source: ctx.source,
      reason,
    };
    changes.push(change);
    drafts.push({ id: changeId, scopeId, at: ctx.now, actor: ctx.actor, deliverableId: d.deliverableId, kind: 'scope_changed', data: change });
  }
  return { drafts, changes };
}

function snapshotOf(state: DeliverableState): DeliverableSnapshot {
  return { id: state.id, key: state.key, title: state.title, criteria: state.criteria };
}

function assertSameScope(baseline: Baseline, scopeId: string): void {
  if (baseline.scopeId !== scopeId) throw new Error(`baseline ${baseline.id} belongs to scope ${baseline.scopeId}, not ${scopeId}`);
}
