import { evaluateClosure } from '../src/core/evaluate-closure';
import { isDoneState } from '../src/core/is-done-state';
import { recordCriteriaChange } from '../src/core/record-criteria-change';
import type { ClosurePolicy, DeliverableState, HistoryDraft, HistoryRecord } from '../src/core/schemas';
import type { ScopeStore } from '../src/core/store';
import { createRecordIds, UNKNOWN_ACTOR } from './decide-issue-event';
import type { LinearGateway, LinearIssue, LinearWorkflowState } from './gateway-types';
import { deriveActionId, type LinearAction } from './linear-action';
import type { QueueStore } from './queue-types';
import { renderComments } from './render-comments';
import { readIssueState } from './read-issue-state';

// `scopekeeper reconcile --since 24h`: Linear drops a webhook delivery after three failed
// retries, so this re-reads the issues updated since a time and applies what was missed:
// - criteria edits, recorded as scope changes (source linear-reconcile, undocumented: a read
//   cannot tell who edited, so the author is the unknown Linear user);
// - the closure gate for issues standing in a done state: a closure without a valid sign-off is
//   recorded as bypassed and, in enforce mode, reopened (moved to a started state) with a comment
//   through the outbox; an allowed closure is recorded once.
// Everything is idempotent: a second run over the same issues records and sends nothing new.

export interface ReconcileTeam {
  id: string;
  key: string;
  name: string;
}

