import type { TeamVocabulary } from '../../src/core/find-quality-hints';
import { findUndocumentedChanges, attachReason } from '../../src/core/attach-reason';
import { decideDeliverableEvent } from '../../src/core/decide-deliverable-event';
import { isDoneUnder } from '../../src/core/is-done-state';
import { readClosurePolicy } from '../../src/core/read-closure-policy';
import { buildDeliverableState } from '../../src/core/build-deliverable-state';
import { checkBaselineAuthority } from '../../src/core/check-baseline-authority';
import { displayActor, hasApproverLists } from '../../src/core/check-sign-off-authority';
import { createBaseline } from '../../src/core/create-baseline';
import { recordCriteriaChange } from '../../src/core/record-criteria-change';
import { recordSignOff } from '../../src/core/record-sign-off';
import { revokeSignOff } from '../../src/core/revoke-sign-off';
import type { Actor, Baseline, ClosurePolicy, DeliverableState, HistoryDraft, HistoryRecord, HistoryRecordOf, ServiceMode } from '../../src/core/schemas';
import { snapshotScope } from '../../src/core/snapshot-scope';
import type { StoreCommit, StoredDeliverable } from '../../src/core/store';
import { createRecordIds, LINEAR_SETTINGS_REMEDY, UNKNOWN_ACTOR, type Decision, type DeliveryOutcome } from './decide-issue-event';
import type { LinearIssue, LinearWorkflowState } from '../gateway/gateway-types';
import { deriveActionId, type LinearAction } from '../gateway/linear-action';
import { linearScopeId } from './linear-scope-id';
import type { Command } from './parse-commands';
import { pickReopenState } from './pick-reopen-state';
import { planStatusComment } from './plan-status-comment';
import { describeApprovers } from './render-status-comment';
import { readLinearFacts } from './read-linear-facts';
import { renderComments, type CommandReply, type ReopenOutcome } from './render-comments';
import { loadTagger } from '../../src/hints/load-tagger';

const tagger = loadTagger();

export interface DecideCommentCommandsInput {
  comment: { id: string; body: string; issueId: string; userId?: string | null };
  /** `parseCommands(comment.body)`. */
  commands: Command[];
  /** The issue read through the gateway; null without an API key (or when Linear did not return it). */
  issue: LinearIssue | null;
  stored: StoredDeliverable | null;
  /** The active baseline of the issue's scope (`scopeOfComment`). */
  baseline: Baseline | null;
  /** The scope's stored deliverables; read only when a `/baseline` command is present. */
  teamDeliverables: StoredDeliverable[];
  /**
   * The scope_changed and reason_attached records (any order) of the issue and of every issue a
   * `/scope-reason KEY: …` names; for the reasons and the status comment.
   */
  history: HistoryRecord[];
  /** The team's workflow states, read when a `/revoke-signoff` may reopen a done issue; else empty. */
  workflowStates?: readonly LinearWorkflowState[];
  /** The comment's author with email when it could be known; null when Linear named nobody. */
  signer: Actor | null;
  /** Approvers included (load-config's buildClosurePolicy). */
  policy: ClosurePolicy;
  /** The team's hint vocabulary, for the status comment's suggestions; absent: the built-in hints. */
  vocabulary?: TeamVocabulary;
  /**
   * The author is a Linear workspace admin (`User.admin`, read from Linear). With no approvers
   * listed only admins may sign off or record a baseline; false when it could not be read.
   */
  signerIsAdmin?: boolean;
  mode: ServiceMode;
  now: string;
  deliveryId: string;
  viewerId: string | null;
  /** The comment's id is one Scopekeeper created (QueueStore.isOwnAction). */
  isOwnAction: boolean;
  /** History ids; default `createRecordIds(comment.id)`: one comment's commands are recorded once, whatever the delivery. */
  newId?: () => string;
}

/** The scope a comment's commands act on: the one Scopekeeper keeps the issue in, else the issue's team. */
export function scopeOfComment(stored: StoredDeliverable | null, issue: LinearIssue | null): string | null {
  return stored?.state.scopeId ?? (issue ? linearScopeId(issue.teamId) : null);
}

/**
 * Decides what the slash commands in one new comment do. Every command is answered, and all
 * answers go into one reply comment. Pure: the caller reads everything beforehand.
 */
