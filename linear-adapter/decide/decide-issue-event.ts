import { decideDeliverableEvent, type DeliverableDecision, type DeliverableOutcome, type WorkflowObservation } from '../../src/core/decide-deliverable-event';
import { readClosurePolicy } from '../../src/core/read-closure-policy';
import type { TeamVocabulary } from '../../src/core/find-quality-hints';
import type { Actor, Baseline, ClosurePolicy, HistoryRecord, ServiceMode } from '../../src/core/schemas';
import type { StoreCommit, StoredDeliverable } from '../../src/core/store';
import type { LinearWorkflowState } from '../gateway/gateway-types';
import { deriveActionId, type LinearAction } from '../gateway/linear-action';
import { linearScopeId } from './linear-scope-id';
import type { IssueEvent } from '../ingress/parse-webhook';
import type { ParseHint } from '../../src/core/parse-criteria';
import { planLinearActions } from './plan-linear-actions';
import { planStatusComment, pointsAtStatus } from './plan-status-comment';
import { readLinearFacts } from './read-linear-facts';
import { loadTagger } from '../../src/hints/load-tagger';

const tagger = loadTagger();

export const DEFAULT_LABEL_NAME = 'needs acceptance criteria';

// Linear's state types of issues that will not be delivered.
const NOT_DELIVERED_TYPES = new Set(['canceled', 'duplicate']);

/** The words processing a delivery ends with, for logs and metrics. */
export type DeliveryOutcome = DeliverableOutcome | 'own_change' | 'invalid' | 'no_command' | 'unknown_author' | 'issue_unknown' | 'commands_processed' | 'already_recorded';

/** What processing one delivery decided: written in one transaction, then acted on. */
export interface Decision {
  outcome: DeliveryOutcome;
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
  /** The team's stored settings do not read: closures are refused naming these errors (fail closed). */
  policyErrors?: string[];
  /** The team's hint vocabulary, for the status comment's suggestions; absent: the built-in hints. */
  vocabulary?: TeamVocabulary;
  mode: ServiceMode;
  /** The API key's user: its own changes are never reacted to. */
  viewerId: string | null;
  now: string;
  /**
   * The state a state change left (`updatedFrom.stateId`, read from the team's workflow states),
   * so a move from one done state to another is no closure; null or absent when unknown.
   */
  previousState?: LinearWorkflowState | null;
  /** The issue's scope_changed and reason_attached records, for the status comment; default none. */
  history?: HistoryRecord[];
  /** History ids; default `createRecordIds(deliveryId)`, so a reprocessed delivery yields the same ids. */
  newId?: () => string;
  labelName?: string;
  /** The issue's sign-off records, read when the stored state has a sign-off: the gate checks it against them. */
  signOffHistory?: readonly HistoryRecord[];
}

/** Someone Linear did not name (an integration without an actor): scope changes still need an author. */
export const UNKNOWN_ACTOR: Actor = Object.freeze({ id: 'linear:unknown', name: 'Unknown Linear user', email: null }) as Actor;

/** How an admin fixes Linear settings the gate cannot read: they come from the environment. */
export const LINEAR_SETTINGS_REMEDY = 'Fix the SCOPEKEEPER_* settings in the environment of the Scopekeeper service and restart it.';

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
  return linearScopeId(event.data.teamId);
}

/** The id of the state a state change left, when the event is one. */
export function previousStateIdOf(event: IssueEvent): string | null {
  const from = event.updatedFrom?.stateId;
  return event.action === 'update' && typeof from === 'string' ? from : null;
}

/** Who made the change, as the envelope names them. */
export function actorOfEvent(event: { actor?: { id: string; name?: string | null; email?: string | null } | null }): Actor | null {
  const actor = event.actor;
  return actor ? { id: actor.id, name: actor.name ?? null, email: actor.email ?? null } : null;
}

/**
 * What one Issue webhook means, decided by the core (decideDeliverableEvent) from what the
 * caller read beforehand; this turns the payload into facts and the intents into Linear actions.
 */
