import { buildDeliverableState } from '../../src/core/build-deliverable-state';
import { checkBaselineAuthority } from '../../src/core/check-baseline-authority';
import { hasApproverLists } from '../../src/core/check-sign-off-authority';
import { explainScopeVersion } from '../../src/core/explain-scope-version';
import { createBaseline } from '../../src/core/create-baseline';
import { readClosurePolicy } from '../../src/core/read-closure-policy';
import { recordCriteriaChange, recordDeliverableRemoval } from '../../src/core/record-criteria-change';
import type { Actor, Baseline, ClosurePolicy, HistoryDraft } from '../../src/core/schemas';
import { snapshotScope } from '../../src/core/snapshot-scope';
import type { ConsoleScopeStore, DeliverableWrite, ScopeStore } from '../../src/core/store';
import { readTeamSettings } from '../console/read-team-settings';
import { LINEAR_SETTINGS_REMEDY } from '../decide/decide-issue-event';
import type { LinearGateway, LinearIssue } from '../gateway/gateway-types';
import type { LinearApiGateway } from '../gateway/linear-gateway';
import { deriveActionId, type LinearAction } from '../gateway/linear-action';
import { escapeText } from '../decide/render-status-comment';
import { linearScopeId } from '../decide/linear-scope-id';
import { readLinearFacts } from '../decide/read-linear-facts';

// `scopekeeper baseline --team ENG --name "SRS v1.0" --approved-by ana@client.example`: reads
// every issue of a Linear team through the API and records the team's scope as it stands now as
// a named baseline. Scope id `linear:<team id>`; deliverable ids are Linear issue ids, keys their
// identifiers.
//
// The approver is named on the command line but identified by Linear: the id or email is looked
// up through Linear's API (an active user), and the person Linear answers with is checked by the
// core's baseline authority against the team's settings: a listed approver, or with none listed
// a workspace admin (`User.admin`, as Linear says). Settings that cannot be read refuse it.
//
// Canceled issues (Linear state type `canceled`; a duplicate is a canceled issue with a
// duplicate relation) are not part of the agreed scope: skipped unless `includeCanceled`.

export interface BaselineCommandInput {
  gateway: Pick<LinearGateway, 'findTeam' | 'listTeamIssues'> & Pick<LinearApiGateway, 'findUser' | 'listAdmins'>;
  /** With `readScopeSettings`, the team's own settings (console) decide who may approve. */
  store: ScopeStore & Partial<Pick<ConsoleScopeStore, 'readScopeSettings'>>;
  /** The environment's policy (load-config's buildClosurePolicy): the defaults of a team without settings. */
  policy: ClosurePolicy;
  teamKey: string;
  name: string;
  /** The approver as typed: a Linear user id or email. */
  approvedBy: string;
  /** Keep canceled and duplicate issues in the baseline. Default false. */
  includeCanceled?: boolean;
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
  /** Why the scope version differs from the name's own number; null when it does not. */
  versionNote: string | null;
  deliverableCount: number;
  criterionCount: number;
  /** Keys of the deliverables that have no acceptance criteria yet. */
  withoutCriteria: string[];
  /** Keys of the canceled and duplicate issues left out. */
  skippedCanceled: string[];
  /**
   * The trace in Linear: a comment on the team's newest issue in the baseline saying the
   * baseline exists, for the outbox (its id derives from the baseline's, so it is sent once).
   * Null when the baseline has no issues.
   */
  trace: { issueKey: string; action: Extract<LinearAction, { type: 'comment' }> } | null;
}

export type BaselineCommandResult =
  | { ok: true; value: BaselineSummary }
  | {
      ok: false;
      code: 'TEAM_NOT_FOUND' | 'APPROVER_NOT_FOUND' | 'NOT_AN_APPROVER' | 'SETTINGS_UNREADABLE' | 'EMPTY_NAME' | 'DUPLICATE_NAME' | 'CONFLICT';
      message: string;
    };

const MAX_COMMIT_ATTEMPTS = 3;
/** Workflow state types of issues that are not part of the agreed scope. */
const CANCELED_TYPES: readonly string[] = ['canceled', 'duplicate'];