export interface ReconcileCommandInput {
  gateway: Pick<LinearGateway, 'listTeamIssues'> & { listWorkflowStates(teamId: string): Promise<LinearWorkflowState[]> };
  store: ScopeStore;
  /** Where reverts and comments go; null records the gate's verdict without acting. */
  queue: Pick<QueueStore, 'enqueueActions'> | null;
  teams: readonly ReconcileTeam[];
  /** ISO time: issues updated at or after it are read. */
  since: string;
  policy: ClosurePolicy;
  mode: 'enforce' | 'shadow';
  /** ISO time. */
  now: string;
  pageSize?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface ReconcileTeamSummary {
  key: string;
  issuesRead: number;
  deliverablesUpdated: number;
  scopeChanges: number;
  closuresRecorded: number;
  actionsQueued: number;
}

const MAX_COMMIT_ATTEMPTS = 3;
const CLOSURE_KINDS = ['closure_allowed', 'closure_refused', 'closure_bypassed'] as const;
type ClosureRecord = Extract<HistoryRecord, { kind: (typeof CLOSURE_KINDS)[number] }>;

/** Re-reads each team's recently updated issues and records (and acts on) what the webhooks missed. */
export async function runReconcileCommand(input: ReconcileCommandInput): Promise<ReconcileTeamSummary[]> {
  const summaries: ReconcileTeamSummary[] = [];
  for (const team of input.teams) {
    const summary: ReconcileTeamSummary = { key: team.key, issuesRead: 0, deliverablesUpdated: 0, scopeChanges: 0, closuresRecorded: 0, actionsQueued: 0 };
    let after: string | null = null;
    do {
      const page = await input.gateway.listTeamIssues({ teamKey: team.key, updatedSince: input.since, after, first: input.pageSize ?? 50 });
      for (const issue of page.issues) {
        summary.issuesRead += 1;
        await reconcileIssue(input, team, issue, summary);
      }
      after = page.nextCursor;
    } while (after !== null);
    summaries.push(summary);
  }
  return summaries;
}

async function reconcileIssue(input: ReconcileCommandInput, team: ReconcileTeam, issue: LinearIssue, summary: ReconcileTeamSummary): Promise<void> {
  const scopeId = `linear:${team.id}`;
  // One issue version, one set of ids: a rerun over the same version writes the same records.
  const seed = `reconcile:${issue.id}:${issue.updatedAt}`;
  for (let attempt = 1; ; attempt += 1) {
    const stored = await input.store.getDeliverable('linear', issue.id);
    const baseline = await input.store.getActiveBaseline(scopeId);
    const previous = stored?.state ?? null;
    const next = readIssueState(issue, previous?.signOff ?? null, input.now);
    const recorded = recordCriteriaChange({
      previous,
      next,
      baseline,
      actor: UNKNOWN_ACTOR,
      now: input.now,
      source: 'linear-reconcile',
      reason: null,
      newId: createRecordIds(seed),
    });
    const drafts: HistoryDraft[] = [...recorded.drafts];
    const gate = await checkClosure(input, team, issue, recorded.state, seed);
    if (gate.draft) drafts.push(gate.draft);

    const changed = previous === null || !sameState(previous, recorded.state);
    if (!changed && drafts.length === 0) {
      await enqueue(input, gate.actions, summary);
      return;
    }
    const result = await input.store.commit({
      scopeId,
      ...(changed ? { deliverables: [{ state: recorded.state, expectedVersion: stored?.version ?? null }] } : {}),
      history: drafts,
    });
    if (result.ok) {
      if (changed) summary.deliverablesUpdated += 1;
      summary.scopeChanges += recorded.changes.length;
      if (gate.draft) summary.closuresRecorded += 1;
      // After the commit: if this process dies in between, the next run finds its own
      // closure record and queues the same actions (same ids) again.
      await enqueue(input, gate.actions, summary);
      input.log?.({ msg: 'reconciled issue', issue: issue.identifier, scopeChanges: recorded.changes.length, closure: gate.draft?.kind ?? null });
      return;
    }
    // A webhook wrote the deliverable meanwhile: decide again from the fresh state.
    if (attempt >= MAX_COMMIT_ATTEMPTS) throw new Error(`${issue.identifier} could not be reconciled: ${result.message}`);
  }
}

async function enqueue(input: ReconcileCommandInput, actions: LinearAction[], summary: ReconcileTeamSummary): Promise<void> {
  if (actions.length === 0 || !input.queue) return;
  await input.queue.enqueueActions(actions, null, input.now);
  summary.actionsQueued += actions.length;
}

/** The closure gate for an issue standing in a done state; nothing when it is not done or already recorded. */
async function checkClosure(
  input: ReconcileCommandInput,
  team: ReconcileTeam,
  issue: LinearIssue,
  state: DeliverableState,
  seed: string,
): Promise<{ draft: HistoryDraft | null; actions: LinearAction[] }> {
  if (!isDoneState(input.policy, issue.state)) return { draft: null, actions: [] };
  const verdict = evaluateClosure({ state, policy: input.policy });
  const latest = await latestClosure(input.store, state);
  const toState = issue.state.name;
  const base = { id: deriveActionId(seed, 'closure'), scopeId: state.scopeId, at: input.now, actor: null, deliverableId: state.id };

  if (verdict.allowed) {
    const known = latest?.kind === 'closure_allowed' && latest.data.toState === toState;
    return { draft: known ? null : { ...base, kind: 'closure_allowed', data: { toState } }, actions: [] };
  }

  const enforcing = input.mode === 'enforce' && input.queue !== null;
  const reopenTo = enforcing ? pickReopenState(await input.gateway.listWorkflowStates(team.id)) : null;
  const actions: LinearAction[] = [];
  if (enforcing) {
    const body = renderComments([{ kind: 'closure_refused', key: state.key, toState, reverted: reopenTo !== null, reasons: verdict.reasons }]);
    // The comment first, as the webhook path does: the reason is on the issue when the move shows.
    if (body) actions.push({ type: 'comment', id: deriveActionId(seed, 'comment'), issueId: issue.id, body });
    if (reopenTo) actions.push({ type: 'set_state', id: deriveActionId(seed, 'reopen'), issueId: issue.id, stateId: reopenTo.id });
  }

  // Refused or bypassed before, and the issue not touched since: the webhook path (or an
  // earlier run) has it. Only this command's own record is acted on again (same ids: no duplicates).
  const known = latest !== null && latest.kind !== 'closure_allowed' && latest.data.toState === toState && Date.parse(latest.at) >= Date.parse(issue.updatedAt);
  if (known) return { draft: null, actions: latest.id === base.id && latest.kind === 'closure_bypassed' && latest.data.action === 'reopened' ? actions : [] };

  const draft: HistoryDraft = {
    ...base,
    kind: 'closure_bypassed',
    data: { toState, reasons: verdict.reasons, action: actions.some((a) => a.type === 'set_state') ? 'reopened' : 'recorded' },
  };
  return { draft, actions };
}

async function latestClosure(store: ScopeStore, state: DeliverableState): Promise<ClosureRecord | null> {
  const page = await store.queryHistory({ scopeId: state.scopeId, deliverableId: state.id, kinds: [...CLOSURE_KINDS], limit: 1 });
  return (page.records[0] as ClosureRecord | undefined) ?? null;
}

/**
 * A read cannot tell which state the issue came from (a webhook's updatedFrom can), so a missed
 * closure is reopened into the team's first "started" state, else its first "unstarted" one.
 */
function pickReopenState(states: readonly LinearWorkflowState[]): LinearWorkflowState | null {
  return states.find((s) => s.type === 'started') ?? states.find((s) => s.type === 'unstarted') ?? null;
}

function sameState(a: DeliverableState, b: DeliverableState): boolean {
  return (
    a.key === b.key &&
    a.scopeId === b.scopeId &&
    a.title === b.title &&
    a.assigneeId === b.assigneeId &&
    a.inScope === b.inScope &&
    JSON.stringify(a.criteria) === JSON.stringify(b.criteria)
  );
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: an ISO time, or a duration back from now such as 90m, 24h, 7d or 2w. */
export function parseSince(text: string, now: string): { ok: true; value: string } | { ok: false; message: string } {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * (UNIT_MS[(duration[2] ?? '').toLowerCase()] ?? 0);
    return { ok: true, value: new Date(Date.parse(now) - ms).toISOString() };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return { ok: true, value: new Date(trimmed).toISOString() };
  return {
    ok: false,
    message: `--since ${JSON.stringify(text)} is neither an ISO time (2026-03-01T09:00:00Z) nor a duration back from now (90m, 24h, 7d, 2w).`,
  };
}
