import { decideDeliverableEvent, type ClosureRecord } from '../../src/core/decide-deliverable-event';
import { isDoneState } from '../../src/core/is-done-state';
import { readClosurePolicy } from '../../src/core/read-closure-policy';
import type { ClosurePolicy, ServiceMode } from '../../src/core/schemas';
import { HISTORY_PAGE_MAX, type ScopeStore } from '../../src/core/store';
import type { Log } from '../service/create-logger';
import { createRecordIds, DEFAULT_LABEL_NAME, LINEAR_SETTINGS_REMEDY, UNKNOWN_ACTOR } from '../decide/decide-issue-event';
import type { LinearGateway, LinearIssue, LinearWorkflowState } from '../gateway/gateway-types';
import { deriveActionId, type LinearAction } from '../gateway/linear-action';
import { linearScopeId } from '../decide/linear-scope-id';
import { planLinearActions } from '../decide/plan-linear-actions';
import type { QueueStore } from '../queue/queue-types';
import type { SqlQueueStore } from '../queue/queue-store';
import { readLinearFacts } from '../decide/read-linear-facts';
import { loadTagger } from '../../src/hints/load-tagger';
import { pickReopenState } from '../decide/pick-reopen-state';
import { planStatusComment, pointsAtStatus } from '../decide/plan-status-comment';

const tagger = loadTagger();

// `scopekeeper reconcile --since 24h`: Linear drops a webhook delivery after three failed
// retries, so this re-reads the issues updated since a time and applies what was missed:
// - criteria edits, recorded as scope changes (source linear-reconcile, undocumented: a read
//   cannot tell who edited, so the author is the unknown Linear user);
// - the closure gate for issues standing in a done state, decided by the core as the webhook's
//   is (docs/design.md, "Closures after the fact"): in enforce mode a closure without a valid
//   sign-off is moved back (to the team's first started state: a read cannot tell where it came
//   from) and recorded as refused, with a comment through the outbox; in shadow mode, or with
//   nowhere to move it, it is recorded as a bypass. An allowed closure is recorded once.
// Everything is idempotent: a second run over the same issues records and sends nothing new.

export interface ReconcileTeam {
  id: string;
  key: string;
  name: string;
}

export interface ReconcileCommandInput {
  gateway: Pick<LinearGateway, 'listTeamIssues'> & { listWorkflowStates(teamId: string): Promise<LinearWorkflowState[]> };
  store: ScopeStore;
  /**
   * Where reverts and comments go; null records the gate's verdict without acting (as shadow mode
   * does). With `latestRevert`, a refused closure whose revert never landed is moved back again.
   */
  queue: (Pick<QueueStore, 'enqueueActions'> & { latestRevert?: SqlQueueStore['latestRevert'] }) | null;
  teams: readonly ReconcileTeam[];
  /** ISO time: issues updated at or after it are read; null reads every issue (`--all`, the backfill). */
  since: string | null;
  /** Where a team's reading resumes: the cursor after the last page done, and the counts so far. */
  resumeFrom?: (teamKey: string) => Promise<ReconcileProgress | null>;
  /** Told after each page, once its actions are queued: a progress line, and where to resume. */
  onPage?: (progress: ReconcileProgress) => Promise<void>;
  policy: ClosurePolicy;
  mode: ServiceMode;
  /** ISO time. */
  now: string;
  pageSize?: number;
  log?: Log;
}

export interface ReconcileTeamSummary {
  key: string;
  issuesRead: number;
  deliverablesUpdated: number;
  scopeChanges: number;
  closuresRecorded: number;
  actionsQueued: number;
  /** Refused closures still standing because their revert never landed (Linear refused it), moved back again. */
  revertsRepaired: number;
}

/** How far a team's reading got: `after` is the cursor of the next page, null when the team is done. */
export interface ReconcileProgress {
  summary: ReconcileTeamSummary;
  after: string | null;
}

const MAX_COMMIT_ATTEMPTS = 3;
/** Pages of one team's issues a run reads at most; a cursor seen twice stops it too. */
const MAX_ISSUE_PAGES = 1_000;
const CLOSURE_KINDS = ['closure_allowed', 'closure_refused', 'closure_bypassed'] as const;