/** Reads the team's issues (every page) and commits the baseline with the deliverables' state and history. */
export async function runBaselineCommand(input: BaselineCommandInput): Promise<BaselineCommandResult> {
  const team = await input.gateway.findTeam(input.teamKey);
  if (!team) {
    return { ok: false, code: 'TEAM_NOT_FOUND', message: `Linear has no team with the key "${input.teamKey}" that this API key can see.` };
  }
  const scopeId = linearScopeId(team.id);
  const settings = input.store.readScopeSettings
    ? await readTeamSettings({ readScopeSettings: (id) => input.store.readScopeSettings!(id) }, scopeId, input.policy)
    : ({ ok: true, policy: input.policy } as const);
  if (!settings.ok) {
    return {
      ok: false,
      code: 'SETTINGS_UNREADABLE',
      message: `No baseline was recorded: team ${team.key}'s settings cannot be read (${settings.errors.join('; ')}), so nobody can tell who may approve. Save the team's settings again in the console.`,
    };
  }
  const policy = settings.policy;
  const user = await input.gateway.findUser(input.approvedBy);
  if (!user) {
    return {
      ok: false,
      code: 'APPROVER_NOT_FOUND',
      message: `No baseline was recorded: Linear has no active user with the id or email "${input.approvedBy.trim()}". ${await describeWhoMayApprove(input, team.key, policy)}`,
    };
  }
  const approvedBy: Actor = { id: user.id, name: user.name, email: user.email };
  const authority = checkBaselineAuthority({ actor: approvedBy, roles: [], policy: readClosurePolicy(policy, LINEAR_SETTINGS_REMEDY), isAdministrator: user.admin === true });
  if (!authority.ok) {
    return { ok: false, code: authority.code, message: `No baseline was recorded: ${authority.message} ${await describeWhoMayApprove(input, team.key, policy)}` };
  }
  const read = await readAllIssues(input.gateway, team.key, input.pageSize ?? 50);
  const skipped = input.includeCanceled ? [] : read.filter((issue) => CANCELED_TYPES.includes(issue.state.type));
  const left = new Set(skipped);
  const issues = read.filter((issue) => !left.has(issue));
  const deliverables = snapshotScope(
    issues.map((issue) => buildDeliverableState(null, readLinearFacts(issue).facts, input.now)),
    scopeId,
  );

  // A webhook may write a deliverable meanwhile: the commit then fails on its version and is
  // rebuilt from fresh reads of the store (Linear's answer is still current enough).
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt += 1) {
    const current = await input.store.getActiveBaseline(scopeId);
    const takenNames = (await input.store.listBaselines(scopeId)).map((b) => b.name);
    const created = createBaseline({ id: input.newId(), scopeId, name: input.name, now: input.now, approvedBy, deliverables, current, takenNames });
    if (!created.ok) return created;
    const { baseline, draft } = created.value;
    const { writes, drafts } = await describeDeliverables(input, scopeId, issues, approvedBy);

    const result = await input.store.commit({ scopeId, baseline, deliverables: writes, history: [...drafts, draft] });
    if (result.ok) {
      const record = result.records.find((r) => r.kind === 'baseline_created');
      const scopeVersion = record?.scopeVersion ?? `${baseline.major}.0`;
      const versionNote = explainScopeVersion(baseline.name, scopeVersion);
      return {
        ok: true,
        value: {
          baseline,
          teamKey: team.key,
          teamName: team.name,
          scopeVersion,
          versionNote,
          deliverableCount: deliverables.length,
          criterionCount: draft.data.criterionCount,
          withoutCriteria: deliverables.filter((d) => d.criteria.length === 0).map((d) => d.key),
          skippedCanceled: skipped.map((issue) => issue.identifier),
          trace: planTrace(issues, baseline, { key: team.key, name: team.name }, scopeVersion, versionNote, draft.data.criterionCount),
        },
      };
    }
    if (attempt === MAX_COMMIT_ATTEMPTS) {
      return { ok: false, code: 'CONFLICT', message: `The baseline could not be stored: ${result.message}. Run the command again.` };
    }
  }
  throw new Error('unreachable');
}

/**
 * Where Linear shows that a baseline exists. Linear's public API attaches documents to a project
 * or an issue only (`DocumentCreateInput.teamId` is "[Internal]") and project updates to a
 * project, which a team need not have; so the trace is a comment (`commentCreate`, with a
 * client-chosen id) on the team's newest issue in the baseline: the highest issue number.
 */
function planTrace(
  issues: readonly LinearIssue[],
  baseline: Baseline,
  team: { key: string; name: string },
  scopeVersion: string,
  versionNote: string | null,
  criterionCount: number,
): BaselineSummary['trace'] {
  const number = (issue: LinearIssue) => Number(/-(\d+)$/.exec(issue.identifier)?.[1] ?? 0);
  const newest = issues.reduce<LinearIssue | null>((best, issue) => (best === null || number(issue) > number(best) ? issue : best), null);
  if (newest === null) return null;
  const approver = escapeText(baseline.approvedBy.name ?? baseline.approvedBy.email ?? baseline.approvedBy.id);
  const body = [
    `**Scopekeeper: baseline “${escapeText(baseline.name)}” recorded for team ${escapeText(team.key)} (${escapeText(team.name)})**`,
    `${baseline.deliverables.length} ${baseline.deliverables.length === 1 ? 'issue' : 'issues'} with ${criterionCount} acceptance ${criterionCount === 1 ? 'criterion' : 'criteria'}, ` +
      `approved by ${approver} on ${baseline.createdAt.slice(0, 10)}; scope version ${scopeVersion}. From now on every change to their criteria is a change of scope, and Scopekeeper asks for a reason.`,
    ...(versionNote ? [versionNote] : []),
    '_Scopekeeper notes a team’s baseline on its newest issue; the list of issues is in the console._',
  ].join('\n\n');
  return { issueKey: newest.identifier, action: { type: 'comment', id: deriveActionId(baseline.id, 'baseline-trace'), issueId: newest.id, body } };
}

/** Names who may approve a baseline of the team, so a refusal says whom to ask. */
async function describeWhoMayApprove(input: BaselineCommandInput, teamKey: string, policy: ClosurePolicy): Promise<string> {
  if (hasApproverLists(policy)) {
    const named = policy.approverUserIds.length > 0 ? policy.approverUserIds.join(', ') : 'nobody by name';
    const roles = policy.approverRoles.length > 0 ? `; roles ${policy.approverRoles.join(', ')}` : '';
    return `Team ${teamKey}'s approvers are: ${named}${roles}. Run it again with --approved-by naming one of them.`;
  }
  const admins = await input.gateway.listAdmins();
  const names = admins.length > 0 ? admins.map((a) => (a.email ? `${a.name} (${a.email})` : a.name)).join(', ') : 'none found';
  return `Team ${teamKey} lists no approvers, so only Linear workspace admins may approve: ${names}. Run it again with --approved-by naming one of them, or list the team's approvers (SCOPEKEEPER_APPROVERS or the console's team settings).`;
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
