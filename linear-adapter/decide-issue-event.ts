import { computeDigest } from '../src/core/compute-digest';
import { evaluateClosure } from '../src/core/evaluate-closure';
import { findQualityHints } from '../src/core/find-quality-hints';
import { isDoneState } from '../src/core/is-done-state';
import { parseCriteria, type ParseHintCode } from '../src/core/parse-criteria';
import { recordCriteriaChange, recordDeliverableRemoval } from '../src/core/record-criteria-change';
import type { Actor, Baseline, ClosurePolicy, Criterion, DeliverableState, HistoryDraft } from '../src/core/schemas';
import type { StoreCommit, StoredDeliverable } from '../src/core/store';
import { deriveActionId, type LinearAction } from './linear-action';
import type { IssueEvent } from './parse-webhook';
import { renderComments, type CommentSection, type HintLine } from './render-comments';

export type ServiceMode = 'enforce' | 'shadow';

export const DEFAULT_LABEL_NAME = 'needs acceptance criteria';

/** What processing one delivery decided: written in one transaction, then acted on. */
export interface Decision {
  /** A short word for logs and metrics. */
  outcome: string;
  commit: StoreCommit | null;
  /** Actions to store in the outbox and send. Always empty in shadow mode. */
  actions: LinearAction[];
  /** Shadow mode: the actions enforce mode would have taken; logged, never sent. */
  withheld: LinearAction[];
}

export interface DecideIssueEventInput {
  event: IssueEvent;
  deliveryId: string;
  /** The deliverable as last stored, or null when Scopekeeper has not seen the issue. */
  stored: StoredDeliverable | null;
  /** The active baseline of the scope the decision writes to (see `scopeOfIssueEvent`). */
  baseline: Baseline | null;
  /** Approvers and done state types included (load-config's buildClosurePolicy). */
  policy: ClosurePolicy;
  mode: ServiceMode;
  /** The API key's user: its own changes are never reacted to. */
  viewerId: string | null;
  now: string;
  /** History ids; default `createRecordIds(deliveryId)`, so a reprocessed delivery yields the same ids. */
  newId?: () => string;
  labelName?: string;
}

/** Someone Linear did not name (an integration without an actor): scope changes still need an author. */
export const UNKNOWN_ACTOR: Actor = Object.freeze({ id: 'linear:unknown', name: 'Unknown Linear user', email: null }) as Actor;

// States whose issues will not be delivered: asking them for criteria is noise.
const NOT_DELIVERED_TYPES = new Set(['canceled', 'duplicate']);
// Parse hints already covered by the template comment, or not about the writing.
const SILENT_PARSE_HINTS = new Set<ParseHintCode>(['NOT_TEXT', 'NO_SECTION', 'EMPTY_SECTION', 'PARSE_FAILED']);

/**
 * Deterministic history ids for one delivery (or one comment): a reprocessed delivery produces
 * the same ids, so the store's unique record ids make a double write impossible.
 */
export function createRecordIds(seed: string): () => string {
  let n = 0;
  return () => {
    n += 1;
    return deriveActionId(seed, 'record', String(n));
  };
}

/** The scope an issue event writes to: the team's scope, or the stored one for a removal. */
export function scopeOfIssueEvent(event: IssueEvent, stored: StoredDeliverable | null): string {
  if (event.action === 'remove' && stored) return stored.state.scopeId;
  return `linear:${event.data.teamId}`;
}

/** Who made the change, as the envelope names them. */
export function actorOfEvent(event: { actor?: { id: string; name?: string | null; email?: string | null } | null }): Actor | null {
  const actor = event.actor;
  return actor ? { id: actor.id, name: actor.name ?? null, email: actor.email ?? null } : null;
}

/**
 * Decides what one Issue webhook means: the deliverable's new state and history records, and
 * what to do on Linear. Pure: everything it needs is read by the caller beforehand.
 */
