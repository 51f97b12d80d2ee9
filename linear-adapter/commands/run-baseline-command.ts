import { buildDeliverableState } from '../../src/core/build-deliverable-state';
import { checkBaselineAuthority } from '../../src/core/check-baseline-authority';
import { createBaseline } from '../../src/core/create-baseline';
import { readClosurePolicy } from '../../src/core/read-closure-policy';
import { recordCriteriaChange, recordDeliverableRemoval } from '../../src/core/record-criteria-change';
import type { Actor, Baseline, ClosurePolicy, HistoryDraft } from '../../src/core/schemas';
import { snapshotScope } from '../../src/core/snapshot-scope';
import type { DeliverableWrite, ScopeStore } from '../../src/core/store';
import { LINEAR_SETTINGS_REMEDY } from '../decide/decide-issue-event';
import type { LinearGateway, LinearIssue } from '../gateway/gateway-types';
import { linearScopeId } from '../decide/linear-scope-id';
import { readLinearFacts } from '../decide/read-linear-facts';

// `scopekeeper baseline --team ENG --name "SRS v1.0"`: reads every issue of a Linear team
// through the API and records the team's scope as it stands now as a named baseline.
// Scope id `linear:<team id>`; deliverable ids are Linear issue ids, keys their identifiers.
//
// The baseline is approved by the API key's user, and only if the core's baseline authority
// lets them: an approver when approvers are listed, else the key's holder as the administrator.
// No option names someone else: a name typed on a command line is not verified, and a baseline
// must say who really approved it, so the person is the one Linear authenticated.

export interface BaselineCommandInput {
  gateway: Pick<LinearGateway, 'findTeam' | 'fetchViewer' | 'listTeamIssues'>;
  store: ScopeStore;
  /** Who may take a baseline (load-config's buildClosurePolicy). */
  policy: ClosurePolicy;
  teamKey: string;
  name: string;
  /** ISO time. */
  now: string;
  newId: () => string;
  /** Issues read per request; Linear allows up to 250. Default 50. */
  pageSize?: number;
}

export interface BaselineSummary {
  baseline: Baseline;
  teamKey: string;
  teamName: string;
  scopeVersion: string;
  deliverableCount: number;
  criterionCount: number;
  /** Keys of the deliverables that have no acceptance criteria yet. */
  withoutCriteria: string[];
}

export type BaselineCommandResult =
  | { ok: true; value: BaselineSummary }
  | { ok: false; code: 'TEAM_NOT_FOUND' | 'NOT_AN_APPROVER' | 'SETTINGS_UNREADABLE' | 'EMPTY_NAME' | 'DUPLICATE_NAME' | 'CONFLICT'; message: string };

const MAX_COMMIT_ATTEMPTS = 3;

/** Reads the team's issues (every page) and commits the baseline with the deliverables' state and history. */
export async function runBaselineCommand(input: BaselineCommandInput): Promise<BaselineCommandResult> {
  const team = await input.gateway.findTeam(input.teamKey);
  if (!team) {
    return { ok: false, code: 'TEAM_NOT_FOUND', message: `Linear has no team with the key "${input.teamKey}" that this API key can see.` };
  }
  const viewer = await input.gateway.fetchViewer();
  const approvedBy: Actor = { id: viewer.id, name: viewer.name, email: viewer.email };
  const authority = checkBaselineAuthority({ actor: approvedBy, roles: [], policy: readClosurePolicy(input.policy, LINEAR_SETTINGS_REMEDY), isAdministrator: true });
  if (!authority.ok) {
    return { ok: false, code: authority.code, message: `No baseline was recorded: it would be approved by this API key's user. ${authority.message} Run it with an approver's API key.` };
  }
  const issues = await readAllIssues(input.gateway, team.key, input.pageSize ?? 50);
  const scopeId = linearScopeId(team.id);
  const deliverables = snapshotScope(
    issues.map((issue) => buildDeliverableState(null, readLinearFacts(issue).facts, input.now)),
    scopeId,
  );

  // A webhook may write a deliverable meanwhile: the commit then fails on its version and is
  // rebuilt from fresh reads of the store (Linear's answer is still current enough).
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt += 1) {
    const current = await input.store.getActiveBaseline(scopeId);
    const created = createBaseline({ id: input.newId(), scopeId, name: input.name, now: input.now, approvedBy, deliverables, current });
    if (!created.ok) return created;
    const { baseline, draft } = created.value;
    const { writes, drafts } = await describeDeliverables(input, scopeId, issues, approvedBy);

    const result = await input.store.commit({ scopeId, baseline, deliverables: writes, history: [...drafts, draft] });
    if (result.ok) {
      const record = result.records.find((r) => r.kind === 'baseline_created');
      return {
        ok: true,
        value: {
          baseline,
          teamKey: team.key,
          teamName: team.name,
          scopeVersion: record?.scopeVersion ?? `${baseline.major}.0`,
          deliverableCount: deliverables.length,
          criterionCount: draft.data.criterionCount,
          withoutCriteria: deliverables.filter((d) => d.criteria.length === 0).map((d) => d.key),
        },
      };
    }
    if (attempt === MAX_COMMIT_ATTEMPTS) {
      return { ok: false, code: 'CONFLICT', message: `The baseline could not be stored: ${result.message}. Run the command again.` };
    }
  }
  throw new Error('unreachable');
}

async function readAllIssues(gateway: BaselineCommandInput['gateway'], teamKey: string, first: number): Promise<LinearIssue[]> {
  const issues: LinearIssue[] = [];
  let after: string | null = null;
  do {
    const page = await gateway.listTeamIssues({ teamKey, after, first });
    issues.push(...page.issues);
    after = page.nextCursor;
  } while (after !== null);
  return issues;
}

/**
 * The deliverables as the baseline sees them. The new baseline is the agreed scope, so edits
 * since the last record are not scope changes against it; a sign-off those edits made stale is
 * still recorded as stale. Deliverables no longer in the team leave the scope.
 */
async function describeDeliverables(
  input: BaselineCommandInput,
  scopeId: string,
  issues: readonly LinearIssue[],
  actor: Actor,
): Promise<{ writes: DeliverableWrite[]; drafts: HistoryDraft[] }> {
  const writes: DeliverableWrite[] = [];
  const drafts: HistoryDraft[] = [];
  const context = { baseline: null, actor, now: input.now, source: 'cli' as const, reason: null, newId: input.newId };
  const seen = new Set<string>();
  for (const issue of issues) {
    seen.add(issue.id);
    const stored = await input.store.getDeliverable('linear', issue.id);
    const next = buildDeliverableState(stored?.state ?? null, readLinearFacts(issue).facts, input.now);
    const recorded = recordCriteriaChange({ ...context, previous: stored?.state ?? null, next });
    writes.push({ state: recorded.state, expectedVersion: stored?.version ?? null });
    drafts.push(...recorded.drafts);
  }
  for (const stored of await input.store.listDeliverables(scopeId)) {
    if (seen.has(stored.state.id) || stored.state.platform !== 'linear' || !stored.state.inScope) continue;
    const removed = recordDeliverableRemoval({ ...context, previous: stored.state });
    writes.push({ state: removed.state, expectedVersion: stored.version });
    drafts.push(...removed.drafts);
  }
  return { writes, drafts };
}