/** Re-reads each team's recently updated issues and records (and acts on) what the webhooks missed. */
export async function runReconcileCommand(input: ReconcileCommandInput): Promise<ReconcileTeamSummary[]> {
  const summaries: ReconcileTeamSummary[] = [];
  const mode: ServiceMode = input.queue ? input.mode : 'shadow';
  for (const team of input.teams) {
    const resumed = (await input.resumeFrom?.(team.key)) ?? null;
    const summary: ReconcileTeamSummary = resumed?.summary ?? { key: team.key, issuesRead: 0, deliverablesUpdated: 0, scopeChanges: 0, closuresRecorded: 0, actionsQueued: 0, revertsRepaired: 0 };
    const reopenTo = mode === 'enforce' ? pickReopenState(await input.gateway.listWorkflowStates(team.id)) : null;
    let after: string | null = resumed?.after ?? null;
    const cursors = new Set<string>();
    for (let pages = 1; ; pages += 1) {
      const page = await input.gateway.listTeamIssues({ teamKey: team.key, ...(input.since === null ? {} : { updatedSince: input.since }), after, first: input.pageSize ?? 50 });
      for (const issue of page.issues) {
        summary.issuesRead += 1;
        await reconcileIssue({ ...input, mode }, team, issue, reopenTo, summary);
      }
      after = page.nextCursor;
      await input.onPage?.({ summary: { ...summary }, after });
      if (after === null) break;
      // Never page forever on a misbehaving API: each stop is logged.
      if (cursors.has(after) || pages >= MAX_ISSUE_PAGES) {
        input.log?.({ level: 'warn', msg: 'reconcile stopped paging', team: team.key, pages, reason: cursors.has(after) ? `cursor ${after} came a second time` : `page limit ${MAX_ISSUE_PAGES}` });
        break;
      }
      cursors.add(after);
    }
    summaries.push(summary);
  }
  return summaries;
}

async function reconcileIssue(
  input: ReconcileCommandInput,
  team: ReconcileTeam,
  issue: LinearIssue,
  reopenTo: LinearWorkflowState | null,
  summary: ReconcileTeamSummary,
): Promise<void> {
  const scopeId = linearScopeId(team.id);
  // One issue version, one set of ids: a rerun over the same version writes the same records.
  const seed = `reconcile:${issue.id}:${issue.updatedAt}`;
  const { facts, parseHints } = readLinearFacts(issue);
  for (let attempt = 1; ; attempt += 1) {
    const stored = await input.store.getDeliverable('linear', issue.id);
    const baseline = await input.store.getActiveBaseline(scopeId);
    const lastClosure = isDoneState(input.policy, issue.state) ? await latestClosure(input.store, scopeId, issue.id) : null;
    const decision = decideDeliverableEvent({
      stored: stored?.state ?? null,
      event: {
        kind: 'observed',
        facts,
        // As the webhook does: an issue without criteria gets the label (the backfill's point).
        labelled: issue.labels.some((label) => label.name.trim().toLowerCase() === DEFAULT_LABEL_NAME),
        workflow: { kind: 'found', state: issue.state, changedAt: issue.updatedAt, revertTo: reopenTo && { id: reopenTo.id, name: reopenTo.name }, lastClosure },
      },
      baseline,
      policy: readClosurePolicy(input.policy, LINEAR_SETTINGS_REMEDY),
      mode: input.mode,
      actor: null,
      fallbackActor: UNKNOWN_ACTOR,
      source: 'linear-reconcile',
      now: input.now,
      newId: createRecordIds(seed),
      tagger,
      closureId: deriveActionId(seed, 'closure'),
    });
    const { state, drafts } = decision;
    const records = baseline && stored ? (await input.store.queryHistory({ scopeId, deliverableId: issue.id, kinds: ['scope_changed', 'reason_attached'], limit: HISTORY_PAGE_MAX })).records : [];
    const status =
      state && input.mode === 'enforce' && (stored !== null || decision.changed)
        ? planStatusComment({
            issueId: issue.id,
            seed,
            policy: readClosurePolicy(input.policy, LINEAR_SETTINGS_REMEDY),
            before: stored ? { state: stored.state, baseline, records } : null,
            after: { state, baseline, records: [...records, ...drafts], parseHints },
            force: pointsAtStatus(decision.intents),
          })
        : null;
    const actions = planLinearActions(decision.intents, { issueId: issue.id, teamId: team.id, seed, labelName: DEFAULT_LABEL_NAME }, status);
    if (!state || (!decision.changed && drafts.length === 0)) {
      const repair = actions.length === 0 && lastClosure?.kind === 'closure_refused' ? await repairRevert(input, issue, reopenTo, seed) : [];
      if (repair.length > 0) {
        summary.revertsRepaired += 1;
        input.log?.({ msg: 'moving back a refused closure whose revert never landed', issue: issue.identifier });
      }
      await enqueue(input, [...actions, ...repair], summary);
      return;
    }
    const result = await input.store.commit({
      scopeId,
      ...(decision.changed ? { deliverables: [{ state, expectedVersion: stored?.version ?? null }] } : {}),
      history: drafts,
    });
    if (result.ok) {
      const closure = drafts.find((d) => (CLOSURE_KINDS as readonly string[]).includes(d.kind));
      const scopeChanges = drafts.filter((d) => d.kind === 'scope_changed').length;
      if (decision.changed) summary.deliverablesUpdated += 1;
      summary.scopeChanges += scopeChanges;
      if (closure) summary.closuresRecorded += 1;
      // After the commit: if this process dies in between, the next run finds its own
      // closure record and queues the same actions (same ids) again.
      await enqueue(input, actions, summary);
      input.log?.({ msg: 'reconciled issue', issue: issue.identifier, scopeChanges, closure: closure?.kind ?? null });
      return;
    }
    // A webhook wrote the deliverable meanwhile: decide again from the fresh state.
    if (attempt >= MAX_COMMIT_ATTEMPTS) throw new Error(`${issue.identifier} could not be reconciled: ${result.message}`);
  }
}