export function decideIssueEvent(input: DecideIssueEventInput): Decision {
  const { event, stored } = input;
  if (input.viewerId !== null && event.actor?.id === input.viewerId) return nothingToDo('own_change');
  const newId = input.newId ?? createRecordIds(input.deliveryId);
  const actor = actorOfEvent(event);

  if (event.action === 'remove') {
    if (!stored || !stored.state.inScope) return nothingToDo('ignored');
    const removal = recordDeliverableRemoval({
      previous: stored.state,
      baseline: baselineOf(input.baseline, stored.state.scopeId),
      actor: actor ?? UNKNOWN_ACTOR,
      now: input.now,
      source: 'linear-webhook',
      reason: null,
      newId,
    });
    return {
      outcome: 'removed',
      commit: {
        scopeId: stored.state.scopeId,
        deliverables: [{ state: removal.state, expectedVersion: stored.version }],
        history: removal.drafts,
      },
      actions: [],
      withheld: [],
    };
  }

  const data = event.data;
  const scopeId = `linear:${data.teamId}`;
  const previous = stored?.state ?? null;
  const labelName = input.labelName ?? DEFAULT_LABEL_NAME;
  // A field missing from the payload is unknown, not empty: keep what was stored.
  const parsed = data.description === undefined ? null : parseCriteria(data.description ?? '');
  const criteria: Criterion[] = parsed ? parsed.criteria : (previous?.criteria ?? []);
  const next: DeliverableState = {
    platform: 'linear',
    id: data.id,
    key: data.identifier,
    scopeId,
    title: data.title,
    assigneeId: data.assigneeId === undefined ? (previous?.assigneeId ?? null) : data.assigneeId,
    criteria,
    signOff: previous?.signOff ?? null,
    inScope: true,
    updatedAt: input.now,
  };
  const recorded = recordCriteriaChange({
    previous,
    next,
    baseline: baselineOf(input.baseline, scopeId),
    actor: actor ?? UNKNOWN_ACTOR,
    now: input.now,
    source: 'linear-webhook',
    reason: null,
    newId,
  });
  const drafts: HistoryDraft[] = [...recorded.drafts];
  const state = recorded.state;
  const sections: CommentSection[] = [];
  const actions: LinearAction[] = [];
  let outcome = recorded.changes.length > 0 ? 'scope_changed' : 'recorded';

  // Closure gate: only a move into a done state, judged on the criteria as they stand after this edit.
  const updatedFrom = event.updatedFrom ?? {};
  const movedTo = event.action === 'update' && Object.hasOwn(updatedFrom, 'stateId') ? data.state : null;
  if (movedTo && isDoneState(input.policy, movedTo)) {
    const verdict = evaluateClosure({ state, policy: input.policy });
    if (verdict.allowed) {
      drafts.push({ ...draftBase(newId, state, actor, input.now), kind: 'closure_allowed', data: { toState: movedTo.name } });
      outcome = 'closure_allowed';
    } else {
      // A closure Scopekeeper reverts never happened, so it is a refusal, not a bypass.
      drafts.push({ ...draftBase(newId, state, actor, input.now), kind: 'closure_refused', data: { toState: movedTo.name, reasons: verdict.reasons } });
      const previousStateId = typeof updatedFrom.stateId === 'string' ? updatedFrom.stateId : null;
      if (previousStateId) {
        actions.push({ type: 'set_state', id: deriveActionId(input.deliveryId, 'revert'), issueId: data.id, stateId: previousStateId });
      }
      sections.push({ kind: 'closure_refused', key: state.key, toState: movedTo.name, reverted: previousStateId !== null, reasons: verdict.reasons });
      outcome = input.mode === 'shadow' ? 'closure_refused_shadow' : 'closure_refused';
    }
  }

  const stale = recorded.drafts.find((d) => d.kind === 'signoff_stale');
  if (stale && previous?.signOff) {
    sections.push({
      kind: 'signoff_stale',
      key: state.key,
      signOff: previous.signOff,
      changeCount: recorded.changes.length,
      undocumented: recorded.changes.some((c) => c.reason === null),
    });
  }

  const delivered = !NOT_DELIVERED_TYPES.has(data.state?.type ?? '');
  const hasLabel = labelState(data.labels, labelName);
  if (criteria.length === 0) {
    if (delivered) {
      sections.push({ kind: 'criteria_template', key: state.key, labelName });
      // Without the label list, add it only when the issue just lost its criteria (or is new to us).
      const add = hasLabel === false || (hasLabel === null && (previous === null || previous.criteria.length > 0));
      if (add) actions.push({ type: 'add_label', id: deriveActionId(input.deliveryId, 'add_label'), issueId: data.id, teamId: data.teamId, labelName });
    }
  } else {
    const remove = hasLabel === true || (hasLabel === null && previous !== null && previous.criteria.length === 0);
    if (remove) actions.push({ type: 'remove_label', id: deriveActionId(input.deliveryId, 'remove_label'), issueId: data.id, labelName });
    // Advice only when the criteria are new to Scopekeeper, so an unrelated update never repeats it.
    const criteriaChanged = previous === null || computeDigest(previous.criteria) !== computeDigest(criteria);
    const hints = criteriaChanged ? collectHints(criteria, parsed?.hints ?? []) : [];
    if (hints.length > 0) sections.push({ kind: 'quality_hints', key: state.key, hints });
  }

  const body = renderComments(sections);
  if (body !== null) {
    // The template alone is said once per issue: its id comes from the issue, so later
    // deliveries produce the same id and the outbox (and Linear) keep only the first.
    const templateOnly = sections.length === 1 && sections[0]?.kind === 'criteria_template';
    const id = templateOnly ? deriveActionId(data.id, 'criteria-template') : deriveActionId(input.deliveryId, 'comment');
    // After the revert: the outbox sends one issue's actions in order, and undoing a closure
    // that should not stand is the urgent part; the explanation follows a moment later.
    const revert = actions.findIndex((a) => a.type === 'set_state');
    actions.splice(revert + 1, 0, { type: 'comment', id, issueId: data.id, body });
  }

  // Records decided from the stored state are written with it: a concurrent change to the
  // deliverable (a sign-off landing meanwhile) then fails the commit and the delivery is decided again.
  const write = previous === null || !sameState(previous, state) || drafts.length > 0;
  const commit: StoreCommit | null =
    write || drafts.length > 0
      ? {
          scopeId,
          ...(write ? { deliverables: [{ state, expectedVersion: stored?.version ?? null }] } : {}),
          history: drafts,
        }
      : null;
  if (commit === null && outcome === 'recorded') outcome = 'unchanged';
  return input.mode === 'shadow' ? { outcome, commit, actions: [], withheld: actions } : { outcome, commit, actions, withheld: [] };
}