export function decideCommentCommands(input: DecideCommentCommandsInput): Decision {
  const { comment, signer } = input;
  if (input.isOwnAction || (input.viewerId !== null && comment.userId === input.viewerId)) return nothingToDo('own_change');
  if (input.commands.length === 0) return nothingToDo('no_command');
  if (signer === null) return nothingToDo('unknown_author');
  if (input.viewerId !== null && signer.id === input.viewerId) return nothingToDo('own_change');

  const newId = input.newId ?? createRecordIds(comment.id);
  const replies: CommandReply[] = [];
  const drafts: HistoryDraft[] = [];
  const start = startingState(input, newId);
  let state = start?.state ?? null;
  if (start) drafts.push(...start.drafts);
  let baseline = input.baseline;
  let createdBaseline: Baseline | null = null;
  const documented = new Set<string>();

  const actions: LinearAction[] = [];
  const policyReading = readClosurePolicy(input.policy, LINEAR_SETTINGS_REMEDY);
  for (const command of input.commands) {
    if (command.name === 'invalid') {
      replies.push({ command: command.command, kind: 'missing_text' });
      continue;
    }
    if (command.name === 'unknown') {
      replies.push({ command: command.written, kind: 'unknown_command', written: command.written, suggestion: command.suggestion });
      continue;
    }
    if (command.name === 'misplaced') {
      replies.push({ command: command.command, kind: 'not_at_line_start' });
      continue;
    }
    if (state === null) {
      replies.push({ command: command.name, kind: 'issue_unknown' });
      continue;
    }
    switch (command.name) {
      case 'signoff': {
        if (!hasApproverLists(input.policy) && input.signerIsAdmin !== true) {
          const message = `No approvers are set for this team, so only Linear workspace admins may sign off, and ${displayActor(signer)} is not one.`;
          drafts.push({ id: newId(), scopeId: state.scopeId, at: input.now, actor: signer, deliverableId: state.id, kind: 'signoff_refused', data: { code: 'NOT_AN_APPROVER', message } });
          replies.push({ command: 'signoff', kind: 'signoff_refused', signer, message, emailUnknown: false });
          break;
        }
        const result = recordSignOff({ state, signer, roles: [], policy: input.policy, note: command.note, now: input.now, newId });
        drafts.push(result.draft);
        if (result.ok) {
          state = result.state;
          replies.push({
            command: 'signoff',
            kind: 'signoff_recorded',
            signer,
            digest: result.draft.data.signOff.digest,
            criterionCount: state.criteria.length,
            note: result.draft.data.signOff.note,
          });
        } else {
          replies.push({ command: 'signoff', kind: 'signoff_refused', signer, message: describeRefusal(result.code, result.message, signer, state.key, policyReading), emailUnknown: emailMayMatter(signer, input.policy) });
        }
        break;
      }
      case 'revoke-signoff': {
        const revoked = state.signOff;
        const result = revokeSignOff({ state, actor: signer, roles: [], policy: input.policy, note: command.note, now: input.now, newId });
        if (result.ok) {
          drafts.push(result.draft);
          const reopened = reopenIfDone(input, result.state, signer, newId, policyReading);
          state = reopened.state;
          drafts.push(...reopened.drafts);
          actions.push(...reopened.actions);
          replies.push({ command: 'revoke-signoff', kind: 'signoff_revoked', actor: signer, signer: revoked?.signer ?? signer, reopen: reopened.outcome });
        } else {
          replies.push({ command: 'revoke-signoff', kind: 'revoke_refused', message: result.message });
        }
        break;
      }
      case 'scope-reason': {
        const target = command.targetKey === null || command.targetKey === state.key ? state : findByKey(input.teamDeliverables, command.targetKey);
        if (target === null) {
          replies.push({ command: 'scope-reason', kind: 'reason_target_unknown', key: command.targetKey ?? state.key });
          break;
        }
        const changes = latestUndocumented(input.history, target.id, documented);
        const result = attachReason({
          changes,
          reason: command.reason,
          actor: signer,
          now: input.now,
          newId,
          scopeId: target.scopeId,
          deliverableId: target.id,
        });
        if (result.ok) {
          drafts.push(result.draft);
          for (const change of changes) documented.add(change.data.changeId);
          replies.push({ command: 'scope-reason', kind: 'reason_attached', changeCount: changes.length, key: target.id === state.id ? null : target.key });
        } else if (result.code === 'NOTHING_TO_DOCUMENT') {
          replies.push({ command: 'scope-reason', kind: 'nothing_to_document', key: target.key });
        } else {
          replies.push({ command: 'scope-reason', kind: 'missing_text' });
        }
        break;
      }
      case 'baseline': {
        if (createdBaseline) {
          replies.push({ command: 'baseline', kind: 'baseline_refused', code: 'ONE_PER_COMMENT', message: createdBaseline.name });
          break;
        }
        // With no approvers listed, a baseline is for Linear's workspace admins (User.admin).
        const authority = checkBaselineAuthority({ actor: signer, roles: [], policy: input.policy, isAdministrator: input.signerIsAdmin === true });
        if (!authority.ok) {
          replies.push({ command: 'baseline', kind: 'baseline_refused', code: 'NOT_AN_APPROVER', message: authority.message });
          break;
        }
        const result = createBaseline({
          id: newId(),
          scopeId: state.scopeId,
          name: command.baselineName,
          now: input.now,
          approvedBy: signer,
          deliverables: snapshotOf(input.teamDeliverables, state),
          current: baseline,
        });
        if (!result.ok) {
          replies.push({ command: 'baseline', kind: 'baseline_refused', code: result.code, message: result.message });
          break;
        }
        createdBaseline = result.value.baseline;
        baseline = createdBaseline;
        drafts.push(result.value.draft);
        replies.push({
          command: 'baseline',
          kind: 'baseline_created',
          name: createdBaseline.name,
          version: `${createdBaseline.major}.0`,
          deliverableCount: result.value.draft.data.deliverableCount,
          criterionCount: result.value.draft.data.criterionCount,
        });
        break;
      }
    }
  }

  const body = renderComments([{ kind: 'command_replies', replies }]);
  if (state !== null) {
    const status = planStatusComment({
      issueId: comment.issueId,
      seed: comment.id,
      policy: policyReading,
      before: input.stored ? { state: input.stored.state, baseline: input.baseline, records: input.history } : null,
      after: { state, baseline, records: [...input.history, ...drafts], parseHints: input.issue ? readLinearFacts(input.issue).parseHints : [] },
      ...(input.vocabulary ? { vocabulary: input.vocabulary } : {}),
    });
    if (status) actions.push(status);
  }
  // The reply's id comes from the comment: whatever redelivers it, the comment is answered once.
  if (body !== null) actions.push({ type: 'comment', id: deriveActionId(comment.id, 'reply'), issueId: comment.issueId, body });

  // The deliverable is written with every record decided from it, unchanged or not: a concurrent
  // change to it then fails the commit (VERSION_CONFLICT) and the comment is decided again.
  const changed = state !== null && (input.stored === null || state !== input.stored.state);
  const commit: StoreCommit | null =
    state !== null && (changed || drafts.length > 0 || createdBaseline)
      ? {
          scopeId: state.scopeId,
          deliverables: [{ state, expectedVersion: input.stored?.version ?? null }],
          ...(createdBaseline ? { baseline: createdBaseline } : {}),
          history: drafts,
        }
      : null;
  const outcome: DeliveryOutcome = state === null ? 'issue_unknown' : 'commands_processed';
  return input.mode === 'shadow' ? { outcome, commit, actions: [], withheld: actions } : { outcome, commit, actions, withheld: [] };
}