export function decideIssueEvent(input: DecideIssueEventInput): Decision {
  const { event, stored } = input;
  if (input.viewerId !== null && event.actor?.id === input.viewerId) return nothingToDo('own_change');
  const labelName = input.labelName ?? DEFAULT_LABEL_NAME;
  const data = event.data;
  const common = {
    stored: stored?.state ?? null,
    baseline: input.baseline,
    // Checked here too: a policy that no longer validates must refuse closures, not wave them through.
    policy: input.policyErrors ? { ok: false as const, errors: input.policyErrors, remedy: LINEAR_SETTINGS_REMEDY } : readClosurePolicy(input.policy, LINEAR_SETTINGS_REMEDY),
    mode: input.mode,
    actor: actorOfEvent(event),
    fallbackActor: UNKNOWN_ACTOR,
    source: 'linear-webhook' as const,
    now: input.now,
    newId: input.newId ?? createRecordIds(input.deliveryId),
    tagger,
    ...(input.signOffHistory ? { signOffHistory: input.signOffHistory } : {}),
  };

  let decision: DeliverableDecision;
  let parseHints: ParseHint[] = [];
  if (event.action === 'remove') {
    decision = decideDeliverableEvent({ ...common, event: { kind: 'removed' } });
  } else {
    const read = readLinearFacts(data);
    const facts = read.facts;
    parseHints = read.parseHints;
    const updatedFrom = event.updatedFrom ?? {};
    const fromId = previousStateIdOf(event);
    const from = input.previousState && input.previousState.id === fromId ? input.previousState : null;
    const workflow: WorkflowObservation =
      event.action === 'update' && Object.hasOwn(updatedFrom, 'stateId') && data.state
        ? { kind: 'moved', from, to: data.state, revertTo: fromId ? { id: fromId, name: from?.name ?? null } : null }
        : { kind: 'none', current: data.state ?? null };
    // No parseHints for the core: its one-off hint comment is not written on Linear, where the
    // status comment carries the hints (planStatusComment), so the core need not tag the words.
    decision = decideDeliverableEvent({ ...common, event: { kind: 'observed', facts, workflow, labelled: labelState(data.labels, labelName) } });
  }

  const { state } = decision;
  // Records decided from the stored state are written with it: a concurrent change to the
  // deliverable (a sign-off landing meanwhile) then fails the commit and the delivery is decided again.
  const commit: StoreCommit | null =
    state && (decision.changed || decision.drafts.length > 0)
      ? { scopeId: state.scopeId, deliverables: [{ state, expectedVersion: stored?.version ?? null }], history: decision.drafts }
      : null;
  const target = { issueId: data.id, teamId: data.teamId, seed: input.deliveryId, labelName };
  const history = input.history ?? [];
  // A new issue that will not be delivered and has no criteria gets no status comment.
  const shown = state !== null && event.action !== 'remove' && (stored !== null || (decision.changed && !(state.criteria.length === 0 && NOT_DELIVERED_TYPES.has(data.state?.type ?? ''))));
  const status = shown
    ? planStatusComment({
        issueId: data.id,
        seed: input.deliveryId,
        policy: common.policy,
        before: stored ? { state: stored.state, baseline: input.baseline, records: history } : null,
        after: { state, baseline: input.baseline?.scopeId === state.scopeId ? input.baseline : null, records: [...history, ...decision.drafts], parseHints },
        force: pointsAtStatus([...decision.intents, ...decision.withheld]),
        ...(input.vocabulary ? { vocabulary: input.vocabulary } : {}),
      })
    : null;
  const shadow = input.mode === 'shadow';
  return {
    outcome: decision.outcome,
    commit,
    actions: planLinearActions(decision.intents, target, shadow ? null : status),
    withheld: planLinearActions(decision.withheld, target, shadow ? status : null),
  };
}

function nothingToDo(outcome: DeliveryOutcome): Decision {
  return { outcome, commit: null, actions: [], withheld: [] };
}

/** True or false when the payload lists the issue's labels; null when it does not say. */
function labelState(labels: { name: string }[] | null | undefined, labelName: string): boolean | null {
  if (!Array.isArray(labels)) return null;
  const wanted = labelName.trim().toLowerCase();
  return labels.some((label) => label.name.trim().toLowerCase() === wanted);
}