function nothingToDo(outcome: string): Decision {
  return { outcome, commit: null, actions: [], withheld: [] };
}

function baselineOf(baseline: Baseline | null, scopeId: string): Baseline | null {
  return baseline && baseline.scopeId === scopeId ? baseline : null;
}

/** True or false when the payload lists the issue's labels; null when it does not say. */
function labelState(labels: { name: string }[] | null | undefined, labelName: string): boolean | null {
  if (!Array.isArray(labels)) return null;
  const wanted = labelName.trim().toLowerCase();
  return labels.some((label) => label.name.trim().toLowerCase() === wanted);
}

function collectHints(criteria: readonly Criterion[], parseHints: readonly { code: ParseHintCode; message: string }[]): HintLine[] {
  const lines: HintLine[] = parseHints
    .filter((hint) => !SILENT_PARSE_HINTS.has(hint.code))
    .map((hint) => ({ criterionIndex: null, criterionText: null, message: hint.message }));
  for (const hint of findQualityHints(criteria)) {
    lines.push({ criterionIndex: hint.criterionIndex, criterionText: criteria[hint.criterionIndex]?.text ?? null, message: hint.message });
  }
  return lines;
}

function draftBase(newId: () => string, state: DeliverableState, actor: Actor | null, now: string) {
  return { id: newId(), scopeId: state.scopeId, at: now, actor, deliverableId: state.id };
}

/** Whether a write would change anything a reader can see (the time of the write aside). */
function sameState(a: DeliverableState, b: DeliverableState): boolean {
  return (
    a.platform === b.platform &&
    a.id === b.id &&
    a.key === b.key &&
    a.scopeId === b.scopeId &&
    a.title === b.title &&
    a.assigneeId === b.assigneeId &&
    a.inScope === b.inScope &&
    (a.signOff?.id ?? null) === (b.signOff?.id ?? null) &&
    a.criteria.length === b.criteria.length &&
    a.criteria.every((c, i) => {
      const d = b.criteria[i];
      return d !== undefined && c.id === d.id && c.text === d.text && c.met === d.met;
    })
  );
}