/**
 * A closure was refused, but the issue still stands in a done state and its latest revert was
 * refused by Linear for good (or is missing): move it back again, and say so once it is done.
 * A revert still pending is left to the outbox. Ids derive from this issue version, so a second
 * run over the same version queues nothing new.
 */
async function repairRevert(input: ReconcileCommandInput, issue: LinearIssue, reopenTo: LinearWorkflowState | null, seed: string): Promise<LinearAction[]> {
  if (input.mode !== 'enforce' || !reopenTo || !input.queue?.latestRevert) return [];
  const latest = await input.queue.latestRevert(issue.id);
  if (latest !== null && latest.status !== 'failed') return [];
  const revert: LinearAction = { type: 'set_state', id: deriveActionId(seed, 'repair-revert'), issueId: issue.id, stateId: reopenTo.id };
  const comment: LinearAction = {
    type: 'comment',
    id: deriveActionId(seed, 'repair-comment'),
    issueId: issue.id,
    body: `**${issue.identifier} was still in ${issue.state.name}, although its closure was refused: moving it back did not reach Linear before. Scopekeeper moved it back to ${reopenTo.name} now.** The reasons in the earlier comment still apply.`,
    after: {
      actionId: revert.id,
      bodyIfRefused: `**${issue.identifier} is still in ${issue.state.name}, although its closure was refused. Scopekeeper tried again to move it back to ${reopenTo.name}, but Linear refused the change.** Please move it back by hand; the reasons in the earlier comment still apply.`,
    },
  };
  return [revert, comment];
}

async function enqueue(input: ReconcileCommandInput, actions: LinearAction[], summary: ReconcileTeamSummary): Promise<void> {
  if (actions.length === 0 || !input.queue) return;
  await input.queue.enqueueActions(actions, null, input.now);
  summary.actionsQueued += actions.length;
}

async function latestClosure(store: ScopeStore, scopeId: string, deliverableId: string): Promise<ClosureRecord | null> {
  const page = await store.queryHistory({ scopeId, deliverableId, kinds: [...CLOSURE_KINDS], limit: 1 });
  return (page.records[0] as ClosureRecord | undefined) ?? null;
}

/**
 * A read cannot tell which state the issue came from (a webhook's updatedFrom can), so a missed
 * closure is reopened into the team's first "started" state, else its first "unstarted" one.
 */
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
