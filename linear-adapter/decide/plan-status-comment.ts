import type { DeliverableIntent } from '../../src/core/decide-deliverable-event';
import type { TeamVocabulary } from '../../src/core/find-quality-hints';
import type { ParseHint } from '../../src/core/parse-criteria';
import type { PolicyReading } from '../../src/core/read-closure-policy';
import type { Baseline, DeliverableState, HistoryDraft, HistoryRecord, ScopeChange } from '../../src/core/schemas';
import { deriveActionId, type LinearAction } from '../gateway/linear-action';
import { findStatusHints, type FindHints } from './cache-quality-hints';
import { renderStatusComment } from './render-status-comment';

/** What the status shows, before or after one decision. */
export interface StatusSide {
  state: DeliverableState;
  baseline: Baseline | null;
  /** The deliverable's history as stored (any order), then the decision's new records (after only). */
  records: readonly (HistoryRecord | HistoryDraft)[];
  parseHints?: readonly ParseHint[];
}

export interface PlanStatusCommentInput {
  issueId: string;
  /** What the action id derives from: the delivery, the comment or the issue version read. */
  seed: string;
  policy: PolicyReading;
  /** As Scopekeeper last showed it; null when it never has (the update then creates the comment). */
  before: StatusSide | null;
  after: StatusSide | null;
  /** Send it even when its text is unchanged: a reply points at it, so it must be there. */
  force?: boolean;
  /** The team's hint vocabulary (its console settings); absent: the built-in hints. */
  vocabulary?: TeamVocabulary;
  /** Default: the service's cache (findStatusHints), so unchanged criteria are not tagged again. */
  findHints?: FindHints;
}

/** Whether the core's intents include a closure reply, which points at the status comment. */
export function pointsAtStatus(intents: readonly DeliverableIntent[]): boolean {
  return intents.some((i) => i.kind === 'comment' && i.sections.some((s) => s.kind === 'closure_refused'));
}

/** The status comment's id: one per issue, chosen by Scopekeeper, so every update finds it. */
export function statusCommentId(issueId: string): string {
  return deriveActionId(issueId, 'status');
}

/**
 * The edit of the issue's status comment, or null when its text would not change. The text is a
 * function of the stored state, so rendering what was stored tells what Linear shows now.
 */
export function planStatusComment(input: PlanStatusCommentInput): LinearAction | null {
  const { after, before } = input;
  if (!after || !after.state.inScope) return null;
  const findHints = input.findHints ?? findStatusHints;
  const render = (side: StatusSide): string =>
    renderStatusComment({
      state: side.state,
      baseline: side.baseline,
      policy: input.policy,
      undocumented: listUndocumented(side.records, side.state.id),
      parseHints: side.parseHints ?? [],
      hints: side.state.criteria.length > 0 ? findHints(side.state.criteria, input.vocabulary) : [],
    });
  const body = render(after);
  if (!input.force && before && render(before) === body) return null;
  return { type: 'comment_update', id: deriveActionId(input.seed, 'status'), issueId: input.issueId, commentId: statusCommentId(input.issueId), body };
}

/**
 * The deliverable's scope changes without a reason and with no later reason attached, oldest
 * first. Stored records come in `seq` order; drafts (not yet stored) follow them.
 */
export function listUndocumented(records: readonly (HistoryRecord | HistoryDraft)[], deliverableId: string): ScopeChange[] {
  const ordered = [...records].sort((a, b) => seqOf(a) - seqOf(b));
  const documented = new Set<string>();
  for (const record of ordered) if (record.kind === 'reason_attached') for (const id of record.data.changeIds) documented.add(id);
  const open: ScopeChange[] = [];
  for (const record of ordered) {
    if (record.kind !== 'scope_changed' || record.deliverableId !== deliverableId) continue;
    if (record.data.reason !== null || documented.has(record.data.changeId) || documented.has(record.id)) continue;
    open.push(record.data);
  }
  return open;
}

function seqOf(record: HistoryRecord | HistoryDraft): number {
  return 'seq' in record && typeof record.seq === 'number' ? record.seq : Number.MAX_SAFE_INTEGER;
}