function nothingToDo(outcome: DeliveryOutcome): Decision {
  return { outcome, commit: null, actions: [], withheld: [] };
}

/**
 * The deliverable the commands act on: as stored (what the history knows, and what the author
 * saw when deliveries are processed in order), else read from Linear for an issue Scopekeeper
 * has not seen. Catching up on such an issue records it like reconciliation would: its author is unknown.
 */
function startingState(input: DecideCommentCommandsInput, newId: () => string): { state: DeliverableState; drafts: HistoryDraft[] } | null {
  if (input.stored) return { state: input.stored.state, drafts: [] };
  const issue = input.issue;
  if (!issue) return null;
  const next = buildDeliverableState(null, readLinearFacts(issue).facts, input.now);
  const scopeId = next.scopeId;
  const recorded = recordCriteriaChange({
    previous: null,
    next,
    baseline: input.baseline && input.baseline.scopeId === scopeId ? input.baseline : null,
    actor: UNKNOWN_ACTOR,
    now: input.now,
    source: 'linear-reconcile',
    reason: null,
    newId,
  });
  return { state: recorded.state, drafts: recorded.drafts };
}

/** All still undocumented changes of the issue's most recent edit (one edit's records share their time). */
function latestUndocumented(history: readonly HistoryRecord[], deliverableId: string, documented: ReadonlySet<string>): HistoryRecordOf<'scope_changed'>[] {
  const open = findUndocumentedChanges(history).filter((r) => r.deliverableId === deliverableId && !documented.has(r.data.changeId));
  const last = open[open.length - 1];
  if (!last) return [];
  return open.filter((r) => r.at === last.at);
}

/** The scope's deliverables as stored, with the commented issue as it stands now, in the core's snapshot order. */
function snapshotOf(stored: readonly StoredDeliverable[], current: DeliverableState) {
  return snapshotScope([...stored.map((s) => s.state).filter((s) => s.id !== current.id), current], current.scopeId);
}

/** A refused sign-off in Linear's words, naming who may sign off instead. */
function describeRefusal(code: string, message: string, signer: Actor, key: string, policy: ReturnType<typeof readClosurePolicy>): string {
  if (code === 'NOT_AN_APPROVER') return `${displayActor(signer)} is not an approver here. ${describeApprovers(policy)}`;
  if (code === 'SELF_SIGNOFF') return `${displayActor(signer)} is assigned to ${key}, and nobody may sign off their own work here. ${describeApprovers(policy)}`;
  return message;
}

/** A deliverable of the team by its key, as stored (a deleted one included). */
function findByKey(stored: readonly StoredDeliverable[], key: string): DeliverableState | null {
  const folded = key.toUpperCase();
  return stored.find((s) => s.state.key.toUpperCase() === folded)?.state ?? null;
}

/**
 * A sign-off withdrawn from a done issue: the closure it let through no longer stands, so the
 * core's gate decides it again, as a closure from an unknown state (docs/design.md): moved back
 * to the team's first started state in enforce mode, recorded as a bypass in shadow mode.
 */
function reopenIfDone(
  input: DecideCommentCommandsInput,
  state: DeliverableState,
  actor: Actor,
  newId: () => string,
  policy: ReturnType<typeof readClosurePolicy>,
): { state: DeliverableState; drafts: HistoryDraft[]; actions: LinearAction[]; outcome: ReopenOutcome } {
  const current = input.issue?.state ?? null;
  if (!current || !isDoneUnder(policy, current)) return { state, drafts: [], actions: [], outcome: { kind: 'not_done' } };
  const reopenTo = pickReopenState(input.workflowStates ?? []);
  const decision = decideDeliverableEvent({
    stored: state,
    event: {
      kind: 'observed',
      facts: { platform: 'linear', id: state.id, key: state.key, scopeId: state.scopeId, title: state.title, assigneeId: state.assigneeId, criteria: state.criteria },
      workflow: { kind: 'moved', from: null, to: current, revertTo: reopenTo ? { id: reopenTo.id, name: reopenTo.name } : null },
    },
    baseline: null,
    policy,
    mode: input.mode,
    actor,
    fallbackActor: UNKNOWN_ACTOR,
    source: 'linear-webhook',
    now: input.now,
    newId,
    tagger,
  });
  const closureDrafts = decision.drafts.filter((d) => d.kind === 'closure_refused' || d.kind === 'closure_bypassed');
  const revert = decision.intents.find((i) => i.kind === 'revert');
  const actions: LinearAction[] =
    revert?.kind === 'revert' ? [{ type: 'set_state', id: deriveActionId(input.comment.id, 'revert'), issueId: input.comment.issueId, stateId: revert.to.id }] : [];
  const outcome: ReopenOutcome = revert?.kind === 'revert' && decision.outcome === 'closure_refused' ? { kind: 'reopened', toState: revert.to.name ?? 'an open state' } : { kind: 'recorded', state: current.name };
  return { state, drafts: closureDrafts, actions: decision.outcome === 'closure_refused' ? actions : [], outcome };
}

/** The approver list names people by email and Scopekeeper could not see this author's email. */
function emailMayMatter(signer: Actor, policy: ClosurePolicy): boolean {
  return signer.email === null && policy.approverUserIds.some((entry) => entry.includes('@'));
}
